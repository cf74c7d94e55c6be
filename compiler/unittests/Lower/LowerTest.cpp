//===- LowerTest.cpp - Snapshot, routing, environment, templates -*- C++ -*-===//
//
// Unit tests of the lowering layer's parts that need no deployment file:
// snapshot digests, label matching, environment precedence, templates.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/ClusterSnapshot.h"
#include "overlord/Lower/Routing.h"
#include "overlord/Lower/TargetEnvironment.h"
#include "overlord/Lower/Template.h"
#include "overlord/Lower/Lowering.h"

#include "llvm/Support/MemoryBuffer.h"
#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::lower;

namespace {

std::optional<ClusterSnapshot> parse(llvm::SourceMgr &SM,
                                     DiagnosticEngine &Diags,
                                     llvm::StringRef Text) {
  unsigned B = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Text, "snap.json"), llvm::SMLoc());
  return parseClusterSnapshot(B, Diags);
}

TEST(ClusterSnapshot, DigestIgnoresLayoutAndDefaults) {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  auto A = parse(SM, Diags,
                 R"({"version":1,"datacenters":[{"name":"main"}]})");
  auto B = parse(SM, Diags, R"({ "datacenters": [ { "chains": [],
      "labels": ["all"], "name": "main" } ], "version": 1 })");
  ASSERT_TRUE(A && B);
  EXPECT_EQ(A->digest(), B->digest());
  auto C = parse(SM, Diags,
                 R"({"version":1,"datacenters":[{"name":"main","labels":[]}]})");
  ASSERT_TRUE(C);
  EXPECT_NE(A->digest(), C->digest());
  EXPECT_FALSE(Diags.hasErrors());
}

TEST(ClusterSnapshot, Names) {
  EXPECT_TRUE(isValidChainName("r2"));
  EXPECT_TRUE(isValidChainName("_a-b"));
  EXPECT_FALSE(isValidChainName("-a"));
  EXPECT_FALSE(isValidChainName("a.b"));
  EXPECT_TRUE(isValidLabel("vm-only"));
  EXPECT_TRUE(isValidLabel("a.b2"));
  EXPECT_FALSE(isValidLabel("a--b"));
  EXPECT_FALSE(isValidLabel("Upper"));
  EXPECT_FALSE(isValidLabel("a-"));
}

TEST(Routing, LabelRule) {
  std::vector<std::string> Node = {"all", "r2", "services"};
  EXPECT_TRUE(labelsMatch(Node, {"all"}, {}));
  EXPECT_FALSE(labelsMatch(Node, {"all"}, {"r2"}));
  EXPECT_FALSE(labelsMatch(Node, {"desktop"}, {}));
}

TEST(TargetEnvironment, Precedence) {
  ast::DirectorProjectSpec P;
  P.Environment = {{"A", "env"}, {"B", "env"}, {"C", "env"}, {"D", "env"}};
  P.LabelsEnvironment = {{"x", {{"B", "x"}}}, {"y", {{"B", "y"}, {"C", "y"}}}};
  P.ChainsEnvironment = {{"alpha.charlie", {{"C", "chain"}, {"D", "chain"}}}};
  P.DatacentersEnvironment = {{"main", {{"D", "dc"}}}};
  P.EnvironFromMetadata = "env.yml";
  RouteTarget T;
  T.Datacenter = "main";
  T.Chain = "alpha.charlie";
  T.Labels = {"y", "x"}; // node order decides between label layers
  ResolvedEnvironment E = resolveEnvironment(P, T);
  EXPECT_EQ(E.Vars["A"], "env");
  EXPECT_EQ(E.Vars["B"], "x");
  EXPECT_EQ(E.Vars["C"], "chain");
  EXPECT_EQ(E.Vars["D"], "dc");
  EXPECT_EQ(E.DeferredMetadata, std::optional<std::string>("env.yml"));
  EXPECT_EQ(freePortVariable("em0"), "OVERLORD_FREEPORT_EM0");
}

std::string expand(llvm::StringRef Text, bool &Ok) {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  TemplateSource T;
  T.Text = Text.str();
  llvm::StringMap<std::string> Vars;
  Vars["name"] = "web";
  Vars["empty"] = "";
  std::optional<std::string> R = expandTemplate(T, Vars, nullptr, Diags);
  Ok = R.has_value();
  return R.value_or("");
}

TEST(Template, Subset) {
  bool Ok;
  EXPECT_EQ(expand("a ${name} b", Ok), "a web b");
  EXPECT_EQ(expand("${empty or 'd'}${missing or \"e\"}", Ok), "de");
  EXPECT_EQ(expand("${context.get('missing')}", Ok), "None");
  EXPECT_EQ(expand("${'${'}x}", Ok), "${x}");
  EXPECT_EQ(expand("${'<a b>' | h}|${'a b/&' | u}", Ok),
            "&lt;a b&gt;|a+b/%26");
  EXPECT_EQ(expand("## gone\nx\\\ny\n  %% p\n", Ok), "xy\n  % p\n");
  EXPECT_EQ(expand("<%text>${x}</%text><%doc>z</%doc>", Ok), "${x}");
  EXPECT_TRUE(Ok);
  expand("% if x:\n", Ok);
  EXPECT_FALSE(Ok);
  expand("${a + b}", Ok);
  EXPECT_FALSE(Ok);
  expand("${undefined}", Ok);
  EXPECT_FALSE(Ok);
}

TEST(Lowering, SecretNames) {
  EXPECT_TRUE(isSecretName("TOKEN"));
  EXPECT_TRUE(isSecretName("ts_auth_key"));
  EXPECT_TRUE(isSecretName("DB_PASSWORD"));
  EXPECT_FALSE(isSecretName("HOSTIP"));
  EXPECT_FALSE(isSecretName("MONKEY"));
  EXPECT_TRUE(isSecretValue("user admin insecure-password x"));
}

} // namespace
