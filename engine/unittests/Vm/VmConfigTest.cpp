//===- VmConfigTest.cpp - overlordd.binaries/timeouts for VM jobs -*- C++ -*-//
//
// The VM flow's programs come from `overlordd.binaries.*` (bare names by
// default, looked up in PATH) and its commands' timeout from
// `overlordd.timeouts.vm-install` (default: execution_time).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Config.h"
#include "overlord/Engine/VmBuilder.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::engine;

namespace {

std::optional<EngineConfig> parse(llvm::StringRef Text, std::string &Diags) {
  llvm::SourceMgr SM;
  DiagnosticEngine DE(SM);
  unsigned Id = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Text, "overlord.yml"), llvm::SMLoc());
  std::optional<EngineConfig> C = parseConfig(Id, DE, ConfigOptions());
  llvm::raw_string_ostream OS(Diags);
  DE.flush(OS);
  return C;
}

TEST(VmConfig, DefaultsAreBareNamesAndExecutionTime) {
  EngineConfig C = defaultConfig(ConfigOptions());
  VmTools T = vmToolsFromConfig(C);
  EXPECT_EQ(T.Mdconfig, "mdconfig");
  EXPECT_EQ(T.Makefs, "makefs");
  EXPECT_EQ(T.Cp, "cp");
  EXPECT_EQ(C.timeoutFor("vm-install"), 10800);
}

TEST(VmConfig, BinariesAndTimeoutAreConfigurable) {
  std::string Diags;
  auto C = parse("execution_time: 99\noverlordd:\n  binaries:\n"
                 "    mdconfig: /opt/sbin/mdconfig\n    fetch: /opt/bin/fetch\n"
                 "  timeouts:\n    vm-install: 7\n",
                 Diags);
  ASSERT_TRUE(C) << Diags;
  VmTools T = vmToolsFromConfig(*C);
  EXPECT_EQ(T.Mdconfig, "/opt/sbin/mdconfig");
  EXPECT_EQ(T.Fetch, "/opt/bin/fetch");
  EXPECT_EQ(T.Gpart, "gpart");
  EXPECT_EQ(C->timeoutFor("vm-install"), 7);
  auto D = parse("execution_time: 99\n", Diags);
  ASSERT_TRUE(D) << Diags;
  EXPECT_EQ(D->timeoutFor("vm-install"), 99);
  llvm::json::Value P = printConfig(*C);
  const llvm::json::Object *B =
      P.getAsObject()->getObject("overlordd")->getObject("binaries");
  ASSERT_TRUE(B);
  EXPECT_EQ(B->getString("mdconfig"), llvm::Optional<llvm::StringRef>("/opt/sbin/mdconfig"));
}

TEST(VmConfig, EmptyBinaryIsAnError) {
  std::string Diags;
  auto C = parse("overlordd: {binaries: {gpart: ''}}\n", Diags);
  EXPECT_FALSE(C);
  EXPECT_NE(Diags.find("'overlordd.binaries.gpart' is empty"), std::string::npos)
      << Diags;
}

} // namespace
