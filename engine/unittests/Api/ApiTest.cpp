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

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

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

  /// The queue's options (the error tests shorten the busy timeout).
  JobQueueOptions QueueOpts;

  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("api-test", Dir));
    start();
  }
  void start() {
    ConfigOptions CO;
    CO.Prefix = Dir.str().str();
    Cfg = defaultConfig(CO);
    Cfg.AppjailJails = (Dir + "/jails").str();
    Cfg.MetadataSize = 1024;
    auto QO = JobQueue::open((Dir + "/q.db").str(), QueueOpts);
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
    // The job routes answer from the queue's writer thread: wait for it
    // (Req must stay valid until then, as the server guarantees).
    struct Slot {
      std::mutex M;
      std::condition_variable Cv;
      bool Sent = false;
      http::Response Out;
    };
    auto S = std::make_shared<Slot>();
    A->handle(R, http::Responder::fromFunction([S](http::Response Resp) {
                std::lock_guard<std::mutex> G(S->M);
                S->Out = std::move(Resp);
                S->Sent = true;
                S->Cv.notify_all();
              }));
    std::unique_lock<std::mutex> G(S->M);
    EXPECT_TRUE(S->Cv.wait_for(G, std::chrono::seconds(20),
                               [&] { return S->Sent; }));
    return S->Out;
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

/// The job routes are answered after the commit, from the writer thread:
/// the job is in the database (another connection sees it) by the time the
/// answer arrives, and ids follow the order of the requests.
TEST_F(ApiFixture, JobRoutesAnswerOnceDurable) {
  std::vector<int64_t> Ids;
  for (const char *Path :
       {"/v1/project/up/a", "/v1/project/down/a", "/v1/project/up/b",
        "/v1/project/cancel/a"}) {
    auto R = call("POST", Path, llvm::StringRef(Path).contains("/up/")
                                    ? "{\"director_file\": \"x\"}"
                                    : "");
    ASSERT_EQ(R.Status, 200u) << Path << ": " << R.Body;
    auto V = llvm::json::parse(R.Body);
    ASSERT_TRUE(bool(V));
    Ids.push_back(*V->getAsObject()->getInteger("job_id"));
    // A separate connection sees the committed row.
    sqlite3 *Db = nullptr;
    ASSERT_EQ(sqlite3_open((Dir + "/q.db").str().c_str(), &Db), SQLITE_OK);
    sqlite3_stmt *St = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(Db, "SELECT count(*) FROM jobs WHERE id = ?1",
                                 -1, &St, nullptr),
              SQLITE_OK);
    sqlite3_bind_int64(St, 1, Ids.back());
    ASSERT_EQ(sqlite3_step(St), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(St, 0), 1) << Path;
    sqlite3_finalize(St);
    sqlite3_close(Db);
  }
  EXPECT_EQ(Ids, (std::vector<int64_t>{1, 2, 3, 4}));
  // The cancel dropped project a's queued jobs, not b's.
  EXPECT_EQ((*Q->get(1))->Status, JobStatus::Cancelled);
  EXPECT_EQ((*Q->get(2))->Status, JobStatus::Cancelled);
  EXPECT_EQ((*Q->get(3))->Status, JobStatus::Queued);
  EXPECT_EQ((*Q->get(4))->Kind, JobKind::ProjectCancel);
  // Argument errors are still answered before anything is queued.
  auto R = call("POST", "/v1/project/up/c", "{\"environment\": 3}");
  EXPECT_EQ(R.Status, 400u);
  EXPECT_FALSE(*Q->get(5));
  // GET /v1/vm shares the asynchronous route with POST.
  EXPECT_EQ(call("GET", "/v1/vm/vm1").Status, 404u);
}

/// A commit that fails (the database is locked by another process for
/// longer than the busy timeout) is answered 500, and nothing is stored;
/// the next request succeeds.
TEST_F(ApiFixture, FailedCommitIsAnswered500) {
  A.reset();
  State.reset();
  Q.reset();
  QueueOpts.BusyTimeoutMs = 20;
  start();
  sqlite3 *Db = nullptr;
  ASSERT_EQ(sqlite3_open((Dir + "/q.db").str().c_str(), &Db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(Db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
            SQLITE_OK);
  for (const char *Path : {"/v1/project/up/a", "/v1/project/cancel/a"}) {
    auto R = call("POST", Path, llvm::StringRef(Path).contains("/up/")
                                    ? "{\"director_file\": \"x\"}"
                                    : "");
    EXPECT_EQ(R.Status, 500u) << Path;
    EXPECT_EQ(R.Body, "{\"status_code\": 500, \"message\": \"Internal "
                      "Server Error\"}");
  }
  ASSERT_EQ(sqlite3_exec(Db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(Db);
  EXPECT_FALSE(*Q->get(1));
  auto R = call("POST", "/v1/project/up/a", "{\"director_file\": \"x\"}");
  EXPECT_EQ(R.Status, 200u);
  EXPECT_EQ(R.Body, "{\"status_code\": 200, \"job_id\": 1}");
}

} // namespace
