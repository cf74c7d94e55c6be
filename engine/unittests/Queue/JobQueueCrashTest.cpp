//===- JobQueueCrashTest.cpp - kill -9 durability and reconcile -----------===//
//
// A forked child opens the queue, does work, reports the job ids it was
// given through a pipe and is killed with SIGKILL; the parent reopens the
// queue and checks that every acknowledged job is there and that a job left
// RUNNING is reconciled exactly once.
//
//===----------------------------------------------------------------------===//
#include "QueueTestSupport.h"

#include <sqlite3.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::test;

namespace {

class JobQueueCrashTest : public QueueTest {
protected:
  /// Forks a child that runs Body(reportFd) and then waits to be killed;
  /// returns the ids the child reported once Want arrived (or the child
  /// exited), after killing it with SIGKILL.
  std::vector<JobId> runChildAndKill(size_t Want,
                                     const std::function<void(int)> &Body) {
    int P[2];
    if (pipe(P) != 0)
      throw std::runtime_error("pipe");
    pid_t Pid = fork();
    if (Pid == 0) {
      close(P[0]);
      Body(P[1]);
      while (true)
        pause();
    }
    close(P[1]);
    std::vector<JobId> Ids;
    JobId Id;
    while (Ids.size() < Want && read(P[0], &Id, sizeof Id) == sizeof Id)
      Ids.push_back(Id);
    kill(Pid, SIGKILL);
    int Status = 0;
    waitpid(Pid, &Status, 0);
    close(P[0]);
    EXPECT_TRUE(WIFSIGNALED(Status));
    return Ids;
  }

  /// runChildAndKill with the queue opened (without a reconciler) first.
  std::vector<JobId>
  runAndKill(size_t Want, const std::function<void(JobQueue &, int)> &Body) {
    return runChildAndKill(Want, [&](int Fd) {
      auto Q = JobQueue::open(Path);
      if (!Q) {
        llvm::consumeError(Q.takeError());
        _exit(2);
      }
      Body(**Q, Fd);
    });
  }

