//===- ApiJsonTest.cpp - Python-compatible JSON helpers ---------*- C++ -*-===//
//
// str()/repr()/bool()/dict()/list() and json.dumps as Python 3 gives them;
// the expected strings were produced with CPython 3.11.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/ApiJson.h"

#include "gtest/gtest.h"

using namespace overlord::engine::api;
using llvm::json::Value;

static Value parse(llvm::StringRef S) {
  auto V = llvm::json::parse(S);
  EXPECT_TRUE(bool(V)) << S.str();
  return V ? std::move(*V) : Value(nullptr);
}

TEST(ApiJson, FloatRepr) {
  EXPECT_EQ(pyFloatRepr(1.5), "1.5");
  EXPECT_EQ(pyFloatRepr(0.1), "0.1");
  EXPECT_EQ(pyFloatRepr(1e16), "1e+16");
  EXPECT_EQ(pyFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(pyFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(pyFloatRepr(0.00001), "1e-05");
  EXPECT_EQ(pyFloatRepr(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(pyFloatRepr(123456.789), "123456.789");
  EXPECT_EQ(pyFloatRepr(1.0 / 3), "0.3333333333333333");
}

TEST(ApiJson, StrAndRepr) {
  EXPECT_EQ(pyStr(parse("\"x\"")), "x");
  EXPECT_EQ(pyStr(parse("5")), "5");
  EXPECT_EQ(pyStr(parse("true")), "True");
  EXPECT_EQ(pyStr(parse("null")), "None");
  EXPECT_EQ(pyStr(parse("1.25")), "1.25");
  EXPECT_EQ(pyStr(parse("[1, \"a\", null, false]")), "[1, 'a', None, False]");
  EXPECT_EQ(pyStr(parse("{\"b\": [], \"a\": {}}")), "{'a': {}, 'b': []}");
  EXPECT_EQ(pyRepr(parse("\"it's\"")), "\"it's\"");
  EXPECT_EQ(pyRepr(parse("\"a'b\\\"c\"")), "'a\\'b\"c'");
  EXPECT_EQ(pyRepr(parse("\"tab\\t\\n\\u0001\"")), "'tab\\t\\n\\x01'");
  EXPECT_EQ(pyRepr(parse("\"caf\\u00e9\"")), "'caf\xc3\xa9'");
}

TEST(ApiJson, Truth) {
  for (const char *F : {"null", "false", "0", "0.0", "\"\"", "[]", "{}"})
    EXPECT_FALSE(pyTruth(parse(F))) << F;
  for (const char *T : {"true", "1", "-1", "0.5", "\"false\"", "\"0\"",
                        "[0]", "{\"a\": null}"})
    EXPECT_TRUE(pyTruth(parse(T))) << T;
}

TEST(ApiJson, DictCoercion) {
  auto D = pyDict(parse("[[\"A\", \"1\"], \"BC\", {\"x\": 1, \"y\": 2}]"));
  ASSERT_TRUE(D);
  ASSERT_EQ(D->size(), 3u);
  EXPECT_EQ(*(*D)[0].first.getAsString(), "A");
  EXPECT_EQ(*(*D)[1].first.getAsString(), "B");
  EXPECT_EQ(*(*D)[1].second.getAsString(), "C");
  EXPECT_EQ(*(*D)[2].first.getAsString(), "x");
  EXPECT_TRUE(pyDict(parse("\"\""))->empty());
  EXPECT_FALSE(pyDict(parse("\"ab\"")));  // ValueError
  EXPECT_FALSE(pyDict(parse("5")));       // TypeError
  EXPECT_FALSE(pyDict(parse("null")));    // TypeError
  EXPECT_FALSE(pyDict(parse("[[1]]")));   // ValueError
  EXPECT_FALSE(pyDict(parse("[[[1], 2]]"))); // unhashable
  // 1 and true are the same key: the first key stays, the last value wins.
  auto Same = pyDict(parse("[[1, \"a\"], [true, \"b\"]]"));
  ASSERT_TRUE(Same);
  ASSERT_EQ(Same->size(), 1u);
  EXPECT_EQ(pyStr((*Same)[0].first), "1");
  EXPECT_EQ(pyStr((*Same)[0].second), "b");
}

TEST(ApiJson, ListCoercion) {
  EXPECT_EQ(pyRepr(Value(*pyList(parse("\"ab\"")))), "['a', 'b']");
  EXPECT_EQ(pyRepr(Value(*pyList(parse("{\"k\": 1}")))), "['k']");
  EXPECT_FALSE(pyList(parse("3")));
  EXPECT_EQ(pyLen("caf\xc3\xa9"), 4u);
}

TEST(ApiJson, DumpsAndEnvelope) {
  EXPECT_EQ(toPyJson(parse("{\"b\": [1, 2.5, null], \"a\": \"\\u00e9</x>\"}")),
            "{\"a\": \"\\u00e9<\\/x>\", \"b\": [1, 2.5, null]}");
  EXPECT_EQ(toPyJson(Value("\xf0\x9f\x98\x80")), "\"\\ud83d\\ude00\"");
  EXPECT_EQ(envelope(200, {{"status", "OK"}}),
            "{\"status_code\": 200, \"status\": \"OK\"}");
  EXPECT_EQ(messageBody(404, "Not Found"),
            "{\"status_code\": 404, \"message\": \"Not Found\"}");
}
