//===- JobQueueTest.cpp - Ordering, cancel, status of the job queue -------===//
//
// The in-process behaviour of JobQueue: ids, per-project serialisation,
// cancel, the reference's status fields, reopening, and several threads.
//
//===----------------------------------------------------------------------===//
#include "QueueTestSupport.h"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::test;

namespace {

using JobQueueTest = QueueTest;

TEST_F(JobQueueTest, IdsIncreaseAndJobsRoundTrip) {
  auto Q = open();
  EXPECT_EQ(Q->schemaVersion(), JobQueue::latestSchemaVersion());
  NewJob N = up("web", R"({"director_file":"x"})");
  N.Restart = true;
  JobId A = must(Q->enqueue(N));
  JobId B = must(Q->enqueue(up("db")));
  EXPECT_GT(A, 0);
  EXPECT_GT(B, A);
  auto J = must(Q->get(A));
  ASSERT_TRUE(J);
  EXPECT_EQ(J->Kind, JobKind::ProjectUp);
  EXPECT_EQ(J->Project, "web");
  EXPECT_EQ(J->Target, "main");
  EXPECT_EQ(J->Payload, R"({"director_file":"x"})");
  EXPECT_TRUE(J->Restart);
  EXPECT_EQ(J->Status, JobStatus::Queued);
  EXPECT_EQ(J->EnqueuedAt, Now);
  EXPECT_FALSE(must(Q->get(999)));
}

// Group commit: concurrent enqueue() calls share transactions; every caller
// gets its own id, each id belongs to that caller's job, and all are stored.
TEST_F(JobQueueTest, ConcurrentEnqueuesAreGroupCommitted) {
  auto Q = open();
  constexpr int Threads = 8, PerThread = 40;
  std::mutex Mu;
  std::map<JobId, std::string> Got;
  std::vector<std::thread> Ts;
  for (int T = 0; T < Threads; ++T)
    Ts.emplace_back([&, T] {
      for (int I = 0; I < PerThread; ++I) {
        std::string P = "p" + std::to_string(T) + "-" + std::to_string(I);
        JobId Id = must(Q->enqueue(up(P)));
        std::lock_guard<std::mutex> L(Mu);
        EXPECT_TRUE(Got.emplace(Id, P).second) << "id handed out twice";
      }
    });
  for (std::thread &T : Ts)
    T.join();
  ASSERT_EQ(Got.size(), size_t(Threads * PerThread));
  for (const auto &[Id, P] : Got) {
    auto J = must(Q->get(Id));
    ASSERT_TRUE(J);
    EXPECT_EQ(J->Project, P);
  }
  // Errors still reach only their caller.
  EXPECT_FALSE(bool(Q->enqueue(up(""))));
}

TEST_F(JobQueueTest, RejectsCancelKindAndEmptyProject) {
  auto Q = open();
  NewJob C = up("web");
  C.Kind = JobKind::ProjectCancel;
  EXPECT_TRUE(fails(Q->enqueue(C)));
  EXPECT_TRUE(fails(Q->enqueue(up(""))));
}

TEST_F(JobQueueTest, EnqueueAllIsOneAllOrNothingBatch) {
  auto Q = open();
  JobId Before = must(Q->enqueue(up("x")));
  std::vector<NewJob> Batch = {up("a"), up("b"), up("a")};
  auto Ids = must(Q->enqueueAll(Batch));
  ASSERT_EQ(Ids.size(), 3u);
  EXPECT_EQ(Ids[0], Before + 1);
  EXPECT_EQ(Ids[2], Before + 3);
  EXPECT_EQ(must(Q->get(Ids[1]))->Project, "b");
  Batch.push_back(up(""));
  EXPECT_TRUE(fails(Q->enqueueAll(Batch)));
  EXPECT_EQ(must(Q->list({})).size(), 4u);
  EXPECT_TRUE(must(Q->enqueueAll({})).empty());
}

TEST_F(JobQueueTest, PruneKeepsLatestRecordAndUnfinishedJobs) {
  auto Q = open();
  JobId A1 = must(Q->enqueue(up("a")));
  JobId A2 = must(Q->enqueue(up("a")));
  must(Q->claimNext());
  must(Q->complete(A1, JobResult::completed(0)));
  must(Q->claimNext());
  must(Q->complete(A2, JobResult::completed(0)));
  JobId B1 = must(Q->enqueue(up("b")));
  must(Q->claimNext());
  must(Q->complete(B1, JobResult::completed(0)));
  JobId A3 = must(Q->enqueue(up("a")));
  Now += 100;
  // Nothing is old enough yet.
  EXPECT_EQ(must(Q->prune(Now - 200)), 0u);
  // A1 goes; A2 is not the latest "a" up job (A3 is) so it goes too;
  // A3 is queued and B1 the latest of "b".
  EXPECT_EQ(must(Q->prune(Now)), 2u);
  EXPECT_FALSE(must(Q->get(A1)));
  EXPECT_FALSE(must(Q->get(A2)));
  EXPECT_TRUE(must(Q->events(A1)).empty());
  EXPECT_TRUE(must(Q->get(A3)));
  EXPECT_TRUE(must(Q->get(B1)));
  // Ids are never reused after a prune.
  EXPECT_GT(must(Q->enqueue(up("c"))), A3);
}

TEST_F(JobQueueTest, FifoAcrossProjects) {
  auto Q = open();
  JobId A = must(Q->enqueue(up("a")));
  JobId B = must(Q->enqueue(up("b")));
  JobId C = must(Q->enqueue(up("c")));
  EXPECT_EQ(must(Q->claimNext())->Id, A);
  EXPECT_EQ(must(Q->claimNext())->Id, B);
  EXPECT_EQ(must(Q->claimNext())->Id, C);
  EXPECT_FALSE(must(Q->claimNext()));
}

TEST_F(JobQueueTest, SecondUpForBusyProjectWaitsItsTurn) {
  auto Q = open();
  JobId A1 = must(Q->enqueue(up("a")));
  JobId A2 = must(Q->enqueue(up("a")));
  JobId B1 = must(Q->enqueue(up("b")));
  auto First = must(Q->claimNext());
  ASSERT_TRUE(First);
  EXPECT_EQ(First->Id, A1);
  EXPECT_EQ(First->Status, JobStatus::Running);
  EXPECT_EQ(First->Attempts, 1u);
  // a is busy: A2 waits, b proceeds.
  auto Second = must(Q->claimNext());
  ASSERT_TRUE(Second);
  EXPECT_EQ(Second->Id, B1);
  EXPECT_FALSE(must(Q->claimNext()));
  EXPECT_EQ(must(Q->get(A2))->Status, JobStatus::Queued);
  must(Q->complete(A1, JobResult::completed(0)));
  auto Third = must(Q->claimNext());
  ASSERT_TRUE(Third);
  EXPECT_EQ(Third->Id, A2);
}

TEST_F(JobQueueTest, CompleteOnlyRunningJobs) {
  auto Q = open();
  JobId A = must(Q->enqueue(up("a")));
  EXPECT_TRUE(fails(Q->complete(A, JobResult::completed(0))));
  must(Q->claimNext());
  JobResult Bad;
  Bad.Status = JobStatus::Running;
  EXPECT_TRUE(fails(Q->complete(A, Bad)));
  Bad.Status = JobStatus::Cancelled;
  EXPECT_TRUE(fails(Q->complete(A, Bad)));
  must(Q->complete(A, JobResult::completed(0)));
  EXPECT_TRUE(fails(Q->complete(A, JobResult::completed(0))));
  EXPECT_TRUE(fails(Q->complete(12345, JobResult::completed(0))));
}

TEST_F(JobQueueTest, StatusRecordHasTheReferenceFields) {
  auto Q = open();
  JobId A = must(Q->enqueue(up("web")));
  auto Rec = toStatusRecord(*must(Q->latest("web", StatusKey::Up)));
  EXPECT_EQ(*Rec.getString("operation"), "QUEUED");
  EXPECT_EQ(*Rec.getInteger("job_id"), A);

  Now += 5;
  must(Q->claimNext());
  Rec = toStatusRecord(*must(Q->latest("web", StatusKey::Up)));
  EXPECT_EQ(*Rec.getString("operation"), "RUNNING");
  EXPECT_EQ(*Rec.getNumber("last_update"), Now);
  EXPECT_FALSE(Rec.get("output"));

  Now += 5;
  JobResult R = JobResult::completed(
      0, R"({"errlevel": 0, "message": null, "failed": []})");
  R.Stderr = "warn\n";
  R.State = DirectorState::Done;
  R.Locked = false;
  R.Restarted = true;
  R.Labels = R"({"error": false})";
  must(Q->complete(A, R));
  auto J = must(Q->latest("web", StatusKey::Up));
  EXPECT_EQ(J->Status, JobStatus::Completed);
  EXPECT_EQ(J->FinishedAt, Now);
  Rec = toStatusRecord(*J);
  EXPECT_EQ(*Rec.getString("operation"), "COMPLETED");
  EXPECT_EQ(*Rec.getNumber("last_update"), Now);
  EXPECT_EQ(*Rec.getInteger("job_id"), A);
  EXPECT_EQ(*Rec.getBoolean("restarted"), true);
  EXPECT_EQ(*Rec.getString("state"), "DONE");
  EXPECT_EQ(*Rec.getBoolean("locked"), false);
  const llvm::json::Object *Out = Rec.getObject("output");
  ASSERT_TRUE(Out);
  EXPECT_EQ(*Out->getInteger("rc"), 0);
  EXPECT_EQ(*Out->getString("stderr"), "warn\n");
  ASSERT_TRUE(Out->getObject("stdout"));
  EXPECT_EQ(*Out->getObject("stdout")->getInteger("errlevel"), 0);
  ASSERT_TRUE(Rec.getObject("labels"));

  // The down and vm records are separate, as in the reference.
  EXPECT_FALSE(must(Q->latest("web", StatusKey::Down)));
  EXPECT_FALSE(must(Q->latest("web", StatusKey::Vm)));
}

TEST_F(JobQueueTest, FailedNoopAndIncompletedRecords) {
  auto Q = open();
  NewJob V = up("vm1");
  V.Kind = JobKind::VmCreate;
  JobId A = must(Q->enqueue(V));
  must(Q->claimNext());
  JobResult Noop;
  Noop.Status = JobStatus::Noop;
  must(Q->complete(A, Noop));
  auto Rec = toStatusRecord(*must(Q->latest("vm1", StatusKey::Vm)));
  EXPECT_EQ(*Rec.getString("operation"), "NOOP");
  EXPECT_FALSE(Rec.get("output"));
  EXPECT_FALSE(Rec.get("restarted"));

  NewJob D = up("vm1");
  D.Kind = JobKind::ProjectDown;
  JobId B = must(Q->enqueue(D));
  must(Q->claimNext());
  must(Q->complete(B, JobResult::failed("OSError", "no free port")));
  Rec = toStatusRecord(*must(Q->latest("vm1", StatusKey::Down)));
  EXPECT_EQ(*Rec.getString("operation"), "FAILED");
  EXPECT_EQ(*Rec.getObject("exception")->getString("type"), "OSError");
  EXPECT_EQ(*Rec.getObject("exception")->getString("message"), "no free port");

  JobId C = must(Q->enqueue(up("vm1")));
  must(Q->claimNext());
  JobResult Inc = JobResult::completed(0, "not json");
  Inc.Status = JobStatus::Incompleted;
  must(Q->complete(C, Inc));
  Rec = toStatusRecord(*must(Q->get(C)));
  EXPECT_EQ(*Rec.getString("operation"), "INCOMPLETED");
  EXPECT_EQ(*Rec.getObject("output")->getString("stdout"), "not json");
  EXPECT_EQ(*Rec.getBoolean("restarted"), false);
}

TEST_F(JobQueueTest, OutputIsSizeLimited) {
  JobQueueOptions O = options();
  O.MaxOutputBytes = 8;
  auto Q = open(O);
  JobId A = must(Q->enqueue(up("a")));
  must(Q->claimNext());
  // "\xc3\xa9" is one character: the cut must not split it.
  JobResult R = JobResult::completed(1, "1234567\xc3\xa9xyz");
  R.Stderr = "short";
  must(Q->complete(A, R));
  auto J = must(Q->get(A));
  EXPECT_EQ(J->Result.Stdout, "1234567");
  EXPECT_EQ(J->Result.Stderr, "short");
  EXPECT_TRUE(J->Result.Truncated);
  EXPECT_EQ(*toStatusRecord(*J).getBoolean("truncated"), true);
  EXPECT_EQ(*J->Result.Rc, 1);
}

TEST_F(JobQueueTest, CancelDropsQueuedFlagsRunningAndQueuesCancelJob) {
  auto Q = open();
  std::vector<JobId> Told;
  Q->setCancelHandler([&](const Job &J) { Told.push_back(J.Id); });
  JobId A1 = must(Q->enqueue(up("a")));
  JobId A2 = must(Q->enqueue(up("a")));
  JobId A3 = must(Q->enqueue(up("a")));
  JobId B1 = must(Q->enqueue(up("b")));
  EXPECT_EQ(must(Q->claimNext())->Id, A1);
  EXPECT_FALSE(must(Q->isCancelRequested(A1)));

  CancelOutcome C = must(Q->cancel("a"));
  EXPECT_GT(C.CancelJob, B1);
  EXPECT_EQ(C.Dropped, (std::vector<JobId>{A2, A3}));
  ASSERT_TRUE(C.Running);
  EXPECT_EQ(*C.Running, A1);
  EXPECT_EQ(Told, std::vector<JobId>{A1});
  EXPECT_TRUE(must(Q->isCancelRequested(A1)));
  auto J2 = must(Q->get(A2));
  EXPECT_EQ(J2->Status, JobStatus::Cancelled);
  EXPECT_EQ(*J2->CancelledBy, C.CancelJob);
  EXPECT_EQ(*toStatusRecord(*J2).getString("operation"), "CANCELLED");

  // The cancel job runs first and although a is busy; b follows.
  auto Next = must(Q->claimNext());
  ASSERT_TRUE(Next);
  EXPECT_EQ(Next->Id, C.CancelJob);
  EXPECT_EQ(Next->Kind, JobKind::ProjectCancel);
  EXPECT_EQ(Next->Project, "a");
  EXPECT_EQ(must(Q->claimNext())->Id, B1);

  // A job enqueued after the cancel waits for both a jobs to finish.
  JobId A4 = must(Q->enqueue(up("a")));
  EXPECT_FALSE(must(Q->claimNext()));
  must(Q->complete(A1, JobResult::failed("Cancelled", "cancelled")));
  EXPECT_FALSE(must(Q->claimNext()));
  must(Q->complete(C.CancelJob, JobResult::completed(0)));
  EXPECT_EQ(must(Q->claimNext())->Id, A4);
  auto Rec = toStatusRecord(*must(Q->get(A1)));
  EXPECT_EQ(*Rec.getBoolean("cancel_requested"), true);
}

TEST_F(JobQueueTest, CancelOfIdleProjectStillQueuesDirectorCancel) {
  auto Q = open();
  CancelOutcome C = must(Q->cancel("idle"));
  EXPECT_TRUE(C.Dropped.empty());
  EXPECT_FALSE(C.Running);
  auto J = must(Q->claimNext());
  ASSERT_TRUE(J);
  EXPECT_EQ(J->Id, C.CancelJob);
}

TEST_F(JobQueueTest, ReopenAfterNormalCloseKeepsEverything) {
  JobId A, B, C;
  {
    auto Q = open();
    A = must(Q->enqueue(up("a")));
    B = must(Q->enqueue(up("a")));
    must(Q->claimNext());
    must(Q->complete(A, JobResult::completed(0, "done")));
    C = must(Q->enqueue(up("c")));
  }
  auto Q = open();
  EXPECT_TRUE(Q->recovery().Finished.empty());
  EXPECT_EQ(must(Q->get(A))->Result.Stdout, "done");
  EXPECT_EQ(must(Q->claimNext())->Id, B);
  EXPECT_EQ(must(Q->claimNext())->Id, C);
  // Ids keep increasing across reopen.
  EXPECT_GT(must(Q->enqueue(up("d"))), C);
}

TEST_F(JobQueueTest, ListAndEvents) {
  auto Q = open();
  JobId A = must(Q->enqueue(up("a")));
  JobId B = must(Q->enqueue(up("b")));
  JobId C = must(Q->enqueue(up("a")));
  must(Q->claimNext());
  must(Q->complete(A, JobResult::completed(0)));
  JobFilter F;
  EXPECT_EQ(must(Q->list(F)).size(), 3u);
  F.Project = "a";
  auto L = must(Q->list(F));
  ASSERT_EQ(L.size(), 2u);
  EXPECT_EQ(L[0].Id, A);
  EXPECT_EQ(L[1].Id, C);
  F = {};
  F.Status = JobStatus::Queued;
  L = must(Q->list(F));
  ASSERT_EQ(L.size(), 2u);
  EXPECT_EQ(L[0].Id, B);
  F = {};
  F.AfterId = A;
  F.Limit = 1;
  L = must(Q->list(F));
  ASSERT_EQ(L.size(), 1u);
  EXPECT_EQ(L[0].Id, B);
  auto Ev = must(Q->events(A));
  ASSERT_EQ(Ev.size(), 3u);
  EXPECT_EQ(Ev[0].Event, "enqueued");
  EXPECT_EQ(Ev[1].Event, "claimed");
  EXPECT_EQ(Ev[2].Event, "completed");
  auto JSON = toJSON(*must(Q->get(A)));
  EXPECT_EQ(*JSON.getString("kind"), "project.up");
  EXPECT_EQ(*JSON.getString("project"), "a");
}

TEST_F(JobQueueTest, WaitAndClaimWakesOnEnqueueAndTimesOut) {
  auto Q = open();
  auto T0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(must(Q->waitAndClaim(std::chrono::milliseconds(30))));
  EXPECT_GE(std::chrono::steady_clock::now() - T0,
            std::chrono::milliseconds(25));
  std::thread Producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    must(Q->enqueue(up("a")));
  });
  auto J = must(Q->waitAndClaim(std::chrono::milliseconds(2000)));
  Producer.join();
  ASSERT_TRUE(J);
  EXPECT_EQ(J->Project, "a");
  std::thread Waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    Q->wakeAll();
  });
  T0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(must(Q->waitAndClaim(std::chrono::milliseconds(2000))));
  EXPECT_LT(std::chrono::steady_clock::now() - T0,
            std::chrono::milliseconds(1000));
  Waker.join();
}

