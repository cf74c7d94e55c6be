//===- AutoscaleTest.cpp - The autoscaler's decisions, fake node API ------===//
//
// scaleProject() against a fake tree answering the node API the way
// overlordd does (GET /v1/tree, HEAD/GET project/info, jail info/stats/
// healthcheck, up/down, metadata upserts through chains): the reference's
// classification and decision order, and the bugs it fixes. Then options
// parsing, the load-balancer rules, and the loop's status records and
// persisted checksums.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Autoscaler.h"
#include "overlord/Engine/MetadataStore.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <map>
#include <set>

using namespace overlord::engine;
using namespace overlord::engine::autoscale;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace {

struct FakeJail {
  Object Stats;
  bool Unhealthy = false;
};

struct FakeNode {
  std::vector<std::string> Labels;
  /// Project name -> state ("DONE", "UNFINISHED", "FAILED").
  std::map<std::string, std::string> Projects;
  std::map<std::string, FakeJail> Jails; ///< jail name "web" per project
  Object Totals;                         ///< GET stats
  std::string Error;                     ///< non-empty: a tree error entry
};

/// The node API of a fake tree. Chain "" is the autoscaler itself; up and
/// down change the fake's state at once (instant jobs).
class FakeApi : public NodeApi {
public:
  std::map<std::string, FakeNode> Nodes; ///< "", "a", "a.b", ...
  std::vector<std::string> Calls;        ///< "METHOD path" of writes
  bool UpFails = false;

  ApiAnswer call(llvm::StringRef Method, llvm::StringRef Path,
                 llvm::StringRef Body) override {
    std::string Chain;
    llvm::StringRef Rest = Path;
    EXPECT_TRUE(Rest.consume_front("/v1/"));
    if (Rest.consume_front("chain/")) {
      auto [C, R] = Rest.split('/');
      Chain = C.str();
      Rest = R;
    }
    if (Method != "GET" && Method != "HEAD")
      Calls.push_back(Method.str() + " " + Path.str());
    if (Rest == "tree" && Chain.empty())
      return ok(Object{{"tree", tree("")}});
    auto It = Nodes.find(Chain);
    if (It == Nodes.end() || !It->second.Error.empty())
      return ApiAnswer{true, 0, "", "ConnectError", "refused"};
    FakeNode &N = It->second;
    if (Rest.consume_front("project/info/")) {
      auto P = N.Projects.find(Rest.str());
      if (P == N.Projects.end())
        return status(404);
      if (Method == "HEAD")
        return status(200);
      return ok(Object{{"info", Object{{"state", P->second},
                                       {"services",
                                        Array{Object{{"name", "web"},
                                                     {"status", 0},
                                                     {"jail", "web"}}}}}}});
    }
    if (Rest.consume_front("jail/info/"))
      return N.Jails.count(Rest.str())
                 ? (Method == "HEAD" ? status(200)
                                     : ok(Object{{"info", Object()}}))
                 : status(404);
    if (Rest.consume_front("jail/healthcheck/")) {
      Array H;
      if (N.Jails[Rest.str()].Unhealthy)
        H.push_back(Object{{"status", "unhealthy"}});
      return ok(Object{{"healthcheck", std::move(H)}});
    }
    if (Rest.consume_front("jail/stats/"))
      return ok(Object{{"stats", Object(N.Jails[Rest.str()].Stats)}});
    if (Rest == "stats")
      return ok(Object{{"stats", Object(N.Totals)}});
    if (Rest.startswith("jobs?"))
      return ok(Object{{"jobs", Array()}});
    if (Rest.consume_front("project/up/")) {
      if (UpFails)
        return status(500);
      N.Projects[Rest.str()] = "DONE";
      N.Jails["web"];
      return ok(Object{{"job_id", int64_t(Calls.size())}});
    }
    if (Rest.consume_front("project/down/")) {
      N.Projects.erase(Rest.str());
      N.Jails.erase("web");
      return ok(Object{{"job_id", int64_t(Calls.size())}});
    }
    if (Rest.startswith("metadata/"))
      return ok(Object{{"message", "ok"}});
    ADD_FAILURE() << "unexpected " << Method.str() << " " << Path.str();
    return status(404);
  }

  void deploy(const std::string &Chain, llvm::StringRef State = "DONE") {
    Nodes[Chain].Projects["web"] = State.str();
    Nodes[Chain].Jails["web"];
  }
  size_t count(llvm::StringRef Prefix) const {
    return llvm::count_if(Calls, [&](const std::string &C) {
      return llvm::StringRef(C).startswith(Prefix);
    });
  }

private:
  static ApiAnswer status(long S) { return ApiAnswer{false, S, "", "", ""}; }
  static ApiAnswer ok(Object O) {
    O["status_code"] = 200;
    return ApiAnswer{false, 200,
                     llvm::formatv("{0}", Value(std::move(O))).str(), "", ""};
  }
  Object tree(const std::string &Chain) {
    FakeNode &N = Nodes[Chain];
    Array Labels, Chains;
    for (const std::string &L : N.Labels)
      Labels.push_back(L);
    for (auto &KV : Nodes) {
      llvm::StringRef Name = KV.first;
      if (Name.empty() || !Name.consume_front(Chain.empty() ? ""
                                                            : Chain + ".") ||
          Name.contains('.'))
        continue;
      if (!KV.second.Error.empty())
        Chains.push_back(Object{
            {"name", Name},
            {"error", Object{{"status", 503},
                             {"error", KV.second.Error},
                             {"message", "down"}}}});
      else
        Chains.push_back(Object{{"name", Name}, {"tree", tree(KV.first)}});
    }
    return Object{{"node_id", Chain},
                  {"labels", std::move(Labels)},
                  {"chains", std::move(Chains)}};
  }
};

class AutoscaleTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> D;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("autoscale-test", D));
    Dir = std::string(D);
    Meta = std::make_unique<MetadataStore>(Dir + "/meta", 1 << 20);
    Api.Nodes[""].Labels = {"all"};
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }

  ScaleOptions options(llvm::StringRef AutoScale) {
    std::string Doc = R"({"projectFile": "services: {}\n",
                          "environment": {"K": "v"},
                          "autoScale": )" +
                      AutoScale.str() + "}";
    auto O = parseScaleOptions(Doc);
    EXPECT_TRUE(bool(O)) << (O ? "" : llvm::toString(O.takeError()));
    return O ? std::move(*O) : ScaleOptions();
  }
  ScaleResult scale(llvm::StringRef AutoScale, bool Force = false,
                    LoadBalancerTest *LB = nullptr) {
    return scaleProject(Api, *Meta, "web", options(AutoScale), Force, LB);
  }
  static bool hasLog(const ScaleResult &R, llvm::StringRef Needle) {
    for (const Value &V : R.Logs)
      if (llvm::formatv("{0}", V).str().find(Needle.str()) !=
          std::string::npos)
        return true;
    return false;
  }

  std::string Dir;
  std::unique_ptr<MetadataStore> Meta;
  FakeApi Api;
};

