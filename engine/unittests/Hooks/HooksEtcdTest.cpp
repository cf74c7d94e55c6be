//===- HooksEtcdTest.cpp - SkyDNS records in a real etcd ------------------===//
//
// The overlord.skydns* integration against a real etcd (Debian's etcd-server
// 3.4) started on free loopback ports: keys and values written and deleted,
// read back through etcd's JSON gateway; API path handling; fail-over; and
// the whole runner over projects brought up by the ajsim simulator.
//
//===----------------------------------------------------------------------===//
#include "HooksTestSupport.h"

#include "../../lib/Hooks/Integrations.h"

#include "overlord/Engine/Hooks.h"

#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::hookstest;

namespace {

/// One etcd for the whole file (it starts in ~0.4 s), started by the first
/// test that needs it and stopped when the test program ends.
struct SharedEtcd {
  TempDir Dir;
  EtcdServer Server;
  bool Started = false;
  static SharedEtcd *&instance() {
    static SharedEtcd *I = nullptr;
    return I;
  }
  static SharedEtcd *get() {
    if (!instance()) {
      instance() = new SharedEtcd;
      instance()->Started = instance()->Server.start(instance()->Dir.path());
    }
    return instance();
  }
};

struct EtcdCleanup : ::testing::Environment {
  void TearDown() override {
    delete SharedEtcd::instance();
    SharedEtcd::instance() = nullptr;
  }
};
[[maybe_unused]] ::testing::Environment *const Cleanup =
    ::testing::AddGlobalTestEnvironment(new EtcdCleanup);

EtcdHostConfig hostAt(unsigned Port) {
  EtcdHostConfig H;
  H.Host = "127.0.0.1";
  H.Port = Port;
  return H;
}

class HooksEtcd : public ::testing::Test {
protected:
  TempDir T;
  EngineConfig Cfg;
  std::string Path;

