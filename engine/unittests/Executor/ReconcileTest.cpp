//===- ReconcileTest.cpp - Decisions about jobs a crash left RUNNING ------===//
//
// A crash is simulated by claiming a job and closing the queue without
// completing it; the queue is then reopened with Executor::reconcile as its
// Reconcile callback while the simulator holds the project in each state
// Director can report.
//
//===----------------------------------------------------------------------===//
#include "ExecutorTestSupport.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::test;

namespace {

class ExecutorReconcile : public SimNode {
protected:
  /// Enqueues and claims a job, then "crashes" (closes the queue).
  JobId crashWhileRunning(JobKind K, llvm::StringRef Project,
                          bool CancelRequested = false) {
    Exec.reset(); // it refers to the queue that is about to close
    std::string Payload = K == JobKind::ProjectUp ? upPayload(SimpleDirector)
                          : K == JobKind::MetadataPut
                              ? R"({"key": "k", "value": "v"})"
                              : "{}";
    JobId Id = mustGet(Q->enqueue({K, Project.str(), "main", Payload, false}));
    EXPECT_TRUE(mustGet(Q->claimNext()));
    if (CancelRequested)
      mustGet(Q->cancel(Project));
    Q.reset();
    return Id;
  }
  Job reopen(JobId Id) {
    Exec.reset();
    openQueue([this](const Job &J) {
      return Executor::reconcile(Cfg, Tools, J,
                                 std::chrono::milliseconds(600));
    });
    return *mustGet(Q->get(Id));
  }
};

TEST_F(ExecutorReconcile, UpWhoseProjectIsDoneCompletes) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  JobId Id = crashWhileRunning(JobKind::ProjectUp, "demo");
  Job J = reopen(Id);
  EXPECT_EQ(J.Status, JobStatus::Completed);
  EXPECT_NE(J.Reconciled.find("reconciled: describe says DONE"),
            std::string::npos)
      << J.Reconciled;
  EXPECT_EQ(J.Result.Message, "reconciled: describe says DONE");
  EXPECT_EQ(J.Result.State, std::optional<DirectorState>(DirectorState::Done));
  EXPECT_EQ(Q->recovery().Finished, std::vector<JobId>{Id});
}

TEST_F(ExecutorReconcile, UpOfAnUnknownProjectIsInterrupted) {
  JobId Id = crashWhileRunning(JobKind::ProjectUp, "ghost");
  Job J = reopen(Id);
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "Interrupted");
  EXPECT_NE(J.Reconciled.find("does not exist"), std::string::npos);
}

TEST_F(ExecutorReconcile, FailedProjectFinishesFailed) {
  fault(R"(appjail "makejail *" rc=3)");
  ASSERT_EQ(up("demo").Status, JobStatus::Failed);
  JobId Id = crashWhileRunning(JobKind::ProjectUp, "demo");
  Job J = reopen(Id);
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "DirectorError");
  EXPECT_NE(J.Reconciled.find("describe says FAILED"), std::string::npos);
}

TEST_F(ExecutorReconcile, UnlockedUnfinishedIsInterruptedNeverRerun) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  ASSERT_EQ(sim({"state", "stale-lock", "demo"}).shellStatus(), 0);
  llvm::sys::fs::remove(Root + "/director/locks/demo/lock");
  JobId Id = crashWhileRunning(JobKind::ProjectUp, "demo");
  llvm::sys::fs::remove(Root + "/sim/calls.jsonl");
  Job J = reopen(Id);
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "Interrupted");
  EXPECT_NE(J.Reconciled.find("UNFINISHED"), std::string::npos);
  EXPECT_EQ(J.Attempts, 1u);
  EXPECT_EQ(journal().find("\"up\""), std::string::npos);
}

