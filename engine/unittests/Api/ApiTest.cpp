//===- ApiTest.cpp - The /v1 handlers without a network ---------*- C++ -*-===//
//
// Drives Api::handle() with hand-made requests over a real job queue and
// metadata store in a temporary directory (no server, no processes).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Api.h"
#include "overlord/Engine/JobQueue.h"
#include "overlord/Engine/MetadataStore.h"
#include "overlord/Engine/NamespaceStore.h"
#include "overlord/Engine/NodeState.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

using namespace overlord::engine;

namespace {

struct ApiFixture : ::testing::Test {
  llvm::SmallString<128> Dir;
  EngineConfig Cfg;
  std::unique_ptr<JobQueue> Q;
  std::unique_ptr<MetadataStore> Meta;
  std::unique_ptr<NamespaceStore> Ns;
  std::unique_ptr<NodeState> State;
  std::unique_ptr<Api> A;
  std::string Token;

  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("api-test", Dir));
    ConfigOptions CO;
    CO.Prefix = Dir.str().str();
    Cfg = defaultConfig(CO);
    Cfg.AppjailJails = (Dir + "/jails").str();
    Cfg.MetadataSize = 1024;
    auto QO = JobQueue::open((Dir + "/q.db").str());
    ASSERT_TRUE(bool(QO));
    Q = std::move(*QO);
    Meta = std::make_unique<MetadataStore>((Dir + "/meta").str(), 1024);
    Ns = std::make_unique<NamespaceStore>((Dir + "/ns").str(), *Meta);
    State = std::make_unique<NodeState>(Cfg, ToolPaths());
    ApiContext C;
    C.Cfg = &Cfg;
    C.Queue = Q.get();
    C.State = State.get();
    C.Meta = Meta.get();
    C.Ns = Ns.get();
    C.Verifier = std::make_shared<TokenVerifier>("s3cret");
    A = std::make_unique<Api>(std::move(C));
    Token = *genToken(TokenRequest(), "s3cret", systemNow());
  }
  void TearDown() override {
    A.reset();
    State.reset();
    Q.reset();
    llvm::sys::fs::remove_directories(Dir);
  }

  http::Response call(llvm::StringRef Method, llvm::StringRef Path,
                      llvm::StringRef Body = "", bool Auth = true) {
    http::Request R;
    R.Method = Method.str();
    R.Target = R.Path = Path.str();
    R.Body = Body.str();
    if (Auth)
      R.Headers.emplace_back("Authentication", "Bearer " + Token);
    http::Response Out;
    bool Sent = false;
    A->handle(R, http::Responder::fromFunction([&](http::Response Resp) {
                Out = std::move(Resp);
                Sent = true;
              }));
    EXPECT_TRUE(Sent);
    return Out;
  }
};

TEST_F(ApiFixture, TornadoFallbacks) {
  auto R = call("GET", "/nope", "", false);
  EXPECT_EQ(R.Status, 404u);
  EXPECT_EQ(R.Body, "{\"status_code\": 404, \"message\": \"Not Found\"}");
  R = call("DELETE", "/v1/ping", "", false);
  EXPECT_EQ(R.Status, 405u);
  R = call("GET", "/v1/", "", false);
  EXPECT_EQ(R.Status, 400u);
  EXPECT_EQ(R.Body, "{\"status_code\": 400, \"message\": \"API resource must "
                    "be specified but is missing.\"}");
  R = call("GET", "/v1/ping", "", false);
  EXPECT_EQ(R.Status, 401u);
  R = call("POST", "/v1/project/up/p", "{bad", false);
  EXPECT_EQ(R.Status, 400u);
  EXPECT_EQ(R.Body, "{\"status_code\": 400, \"message\": \"Request has been "
                    "received with an invalid format.\"}");
  // A name outside its pattern does not match the route.
  R = call("GET", "/v1/metadata/9bad");
  EXPECT_EQ(R.Status, 404u);
  EXPECT_EQ(*R.header("Content-Type"), "application/json");
  EXPECT_EQ(*R.header("Access-Control-Allow-Origin"), "*");
}

TEST_F(ApiFixture, ProjectUpEnqueuesTheContractPayload) {
  auto R = call("POST", "/v1/project/up/web",
                "{\"director_file\": \"services: {}\\n\", \"restart\": "
                "\"no\", \"environment\": {\"A\": \"b\"}}");
  ASSERT_EQ(R.Status, 200u) << R.Body;
  auto J = Q->get(1);
  ASSERT_TRUE(J && *J);
  EXPECT_EQ((*J)->Kind, JobKind::ProjectUp);
  EXPECT_EQ((*J)->Project, "web");
  EXPECT_TRUE((*J)->Restart); // bool("no") is True
  auto P = llvm::json::parse((*J)->Payload);
  ASSERT_TRUE(bool(P));
  EXPECT_EQ(*P->getAsObject()->getString("director_file"), "services: {}\n");
  EXPECT_EQ(R.Body, "{\"status_code\": 200, \"job_id\": 1}");
  R = call("GET", "/v1/jobs/1");
  EXPECT_EQ(R.Status, 200u);
  R = call("GET", "/v1/jobs/99");
  EXPECT_EQ(R.Body,
            "{\"status_code\": 404, \"message\": \"Job '99' cannot be found.\"}");
  R = call("POST", "/v1/project/up/web",
           "{\"director_file\": \"x\", \"environment\": {\"A\": [1]}}");
  EXPECT_EQ(R.Body, "{\"status_code\": 400, \"message\": \"Invalid environment "
                    "name (A) or value ([1]).\"}");
}

TEST_F(ApiFixture, MetadataLifecycle) {
  EXPECT_EQ(call("GET", "/v1/metadata").Body,
            "{\"status_code\": 200, \"metadata\": []}");
  auto R = call("POST", "/v1/metadata/k1", "{\"value\": \" v \"}");
  EXPECT_EQ(R.Status, 201u);
  EXPECT_EQ(call("GET", "/v1/metadata/k1").Body,
            "{\"status_code\": 200, \"metadata\": \" v \"}");
  EXPECT_EQ(call("HEAD", "/v1/metadata/k1").Status, 200u);
  R = call("PUT", "/v1/metadata/k1", "{\"value\": \"" + std::string(2000, 'x') +
                                         "\"}");
  EXPECT_EQ(R.Body, "{\"status_code\": 400, \"message\": \"k1: metadata too "
                    "long - 2000 > 1024\"}");
  R = call("DELETE", "/v1/metadata/k1");
  EXPECT_EQ(R.Status, 204u);
  EXPECT_TRUE(R.Body.empty());
  EXPECT_EQ(call("DELETE", "/v1/metadata/k1").Status, 404u);
}

} // namespace
