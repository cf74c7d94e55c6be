//===- AppJailOutputTest.cpp - AppJail output parser tests ------*- C++ -*-===//
//
// Byte-exact fixtures from appjail-interface.md §1.3–1.6, plus garbage.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/AppJailOutput.h"

#include "gtest/gtest.h"

using namespace overlord::engine;

namespace {

/// The message of an expected failure ("" if it unexpectedly succeeded).
template <typename T> std::string errorOf(llvm::Expected<T> E) {
  if (E)
    return "";
  return llvm::toString(E.takeError());
}

TEST(AppJailOutput, StripAnsi) {
  // The coloured "Cannot find the jail" line AppJail writes on stderr.
  EXPECT_EQ(stripAnsi("\x1b[1;30m[00:00:00]\x1b[0m \x1b[1;31m[ error ]\x1b[0m "
                      "Cannot find the jail `J`"),
            "[00:00:00] [ error ] Cannot find the jail `J`");
  EXPECT_EQ(stripAnsi("a\xc2\x9b" "31mb"), "ab"); // 8-bit CSI as UTF-8
  EXPECT_EQ(stripAnsi("\xdb\x9b"), "\xdb\x9b");   // 0x9B inside U+06DB stays
  EXPECT_EQ(stripAnsi("x\x1b[12"), "x");          // unterminated at the end
  EXPECT_EQ(stripAnsi("x\x1b[12\n"), "x\x1b[12\n"); // not a CSI: kept
  EXPECT_EQ(stripAnsi("\x1b]0;title\x07ok"), "\x1b]0;title\x07ok"); // OSC kept
  EXPECT_EQ(stripAnsi(""), "");
  EXPECT_EQ(stripAnsi("plain\ntext\n"), "plain\ntext\n");
}

TEST(AppJailOutput, Newlines) {
  EXPECT_EQ(normalizeNewlines("a\r\nb\r\n"), "a\nb\n");
  EXPECT_EQ(normalizeNewlines("a\rb\r"), "a\rb");
  EXPECT_EQ(chompOne("v\n\n"), "v\n");
  EXPECT_EQ(chompOne("v\r\n"), "v");
  EXPECT_EQ(chompOne("v"), "v");
}

TEST(AppJailOutput, JailStatus) {
  EXPECT_EQ(classifyJailStatus(0), JailRunState::Running);
  EXPECT_EQ(classifyJailStatus(1), JailRunState::Stopped);
  EXPECT_EQ(classifyJailStatus(66), JailRunState::Missing);
  EXPECT_EQ(classifyJailStatus(65), JailRunState::InvalidName);
  EXPECT_EQ(classifyJailStatus(64), JailRunState::Usage);
  EXPECT_EQ(classifyJailStatus(-3), JailRunState::Error);
  EXPECT_EQ(jailRunStateName(JailRunState::Missing), "missing");
  EXPECT_TRUE(jailExists(1));
  EXPECT_FALSE(jailExists(66));
}

TEST(AppJailOutput, JailGetValues) {
  EXPECT_EQ(parseJailGetValue("a1b2c3d4e5\n"), "a1b2c3d4e5");
  EXPECT_EQ(parseJailGetValue("\n"), "");
  EXPECT_EQ(parseJailGetValue(""), ""); // unknown keyword: nothing at all
  EXPECT_EQ(parseJailGetValue("2025-04-23 10:15:02\n"), "2025-04-23 10:15:02");
  EXPECT_EQ(parseJailGetValue("10.0.0.3\r\n"), "10.0.0.3");

  // `jail get -It -- J name network_ip4 ports created`: every field ends in
  // a tab, an empty value is one space, trailing spaces of a line are cut
  // (the one-keyword form's sed would cut those of the last field too).
  using V = std::vector<std::string>;
  EXPECT_EQ(*parseJailGetValues("web1\t \t8432 -> 8080/tcp\t2025-04-23 "
                                "10:15:02\t\n",
                                4),
            (V{"web1", "", "8432 -> 8080/tcp", "2025-04-23 10:15:02"}));
  EXPECT_EQ(*parseJailGetValues(" \t \t\n", 2), (V{"", ""}));
  EXPECT_EQ(*parseJailGetValues("a  \t b\t\r\n", 2), (V{"a", " b"}));
  EXPECT_EQ(*parseJailGetValues("l1\nl2  \t x\t\n", 2),
            (V{"l1\nl2", " x"}));
  // Shifted rows: a skipped (unknown or repeated) keyword, a tab in a value,
  // no row at all, garbage.
  EXPECT_EQ(errorOf(parseJailGetValues("web1\tUP\t\n", 3)),
            "cannot parse jail get -It: expected 3 values, got 2: "
            "'web1\\x9UP\\x9\\xa'");
  EXPECT_NE(errorOf(parseJailGetValues("a\tb\tc\t\n", 2)), "");
  EXPECT_NE(errorOf(parseJailGetValues("", 2)), "");
  EXPECT_NE(errorOf(parseJailGetValues("web1 UP\n", 2)), "");

  EXPECT_TRUE(*parseJailUp("UP"));
  EXPECT_FALSE(*parseJailUp("DOWN"));
  EXPECT_NE(errorOf(parseJailUp("up")), "");
  EXPECT_TRUE(*parseJailFlag("dirty", "1"));
  EXPECT_FALSE(*parseJailFlag("dirty", "0"));
  EXPECT_EQ(errorOf(parseJailFlag("dirty", "")),
            "cannot parse jail dirty: expected '0' or '1', got ''");

  EXPECT_EQ(parseJailAddressList("10.0.0.3"),
            std::vector<std::string>{"10.0.0.3"});
  EXPECT_EQ(parseJailAddressList("10.0.0.3,10.0.0.4"),
            (std::vector<std::string>{"10.0.0.3", "10.0.0.4"}));
  EXPECT_TRUE(parseJailAddressList("").empty());
}

TEST(AppJailOutput, JailPorts) {
  auto P = parseJailPorts("8080/tcp");
  ASSERT_TRUE(!!P);
  EXPECT_EQ(*P, (std::vector<JailPort>{{8080, 8080, "tcp"}}));
  auto Q = parseJailPorts("8432 -> 8080/tcp,53/udp");
  ASSERT_TRUE(!!Q);
  EXPECT_EQ(*Q, (std::vector<JailPort>{{8432, 8080, "tcp"}, {53, 53, "udp"}}));
  auto E = parseJailPorts("");
  ASSERT_TRUE(!!E);
  EXPECT_TRUE(E->empty());
  for (const char *Bad : {"8080", "8080/sctp", "x -> 80/tcp", "70000/tcp",
                          "0/tcp", ",", "80/tcp,", "-> 80/tcp"})
    EXPECT_NE(errorOf(parseJailPorts(Bad)), "") << Bad;
}

TEST(AppJailOutput, KeywordFiles) {
  // Labels: printf "%s", no trailing newline.
  EXPECT_EQ(parseKeywordFile("www.example.org"), "www.example.org");
  // conf/boot files: "%s\n"; only one newline is dropped.
  EXPECT_EQ(parseKeywordFile("8080\n"), "8080");
  EXPECT_EQ(parseKeywordFile("a\n\n"), "a\n");
  EXPECT_EQ(parseKeywordFile(""), std::nullopt);
  EXPECT_EQ(parseKeywordFile("\n"), std::nullopt);
}

TEST(AppJailOutput, Rctl) {
  const char *Fixture = "cputime=3\ndatasize=4096\nstacksize=0\n"
                        "coredumpsize=0\nmemoryuse=13451264\nmemorylocked=0\n"
                        "maxproc=6\nopenfiles=225\nvmemoryuse=51232768\n"
                        "pseudoterminals=0\nswapuse=0\nnthr=6\nmsgqqueued=0\n"
                        "msgqsize=0\nnmsgq=0\nnsem=0\nnsemop=0\nnshm=0\n"
                        "shmsize=0\nwallclock=4242\npcpu=0\nreadbps=0\n"
                        "writebps=0\nreadiops=0\nwriteiops=0\n";
  auto U = parseRctlUsage(Fixture);
  ASSERT_TRUE(!!U);
  EXPECT_EQ(U->Resources.size(), 25u);
  EXPECT_EQ(U->get("memoryuse"), 13451264);
  EXPECT_EQ(U->get("wallclock"), 4242);
  EXPECT_EQ(U->get("nosuch"), std::nullopt);
  auto Empty = parseRctlUsage("");
  ASSERT_TRUE(!!Empty);
  EXPECT_TRUE(Empty->Resources.empty());
  EXPECT_TRUE(!!parseRctlUsage("cputime=3\r\n\n"));
  EXPECT_EQ(errorOf(parseRctlUsage("cputime=3\nmemoryuse=13M\n")),
            "cannot parse rctl -u: line 2: expected 'resource=integer', "
            "got 'memoryuse=13M'");
  for (const char *Bad : {"garbage", "=3", "cputime=", "cpu time=3",
                          "cputime=99999999999999999999999", "\x1b[1m"})
    EXPECT_NE(errorOf(parseRctlUsage(Bad)), "") << Bad;
}

TEST(AppJailOutput, Cpuset) {
  auto C = parseCpuset("0, 1, 2, 3\n");
  ASSERT_TRUE(!!C);
  EXPECT_EQ(*C, (std::vector<unsigned>{0, 1, 2, 3}));
  auto Stopped = parseCpuset("");
  ASSERT_TRUE(!!Stopped);
  EXPECT_TRUE(Stopped->empty());
  auto Raw = parseCpuset("jail 1 mask: 3, 0-1, 1\n");
  ASSERT_TRUE(!!Raw);
  EXPECT_EQ(*Raw, (std::vector<unsigned>{0, 1, 3}));
  for (const char *Bad : {"a, b", "3-1", "0-4000000000", "1,,2", "-"})
    EXPECT_NE(errorOf(parseCpuset(Bad)), "") << Bad;
}

} // namespace
