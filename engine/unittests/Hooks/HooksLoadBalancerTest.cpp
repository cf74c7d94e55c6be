//===- HooksLoadBalancerTest.cpp - HAProxy servers through the DPAPI ------===//
//
// The overlord.load-balancer* integration against a real haproxy (Debian's
// 2.6) driven through the test-only Data Plane API in engine/sim/dpapi: the
// exact calls of the reference, servers really added to / changed in /
// removed from the running haproxy (`show servers state`), error messages,
// and transactions deleted when a step fails.
//
//===----------------------------------------------------------------------===//
#include "HooksTestSupport.h"

#include "overlord/Engine/Hooks.h"

#include "llvm/Support/Regex.h"

#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::hookstest;

namespace {

/// One haproxy + Data Plane API for the whole file, started by the first
/// test that needs it and stopped when the test program ends.
struct SharedHAProxy {
  TempDir Dir;
  HAProxyWithApi Server;
  bool Started = false;
  static SharedHAProxy *&instance() {
    static SharedHAProxy *I = nullptr;
    return I;
  }
  static SharedHAProxy *get() {
    if (!instance()) {
      instance() = new SharedHAProxy;
      instance()->Started = instance()->Server.start(instance()->Dir.path());
    }
    return instance();
  }
};

struct HAProxyCleanup : ::testing::Environment {
  void TearDown() override {
    delete SharedHAProxy::instance();
    SharedHAProxy::instance() = nullptr;
  }
};
[[maybe_unused]] ::testing::Environment *const Cleanup =
    ::testing::AddGlobalTestEnvironment(new HAProxyCleanup);

/// A server of `show servers state`.
struct ServerState {
  std::string Address;
  unsigned Port = 0, Weight = 0;
};

std::optional<ServerState> findServer(const std::string &State,
                                      const std::string &Backend,
                                      const std::string &Name) {
  llvm::SmallVector<llvm::StringRef, 8> Lines;
  llvm::StringRef(State).split(Lines, '\n');
  std::vector<std::string> Header;
  for (llvm::StringRef Line : Lines) {
    llvm::SmallVector<llvm::StringRef, 32> Words;
    Line.split(Words, ' ', -1, false);
    if (Line.startswith("# ")) {
      Header.assign(Words.begin() + 1, Words.end());
      continue;
    }
    if (Header.empty() || Words.size() != Header.size())
      continue;
    std::map<std::string, std::string> F;
    for (size_t I = 0; I < Words.size(); ++I)
      F[Header[I]] = Words[I].str();
    if (F["be_name"] != Backend || F["srv_name"] != Name)
      continue;
    ServerState S;
    S.Address = F["srv_addr"];
    S.Port = std::atoi(F["srv_port"].c_str());
    S.Weight = std::atoi(F["srv_uweight"].c_str());
    return S;
  }
  return std::nullopt;
}

class HooksLoadBalancer : public ::testing::Test {
protected:
  TempDir T;
  EngineConfig Cfg;
  HAProxyWithApi *Api = nullptr;

  void SetUp() override {
    if (HAProxyWithApi::haproxyBinary().empty())
      GTEST_SKIP() << "haproxy is not installed (/usr/sbin/haproxy)";
    if (findProgram("python3").empty())
      GTEST_SKIP() << "python3 is not installed (needed by the test Data "
                      "Plane API)";
    SharedHAProxy *H = SharedHAProxy::get();
    ASSERT_TRUE(H->Started) << "haproxy or the Data Plane API did not start: "
                            << readFile(H->Dir.path("haproxy.log"))
                            << readFile(H->Dir.path("dpapi.out"));
    Api = &H->Server;
    Api->takeLog();
    ConfigOptions O;
    O.Prefix = T.path();
    Cfg = defaultConfig(O);
    Cfg.ServerId = T.path("serverid");
    writeFile(Cfg.ServerId, "node-1\n");
    Cfg.DataPlaneApi.Present = true;
    Cfg.DataPlaneApi.Entrypoint = Api->entrypoint() + "/";
    Cfg.DataPlaneApi.Username = "admin";
    Cfg.DataPlaneApi.Password = "s3cret";
  }

