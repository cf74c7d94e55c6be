//===- StateRefreshTest.cpp - What a job runs, and the state after it -----===//
//
// The executor's share of the apply -> DONE latency: an `up` runs each
// Director look-up once (one describe serves the success rule, the label
// runner and the NodeState refresh) and reads its jail's keywords in one
// `jail get`; and whatever the job did is in NodeState the moment the queue
// reports the job final (the refresh precedes JobQueue::complete).
//
//===----------------------------------------------------------------------===//
#include "ExecutorTestSupport.h"

#include "overlord/Engine/Hooks.h"

#include <map>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::test;

namespace {

using ExecutorRefresh = SimNode;

/// The commands overlordd itself started (the journal's top-level calls),
/// as "tool verb" ("appjail jail get" for `jail` verbs) -> count.
std::map<std::string, int> topLevelCalls(const std::string &Journal) {
  std::map<std::string, int> Out;
  llvm::SmallVector<llvm::StringRef, 32> Lines;
  llvm::StringRef(Journal).split(Lines, '\n', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef L : Lines) {
    llvm::json::Value V = mustGet(llvm::json::parse(L));
    const llvm::json::Object *O = V.getAsObject();
    if (!O || O->get("parent_seq")->kind() != llvm::json::Value::Null)
      continue;
    std::string Key = O->getString("tool").value_or("?").str();
    const llvm::json::Array *Argv = O->getArray("argv");
    if (Argv && !Argv->empty()) {
      llvm::StringRef Verb = (*Argv)[0].getAsString().value_or("?");
      Key += " " + Verb.str();
      if (Verb == "jail" && Argv->size() > 1)
        Key += " " + (*Argv)[1].getAsString().value_or("?").str();
    }
    ++Out[Key];
  }
  return Out;
}

std::string show(const std::map<std::string, int> &Calls) {
  std::string S;
  for (const auto &[K, N] : Calls)
    S += K + " x" + std::to_string(N) + "\n";
  return S;
}

TEST_F(ExecutorRefresh, UpRunsEachCommandOnce) {
  HookRunner Hooks(Cfg, Tools);
  executor(&Hooks);
  // A first job probes racct (once per daemon); count the second one.
  ASSERT_EQ(up("warm").Status, JobStatus::Completed);
  llvm::sys::fs::remove(Root + "/sim/calls.jsonl");

  Job J = up("demo");
  ASSERT_EQ(J.Status, JobStatus::Completed) << J.Result.ExceptionMessage;
  // The label runner ran (an empty report), on the success rule's describe.
  EXPECT_EQ(J.Result.Labels, R"({"error":false,"message":null})");
  std::map<std::string, int> Want = {
      // Before `up`, the wait while the project is busy; after it, one
      // describe for the success rule, the labels and the state.
      {"appjail-director describe", 2},
      {"appjail-director up", 1},
      // The service's jail: every keyword in one run, alongside rctl and
      // cpuset (the describe's service status said it runs: no `status`).
      {"appjail jail get", 1},
      {"rctl -u", 1},
      {"appjail cpuset", 1},
  };
  EXPECT_EQ(show(topLevelCalls(journal())), show(Want));
  EXPECT_NE(journal().find(R"("argv":["jail","get","-It","--",)"),
            std::string::npos);
}

TEST_F(ExecutorRefresh, DownOfAProjectRunsNoDescribeAfterTheDestroy) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  llvm::sys::fs::remove(Root + "/sim/calls.jsonl");
  Job D = down("demo");
  ASSERT_EQ(D.Status, JobStatus::Completed) << D.Result.ExceptionMessage;
  std::string Calls = journal();
  // The destroy's `check` (66) told NodeState the project is gone.
  size_t Down = Calls.find(R"("argv":["down")");
  ASSERT_NE(Down, std::string::npos) << Calls;
  EXPECT_EQ(Calls.find(R"("argv":["describe")", Down), std::string::npos)
      << Calls;
  EXPECT_FALSE(State->hasProject("demo"));
  EXPECT_TRUE(State->jails().empty());
}

TEST_F(ExecutorRefresh, DownDescribesOnceForTheWaitLabelsAndPoweroff) {
  HookRunner Hooks(Cfg, Tools);
  executor(&Hooks);
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  llvm::sys::fs::remove(Root + "/sim/calls.jsonl");
  Job D = down("demo");
  ASSERT_EQ(D.Status, JobStatus::Completed) << D.Result.ExceptionMessage;
  EXPECT_EQ(D.Result.Labels, R"({"error":false,"message":null})");
  std::map<std::string, int> Want = {
      // The flow's `check`, then the destroy's (66: the project is gone).
      {"appjail-director check", 2},
      // The wait while the project is busy; the label runner and
      // poweroff_if_vm read the same describe.
      {"appjail-director describe", 1},
      {"appjail-director down", 1},
      // poweroff_if_vm: is the one service's jail a VM?
      {"appjail label", 1},
  };
  EXPECT_EQ(show(topLevelCalls(journal())), show(Want));
}