  static void report(int Fd, JobId Id) {
    if (write(Fd, &Id, sizeof Id) != sizeof Id)
      _exit(3);
  }
};

TEST_F(JobQueueCrashTest, AcknowledgedJobsSurviveKill9) {
  // The child keeps enqueueing; it is killed somewhere in the middle.
  std::vector<JobId> Ids = runAndKill(20, [](JobQueue &Q, int Fd) {
    for (int I = 0;; ++I) {
      NewJob N = up(I % 2 ? "a" : "b", "{\"n\":" + std::to_string(I) + "}");
      auto Id = Q.enqueue(N);
      if (!Id)
        _exit(4);
      report(Fd, *Id);
    }
  });
  ASSERT_EQ(Ids.size(), 20u);
  auto Q = open();
  for (size_t I = 0; I < Ids.size(); ++I) {
    auto J = must(Q->get(Ids[I]));
    ASSERT_TRUE(J) << "job " << Ids[I] << " was acknowledged but is lost";
    EXPECT_EQ(J->Status, JobStatus::Queued);
    EXPECT_EQ(J->Payload, "{\"n\":" + std::to_string(I) + "}");
  }
  // Ids are never reused after the crash.
  JobFilter F;
  F.Limit = 100000;
  JobId Max = must(Q->list(F)).back().Id;
  EXPECT_GT(must(Q->enqueue(up("c"))), Max);
}

TEST_F(JobQueueCrashTest, RunningJobIsReconciledExactlyOnce) {
  std::vector<JobId> Ids = runAndKill(3, [](JobQueue &Q, int Fd) {
    auto A = Q.enqueue(up("web", "first"));
    auto B = Q.enqueue(up("web", "second"));
    auto C = Q.enqueue(up("db"));
    if (!A || !B || !C)
      _exit(4);
    auto J = Q.claimNext();
    if (!J || !*J || (*J)->Id != *A)
      _exit(5);
    report(Fd, *A);
    report(Fd, *B);
    report(Fd, *C);
  });
  ASSERT_EQ(Ids.size(), 3u);

  std::vector<Job> Seen;
  JobQueueOptions O = options();
  O.Reconcile = [&](const Job &J) {
    Seen.push_back(J);
    JobResult R;
    R.State = DirectorState::Done;
    R.Locked = false;
    return ReconcileDecision::finish(R, "describe: DONE");
  };
  {
    auto Q = open(O);
    ASSERT_EQ(Seen.size(), 1u);
    EXPECT_EQ(Seen[0].Id, Ids[0]);
    EXPECT_EQ(Seen[0].Payload, "first");
    EXPECT_EQ(Seen[0].Status, JobStatus::Running);
    EXPECT_EQ(Q->recovery().Finished, std::vector<JobId>{Ids[0]});
    auto J = must(Q->get(Ids[0]));
    EXPECT_EQ(J->Status, JobStatus::Completed);
    EXPECT_EQ(J->Reconciled, "after restart: describe: DONE");
    auto Rec = toStatusRecord(*J);
    EXPECT_EQ(*Rec.getString("operation"), "COMPLETED");
    EXPECT_EQ(*Rec.getString("state"), "DONE");
    EXPECT_EQ(*Rec.getString("reconciled"), "after restart: describe: DONE");
    auto Ev = must(Q->events(Ids[0]));
    ASSERT_GE(Ev.size(), 2u);
    EXPECT_EQ(Ev[Ev.size() - 2].Event, "reconciled");
    // The interrupted job is not handed out again; the rest proceed in order.
    EXPECT_EQ(must(Q->claimNext())->Id, Ids[1]);
    EXPECT_EQ(must(Q->claimNext())->Id, Ids[2]);
    must(Q->complete(Ids[1], JobResult::completed(0)));
    must(Q->complete(Ids[2], JobResult::completed(0)));
  }
  // A second restart has nothing to reconcile.
  auto Q = open(O);
  EXPECT_EQ(Seen.size(), 1u);
  EXPECT_TRUE(Q->recovery().Finished.empty());
}

TEST_F(JobQueueCrashTest, RequeueDecisionIsRecordedAndKeepsPosition) {
  std::vector<JobId> Ids = runAndKill(2, [](JobQueue &Q, int Fd) {
    auto A = Q.enqueue(up("web", "first"));
    auto B = Q.enqueue(up("web", "second"));
    if (!A || !B)
      _exit(4);
    if (!Q.claimNext())
      _exit(5);
    report(Fd, *A);
    report(Fd, *B);
  });
  ASSERT_EQ(Ids.size(), 2u);
  int Calls = 0;
  JobQueueOptions O = options();
  O.Reconcile = [&](const Job &) {
    ++Calls;
    return ReconcileDecision::requeue("describe: project unknown, never ran");
  };
  auto Q = open(O);
  EXPECT_EQ(Calls, 1);
  EXPECT_EQ(Q->recovery().Requeued, std::vector<JobId>{Ids[0]});
  auto J = must(Q->claimNext());
  ASSERT_TRUE(J);
  EXPECT_EQ(J->Id, Ids[0]);
  EXPECT_EQ(J->Attempts, 2u);
  EXPECT_EQ(J->Reconciled,
            "after restart: describe: project unknown, never ran");
  auto Ev = must(Q->events(Ids[0]));
  std::vector<std::string> Names;
  for (auto &E : Ev)
    Names.push_back(E.Event);
  EXPECT_EQ(Names, (std::vector<std::string>{"enqueued", "claimed", "requeued",
                                             "claimed"}));
}

TEST_F(JobQueueCrashTest, CrashDuringRecoveryKeepsDecisionsMade) {
  // Two projects, each with a job left RUNNING.
  std::vector<JobId> Ids = runAndKill(2, [](JobQueue &Q, int Fd) {
    auto A = Q.enqueue(up("a"));
    auto B = Q.enqueue(up("b"));
    if (!A || !B || !Q.claimNext() || !Q.claimNext())
      _exit(4);
    report(Fd, *A);
    report(Fd, *B);
  });
  ASSERT_EQ(Ids.size(), 2u);
  // A second child recovers: it decides about A, then dies deciding B.
  runChildAndKill(1, [this, &Ids](int Fd) {
    JobQueueOptions O = options();
    O.Reconcile = [&](const Job &J) {
      if (J.Id == Ids[1])
        kill(getpid(), SIGKILL);
      return ReconcileDecision::finish(JobResult::completed(0), "done");
    };
    if (!JobQueue::open(Path, O))
      _exit(4);
    report(Fd, 0);
  });
  std::vector<JobId> Asked;
  JobQueueOptions O = options();
  O.Reconcile = [&](const Job &J) {
    Asked.push_back(J.Id);
    return ReconcileDecision::fail("describe: FAILED");
  };
  auto Q = open(O);
  EXPECT_EQ(Asked, std::vector<JobId>{Ids[1]});
  EXPECT_EQ(must(Q->get(Ids[0]))->Status, JobStatus::Completed);
  EXPECT_EQ(must(Q->get(Ids[1]))->Status, JobStatus::Failed);
}

TEST_F(JobQueueCrashTest, WithoutReconcilerAnInterruptedJobFails) {
  std::vector<JobId> Ids = runAndKill(1, [](JobQueue &Q, int Fd) {
    auto A = Q.enqueue(up("web"));
    if (!A || !Q.claimNext())
      _exit(4);
    report(Fd, *A);
  });
  ASSERT_EQ(Ids.size(), 1u);
  auto Q = open();
  auto J = must(Q->get(Ids[0]));
  EXPECT_EQ(J->Status, JobStatus::Failed);
  EXPECT_EQ(J->Result.ExceptionType, "Interrupted");
  EXPECT_FALSE(must(Q->claimNext()));
}

TEST_F(JobQueueCrashTest, NewerSchemaIsRefused) {
  { auto Q = open(); }
  {
    sqlite3 *Db = nullptr;
    ASSERT_EQ(sqlite3_open(Path.c_str(), &Db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(Db, "INSERT INTO schema_migrations VALUES (999, 0)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(Db);
  }
  auto Q = JobQueue::open(Path, options());
  ASSERT_FALSE(static_cast<bool>(Q));
  std::string Msg = llvm::toString(Q.takeError());
  EXPECT_NE(Msg.find("schema version 999"), std::string::npos) << Msg;
}

} // namespace
