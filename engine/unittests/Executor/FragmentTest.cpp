//===- FragmentTest.cpp - planFragment on built and parsed plans ----------===//
//
// A verified one-target plan becomes the node's actions in plan order:
// store writes run by Apply, jobs with the reference payloads, hooks folded
// into the project.up payload, the autoscale registration byte for byte as
// the reference client writes it, secrets resolved from their digests.
//
//===----------------------------------------------------------------------===//
#include "ExecutorTestSupport.h"

#include "overlord/Engine/Fragment.h"
#include "overlord/Engine/NamespaceStore.h"
#include "overlord/IR/Plan.h"
#include "overlord/Support/Diagnostics.h"

#include "llvm/Support/SourceMgr.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::test;

namespace {

struct BuiltPlan {
  ir::Plan P;
  std::map<std::string, std::string> Secrets;
};

BuiltPlan samplePlan() {
  ir::PlanBuilder B(ir::SecretKey::fromBytes("fragment-test-key"));
  B.setCompiler("overlordc test");
  BuiltPlan Out;
  auto Seal = [&](llvm::StringRef V) {
    std::string D = B.seal(V);
    Out.Secrets[D] = V.str();
    return D;
  };
  ir::TargetID T;
  B.target("main.alpha", &T).Labels = {"all"};
  auto &M1 = B.add<ir::MetadataPutOp>(T, "web.conf");
  M1.Value = "hello";
  M1.Size = 5;
  auto &M2 = B.add<ir::MetadataPutOp>(T, "web.pass");
  M2.ValueSecret = Seal("s3cret");
  M2.Size = 6;
  auto &Ns = B.add<ir::NamespaceCreateOp>(T, "webns");
  Ns.Mapping = {"file web.conf:/etc/web.conf", "directory /var/db"};
  auto &Up = B.add<ir::ProjectUpOp>(T, "web");
  Up.Director = SimpleDirector;
  Up.Environment = {{"A", "1"}};
  Up.SecretEnvironment = {{"TOKEN", Seal("tok")}};
  Up.ReservePort = {{"lo", ""}, {"em0", "10.0.0.0/24"}};
  Up.Restart = true;
  Up.EnvironFromMetadata = "web.env";
  auto &H = B.add<ir::SkydnsRecordOp>(T, "web:www:A");
  H.Type = "A";
  H.Name = "web";
  H.Group = "web";
  H.Interface = "lo";
  H.Ttl = 60;
  B.add<ir::ProjectDownOp>(T, "old").Force = true;
  B.add<ir::ProjectCancelOp>(T, "stuck");
  auto &As = B.add<ir::AutoscaleOp>(T, "api");
  As.Director = "services: {}\n";
  As.ReplicasMin = 2;
  As.ReplicasMax = 4;
  As.Type = "any-jail";
  As.Labels = {"all"};
  As.Rules = {{"pcpu", "80"}};
  As.LoadBalancer = {{"backend.name", "b1"},
                     {"backend.or.scur", "10 each 2"},
                     {"backend.and.status", "\"UP\""}};
  As.SecretEnvironment = {{"KEY", Seal("k\xc3\xa9")}};
  As.ReservePort = {{"lo", ""}};
  Out.P = B.finish();
  return Out;
}

bool verified(const ir::Plan &P) {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  bool Ok = ir::verifyPlan(P, Diags);
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  Diags.flush(OS);
  EXPECT_TRUE(Ok) << OS.str();
  return Ok;
}

class ExecutorFragment : public SimNode {
protected:
  void SetUp() override {
    SimNode::SetUp();
    if (IsSkipped())
      return;
    Ns = std::make_unique<NamespaceStore>(Cfg.MetadataNamespaces, *Meta);
  }
  std::unique_ptr<NamespaceStore> Ns;
};

const char *ExpectedAutoscale = R"({
    "projectFile": "services: {}\n",
    "environment": {
        "KEY": "k\u00e9"
    },
    "autoScale": {
        "replicas": {
            "min": 2,
            "max": 4
        },
        "type": "any-jail",
        "rules": {
            "pcpu": 80
        },
        "labels": [
            "all"
        ],
        "load-balancer": {
            "backend": {
                "name": "b1",
                "rules": {
                    "or": {
                        "scur": {
                            "value": 10,
                            "each": 2
                        }
                    },
                    "and": {
                        "status": {
                            "value": "UP"
                        }
                    }
                }
            }
        }
    },
    "reserve_port": {
        "lo": null
    }
})";

