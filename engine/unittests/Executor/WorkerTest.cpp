//===- WorkerTest.cpp - Worker threads, cancel, ordering, metrics ---------===//
//
// The executor as overlordd runs it: start(N) workers on the queue. A
// cancel stops a hung `up` at once (process group terminated, FAILED
// "Cancelled"), two `up`s of one project run one after the other, stop()
// interrupts a running job, and the job metrics are recorded. Also the
// runner's cancel flag (ProcessSpec::Cancel) on its own.
//
//===----------------------------------------------------------------------===//
#include "ExecutorTestSupport.h"

#include "overlord/Engine/Metrics.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::test;

namespace {

using ExecutorWorkers = SimNode;

/// True if a process of group Pgid is alive and not a zombie (/proc).
bool groupRunning(int Pgid) {
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator I("/proc", EC), E; !EC && I != E;
       I.increment(EC)) {
    llvm::StringRef Name = llvm::sys::path::filename(I->path());
    unsigned Pid;
    if (Name.getAsInteger(10, Pid))
      continue;
    std::string Stat = readText(I->path() + "/stat");
    size_t Close = Stat.rfind(')');
    if (Close == std::string::npos || Close + 4 > Stat.size())
      continue;
    llvm::SmallVector<llvm::StringRef, 4> F;
    llvm::StringRef(Stat).drop_front(Close + 2).split(F, ' ', 3);
    int Group;
    if (F.size() >= 3 && !F[2].getAsInteger(10, Group) && Group == Pgid &&
        F[0] != "Z")
      return true;
  }
  return false;
}

Job waitFinal(JobQueue &Q, JobId Id, std::chrono::milliseconds Timeout =
                                         std::chrono::milliseconds(20000)) {
  std::optional<Job> J;
  eventually(
      [&] {
        J = mustGet(Q.get(Id));
        return J && isFinal(J->Status);
      },
      Timeout);
  if (!J)
    throw std::runtime_error("job vanished");
  return *J;
}

TEST_F(ExecutorWorkers, CancelStopsAHungUpAtOnce) {
  fault(R"(appjail-director "up *" project=demo hang=60)");
  executor().start(2);
  JobId Id = mustGet(Q->enqueue(
      {JobKind::ProjectUp, "demo", "main", upPayload(SimpleDirector), false}));
  // Director has the lock and its pid written: it is hanging.
  ASSERT_TRUE(eventually([&] {
    return llvm::sys::fs::exists(Root + "/director/projects/demo/pid");
  }));
  auto Start = std::chrono::steady_clock::now();
  CancelOutcome C = mustGet(Q->cancel("demo"));
  EXPECT_EQ(C.Running, std::optional<JobId>(Id));
  Job J = waitFinal(*Q, Id);
  EXPECT_LT(std::chrono::steady_clock::now() - Start, std::chrono::seconds(8));
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "Cancelled");
  EXPECT_NE(J.Result.ExceptionMessage.find("cancelled"), std::string::npos);
  Job Cancel = waitFinal(*Q, C.CancelJob);
  EXPECT_TRUE(Cancel.Status == JobStatus::Completed ||
              Cancel.Status == JobStatus::Noop)
      << toString(Cancel.Status).str() << " " << Cancel.Result.ExceptionMessage;
  EXPECT_NE(journal().find(R"("argv":["cancel","-p","demo"])"),
            std::string::npos);
  // Nothing is left running and the project is not locked any more.
  EXPECT_FALSE(llvm::sys::fs::exists(Root + "/director/locks/demo/lock"));
  executor().stop();
}

