//===- OptionsTest.cpp - appjail-quick option and Makejail tests -*- C++ -*-===//
//
// The pieces of the option and Makejail checks that lit cannot reach
// directly: the tokenizer's words and offsets, the name predicates, the
// entry points called with inexact ranges (Director and spec checkers), and
// arbitrary bytes never crashing the Makejail parser.
//
//===----------------------------------------------------------------------===//
#include "overlord/AppJail/Makejail.h"
#include "overlord/AppJail/Options.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

#include <random>

using namespace overlord;
using namespace overlord::appjail;

namespace {

struct Fixture {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags{SM};
  llvm::StringRef Text;
  explicit Fixture(llvm::StringRef T) {
    unsigned B = SM.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(T, "t.makejail"), llvm::SMLoc());
    Text = SM.getMemoryBuffer(B)->getBuffer();
  }
  llvm::SMRange all() const {
    return {llvm::SMLoc::getFromPointer(Text.begin()),
            llvm::SMLoc::getFromPointer(Text.end())};
  }
  std::string flush() {
    std::string S;
    llvm::raw_string_ostream OS(S);
    Diags.flush(OS);
    return OS.str();
  }
};

TEST(Options, SplitWordsRemovesQuotesAndKeepsOffsets) {
  Fixture F("a \"b c\" 'd'e\\ f");
  std::vector<Word> W;
  ASSERT_TRUE(splitWords(F.Text, TextLocator::forRange(F.Text, F.all()),
                         F.Diags, W));
  ASSERT_EQ(W.size(), 3u);
  EXPECT_EQ(W[0].Text, "a");
  EXPECT_EQ(W[1].Text, "b c");
  EXPECT_EQ(W[1].Begin, 2u);
  EXPECT_EQ(W[1].End, 7u);
  EXPECT_EQ(W[2].Text, "de f");
}

TEST(Options, UnknownPartsAreNotJudged) {
  EXPECT_TRUE(hasUnknownPart("${network}:x"));
  EXPECT_TRUE(hasUnknownPart("%{NAME}"));
  EXPECT_FALSE(hasUnknownPart(":<random>"));
  Fixture F("${net}:x address:${ip}");
  EXPECT_TRUE(checkQuickOption("virtualnet", F.Text, F.all(), F.all(),
                               F.Diags));
  EXPECT_FALSE(F.Diags.hasErrors());
}

TEST(Options, LabelKeysAndHumanNames) {
  EXPECT_TRUE(isLabelKey("overlord.load-balancer.interface"));
  EXPECT_TRUE(isLabelKey("a1b"));
  EXPECT_FALSE(isLabelKey("Web"));
  EXPECT_FALSE(isLabelKey("a..b"));
  EXPECT_FALSE(isLabelKey("a.1b"));
  EXPECT_FALSE(isLabelKey("a."));
  EXPECT_FALSE(isLabelKey(""));
  EXPECT_TRUE(isHumanName("ajnet_1-x"));
  EXPECT_FALSE(isHumanName("-x"));
  EXPECT_FALSE(isHumanName("a.b"));
}

TEST(Options, RctlRules) {
  Fixture F("x");
  EXPECT_TRUE(checkRctlRule("vmemoryuse:deny=1g", F.all(), F.Diags));
  EXPECT_TRUE(checkRctlRule("pcpu:log=50/jail", F.all(), F.Diags));
  EXPECT_TRUE(checkRctlRule("writebps:throttle=10M", F.all(), F.Diags));
  EXPECT_FALSE(F.Diags.hasErrors());
  EXPECT_FALSE(checkRctlRule("vmemoryuse:deny=1x", F.all(), F.Diags));
  EXPECT_FALSE(checkRctlRule("wallclock:deny=10", F.all(), F.Diags));
  EXPECT_NE(F.flush().find("[RctlActionNotAllowed]"), std::string::npos);
}

TEST(Options, InexactRangeFallsBackToTheWholeValue) {
  // A quoted YAML scalar: the decoded text is not the source text.
  Fixture F("'statr'");
  llvm::SMRange R = F.all();
  EXPECT_FALSE(checkQuickOption("statr", std::nullopt, R, R, F.Diags));
  EXPECT_TRUE(checkQuickOption("nat", std::nullopt, R, R, F.Diags));
  EXPECT_TRUE(checkQuickOption("expose", std::string("8080"), R, R, F.Diags));
  EXPECT_FALSE(checkQuickOption("expose", std::string("8080 proto:x"), R, R,
                                F.Diags));
  std::string Out = F.flush();
  EXPECT_NE(Out.find("t.makejail:1:1: error: unknown protocol 'x'"),
            std::string::npos);
}

TEST(Makejail, References) {
  Fixture F("x");
  for (llvm::StringRef Ok :
       {"gh+AppJail-makejails/nginx", "${OVERLORD_METADATA}/tor.makejail",
        "Makejail", "gl-ssh+u/r --branch main --tmp", "fetch+https://x/y"})
    EXPECT_TRUE(checkMakejailReference(Ok, F.all(), F.Diags)) << Ok.str();
  EXPECT_FALSE(checkMakejailReference("gh+nope", F.all(), F.Diags));
  EXPECT_FALSE(checkMakejailReference("http+x", F.all(), F.Diags));
  EXPECT_FALSE(checkMakejailReference("", F.all(), F.Diags));
}

TEST(Makejail, ParsesInstructionsAndStages) {
  Fixture F("ARG x\n# c\nSTAGE start\nRUN a \\\n  b\n");
  auto M = parseMakejail(F.Text, originForBuffer(F.Text), F.Diags);
  ASSERT_TRUE(M.has_value());
  ASSERT_EQ(M->Instructions.size(), 3u);
  EXPECT_EQ(M->Instructions[2].Name, "RUN");
  EXPECT_EQ(M->Instructions[2].Args, "a b");
  EXPECT_EQ(M->Instructions[2].Stage, "start");
  EXPECT_EQ(M->Instructions[2].Line, 4u);
}

TEST(Makejail, ArbitraryBytesNeverCrash) {
  std::mt19937 Rng(42);
  const char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ =:+\\\"'#\n\r\t-%{}$<>/";
  for (int Round = 0; Round < 300; ++Round) {
    std::string S;
    for (int I = 0, N = Rng() % 200; I < N; ++I)
      S += Rng() % 8 ? Alphabet[Rng() % (sizeof(Alphabet) - 1)]
                     : char(Rng() % 256);
    Fixture F(S);
    parseMakejail(F.Text, originForBuffer(F.Text), F.Diags);
    // And with an origin that knows no lines (everything at one place).
    ast::TextOrigin Coarse;
    Coarse.Start = llvm::SMLoc::getFromPointer(F.Text.begin());
    parseMakejail(F.Text, Coarse, F.Diags);
    F.flush();
  }
}

} // namespace