TEST_F(AutoscaleTest, MinReplicasGoToMatchingNodesInDiscoveryOrder) {
  Api.Nodes["a"].Labels = {"web"};
  Api.Nodes["a.b"].Labels = {"web"};
  Api.Nodes["c"].Labels = {"web"};
  Api.Nodes["d"].Labels = {"db"};
  ScaleResult R = scale(R"({"replicas": {"min": 2}, "labels": ["web"]})");
  EXPECT_FALSE(R.Error);
  EXPECT_EQ(Api.Calls, (std::vector<std::string>{
                           "POST /v1/chain/a/project/up/web",
                           "POST /v1/chain/a.b/project/up/web"}));
  EXPECT_TRUE(hasLog(R, R"("context":"up")"));
  // Next cycle: two healthy replicas = min, no tests: nothing to do.
  Api.Calls.clear();
  R = scale(R"({"replicas": {"min": 2}, "labels": ["web"]})");
  EXPECT_TRUE(Api.Calls.empty());
}

TEST_F(AutoscaleTest, InsufficientNodesAreReported) {
  ScaleResult R = scale(R"({"replicas": {"min": 3}})");
  EXPECT_EQ(Api.count("POST /v1/project/up/web"), 1u);
  EXPECT_TRUE(hasLog(R, "Insufficient nodes to replicate the project (1/3)"));
}