TEST_F(ExecutorWorkers, CancelOfAJobWaitingForABusyProject) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  ASSERT_EQ(sim({"state", "stale-lock", "demo"}).shellStatus(), 0);
  ExecutorTuning T;
  T.BusyWait = std::chrono::milliseconds(30000);
  T.BusyPollMin = std::chrono::milliseconds(50);
  T.ClaimSlice = std::chrono::milliseconds(100);
  executor().setTuning(T);
  executor().start(2);
  JobId Id = mustGet(Q->enqueue(
      {JobKind::ProjectUp, "demo", "main", upPayload(SimpleDirector), false}));
  ASSERT_TRUE(eventually([&] { return executor().running() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto Start = std::chrono::steady_clock::now();
  mustGet(Q->cancel("demo"));
  Job J = waitFinal(*Q, Id);
  EXPECT_LT(std::chrono::steady_clock::now() - Start, std::chrono::seconds(5));
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "Cancelled");
  executor().stop();
}

TEST_F(ExecutorWorkers, TwoUpsOfOneProjectRunInOrder) {
  fault(R"(appjail-director "up *" delay=1)");
  executor().start(2);
  std::vector<JobId> Ids = mustGet(Q->enqueueAll(
      {{JobKind::ProjectUp, "demo", "main", upPayload(SimpleDirector), false},
       {JobKind::ProjectUp, "demo", "main", upPayload(SimpleDirector), false},
       {JobKind::ProjectUp, "other", "main", upPayload(SimpleDirector),
        false}}));
  Job A = waitFinal(*Q, Ids[0]), B = waitFinal(*Q, Ids[1]),
      C = waitFinal(*Q, Ids[2]);
  executor().stop();
  EXPECT_EQ(A.Status, JobStatus::Completed) << A.Result.ExceptionMessage;
  EXPECT_EQ(B.Status, JobStatus::Completed) << B.Result.ExceptionMessage;
  EXPECT_EQ(C.Status, JobStatus::Completed) << C.Result.ExceptionMessage;
  EXPECT_GE(B.StartedAt, A.FinishedAt);
  // The other project did not wait for demo's queue.
  EXPECT_LT(C.StartedAt, B.StartedAt);
}

TEST_F(ExecutorWorkers, StopInterruptsARunningJob) {
  fault(R"(appjail-director "up *" hang=60)");
  executor().start(1);
  JobId Id = mustGet(Q->enqueue(
      {JobKind::ProjectUp, "demo", "main", upPayload(SimpleDirector), false}));
  ASSERT_TRUE(eventually([&] {
    return llvm::sys::fs::exists(Root + "/director/projects/demo/pid");
  }));
  auto Start = std::chrono::steady_clock::now();
  executor().stop();
  EXPECT_LT(std::chrono::steady_clock::now() - Start, std::chrono::seconds(8));
  Job J = *mustGet(Q->get(Id));
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "Interrupted");
  EXPECT_EQ(executor().running(), 0u);
}

TEST_F(ExecutorWorkers, JobMetricsAreRecorded) {
  Metrics M;
  executor(nullptr, nullptr, &M);
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  ASSERT_EQ(down("nothere").Status, JobStatus::Noop);
  EXPECT_EQ(M.value("overlord_jobs_total",
                    {{"kind", "project.up"}, {"status", "completed"}}),
            1);
  EXPECT_EQ(M.value("overlord_jobs_total",
                    {{"kind", "project.down"}, {"status", "noop"}}),
            1);
  mustGet(Q->enqueue(
      {JobKind::ProjectUp, "later", "main", upPayload(SimpleDirector), false}));
  std::string Text = M.render();
  EXPECT_NE(Text.find("overlord_queue_depth 1"), std::string::npos) << Text;
  EXPECT_NE(Text.find("overlord_job_duration_seconds_count{kind=\"project.up\"} 1"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("overlord_exec_command_duration_seconds_count{command="
                      "\"director-up\"} 1"),
            std::string::npos)
      << Text;
}

TEST(ExecutorProcessCancel, CancelFlagTerminatesTheProcessGroup) {
  std::atomic<bool> Cancel{false};
  ProcessSpec S;
  S.Program = "/bin/sh";
  // A grandchild in the same group must go too.
  S.Args = {"-c", "sleep 30 & sleep 30; wait"};
  S.InheritEnv = true;
  S.Cancel = &Cancel;
  S.DrainAfterExit = std::chrono::milliseconds(100);
  std::thread Flip([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Cancel = true;
  });
  auto Start = std::chrono::steady_clock::now();
  ProcessResult R = mustGet(runProcess(S));
  Flip.join();
  EXPECT_LT(std::chrono::steady_clock::now() - Start, std::chrono::seconds(5));
  EXPECT_TRUE(R.Cancelled);
  EXPECT_FALSE(R.TimedOut);
  EXPECT_FALSE(R.succeeded());
  EXPECT_EQ(R.Signal, SIGTERM);
  // Nothing of the group runs any more (zombies awaiting init count as
  // gone).
  EXPECT_TRUE(eventually([&] { return !groupRunning(R.Pid); },
                         std::chrono::milliseconds(3000)));
}

} // namespace