  void SetUp() override {
    if (EtcdServer::binary().empty())
      GTEST_SKIP() << "etcd is not installed (/usr/bin/etcd, Debian package "
                      "etcd-server)";
    SharedEtcd *E = SharedEtcd::get();
    ASSERT_TRUE(E->Started)
        << "etcd did not start: " << readFile(E->Dir.path("etcd.log"));
    ConfigOptions O;
    O.Prefix = T.path();
    Cfg = defaultConfig(O);
    Cfg.ServerId = T.path("serverid");
    writeFile(Cfg.ServerId, "node-1\n");
    Cfg.Etcd = {hostAt(E->Server.port())};
    Cfg.SkydnsZone = "example.org.";
    // Each test its own key space.
    Path = "/t-" +
           std::string(
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    Cfg.SkydnsPath = Path;
  }

  std::map<std::string, std::string> keys() {
    hooks::EtcdClient C({hostAt(SharedEtcd::get()->Server.port())});
    auto K = C.getPrefix(Path);
    EXPECT_TRUE(bool(K));
    if (!K) {
      llvm::consumeError(K.takeError());
      return {};
    }
    return *K;
  }
};

LabelMap fullLabels() {
  return {{"overlord.skydns", "1"},
          {"overlord.skydns.group", "web"},
          {"overlord.skydns.interface", "lo"},
          {"overlord.skydns.interface.address", "127.0.0.0/8"},
          {"overlord.skydns.ptr", "1"},
          {"overlord.skydns.srv", "1"},
          {"overlord.skydns.srv.port", "8080"},
          {"overlord.skydns.srv.proto", "tcp"},
          {"overlord.skydns.srv.service", "http"},
          {"overlord.skydns.srv.priority", "5"}};
}

TEST_F(HooksEtcd, CreateWritesAddressPtrAndSrvThenDestroyRemovesThem) {
  HookRunner R(Cfg, ToolPaths());
  HookOutcome O = R.runSkydns("p", "web", fullLabels(), HookMode::Create);
  EXPECT_FALSE(O.Error) << *O.Message;
  EXPECT_EQ(*O.Message, "(project:p, service:web, records:[address:True,"
                        "ptr:True,srv:True] records has been updated.");
  std::map<std::string, std::string> Want = {
      {Path + "/org/example/web/node-1/",
       R"({"host": "127.0.0.1", "ttl": 60, "group": "web"})"},
      {Path + "/arpa/in-addr/127/0/0/1",
       R"({"host": "web.example.org", "group": "web"})"},
      {Path + "/org/example/web/_tcp/_http/node-1/",
       R"({"host": "node-1.web.example.org", "port": 8080, "priority": 5, )"
       R"("weight": 100, "ttl": 60, "group": "web"})"}};
  EXPECT_EQ(keys(), Want);

  // Upsert: a second create rewrites the same keys.
  O = R.runSkydns("p", "web", fullLabels(), HookMode::Create);
  EXPECT_FALSE(O.Error);
  EXPECT_EQ(keys(), Want);

  O = R.runSkydns("p", "web", fullLabels(), HookMode::Destroy);
  EXPECT_FALSE(O.Error);
  EXPECT_EQ(*O.Message, "(project:p, service:web, records:[address:True,"
                        "ptr:True,srv:True] records has been removed.");
  EXPECT_TRUE(keys().empty());

  O = R.runSkydns("p", "web", fullLabels(), HookMode::Destroy);
  EXPECT_FALSE(O.Error);
  EXPECT_EQ(*O.Message, "(project:p, service:web, records:[address:False,"
                        "ptr:False,srv:False] records has been removed.");
}

TEST_F(HooksEtcd, GroupIsLowerCasedEverywhereAndTtlIsUsed) {
  HookRunner R(Cfg, ToolPaths());
  LabelMap L = fullLabels();
  L["overlord.skydns.group"] = "Web_Front";
  L["overlord.skydns.ttl"] = "300";
  L["overlord.skydns.srv.ttl"] = "30";
  L["overlord.skydns.srv.weight"] = "7";
  L.erase("overlord.skydns.ptr");
  ASSERT_FALSE(R.runSkydns("p", "web", L, HookMode::Create).Error);
  std::map<std::string, std::string> Want = {
      {Path + "/org/example/web_front/node-1/",
       R"({"host": "127.0.0.1", "ttl": 300, "group": "web_front"})"},
      {Path + "/org/example/web_front/_tcp/_http/node-1/",
       R"({"host": "node-1.web_front.example.org", "port": 8080, )"
       R"("priority": 5, "weight": 7, "ttl": 30, "group": "web_front"})"}};
  EXPECT_EQ(keys(), Want);
  // The reference forgets to lower-case the group when deleting the SRV.
  HookOutcome O = R.runSkydns("p", "web", L, HookMode::Destroy);
  EXPECT_EQ(*O.Message, "(project:p, service:web, records:[address:True,"
                        "ptr:None,srv:True] records has been removed.");
  EXPECT_TRUE(keys().empty());
}

TEST_F(HooksEtcd, RootZoneTargetsHaveNoDoubleDot) {
  Cfg.SkydnsZone = ".";
  HookRunner R(Cfg, ToolPaths());
  ASSERT_FALSE(R.runSkydns("p", "web", fullLabels(), HookMode::Create).Error);
  std::map<std::string, std::string> K = keys();
  EXPECT_EQ(K[Path + "/web/node-1/"],
            R"({"host": "127.0.0.1", "ttl": 60, "group": "web"})");
  EXPECT_EQ(K[Path + "/arpa/in-addr/127/0/0/1"],
            R"({"host": "web", "group": "web"})");
  EXPECT_EQ(K[Path + "/web/_tcp/_http/node-1/"],
            R"({"host": "node-1.web", "port": 8080, "priority": 5, )"
            R"("weight": 100, "ttl": 60, "group": "web"})");
  EXPECT_EQ(K.size(), 3u);
}

TEST_F(HooksEtcd, Ipv6AddressAndPtr) {
  auto Six = interfaceAddress("lo", llvm::StringRef("::1/128"));
  if (!Six || !*Six) {
    if (!Six)
      llvm::consumeError(Six.takeError());
    GTEST_SKIP() << "lo has no IPv6 address on this machine";
  }
  HookRunner R(Cfg, ToolPaths());
  LabelMap L = fullLabels();
  L["overlord.skydns.interface.address"] = "::1/128";
  L.erase("overlord.skydns.srv");
  ASSERT_FALSE(R.runSkydns("p", "web", L, HookMode::Create).Error);
  std::string Ptr = Path + "/arpa/ip6";
  for (int I = 0; I < 31; ++I)
    Ptr += "/0";
  Ptr += "/1";
  std::map<std::string, std::string> Want = {
      {Path + "/org/example/web/node-1/",
       R"({"host": "::1", "ttl": 60, "group": "web"})"},
      {Ptr, R"({"host": "web.example.org", "group": "web"})"}};
  EXPECT_EQ(keys(), Want);
}

TEST_F(HooksEtcd, DestroyWithoutAnAddressSkipsOnlyThePtr) {
  HookRunner R(Cfg, ToolPaths());
  LabelMap L = fullLabels();
  L.erase("overlord.skydns.srv");
  ASSERT_FALSE(R.runSkydns("p", "web", L, HookMode::Create).Error);
  L["overlord.skydns.interface.address"] = "10.0.0.0/8";
  HookOutcome O = R.runSkydns("p", "web", L, HookMode::Destroy);
  EXPECT_FALSE(O.Error);
  EXPECT_EQ(*O.Message,
            "(project:p, service:web, records:[address:True,ptr:None,"
            "srv:None] records has been removed. PTR record not removed: no "
            "address on interface lo.");
  EXPECT_EQ(keys().size(), 1u);
  EXPECT_EQ(keys().count(Path + "/arpa/in-addr/127/0/0/1"), 1u);
}

TEST_F(HooksEtcd, ExplicitApiPaths) {
  for (const char *Api : {"/v3/", "/v3beta/", "v3"}) {
    EtcdHostConfig H = Cfg.Etcd[0];
    H.ApiPath = Api;
    EngineConfig C = Cfg;
    C.Etcd = {H};
    HookRunner R(C, ToolPaths());
    HookOutcome O = R.runSkydns("p", "web", fullLabels(), HookMode::Create);
    EXPECT_FALSE(O.Error) << Api << ": " << *O.Message;
    EXPECT_EQ(keys().size(), 3u) << Api;
    O = R.runSkydns("p", "web", fullLabels(), HookMode::Destroy);
    EXPECT_FALSE(O.Error) << Api;
    EXPECT_TRUE(keys().empty()) << Api;
  }
  EtcdHostConfig H = Cfg.Etcd[0];
  H.ApiPath = "/v2/";
  Cfg.Etcd = {H};
  HookRunner R(Cfg, ToolPaths());
  HookOutcome O = R.runSkydns("p", "web", fullLabels(), HookMode::Create);
  EXPECT_TRUE(O.Error);
  EXPECT_NE(O.Message->find("/v2/kv/put: HTTP 404"), std::string::npos)
      << *O.Message;
}

TEST_F(HooksEtcd, FailsOverToTheNextHost) {
  Cfg.Etcd.insert(Cfg.Etcd.begin(), hostAt(freePort()));
  HookRunner R(Cfg, ToolPaths());
  HookOutcome O = R.runSkydns("p", "web", fullLabels(), HookMode::Create);
  EXPECT_FALSE(O.Error) << *O.Message;
  EXPECT_EQ(keys().size(), 3u);
  O = R.runSkydns("p", "web", fullLabels(), HookMode::Destroy);
  EXPECT_FALSE(O.Error) << *O.Message;
  EXPECT_TRUE(keys().empty());
}

//===----------------------------------------------------------------------===//
// The runner over simulated projects
//===----------------------------------------------------------------------===//

class HooksRunner : public HooksEtcd {
protected:
  AjSim Sim;
  ToolPaths Tools;