TEST_F(ExecutorFragment, ActionsInPlanOrderWithResolvedSecrets) {
  BuiltPlan BP = samplePlan();
  ASSERT_TRUE(verified(BP.P));
  std::vector<FragmentAction> A =
      mustGet(planFragment(BP.P, BP.Secrets, *Meta, *Ns));
  std::vector<std::string> Ops;
  for (const FragmentAction &X : A)
    Ops.push_back(X.Op + " " + X.Symbol);
  EXPECT_EQ(Ops, (std::vector<std::string>{
                     "metadata.put web.conf", "metadata.put web.pass",
                     "namespace.create webns", "project.down old",
                     "project.cancel stuck", "project.up web",
                     "autoscale api"}));

  // Synchronous actions write the stores.
  EXPECT_EQ(mustGet(A[0].Apply()), "created");
  EXPECT_EQ(mustGet(A[1].Apply()), "created");
  EXPECT_EQ(mustGet(Meta->get("web.pass")), std::optional<std::string>("s3cret"));
  EXPECT_EQ(mustGet(A[1].Apply()), "unchanged");
  EXPECT_EQ(mustGet(A[2].Apply()), "created");
  EXPECT_TRUE(Ns->exists("webns"));
  // create of an existing namespace rebuilds it (apply.py: HEAD, then PUT).
  EXPECT_EQ(mustGet(A[2].Apply()), "updated");
  EXPECT_EQ(mustGet(A[6].Apply()), "created");
  EXPECT_EQ(mustGet(Meta->get("overlord.autoscale.api")),
            std::optional<std::string>(ExpectedAutoscale));

  // Jobs.
  ASSERT_TRUE(A[3].Job && A[4].Job && A[5].Job);
  EXPECT_FALSE(A[3].Apply);
  EXPECT_EQ(A[3].Job->Kind, JobKind::ProjectDown);
  EXPECT_EQ(A[3].Job->Payload, R"({"environment":{},"force":true})");
  EXPECT_EQ(A[4].Job->Kind, JobKind::ProjectCancel);
  const NewJob &UpJob = *A[5].Job;
  EXPECT_EQ(UpJob.Kind, JobKind::ProjectUp);
  EXPECT_EQ(UpJob.Project, "web");
  EXPECT_EQ(UpJob.Target, "main.alpha");
  EXPECT_TRUE(UpJob.Restart);
  ProjectUpPayload P = mustGet(parseProjectUpPayload(UpJob.Payload));
  EXPECT_EQ(P.DirectorFile, std::optional<std::string>(SimpleDirector));
  EXPECT_EQ(P.Environment, (std::map<std::string, std::string>{
                               {"A", "1"}, {"TOKEN", "tok"}}));
  EXPECT_EQ(P.ReservePort.at("lo"), std::nullopt);
  EXPECT_EQ(P.ReservePort.at("em0"), std::optional<std::string>("10.0.0.0/24"));
  EXPECT_TRUE(P.Restart);
  EXPECT_EQ(P.EnvironFromMetadata, std::optional<std::string>("web.env"));
  llvm::json::Value V = mustGet(llvm::json::parse(UpJob.Payload));
  const llvm::json::Array *Hooks = V.getAsObject()->getArray("hooks");
  ASSERT_TRUE(Hooks);
  ASSERT_EQ(Hooks->size(), 1u);
  const llvm::json::Object *H = (*Hooks)[0].getAsObject();
  EXPECT_EQ(H->getString("op").value_or(""), "skydns.record");
  EXPECT_EQ(H->getString("symbol").value_or(""), "web:www:A");
  EXPECT_EQ(H->getInteger("ttl"), std::optional<int64_t>(60));
  EXPECT_EQ(H->get("port")->kind(), llvm::json::Value::Null);
}