TEST_F(AutoscaleTest, UnfinishedCountsAsHealthyAndBrokenAsCandidate) {
  Api.Nodes["a"].Labels = {"all"};
  Api.deploy("", "UNFINISHED");
  Api.deploy("a", "FAILED");
  scale(R"({"replicas": {"min": 2}})");
  EXPECT_EQ(Api.Calls,
            (std::vector<std::string>{"POST /v1/chain/a/project/up/web"}));
}

TEST_F(AutoscaleTest, ChangeRedeploysReplicasIncludingUnhealthyOnes) {
  Api.Nodes["a"].Labels = {"all"};
  Api.Nodes["b"].Labels = {"all"};
  Api.Nodes["c"].Labels = {"all"};
  Api.deploy("a");
  Api.deploy("b");
  Api.Nodes["b"].Jails["web"].Unhealthy = true;
  ASSERT_TRUE(bool(Meta->put("overlord.autoscale-cleanup.web", "{}")));
  scale(R"({"replicas": {"min": 1}})", /*Force=*/true);
  EXPECT_EQ(Api.Calls, (std::vector<std::string>{
                           "POST /v1/chain/a/project/up/web",
                           "POST /v1/chain/b/project/up/web"}));
  EXPECT_FALSE(Meta->exists("overlord.autoscale-cleanup.web"));
}

TEST_F(AutoscaleTest, CleanupDestroysEveryReplicaThenDeletesTheMetadata) {
  Api.Nodes["a"].Labels = {"all"};
  Api.Nodes["b"].Labels = {"all"};
  Api.deploy("a");
  Api.deploy("b");
  Api.Nodes["b"].Jails["web"].Unhealthy = true; // the reference orphans it
  ASSERT_TRUE(bool(Meta->put("overlord.autoscale.web", "{}")));
  ASSERT_TRUE(bool(Meta->put("overlord.autoscale-cleanup.web",
                             R"({"force": true})")));
  ScaleResult R = scale(R"({})");
  EXPECT_EQ(Api.Calls, (std::vector<std::string>{
                           "POST /v1/chain/a/project/down/web",
                           "POST /v1/chain/b/project/down/web"}));
  EXPECT_TRUE(hasLog(R, R"("force":true)"));
  EXPECT_TRUE(Meta->exists("overlord.autoscale.web"));
  R = scale(R"({})");
  EXPECT_FALSE(Meta->exists("overlord.autoscale.web"));
  EXPECT_FALSE(Meta->exists("overlord.autoscale-cleanup.web"));
  EXPECT_TRUE(hasLog(R, "There are no more nodes to destroy the project."));
}

TEST_F(AutoscaleTest, CleanupKeepsTheMetadataWhileAChainFails) {
  Api.Nodes["a"].Error = "UnavailableChain"; // hidden by smart timeouts
  ASSERT_TRUE(bool(Meta->put("overlord.autoscale.web", "{}")));
  ASSERT_TRUE(bool(Meta->put("overlord.autoscale-cleanup.web", "{}")));
  ScaleResult R = scale(R"({})");
  EXPECT_TRUE(Api.Calls.empty());
  EXPECT_TRUE(Meta->exists("overlord.autoscale.web"));
  EXPECT_TRUE(hasLog(R, "likelihood that a project has been deployed"));
  EXPECT_TRUE(hasLog(R, "UnavailableChain"));
}