  /// The open transactions of the Data Plane API.
  std::string transactions() {
    hooks::HttpRequest R;
    R.Url = Api->entrypoint() + "/v3/services/haproxy/transactions";
    R.BasicAuth = std::make_pair("admin", "s3cret");
    auto Resp = hooks::httpRequest(R);
    if (!Resp)
      return llvm::toString(Resp.takeError());
    return llvm::StringRef(Resp->Body).trim().str();
  }
};

LabelMap lbLabels(const std::string &Backend, const std::string &Port) {
  return {{"overlord.load-balancer", "1"},
          {"overlord.load-balancer.backend", Backend},
          {"overlord.load-balancer.interface", "lo"},
          {"overlord.load-balancer.interface.port", Port},
          {"overlord.load-balancer.set.weight", "10"}};
}

/// The transaction id of a message, "" if none.
std::string transactionOf(llvm::StringRef Message) {
  llvm::SmallVector<llvm::StringRef, 2> M;
  if (!llvm::Regex("transaction_id:([0-9a-f-]+)").match(Message, &M))
    return "";
  return M[1].str();
}

TEST_F(HooksLoadBalancer, AddReplaceRemove) {
  HookRunner R(Cfg, ToolPaths());
  HookOutcome O =
      R.runLoadBalancer("p", "web", lbLabels("web", "8080"), HookMode::Create);
  ASSERT_FALSE(O.Error) << *O.Message;
  std::string Tx = transactionOf(*O.Message);
  ASSERT_EQ(Tx.size(), 36u) << *O.Message;
  EXPECT_EQ(*O.Message, "(project:p, service:web, backend:web, "
                        "serverid:node-1, code:200, transaction_id:" +
                            Tx +
                            ", commit:1) server has been successfully added.");
  std::optional<ServerState> S =
      findServer(Api->serversState("web"), "web", "node-1");
  ASSERT_TRUE(S.has_value()) << Api->serversState("web");
  EXPECT_EQ(S->Address, "127.0.0.1");
  EXPECT_EQ(S->Port, 8080u);
  EXPECT_EQ(S->Weight, 10u);
  std::string Log = Api->takeLog();
  llvm::SmallVector<llvm::StringRef, 8> Calls;
  llvm::StringRef(Log).trim().split(Calls, '\n');
  ASSERT_EQ(Calls.size(), 6u) << Log;
  const std::string B = "/v3/services/haproxy/";
  EXPECT_EQ(Calls[0], "GET " + B + "configuration/version 200");
  EXPECT_EQ(Calls[1],
            "GET " + B + "configuration/backends/web?full_section=false 200");
  EXPECT_EQ(Calls[2],
            "GET " + B + "configuration/backends/web/servers/node-1 404");
  EXPECT_TRUE(llvm::Regex("^POST " + B + "transactions\\?version=[0-9]+ 201$")
                  .match(Calls[3]))
      << Calls[3].str();
  EXPECT_EQ(Calls[4],
            "POST " + B +
                "configuration/backends/web/servers?force_reload=false"
                "&transaction_id=" +
                Tx + " 202");
  EXPECT_EQ(Calls[5],
            "PUT " + B + "transactions/" + Tx + "?force_reload=false 200");

  // The same server again with another port and weight: replaced.
  LabelMap L = lbLabels("web", "9090");
  L["overlord.load-balancer.set.weight"] = "20";
  O = R.runLoadBalancer("p", "web", L, HookMode::Create);
  ASSERT_FALSE(O.Error) << *O.Message;
  EXPECT_NE(O.Message->find("commit:1) server has been successfully updated."),
            std::string::npos);
  EXPECT_NE(Api->takeLog().find("PUT " + B +
                                "configuration/backends/web/servers/node-1"
                                "?force_reload=false&transaction_id="),
            std::string::npos);
  S = findServer(Api->serversState("web"), "web", "node-1");
  ASSERT_TRUE(S.has_value());
  EXPECT_EQ(S->Port, 9090u);
  EXPECT_EQ(S->Weight, 20u);

  // Removing needs no address: an interface that is gone does not block it.
  L["overlord.load-balancer.interface"] = "nope0";
  O = R.runLoadBalancer("p", "web", L, HookMode::Destroy);
  ASSERT_FALSE(O.Error) << *O.Message;
  Tx = transactionOf(*O.Message);
  EXPECT_EQ(*O.Message, "(project:p, service:web, backend:web, "
                        "serverid:node-1, code:200, transaction_id:" +
                            Tx + ", commit:1) server has been removed.");
  EXPECT_FALSE(findServer(Api->serversState("web"), "web", "node-1"));
  Api->takeLog();

  // Nothing to remove: no error, no message, and no transaction opened.
  O = R.runLoadBalancer("p", "web", L, HookMode::Destroy);
  EXPECT_FALSE(O.Error);
  EXPECT_FALSE(O.Message.has_value());
  EXPECT_EQ(Api->takeLog().find("transactions"), std::string::npos);
  EXPECT_EQ(transactions(), "[]");
}

TEST_F(HooksLoadBalancer, BackendNotFoundAndBadCredentials) {
  HookRunner R(Cfg, ToolPaths());
  HookOutcome O =
      R.runLoadBalancer("p", "web", lbLabels("nope", "80"), HookMode::Create);
  EXPECT_TRUE(O.Error);
  EXPECT_EQ(*O.Message, "(project:p, service:web, backend:nope, "
                        "label:overlord.load-balancer.backend) backend is not "
                        "found.");
  Cfg.DataPlaneApi.Password = "wrong";
  HookRunner Bad(Cfg, ToolPaths());
  O = Bad.runLoadBalancer("p", "web", lbLabels("web", "80"), HookMode::Create);
  EXPECT_TRUE(O.Error);
  EXPECT_EQ(*O.Message, "(project:p, service:web, code:401) can't get the "
                        "configuration version - {\"code\": 401, \"message\": "
                        "\"unauthorized\"}");
}

TEST_F(HooksLoadBalancer, FailedStepsDeleteTheirTransaction) {
  HookRunner R(Cfg, ToolPaths());
  // haproxy itself refuses the weight when the transaction is committed.
  LabelMap L = lbLabels("web", "8080");
  L["overlord.load-balancer.set.weight"] = "1000";
  HookOutcome O = R.runLoadBalancer("p", "web", L, HookMode::Create);
  EXPECT_TRUE(O.Error);
  std::string Tx = transactionOf(*O.Message);
  EXPECT_EQ(O.Message->rfind("(project:p, service:web, backend:web, "
                             "serverid:node-1, code:406, transaction_id:" +
                                 Tx + ", commit:1) error adding the server - ",
                             0),
            0u)
      << *O.Message;
  EXPECT_NE(O.Message->find("not within 0 and 256"), std::string::npos);
  EXPECT_EQ(transactions(), "[]");
  EXPECT_FALSE(findServer(Api->serversState("web"), "web", "node-1"));

  // The API rejects the body before any commit.
  L = lbLabels("web", "8080");
  L["overlord.load-balancer.set.colour"] = "\"blue\"";
  O = R.runLoadBalancer("p", "web", L, HookMode::Create);
  EXPECT_TRUE(O.Error);
  EXPECT_NE(O.Message->find("code:422, transaction_id:"), std::string::npos);
  EXPECT_NE(O.Message->find("commit:0) error adding the server - "),
            std::string::npos)
      << *O.Message;
  EXPECT_NE(O.Message->find("unknown field(s): colour"), std::string::npos);
  EXPECT_EQ(transactions(), "[]");
}

TEST_F(HooksLoadBalancer, RunnerRegistersTheRunningService) {
  ASSERT_TRUE(llvm::sys::fs::exists(AjSim::binary()))
      << "ajsim is not built: " << AjSim::binary();
  AjSim Sim;
  ASSERT_TRUE(Sim.setUp(T.path("sim")));
  Cfg.AppjailJails = Sim.jailsDir();
  ToolPaths Tools;
  Tools.Director = Sim.director();
  Tools.AppJail = Sim.appjail();
  writeFile(T.path("Makejail"), "OPTION start\n");
  std::string File = T.path("lb.yml");
  writeFile(
      File,
      "services:\n"
      "  api:\n"
      "    makejail: " +
          T.path("Makejail") +
          "\n"
          "    options:\n"
          "      - label: 'overlord.load-balancer:1'\n"
          "      - label: 'overlord.load-balancer.backend:api'\n"
          "      - label: 'overlord.load-balancer.interface:lo'\n"
          "      - label: 'overlord.load-balancer.interface.port:7070'\n"
          "      - label: 'overlord.load-balancer.set.check:\"enabled\"'\n"
          "  db:\n"
          "    makejail: " +
          T.path("Makejail") + "\n");
  std::string Out;
  ASSERT_TRUE(Sim.up(File, "lbdemo", &Out)) << Out;

  HookRunner R(Cfg, Tools);
  llvm::json::Object Report = R.run("lbdemo", HookMode::Create, false);
  EXPECT_FALSE(HookRunner::failed(Report));
  const llvm::json::Object *Lb = Report.getObject("load-balancer");
  ASSERT_NE(Lb, nullptr);
  EXPECT_EQ(Lb->size(), 1u);
  ASSERT_NE(Lb->getObject("api"), nullptr);
  EXPECT_TRUE(Lb->getObject("api")->getString("message")->contains(
      "server has been successfully added."));
  EXPECT_EQ(Report.getObject("skydns"), nullptr);
  std::optional<ServerState> S =
      findServer(Api->serversState("api"), "api", "node-1");
  ASSERT_TRUE(S.has_value()) << Api->serversState("api");
  EXPECT_EQ(S->Port, 7070u);

  Report = R.run("lbdemo", HookMode::Destroy, false);
  EXPECT_FALSE(HookRunner::failed(Report));
  EXPECT_FALSE(findServer(Api->serversState("api"), "api", "node-1"));
}

} // namespace