TEST_F(ExecutorFragment, SecretsTheFragmentUses) {
  BuiltPlan BP = samplePlan();
  std::vector<std::string> S = fragmentSecrets(BP.P);
  std::vector<std::string> Want;
  for (const auto &[D, V] : BP.Secrets)
    Want.push_back(D);
  EXPECT_EQ(S, Want);
}

TEST_F(ExecutorFragment, MissingSecretValueIsAnErrorAndNothingRuns) {
  BuiltPlan BP = samplePlan();
  for (auto It = BP.Secrets.begin(); It != BP.Secrets.end(); ++It)
    if (It->second == "tok") {
      BP.Secrets.erase(It);
      break;
    }
  llvm::Expected<std::vector<FragmentAction>> A =
      planFragment(BP.P, BP.Secrets, *Meta, *Ns);
  ASSERT_FALSE(A);
  std::string Msg = llvm::toString(A.takeError());
  EXPECT_NE(Msg.find("environment variable 'TOKEN' of project.up 'web'"),
            std::string::npos)
      << Msg;
  EXPECT_TRUE(mustGet(Meta->list()).empty());
}

TEST_F(ExecutorFragment, ExactlyOneTarget) {
  ir::PlanBuilder B;
  B.target("main.a");
  B.target("main.b");
  ir::Plan P = B.finish();
  llvm::Expected<std::vector<FragmentAction>> A =
      planFragment(P, {}, *Meta, *Ns);
  ASSERT_FALSE(A);
  EXPECT_NE(llvm::toString(A.takeError()).find("exactly one target"),
            std::string::npos);
}

TEST_F(ExecutorFragment, ParsedPlanGivesTheSameActions) {
  BuiltPlan BP = samplePlan();
  std::string Text = ir::printPlanToString(BP.P);
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  unsigned Buf = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Text, "fragment.oplan"),
      llvm::SMLoc());
  std::optional<ir::Plan> Parsed = ir::parsePlan(Buf, Diags);
  ASSERT_TRUE(Parsed);
  ASSERT_TRUE(ir::verifyPlan(*Parsed, Diags));
  std::vector<FragmentAction> A =
      mustGet(planFragment(BP.P, BP.Secrets, *Meta, *Ns));
  std::vector<FragmentAction> B =
      mustGet(planFragment(*Parsed, BP.Secrets, *Meta, *Ns));
  ASSERT_EQ(A.size(), B.size());
  for (size_t I = 0; I < A.size(); ++I) {
    EXPECT_EQ(A[I].Op, B[I].Op);
    EXPECT_EQ(A[I].Symbol, B[I].Symbol);
    EXPECT_EQ(A[I].Job.has_value(), B[I].Job.has_value());
    if (A[I].Job && B[I].Job) {
      EXPECT_EQ(A[I].Job->Payload, B[I].Job->Payload);
    }
  }
}

TEST_F(ExecutorFragment, QueuedUpRunsOnTheNode) {
  ir::PlanBuilder B;
  ir::TargetID T;
  B.target("main", &T).Labels = {"all"};
  auto &Up = B.add<ir::ProjectUpOp>(T, "fromplan");
  Up.Director = SimpleDirector;
  std::string Digest = B.seal("hidden");
  Up.SecretEnvironment = {{"OVERLORD_SECRET_TAG", Digest}};
  ir::Plan P = B.finish();
  ASSERT_TRUE(verified(P));
  std::map<std::string, std::string> Secrets = {{Digest, "hidden"}};
  std::vector<FragmentAction> A = mustGet(planFragment(P, Secrets, *Meta, *Ns));
  ASSERT_EQ(A.size(), 1u);
  ASSERT_TRUE(A[0].Job);
  Job J = run(*A[0].Job);
  EXPECT_EQ(J.Status, JobStatus::Completed) << J.Result.ExceptionMessage;
  EXPECT_NE(journal().find("\"OVERLORD_SECRET_TAG\":\"hidden\""),
            std::string::npos);
}

} // namespace