TEST_F(AutoscaleTest, FailingRctlScalesUpWithMetadataOnTheNewNode) {
  Api.Nodes["a"].Labels = {"all"};
  Api.Nodes["b"].Labels = {"all"};
  Api.deploy("a");
  Api.Nodes["a"].Jails["web"].Stats = Object{{"pcpu", 80}};
  ASSERT_TRUE(bool(Meta->put("cfg", "x=1")));
  Api.Nodes[""].Labels = {"none"};
  ScaleResult R = scale(R"({"rules": {"pcpu": 50}, "metadata": ["cfg"]})");
  EXPECT_EQ(Api.Calls, (std::vector<std::string>{
                           "POST /v1/chain/b/metadata/cfg",
                           "POST /v1/chain/b/project/up/web"}));
  EXPECT_TRUE(hasLog(R, R"("context":"rctl","project":"web","response":false)"));
}

TEST_F(AutoscaleTest, RctlTypesCompareAsTheReference) {
  Api.Nodes[""].Labels = {"none"};
  Api.Nodes["a"].Labels = {"all"};
  Api.Nodes["b"].Labels = {"all"};
  Api.deploy("a");
  Api.Nodes["a"].Jails["web"].Stats = Object{{"memoryuse", 600}};
  // percent-jail: 600 >= 1000 * 50 / 100 -> fail -> scale up on b.
  scale(R"({"type": "percent-jail", "value": 50, "rules": {"memoryuse": 1000}})");
  EXPECT_EQ(Api.count("POST /v1/chain/b/project/up/web"), 1u);
  Api.Calls.clear();
  Api.Nodes["b"].Projects.clear();
  // any-jail: 600 < 1000 -> pass; a missing metric is skipped.
  ScaleResult R = scale(R"({"rules": {"memoryuse": 1000, "pcpu": 1}})");
  EXPECT_FALSE(R.Error);
  EXPECT_TRUE(Api.Calls.empty());
}

TEST_F(AutoscaleTest, EconomyUsesTheNodeTotals) {
  Api.Nodes[""].Labels = {"none"};
  Api.Nodes["a"].Labels = {"all"};
  Api.Nodes["b"].Labels = {"all"};
  Api.deploy("a");
  Api.Nodes["a"].Totals = Object{{"pcpu", 95}};
  scale(R"({"economy": {"pcpu": 90}})");
  EXPECT_EQ(Api.count("POST /v1/chain/b/project/up/web"), 1u);
}

TEST_F(AutoscaleTest, AllPassingScalesDownTheFirstReplicaAboveMin) {
  Api.Nodes["a"].Labels = {"all"};
  Api.Nodes["b"].Labels = {"all"};
  Api.deploy("a");
  Api.deploy("b");
  Api.Nodes[""].Labels = {"none"};
  scale(R"({"replicas": {"min": 1}})");
  EXPECT_EQ(Api.Calls,
            (std::vector<std::string>{"POST /v1/chain/a/project/down/web"}));
}

TEST_F(AutoscaleTest, MaxStopsScaleUp) {
  Api.Nodes["a"].Labels = {"all"};
  Api.Nodes["b"].Labels = {"all"};
  Api.deploy("a");
  Api.Nodes["a"].Jails["web"].Stats = Object{{"pcpu", 80}};
  Api.Nodes[""].Labels = {"none"};
  scale(R"({"replicas": {"min": 1, "max": 1}, "rules": {"pcpu": 50}})");
  EXPECT_TRUE(Api.Calls.empty());
}

TEST_F(AutoscaleTest, MissingReplicationMetadataFailsTheCycle) {
  ScaleResult R = scale(R"({"metadata": ["absent"]})");
  ASSERT_TRUE(R.Error);
  EXPECT_EQ(R.Error->Type, "MetadataNotFound");
  EXPECT_TRUE(Api.Calls.empty());
}

TEST_F(AutoscaleTest, FailedUpIsLoggedAndTheNextCandidateTried) {
  Api.Nodes["a"].Labels = {"all"};
  Api.UpFails = true;
  ScaleResult R = scale(R"({"replicas": {"min": 1}})");
  EXPECT_EQ(Api.count("POST"), 2u);
  EXPECT_TRUE(hasLog(R, "HTTPStatusError"));
  EXPECT_TRUE(hasLog(R, "Insufficient nodes"));
}

