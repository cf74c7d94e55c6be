//===- DiagnosticsTest.cpp - DiagnosticEngine unit tests --------*- C++ -*-===//
#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Suggest.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

using namespace overlord;

namespace {

struct Fixture {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags{SM};
  const char *Start;
  explicit Fixture(llvm::StringRef Text) {
    unsigned B = SM.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(Text, "t.yml"), llvm::SMLoc());
    Start = SM.getMemoryBuffer(B)->getBufferStart();
  }
  llvm::SMRange at(size_t Off, size_t Len) {
    return {llvm::SMLoc::getFromPointer(Start + Off),
            llvm::SMLoc::getFromPointer(Start + Off + Len)};
  }
  std::string flush() {
    std::string S;
    llvm::raw_string_ostream OS(S);
    Diags.flush(OS);
    return OS.str();
  }
};

TEST(Diagnostics, SortsInSourceOrderWithKindName) {
  Fixture F("aaa: 1\nbbb: 2\n");
  F.Diags.emit(F.at(7, 3), diag::FileUnreadable, std::string("b"),
               std::string("x"));
  F.Diags.emit(F.at(0, 3), diag::FileUnreadable, std::string("a"),
               std::string("y"));
  std::string Out = F.flush();
  size_t A = Out.find("t.yml:1:1: error: cannot read 'a': y [FileUnreadable]");
  size_t B = Out.find("t.yml:2:1: error: cannot read 'b': x [FileUnreadable]");
  ASSERT_NE(A, std::string::npos) << Out;
  ASSERT_NE(B, std::string::npos) << Out;
  EXPECT_LT(A, B);
  EXPECT_NE(Out.find("^~~"), std::string::npos) << Out;
}

TEST(Diagnostics, DuplicateIsSuppressed) {
  Fixture F("x\n");
  F.Diags.emit(F.at(0, 1), diag::FileUnreadable, std::string("a"),
               std::string("y"));
  EXPECT_FALSE(F.Diags.emit(F.at(0, 1), diag::FileUnreadable,
                            std::string("a"), std::string("y")));
  EXPECT_EQ(F.Diags.getNumErrors(), 1u);
}

TEST(Diagnostics, ErrorLimit) {
  Fixture F("abcdef\n");
  F.Diags.setErrorLimit(2);
  for (int I = 0; I < 5; ++I)
    F.Diags.emit(F.at(I, 1), diag::FileUnreadable, std::to_string(I),
                 std::string("e"));
  std::string Out = F.flush();
  EXPECT_NE(Out.find("too many errors emitted"), std::string::npos);
  EXPECT_EQ(Out.find("cannot read '2'"), std::string::npos);
}

TEST(Diagnostics, JsonFormat) {
  Fixture F("abc\n");
  F.Diags.setFormat(DiagFormat::Json);
  F.Diags.emit(F.at(1, 2), diag::FileUnreadable, std::string("a"),
               std::string("y"))
      .fixit(F.at(1, 2), "zz");
  std::string Out = F.flush();
  EXPECT_NE(Out.find("\"kind\": \"FileUnreadable\""), std::string::npos) << Out;
  EXPECT_NE(Out.find("\"column\": 2"), std::string::npos) << Out;
  EXPECT_NE(Out.find("\"replacement\": \"zz\""), std::string::npos) << Out;
}

TEST(Suggest, PrefersCaseInsensitiveThenEditDistance) {
  llvm::StringRef Keys[] = {"deployIn", "datacenters", "kind"};
  EXPECT_EQ(suggestClosest("deployin", Keys), "deployIn");
  EXPECT_EQ(suggestClosest("datacenter", Keys), "datacenters");
  EXPECT_EQ(suggestClosest("zzzzzzzz", Keys), "");
  EXPECT_EQ(didYouMean("kind"), "; did you mean 'kind'?");
}

TEST(Suggest, TranspositionIsOneEdit) {
  llvm::StringRef Instr[] = {"RUN", "RAW", "CMD"};
  EXPECT_EQ(suggestClosest("RNU", Instr), "RUN");
  llvm::StringRef Opts[] = {"start", "stop"};
  EXPECT_EQ(suggestClosest("statr", Opts), "start");
  EXPECT_EQ(suggestClosest("sta", Opts), "");
}

} // namespace