TEST_F(ExecutorReconcile, LockedBusyProjectWaitsThenDecides) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  ASSERT_EQ(sim({"state", "stale-lock", "demo"}).shellStatus(), 0);
  JobId Id = crashWhileRunning(JobKind::ProjectUp, "demo");
  auto Start = std::chrono::steady_clock::now();
  Job J = reopen(Id);
  EXPECT_GE(std::chrono::steady_clock::now() - Start,
            std::chrono::milliseconds(550));
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_NE(J.Reconciled.find("still locked"), std::string::npos);
  EXPECT_EQ(J.Result.Locked, std::optional<bool>(true));
}

TEST_F(ExecutorReconcile, LockReleasedDuringTheWaitDecidesOnTheNewState) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  ASSERT_EQ(sim({"state", "stale-lock", "demo"}).shellStatus(), 0);
  JobId Id = crashWhileRunning(JobKind::ProjectUp, "demo");
  std::thread Finish([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    // What the surviving Director run does when it ends well.
    writeText(Root + "/director/projects/demo/state", "done");
    llvm::sys::fs::remove(Root + "/director/locks/demo/lock");
  });
  Job J = reopen(Id);
  Finish.join();
  EXPECT_EQ(J.Status, JobStatus::Completed) << J.Reconciled;
}

TEST_F(ExecutorReconcile, DownDecidesByExistence) {
  JobId Gone = crashWhileRunning(JobKind::ProjectDown, "gone");
  Job G = reopen(Gone);
  EXPECT_EQ(G.Status, JobStatus::Completed);
  EXPECT_NE(G.Reconciled.find("no longer exists"), std::string::npos);

  ASSERT_EQ(up("kept").Status, JobStatus::Completed);
  JobId Kept = crashWhileRunning(JobKind::ProjectDown, "kept");
  Job K = reopen(Kept);
  EXPECT_EQ(K.Status, JobStatus::Failed);
  EXPECT_NE(K.Reconciled.find("still exists"), std::string::npos);
}

TEST_F(ExecutorReconcile, DescribeFailingIsInterrupted) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  JobId Id = crashWhileRunning(JobKind::ProjectUp, "demo");
  fault(R"(appjail-director "describe *" rc=0 stdout="garbage")");
  Job J = reopen(Id);
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "Interrupted");
  EXPECT_NE(J.Reconciled.find("cannot describe"), std::string::npos);
}

TEST_F(ExecutorReconcile, CancelledJobGetsDirectorCancelFirst) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  JobId Id = crashWhileRunning(JobKind::ProjectUp, "demo",
                               /*CancelRequested=*/true);
  llvm::sys::fs::remove(Root + "/sim/calls.jsonl");
  Job J = reopen(Id);
  EXPECT_NE(journal().find(R"("argv":["cancel","-p","demo"])"),
            std::string::npos);
  // Director had finished before the cancel: the job really completed.
  EXPECT_EQ(J.Status, JobStatus::Completed);
}

TEST_F(ExecutorReconcile, VmJobsDecideByTheDoneMarker) {
  JobId Without = crashWhileRunning(JobKind::VmCreate, "vm1");
  EXPECT_EQ(reopen(Without).Status, JobStatus::Failed);

  writeText(Cfg.AppjailJails + "/vm2/jail/vm/.done", "services: {}\n");
  JobId With = crashWhileRunning(JobKind::VmCreate, "vm2");
  Job J = reopen(With);
  EXPECT_EQ(J.Status, JobStatus::Completed);
  EXPECT_NE(J.Reconciled.find(".done"), std::string::npos);
}

TEST_F(ExecutorReconcile, MetadataJobsAreRequeuedExplicitly) {
  JobId Id = crashWhileRunning(JobKind::MetadataPut, "metadata:k");
  Job J = reopen(Id);
  EXPECT_EQ(J.Status, JobStatus::Queued);
  EXPECT_NE(J.Reconciled.find("idempotent"), std::string::npos);
  EXPECT_EQ(Q->recovery().Requeued, std::vector<JobId>{Id});
  EXPECT_EQ(J.Attempts, 1u);
}

} // namespace