TEST(AutoscaleOptions, ValidationAndDefaults) {
  auto Err = [](llvm::StringRef Doc) {
    auto O = parseScaleOptions(Doc);
    return O ? std::string() : llvm::toString(O.takeError());
  };
  EXPECT_NE(Err("{"), "");
  EXPECT_EQ(Err(R"({"autoScale": {}})"),
            "InvalidSpec: 'projectFile' is required but hasn't been specified.");
  EXPECT_EQ(Err(R"({"projectFile": ""})"),
            "InvalidSpec: 'autoScale' is required but hasn't been specified.");
  EXPECT_EQ(Err(R"({"projectFile": "", "autoScale": {"replicas": {"min": 3, "max": 2}}})"),
            "InvalidSpec: The maximum number of replicates is less than the "
            "minimum: 2 < 3");
  EXPECT_NE(Err(R"({"projectFile": "", "autoScale": {"type": "x"}})"), "");
  EXPECT_NE(Err(R"({"projectFile": "", "autoScale": {"type": "percent-jail"}})"), "");
  EXPECT_NE(Err(R"({"projectFile": "", "autoScale": {"rules": {"bogus": 1}}})"), "");
  EXPECT_NE(Err(R"({"projectFile": "", "autoScale": {"rules": {"pcpu": "1m"}}})"), "");
  EXPECT_NE(Err(R"({"projectFile": "", "autoScale": {"load-balancer": {"backend": {"name": "b", "rules": {"or": {"scur": {"value": [5, 1]}}}}}}})"), "");
  auto O = parseScaleOptions(
      R"({"projectFile": "f", "autoScale": {"rules": {"memoryuse": "512m"}}})");
  ASSERT_TRUE(bool(O));
  EXPECT_EQ(O->Min, 1);
  EXPECT_FALSE(O->Max);
  EXPECT_EQ(O->Type, "any-jail");
  EXPECT_EQ(O->Labels, std::vector<std::string>{"all"});
  ASSERT_EQ(O->Rules.size(), 1u);
  EXPECT_EQ(O->Rules[0].second, 536870912.0);
  EXPECT_EQ(parseSize("1.5 GiB"), 1610612736.0);
  EXPECT_EQ(parseSize("100"), 100.0);
  EXPECT_FALSE(parseSize("12 parsecs"));
}

TEST(AutoscaleLoadBalancer, RulePassAsTheReference) {
  auto Pass = [](Value Cur, Object Rule) {
    auto R = LoadBalancerTest::rulePass(&Cur, Rule);
    EXPECT_TRUE(bool(R));
    return R ? *R : false;
  };
  EXPECT_TRUE(*LoadBalancerTest::rulePass(nullptr, Object{{"value", 1}}));
  EXPECT_TRUE(Pass("UP", Object{{"value", "UP"}}));
  EXPECT_FALSE(Pass("DOWN", Object{{"value", "UP"}}));
  EXPECT_FALSE(Pass(10, Object{{"value", 10}}));
  EXPECT_TRUE(Pass(9, Object{{"value", "10"}}));
  EXPECT_FALSE(Pass(3, Object{{"value", Array{1, 5}}}));
  EXPECT_TRUE(Pass(7, Object{{"value", Array{1, 5}}}));
  EXPECT_TRUE(Pass(12, Object{{"value", 5}, {"each", 10}})); // 12 % 10 = 2
  Value S("UP");
  auto Bad = LoadBalancerTest::rulePass(&S, Object{{"value", 1}});
  EXPECT_FALSE(bool(Bad));
  llvm::consumeError(Bad.takeError());
}

/// One HAProxy typed-JSON field.
Value field(llvm::StringRef Obj, llvm::StringRef Name, llvm::StringRef Origin,
            llvm::StringRef Nature, Value V) {
  return Object{{"objType", Obj},
                {"field", Object{{"name", Name}}},
                {"tags", Object{{"origin", Origin}, {"nature", Nature}}},
                {"value", Object{{"type", "u32"}, {"value", std::move(V)}}}};
}