TEST_F(JobQueueTest, WorkersNeverRunOneProjectTwiceAtOnce) {
  JobQueueOptions O;
  auto Q = open(O);
  const int PerProject = 6;
  const char *Projects[] = {"a", "b", "c"};
  std::map<std::string, std::vector<JobId>> Enqueued;
  for (int I = 0; I < PerProject; ++I)
    for (const char *P : Projects)
      Enqueued[P].push_back(must(Q->enqueue(up(P))));
  std::mutex M;
  std::set<std::string> Busy;
  std::map<std::string, std::vector<JobId>> Ran;
  std::atomic<int> Overlaps{0}, Done{0};
  auto Worker = [&] {
    while (Done < PerProject * 3) {
      auto J = must(Q->waitAndClaim(std::chrono::milliseconds(20)));
      if (!J)
        continue;
      {
        std::lock_guard<std::mutex> L(M);
        if (!Busy.insert(J->Project).second)
          ++Overlaps;
        Ran[J->Project].push_back(J->Id);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      {
        std::lock_guard<std::mutex> L(M);
        Busy.erase(J->Project);
      }
      must(Q->complete(J->Id, JobResult::completed(0)));
      ++Done;
    }
  };
  std::vector<std::thread> Workers;
  for (int I = 0; I < 4; ++I)
    Workers.emplace_back(Worker);
  for (auto &W : Workers)
    W.join();
  EXPECT_EQ(Overlaps, 0);
  EXPECT_EQ(Ran, Enqueued);
}

} // namespace