  void SetUp() override {
    HooksEtcd::SetUp();
    if (IsSkipped() || HasFatalFailure())
      return;
    ASSERT_TRUE(llvm::sys::fs::exists(AjSim::binary()))
        << "ajsim is not built: " << AjSim::binary();
    ASSERT_TRUE(Sim.setUp(T.path("sim")));
    Cfg.AppjailJails = Sim.jailsDir();
    Tools.Director = Sim.director();
    Tools.AppJail = Sim.appjail();
    writeFile(T.path("Makejail"), "OPTION start\n");
  }

  /// Brings up Project with a web service (skydns labels for group Group),
  /// an api service (skydns with SRV) and a db service without labels.
  void up(const std::string &Project, const std::string &Group) {
    std::string Mk = T.path("Makejail");
    std::string File = T.path(Project + ".yml");
    writeFile(
        File,
        "services:\n"
        "  web:\n"
        "    makejail: " +
            Mk +
            "\n"
            "    options:\n"
            "      - label: 'overlord.skydns:1'\n"
            "      - label: 'overlord.skydns.group:" +
            Group +
            "'\n"
            "      - label: 'overlord.skydns.interface:lo'\n"
            "      - label: 'overlord.skydns.interface.address:127.0.0.0/8'\n"
            "  api:\n"
            "    makejail: " +
            Mk +
            "\n"
            "    options:\n"
            "      - label: 'overlord.skydns:1'\n"
            "      - label: 'overlord.skydns.group:" +
            Group +
            "-api'\n"
            "      - label: 'overlord.skydns.interface:lo'\n"
            "      - label: 'overlord.skydns.srv:1'\n"
            "      - label: 'overlord.skydns.srv.port:9000'\n"
            "      - label: 'overlord.skydns.srv.proto:tcp'\n"
            "      - label: 'overlord.skydns.srv.service:grpc'\n"
            "  db:\n"
            "    makejail: " +
            Mk +
            "\n"
            "    options:\n"
            "      - label: 'app:postgres'\n");
    std::string Out;
    ASSERT_TRUE(Sim.up(File, Project, &Out)) << Out;
  }
};

TEST_F(HooksRunner, CreateThenDestroy) {
  up("demo", "web");
  HookRunner R(Cfg, Tools);
  llvm::json::Object Report = R.run("demo", HookMode::Create, false);
  llvm::json::Object Want{
      {"error", false},
      {"message", nullptr},
      {"skydns",
       llvm::json::Object{
           {"api",
            llvm::json::Object{{"error", false},
                               {"message",
                                "(project:demo, service:api, records:["
                                "address:True,ptr:None,srv:True] records "
                                "has been updated."}}},
           {"web", llvm::json::Object{
                       {"error", false},
                       {"message", "(project:demo, service:web, records:["
                                   "address:True,ptr:None,srv:None] records "
                                   "has been updated."}}}}}};
  EXPECT_EQ(llvm::json::Value(std::move(Report)),
            llvm::json::Value(std::move(Want)));
  std::map<std::string, std::string> K = keys();
  EXPECT_EQ(K.size(), 3u);
  EXPECT_EQ(K[Path + "/org/example/web/node-1/"],
            R"({"host": "127.0.0.1", "ttl": 60, "group": "web"})");
  EXPECT_EQ(K[Path + "/org/example/web-api/_tcp/_grpc/node-1/"],
            R"({"host": "node-1.web-api.example.org", "port": 9000, )"
            R"("priority": 10, "weight": 100, "ttl": 60, "group": "web-api"})");

  llvm::json::Object Down = R.run("demo", HookMode::Destroy, false);
  EXPECT_FALSE(HookRunner::failed(Down));
  EXPECT_TRUE(keys().empty());
}

TEST_F(HooksRunner, AbsentProjectIsNothingToDo) {
  HookRunner R(Cfg, Tools);
  llvm::json::Object Report = R.run("nothere", HookMode::Destroy, false);
  EXPECT_EQ(llvm::json::Value(std::move(Report)),
            llvm::json::Value(
                llvm::json::Object{{"error", false}, {"message", nullptr}}));
}

TEST_F(HooksRunner, StateAndDescribeErrors) {
  up("demo", "web");
  HookRunner R(Cfg, Tools);
  auto Fault = Sim.run(AjSim::binary(),
                       {"fault", "add", "appjail-director", "describe *",
                        "times=1", "stdout=not json", "rc=0"});
  ASSERT_TRUE(Fault && Fault->succeeded());
  llvm::json::Object Report = R.run("demo", HookMode::Create, false);
  EXPECT_TRUE(HookRunner::failed(Report));
  EXPECT_EQ(
      Report.getString("message"),
      llvm::StringRef("Error retrieving information about the project 'demo'"));

  auto Stale = Sim.run(AjSim::binary(), {"state", "stale-lock", "demo"});
  ASSERT_TRUE(Stale && Stale->succeeded());
  Report = R.run("demo", HookMode::Destroy, false);
  EXPECT_EQ(Report.getString("message"),
            llvm::StringRef("Project 'demo' has an unexpected state "
                            "'UNFINISHED'"));
  // force: the labels run anyway (a destroy of a broken project).
  Report = R.run("demo", HookMode::Destroy, true);
  EXPECT_FALSE(HookRunner::failed(Report));
  EXPECT_NE(Report.getObject("skydns"), nullptr);
}

TEST_F(HooksRunner, StoppedServicesAreSkipped) {
  up("demo", "web");
  std::string Jail = Sim.jailOf("demo", "api");
  ASSERT_FALSE(Jail.empty());
  auto Stop = Sim.run(Sim.appjail(), {"stop", Jail});
  ASSERT_TRUE(Stop && Stop->succeeded());
  HookRunner R(Cfg, Tools);
  llvm::json::Object Report = R.run("demo", HookMode::Create, false);
  const llvm::json::Object *S = Report.getObject("skydns");
  ASSERT_NE(S, nullptr);
  EXPECT_NE(S->get("web"), nullptr);
  EXPECT_EQ(S->get("api"), nullptr);
}

TEST_F(HooksRunner, EtcdDownIsRecordedPerServiceAndTheJobGoesOn) {
  up("demo", "web");
  Cfg.Etcd = {hostAt(freePort())};
  HookRunner R(Cfg, Tools);
  llvm::json::Object Report = R.run("demo", HookMode::Create, false);
  EXPECT_TRUE(HookRunner::failed(Report));
  EXPECT_EQ(Report.getBoolean("error"), false);
  const llvm::json::Object *S = Report.getObject("skydns");
  ASSERT_NE(S, nullptr);
  for (const char *Svc : {"api", "web"}) {
    const llvm::json::Object *O = S->getObject(Svc);
    ASSERT_NE(O, nullptr) << Svc;
    EXPECT_EQ(O->getBoolean("error"), true);
    EXPECT_TRUE(O->getString("message")->contains(
        "Exception EtcdException: All etcd instances do not seem to work "
        "correctly."))
        << O->getString("message")->str();
  }
}

TEST_F(HooksRunner, UnreadableLabelIsReportedAndOthersRun) {
  up("demo", "web");
  std::string Jail = Sim.jailOf("demo", "web");
  ASSERT_FALSE(Jail.empty());
  std::string Value =
      Sim.jailsDir() + "/" + Jail + "/conf/labels/overlord.skydns.group/value";
  ASSERT_FALSE(llvm::sys::fs::remove(Value));
  ASSERT_FALSE(llvm::sys::fs::create_directory(Value));
  HookRunner R(Cfg, Tools);
  llvm::json::Object Report = R.run("demo", HookMode::Create, false);
  EXPECT_TRUE(HookRunner::failed(Report));
  const llvm::json::Object *L = Report.getObject("labels");
  ASSERT_NE(L, nullptr);
  const llvm::json::Object *Web = L->getObject("web");
  ASSERT_NE(Web, nullptr);
  EXPECT_TRUE(Web->getString("message")->contains(
      "(project:demo, service:web, jail:" + Jail +
      ") error when retrieving the labels: cannot read"));
  EXPECT_NE(Report.getObject("skydns")->getObject("api"), nullptr);
  EXPECT_EQ(Report.getObject("skydns")->getObject("web"), nullptr);
}

} // namespace