TEST(AutoscaleLoadBalancer, SectionRulesAndCounterSmoothing) {
  int64_t Stot = 100;
  LoadBalancerTest LB([&]() -> llvm::Expected<std::string> {
    Array Stats{Array{field("Backend", "pxname", "Key", "Name", "b1"),
                      field("Backend", "scur", "Metric", "Gauge", 3),
                      field("Backend", "stot", "Metric", "Counter", Stot)},
                Array{field("Frontend", "pxname", "Key", "Name", "b1"),
                      field("Frontend", "scur", "Metric", "Gauge", 99)}};
    return llvm::formatv("{0}", Value(std::move(Stats))).str();
  });
  ScaleOptions O;
  LbSection S;
  S.Name = "b1";
  S.And.emplace_back("scur", Object{{"value", 5}});
  S.Or.emplace_back("stot", Object{{"value", 150}});
  O.Backend = S;
  EXPECT_TRUE(*LB.run(O)); // scur 3 < 5, stot 100 < 150
  Stot = 60;               // a reload: 100 + 60 = 160 >= 150
  EXPECT_FALSE(*LB.run(O));
  O.Backend->Or.clear();
  O.Backend->And[0].second = Object{{"value", 3}};
  EXPECT_FALSE(*LB.run(O)); // scur 3 >= 3
}

TEST_F(AutoscaleTest, LoopRecordsStatusAndPersistsTheChecksum) {
  Api.Nodes["a"].Labels = {"all"};
  Api.Nodes[""].Labels = {"none"};
  EngineConfig Cfg;
  Cfg.MaxAutoscaleLogs = 3;
  Cfg.AutoscaleLogsExpireTime = 600;
  double Now = 1000;
  std::string State = Dir + "/autoscale.json";
  auto Doc = [](llvm::StringRef File) {
    return R"({"projectFile": ")" + File.str() +
           R"(", "autoScale": {"replicas": {"min": 1}}})";
  };
  ASSERT_TRUE(bool(Meta->put("overlord.autoscale.web", Doc("v1"))));
  {
    Autoscaler A(Cfg, *Meta, State, [&] { return Now; });
    A.runOnce(Api);
    auto S = A.status("web");
    ASSERT_TRUE(S);
    EXPECT_EQ(S->getString("operation"), llvm::StringRef("COMPLETED"));
    EXPECT_EQ(S->getNumber("last_update"), 1000.0);
    EXPECT_EQ(Api.count("POST /v1/chain/a/project/up/web"), 1u);
    Now += 600;
    EXPECT_FALSE(A.status("web")); // expired
    EXPECT_FALSE(A.status("other"));
  }
  // Changed while no autoscaler ran: the next one redeploys.
  ASSERT_TRUE(bool(Meta->put("overlord.autoscale.web", Doc("v2"))));
  Autoscaler B(Cfg, *Meta, State, [&] { return Now; });
  B.runOnce(Api);
  EXPECT_EQ(Api.count("POST /v1/chain/a/project/up/web"), 2u);
  B.runOnce(Api); // unchanged: nothing
  EXPECT_EQ(Api.count("POST /v1/chain/a/project/up/web"), 2u);
  // Bad JSON: FAILED, the ring stays capped.
  ASSERT_TRUE(bool(Meta->put("overlord.autoscale.web", "{")));
  for (int I = 0; I < 5; ++I)
    B.runOnce(Api);
  auto S = B.status("web");
  ASSERT_TRUE(S);
  EXPECT_EQ(S->getString("operation"), llvm::StringRef("FAILED"));
  EXPECT_EQ(S->getArray("logs")->size(), 3u);
  std::string Text = llvm::formatv("{0}", Value(Object(*S))).str();
  EXPECT_NE(Text.find("JSONDecodeError"), std::string::npos) << Text;
  EXPECT_EQ(B.cycles(), 7u);
}

} // namespace
