//===- VmProfileFromPlanTest.cpp - vm.* ops back to the VM message -*- C++ -*-//
//
// For every vmJail example (examples/vm.yml, test/VmJail/Inputs/pkgbase.yml)
// and the inputs beside this file (secrets, a format script, sector sizes,
// cloud-init, an installed ISO), the plan overlordc builds is parsed and
// verified as the node does, vmProfileFromPlan() rebuilds the VM message,
// and it must equal the profile the reference client would POST for the
// same spec (Inputs/<name>.profile.json, made by Inputs/make-profile.py
// from print-spec; test/VmJail/vm-profile-inputs.test keeps both files in
// step with the compiler).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/VmBuilder.h"
#include "overlord/IR/Plan.h"
#include "overlord/Support/Diagnostics.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::engine;

namespace {

std::string inputPath(llvm::StringRef Name) {
  llvm::SmallString<256> P(llvm::sys::path::parent_path(__FILE__));
  llvm::sys::path::append(P, "Inputs", Name);
  return std::string(P);
}

std::string readInput(llvm::StringRef Name) {
  auto Buf = llvm::MemoryBuffer::getFile(inputPath(Name));
  EXPECT_TRUE(bool(Buf)) << "cannot read " << inputPath(Name);
  return Buf ? (*Buf)->getBuffer().str() : std::string();
}

/// A parsed and verified plan, as the node receives it.
struct LoadedPlan {
  llvm::SourceMgr SM;
  std::optional<ir::Plan> P;
  std::string Diags;

  explicit LoadedPlan(llvm::StringRef Text) {
    unsigned Id = SM.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(Text, "plan.oplan"), llvm::SMLoc());
    DiagnosticEngine DE(SM);
    P = ir::parsePlan(Id, DE);
    if (P && !ir::verifyPlan(*P, DE))
      P.reset();
    llvm::raw_string_ostream OS(Diags);
    DE.flush(OS);
  }
};

/// The digests of the test key for the secret values the inputs use.
std::map<std::string, std::string> secrets() {
  ir::SecretKey K = ir::SecretKey::fromBytes("vm-test-key");
  std::map<std::string, std::string> M;
  for (const char *V : {"build-arg-secret", "env-secret"})
    M[K.seal(V)] = V;
  return M;
}

std::string pretty(const llvm::json::Value &V) {
  return llvm::formatv("{0:2}", V).str();
}

class VmProfileFromPlan : public ::testing::TestWithParam<const char *> {};

TEST_P(VmProfileFromPlan, MatchesTheReferenceClientProfile) {
  std::string Name = GetParam();
  LoadedPlan L(readInput(Name + ".oplan"));
  ASSERT_TRUE(L.P) << L.Diags;
  ASSERT_EQ(L.P->Targets.size(), 1u);
  ASSERT_EQ(L.P->ops<ir::VmCreateOp>().size(), 1u);
  std::string Vm = L.P->ops<ir::VmCreateOp>().front().Symbol;
  llvm::Expected<llvm::json::Object> Got =
      vmProfileFromPlan(*L.P, 0, Vm, secrets());
  ASSERT_TRUE(bool(Got)) << llvm::toString(Got.takeError());
  llvm::Expected<llvm::json::Value> Want =
      llvm::json::parse(readInput(Name + ".profile.json"));
  ASSERT_TRUE(bool(Want)) << llvm::toString(Want.takeError());
  llvm::json::Value GotV(std::move(*Got));
  EXPECT_EQ(pretty(GotV), pretty(*Want));
  // The rebuilt profile is a payload the node accepts.
  llvm::Expected<VmProfile> P = parseVmProfile(pretty(GotV), Vm);
  ASSERT_TRUE(bool(P)) << llvm::toString(P.takeError());
  EXPECT_EQ(P->Name, Vm);
}

INSTANTIATE_TEST_SUITE_P(Inputs, VmProfileFromPlan,
                         ::testing::Values("vm", "pkgbase", "secret", "iso"));

TEST(VmProfileFromPlanErrors, SecretWithoutValue) {
  LoadedPlan L(readInput("secret.oplan"));
  ASSERT_TRUE(L.P) << L.Diags;
  auto Got = vmProfileFromPlan(*L.P, 0, "vm1", {});
  ASSERT_FALSE(bool(Got));
  EXPECT_NE(llvm::toString(Got.takeError()).find("has no value"),
            std::string::npos);
}

TEST(VmProfileFromPlanErrors, UnknownVmAndTarget) {
  LoadedPlan L(readInput("vm.oplan"));
  ASSERT_TRUE(L.P) << L.Diags;
  auto NoVm = vmProfileFromPlan(*L.P, 0, "other", {});
  ASSERT_FALSE(bool(NoVm));
  EXPECT_EQ(llvm::toString(NoVm.takeError()),
            "the target has no 'vm.create other'");
  auto NoTarget = vmProfileFromPlan(*L.P, 3, "vmtest", {});
  ASSERT_FALSE(bool(NoTarget));
  EXPECT_EQ(llvm::toString(NoTarget.takeError()), "the plan has no target 3");
}

TEST(VmProfileFromPlanErrors, SecretsResolved) {
  LoadedPlan L(readInput("secret.oplan"));
  ASSERT_TRUE(L.P) << L.Diags;
  auto Got = vmProfileFromPlan(*L.P, 0, "vm1", secrets());
  ASSERT_TRUE(bool(Got)) << llvm::toString(Got.takeError());
  std::string Text = pretty(llvm::json::Value(std::move(*Got)));
  EXPECT_EQ(Text.find("secret:hmac-sha256"), std::string::npos) << Text;
  EXPECT_NE(Text.find("env-secret"), std::string::npos);
}

} // namespace
