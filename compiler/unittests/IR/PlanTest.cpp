//===- PlanTest.cpp - Plan IR unit tests ------------------------*- C++ -*-===//
//
// The registry, the builder's canonical order, secrets, sizes, round trips
// and the diff API.
//
//===----------------------------------------------------------------------===//
#include "overlord/IR/Diff.h"
#include "overlord/IR/Plan.h"
#include "overlord/Support/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::ir;

namespace {

Plan samplePlan(llvm::StringRef Port = "80") {
  PlanBuilder B(SecretKey::fromBytes("test-key"));
  B.setCompiler("overlordc test");
  B.addSource("web.yml", "kind: directorProject\n");
  TargetID T;
  TargetOp &Target = B.target("main.alpha", &T);
  Target.Labels = {"all"};
  ProjectUpOp &Up = B.add<ProjectUpOp>(T, "web");
  Up.Director = "services:\n  web: {}\n";
  Up.Environment["PORT"] = Port.str();
  Up.SecretEnvironment["TOKEN"] = B.seal("hunter2");
  MetadataPutOp &M = B.add<MetadataPutOp>(T, "cfg");
  M.Value = "x";
  M.Size = 1;
  B.target("main"); // a second target, added after: sorted first
  return B.finish();
}

std::optional<Plan> parse(llvm::StringRef Text, llvm::SourceMgr &SM,
                          DiagnosticEngine &Diags) {
  unsigned ID = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Text, "t.oplan"), llvm::SMLoc());
  return parsePlan(ID, Diags);
}

TEST(PlanIR, RegistryFieldsAreSortedByName) {
  for (unsigned K = 0; K < static_cast<unsigned>(OpKind::NumKinds); ++K) {
    const OpInfo &I = getOpInfo(static_cast<OpKind>(K));
    for (size_t F = 1; F < I.Fields.size(); ++F)
      EXPECT_LT(I.Fields[F - 1].Name, I.Fields[F].Name) << I.Mnemonic.str();
    for (const FieldInfo &F : I.Fields)
      EXPECT_EQ(F.forcesReplace(), !F.Reason.empty())
          << I.Mnemonic.str() << " " << F.Name.str();
  }
  EXPECT_EQ(lookupMnemonic("project.up"), OpKind::ProjectUp);
  EXPECT_FALSE(lookupMnemonic("project.upp"));
}

TEST(PlanIR, BuilderSortsIntoCanonicalOrder) {
  Plan P = samplePlan();
  ASSERT_EQ(P.Targets.size(), 2u);
  EXPECT_EQ(P.Targets[0].Symbol, "main");
  EXPECT_EQ(P.Targets[1].Datacenter, "main");
  ASSERT_EQ(P.TargetOps[1].size(), 2u);
  EXPECT_EQ(P.TargetOps[1][0].Kind, OpKind::MetadataPut); // before projects
  EXPECT_EQ(P.TargetOps[1][1].Kind, OpKind::ProjectUp);
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  EXPECT_TRUE(verifyPlan(P, Diags));
}

TEST(PlanIR, PrintParsePrintIsIdentical) {
  Plan P = samplePlan();
  std::string A = printPlanToString(P);
  EXPECT_EQ(A.find("hunter2"), std::string::npos);
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  std::optional<Plan> Q = parse(A, SM, Diags);
  ASSERT_TRUE(Q);
  EXPECT_TRUE(verifyPlan(*Q, Diags));
  EXPECT_EQ(printPlanToString(*Q), A);
}

TEST(PlanIR, TextRoundTripsExactly) {
  const char *Texts[] = {"a\n", "a", "a\n\n", "\n", "x\n  y\n\n\nz",
                         "tab\tin\n", "cr\r\nlf\n", "", "  lead\n"};
  for (const char *T : Texts) {
    Plan P = samplePlan();
    P.get<ProjectUpOp>(P.TargetOps[1][1]).Director = T;
    std::string A = printPlanToString(P);
    llvm::SourceMgr SM;
    DiagnosticEngine Diags(SM);
    std::optional<Plan> Q = parse(A, SM, Diags);
    ASSERT_TRUE(Q) << T;
    EXPECT_EQ(*Q->get<ProjectUpOp>(Q->TargetOps[1][1]).Director, T);
    EXPECT_EQ(printPlanToString(*Q), A);
  }
}

TEST(PlanIR, Sizes) {
  EXPECT_EQ(formatSize(0), "0B");
  EXPECT_EQ(formatSize(1536), "1536B");
  EXPECT_EQ(formatSize(20ull << 30), "20G");
  EXPECT_EQ(parseSize("20G"), 20ull << 30);
  EXPECT_EQ(parseSize("1024"), 1024u);
  EXPECT_FALSE(parseSize("20Q"));
  EXPECT_FALSE(parseSize("99999999999E"));
  EXPECT_FALSE(parseSize("G"));
}

TEST(PlanIR, HmacMatchesRfc4231) {
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  SecretKey K = SecretKey::fromBytes("k");
  EXPECT_EQ(K.seal("v"), SecretKey::fromBytes("k").seal("v"));
  EXPECT_NE(K.seal("v"), SecretKey::fromBytes("k2").seal("v"));
  EXPECT_EQ(K.id().rfind("key:", 0), 0u);
  EXPECT_TRUE(SecretKey::ephemeral().isEphemeral());
}

TEST(PlanIR, DiffChangesAndSummary) {
  Plan A = samplePlan("80"), B = samplePlan("8080");
  PlanDiff D = diffPlans(A, B);
  ASSERT_EQ(D.Entries.size(), 1u);
  EXPECT_EQ(D.Entries[0].Action, DiffAction::Change);
  EXPECT_EQ(D.Entries[0].Fields[0].Name, "environment[\"PORT\"]");
  EXPECT_EQ(summaryLine(D.Summary),
            "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.");
  EXPECT_EQ(summaryLine(diffPlans(A, A).Summary), "No changes.");
}

TEST(PlanIR, DiffReplaceReasonComesFromTheRegistry) {
  Plan A = samplePlan(), B = samplePlan();
  B.get<ProjectUpOp>(B.TargetOps[1][1]).Director = "services: {}\n";
  PlanDiff D = diffPlans(A, B);
  ASSERT_EQ(D.Entries.size(), 1u);
  EXPECT_EQ(D.Entries[0].Action, DiffAction::Replace);
  ASSERT_EQ(D.Entries[0].Reasons.size(), 1u);
  EXPECT_EQ(D.Entries[0].Reasons[0],
            getOpInfo(OpKind::ProjectUp).Fields[0].Reason);
}

} // namespace
