//===- FormatTest.cpp - humanfriendly / Python formatting -------*- C++ -*-===//
//
// The expected strings were produced with humanfriendly 10.0 and CPython 3.11
// (format_timespan, format_size(binary=True), repr, stat.filemode).
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/Format.h"
#include "overlord/Client/HttpClient.h"
#include "overlord/Client/Session.h"

#include "gtest/gtest.h"

using namespace overlord::client;

TEST(ClientFormat, Timespan) {
  EXPECT_EQ(formatTimespan(0), "0 seconds");
  EXPECT_EQ(formatTimespan(1), "1 second");
  EXPECT_EQ(formatTimespan(1.5), "1.5 seconds");
  EXPECT_EQ(formatTimespan(42.414), "42.41 seconds");
  EXPECT_EQ(formatTimespan(59.999), "60 seconds");
  EXPECT_EQ(formatTimespan(60), "1 minute");
  EXPECT_EQ(formatTimespan(462.41), "7 minutes and 42.41 seconds");
  EXPECT_EQ(formatTimespan(3723), "1 hour, 2 minutes and 3 seconds");
  EXPECT_EQ(formatTimespan(7200), "2 hours");
  EXPECT_EQ(formatTimespan(90061), "1 day, 1 hour and 1 minute");
  EXPECT_EQ(formatTimespan(31449600 + 604800), "1 year and 1 week");
  EXPECT_EQ(formatTimespan(-5), "0 seconds");
}

TEST(ClientFormat, Size) {
  EXPECT_EQ(formatSize(0), "0 bytes");
  EXPECT_EQ(formatSize(1), "1 byte");
  EXPECT_EQ(formatSize(512), "512 bytes");
  EXPECT_EQ(formatSize(1024), "1 KiB");
  EXPECT_EQ(formatSize(1536), "1.5 KiB");
  EXPECT_EQ(formatSize(1048576), "1 MiB");
  EXPECT_EQ(formatSize(536870912), "512 MiB");
  EXPECT_EQ(formatSize(1073741824.0 * 1.25), "1.25 GiB");
  EXPECT_EQ(formatSize(1000), "1000 bytes");
}

TEST(ClientFormat, PythonRepr) {
  EXPECT_EQ(pythonRepr(nullptr), "None");
  EXPECT_EQ(pythonRepr(true), "True");
  EXPECT_EQ(pythonRepr(false), "False");
  EXPECT_EQ(pythonRepr(42), "42");
  EXPECT_EQ(pythonRepr(-7), "-7");
  EXPECT_EQ(pythonRepr(1.5), "1.5");
  // llvm::json cannot tell 2.0 from 2 once parsed: integral numbers print
  // as Python ints.
  EXPECT_EQ(pythonRepr(2.0), "2");
  EXPECT_EQ(pythonRepr(0.1), "0.1");
  EXPECT_EQ(pythonRepr(1e300), "1e+300");
  EXPECT_EQ(pythonRepr(0.0001), "0.0001");
  EXPECT_EQ(pythonRepr(1.5e-5), "1.5e-05");
  EXPECT_EQ(pythonRepr(123456.789), "123456.789");
  EXPECT_EQ(pythonRepr("it's"), "\"it's\"");
  EXPECT_EQ(pythonRepr("a'b\"c"), "'a\\'b\"c'");
  EXPECT_EQ(pythonRepr("x\ny\t\x01"), "'x\\ny\\t\\x01'");
  EXPECT_EQ(pythonRepr(llvm::json::Array{1, "a", nullptr}), "[1, 'a', None]");
  EXPECT_EQ(pythonRepr(llvm::json::Object{{"b", 1}, {"a", llvm::json::Object{}}}),
            "{'a': {}, 'b': 1}");
  EXPECT_EQ(pythonStr("plain"), "plain");
  EXPECT_EQ(pythonStr(nullptr), "None");
}

TEST(ClientFormat, FileMode) {
  EXPECT_EQ(fileMode(0100644), "-rw-r--r--");
  EXPECT_EQ(fileMode(040755), "drwxr-xr-x");
  EXPECT_EQ(fileMode(0120777), "lrwxrwxrwx");
  EXPECT_EQ(fileMode(0104755), "-rwsr-xr-x");
  EXPECT_EQ(fileMode(041777), "drwxrwxrwt");
  EXPECT_EQ(fileMode(0102644), "-rw-r-Sr--");
}

TEST(ClientFormat, Helpers) {
  EXPECT_EQ(escapeSegment("web-1.log"), "web-1.log");
  EXPECT_EQ(escapeSegment("a/b c"), "a%2Fb%20c");
  EXPECT_EQ(chainOf("main"), "");
  EXPECT_EQ(chainOf("main.alpha.b"), "alpha.b");
  EXPECT_EQ(pythonJsonDumps(llvm::json::Object{{"force", false}}),
            "{\"force\": false}");
  EXPECT_TRUE(isSizeMetric("memoryuse"));
  EXPECT_FALSE(isSizeMetric("maxproc"));
}