/// Polls the queue as a client polls GET /v1/jobs/{id}, and returns as soon
/// as the job is final.
Job firstFinal(JobQueue &Q, JobId Id) {
  auto End = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < End) {
    std::optional<Job> J = mustGet(Q.get(Id));
    if (J && isFinal(J->Status))
      return *J;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  throw std::runtime_error("job not final in time");
}

TEST_F(ExecutorRefresh, StateIsCurrentTheMomentAJobIsFinal) {
  HookRunner Hooks(Cfg, Tools);
  executor(&Hooks).start(2);
  const char *Two = "options:\n"
                    "  - virtualnet: ':<random> default'\n"
                    "services:\n"
                    "  web:\n"
                    "    name: web1\n"
                    "    makejail: gh+overlord/hello\n"
                    "    options:\n"
                    "      - expose: 8080\n"
                    "  db:\n"
                    "    name: db1\n"
                    "    makejail: gh+overlord/hello\n";
  JobId A = mustGet(Q->enqueue(
      {JobKind::ProjectUp, "demo", "main", upPayload(Two), false}));
  Job JA = firstFinal(*Q, A);
  ASSERT_EQ(JA.Status, JobStatus::Completed) << JA.Result.ExceptionMessage;
  // Read at once: the project, both jails and their keywords are there.
  std::optional<llvm::json::Object> P = State->projectInfo("demo");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->getString("state").value_or(""), "DONE");
  EXPECT_EQ(P->getArray("services")->size(), 2u);
  EXPECT_EQ(State->jails(), (std::vector<std::string>{"db1", "web1"}));
  std::optional<llvm::json::Object> Web = State->jailInfo("web1");
  ASSERT_TRUE(Web);
  EXPECT_EQ(Web->getString("status").value_or(""), "UP");
  EXPECT_EQ(Web->getString("name").value_or(""), "web1");
  EXPECT_EQ(Web->getString("ports").value_or(""), "8080/tcp");
  EXPECT_EQ(State->jailItems(JailItem::Expose, "web1")->size(), 1u);

  // A change of the project: db leaves, web loses its expose rule.
  const char *One = "options:\n"
                    "  - virtualnet: ':<random> default'\n"
                    "services:\n"
                    "  web:\n"
                    "    name: web1\n"
                    "    makejail: gh+overlord/hello\n";
  JobId B = mustGet(Q->enqueue(
      {JobKind::ProjectUp, "demo", "main", upPayload(One), false}));
  Job JB = firstFinal(*Q, B);
  ASSERT_EQ(JB.Status, JobStatus::Completed) << JB.Result.ExceptionMessage;
  EXPECT_EQ(State->jails(), (std::vector<std::string>{"web1"}));
  P = State->projectInfo("demo");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->getArray("services")->size(), 1u);
  EXPECT_EQ(State->jailInfo("web1")->getString("ports").value_or("?"), "");
  EXPECT_TRUE(State->jailItems(JailItem::Expose, "web1")->empty());

  // Destroyed: gone the moment the job is.
  JobId C = mustGet(Q->enqueue({JobKind::ProjectDown, "demo", "main",
                                R"({"environment": {}, "force": false})",
                                false}));
  Job JC = firstFinal(*Q, C);
  ASSERT_EQ(JC.Status, JobStatus::Completed) << JC.Result.ExceptionMessage;
  EXPECT_FALSE(State->hasProject("demo"));
  EXPECT_TRUE(State->jails().empty());
  executor().stop();
}

TEST_F(ExecutorRefresh, FailedUpStillShowsWhatDirectorSays) {
  fault(R"(appjail "makejail *" rc=3 stderr="pkg: No packages available")");
  Job J = up("demo");
  ASSERT_EQ(J.Status, JobStatus::Failed);
  // The success rule's describe (FAILED) is what the state serves.
  std::optional<llvm::json::Object> P = State->projectInfo("demo");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->getString("state").value_or(""), "FAILED");
  EXPECT_EQ(J.Result.State, std::optional<DirectorState>(DirectorState::Failed));
}

} // namespace
