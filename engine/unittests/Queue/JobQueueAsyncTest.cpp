//===- JobQueueAsyncTest.cpp - Asynchronous writes and group commit -------===//
//
// enqueueAsync(), cancelAsync() and submit(): callbacks only after the
// commit (another connection sees the rows), one transaction per batch,
// ids in submission order, errors delivered to every write of a failed
// batch with nothing stored, pending writes committed on destruction.
//
//===----------------------------------------------------------------------===//
#include "QueueTestSupport.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <map>
#include <optional>
#include <set>
#include <thread>

using namespace overlord::engine;
using namespace overlord::engine::test;

namespace {

/// Collects callback results and waits for them with a deadline.
struct Results {
  std::mutex M;
  std::condition_variable Cv;
  std::vector<std::pair<size_t, JobId>> Ids; ///< (submission index, id)
  std::vector<std::string> Errors;

  EnqueueCallback callback(size_t Index) {
    return [this, Index](llvm::Expected<JobId> Id) {
      std::lock_guard<std::mutex> G(M);
      if (Id)
        Ids.emplace_back(Index, *Id);
      else
        Errors.push_back(llvm::toString(Id.takeError()));
      Cv.notify_all();
    };
  }
  bool waitFor(size_t N) {
    std::unique_lock<std::mutex> G(M);
    return Cv.wait_for(G, std::chrono::seconds(20),
                       [&] { return Ids.size() + Errors.size() >= N; });
  }
};

/// A second connection to the queue's file, as another process would have.
struct OtherConnection {
  explicit OtherConnection(const std::string &Path) {
    EXPECT_EQ(sqlite3_open(Path.c_str(), &Db), SQLITE_OK);
  }
  ~OtherConnection() { sqlite3_close(Db); }
  int64_t count(const std::string &Where) {
    sqlite3_stmt *S = nullptr;
    std::string Sql = "SELECT count(*) FROM jobs WHERE " + Where;
    EXPECT_EQ(sqlite3_prepare_v2(Db, Sql.c_str(), -1, &S, nullptr), SQLITE_OK);
    int64_t N = sqlite3_step(S) == SQLITE_ROW ? sqlite3_column_int64(S, 0) : -1;
    sqlite3_finalize(S);
    return N;
  }
  void exec(const char *Sql) {
    ASSERT_EQ(sqlite3_exec(Db, Sql, nullptr, nullptr, nullptr), SQLITE_OK)
        << Sql << ": " << sqlite3_errmsg(Db);
  }
  sqlite3 *Db = nullptr;
};

class JobQueueAsyncTest : public QueueTest {};

TEST_F(JobQueueAsyncTest, CallbackRunsAfterTheCommit) {
  auto Q = open();
  OtherConnection Other(Path);
  std::mutex M;
  std::condition_variable Cv;
  int64_t Seen = -1;
  JobId Got = 0;
  Q->enqueueAsync(up("web"), [&](llvm::Expected<JobId> Id) {
    ASSERT_TRUE(bool(Id)) << llvm::toString(Id.takeError());
    // Committed: another connection already sees the job and its event.
    int64_t N = Other.count("id = " + std::to_string(*Id) +
                            " AND status = 'queued'");
    std::lock_guard<std::mutex> G(M);
    Got = *Id;
    Seen = N;
    Cv.notify_all();
  });
  std::unique_lock<std::mutex> G(M);
  ASSERT_TRUE(Cv.wait_for(G, std::chrono::seconds(20), [&] { return Got != 0; }));
  EXPECT_EQ(Got, 1);
  EXPECT_EQ(Seen, 1);
  auto Events = must(Q->events(1));
  ASSERT_EQ(Events.size(), 1u);
  EXPECT_EQ(Events[0].Event, "enqueued");
}

TEST_F(JobQueueAsyncTest, IdsFollowSubmissionOrderPerProject) {
  auto Q = open();
  Results R;
  const size_t N = 300;
  for (size_t I = 0; I < N; ++I)
    Q->enqueueAsync(up(I % 3 == 0 ? "a" : I % 3 == 1 ? "b" : "c",
                       std::to_string(I)),
                    R.callback(I));
  ASSERT_TRUE(R.waitFor(N));
  ASSERT_TRUE(R.Errors.empty()) << R.Errors.front();
  std::sort(R.Ids.begin(), R.Ids.end());
  for (size_t I = 0; I < N; ++I)
    EXPECT_EQ(R.Ids[I].second, JobId(I + 1)) << I;
  // Each project's jobs are claimed in the order they were submitted.
  std::map<std::string, std::vector<std::string>> Order;
  while (auto J = must(Q->claimNext())) {
    Order[J->Project].push_back(J->Payload);
    must(Q->complete(J->Id, JobResult::completed(0)));
  }
  for (auto &[Project, Payloads] : Order) {
    ASSERT_EQ(Payloads.size(), N / 3) << Project;
    for (size_t I = 1; I < Payloads.size(); ++I)
      EXPECT_LT(std::stoi(Payloads[I - 1]), std::stoi(Payloads[I])) << Project;
  }
}

TEST_F(JobQueueAsyncTest, WritesPendingDuringACommitShareTheNextOne) {
  // The clock is read once per transaction: jobs of one batch share their
  // enqueued_at, and the clock counts the transactions.
  std::atomic<int> Reads{0};
  JobQueueOptions O = options();
  O.Clock = [&] { return double(++Reads); };
  auto Q = open(O);
  OtherConnection Other(Path);
  Other.exec("BEGIN IMMEDIATE"); // the writer's first BEGIN waits on this
  Results R;
  Q->enqueueAsync(up("first"), R.callback(0));
  // Give the writer time to take the first write and block in BEGIN.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const size_t N = 40;
  std::vector<std::thread> Threads;
  for (size_t T = 0; T < 4; ++T)
    Threads.emplace_back([&, T] {
      for (size_t I = 0; I < N / 4; ++I)
        Q->enqueueAsync(up("p" + std::to_string(T)), R.callback(1 + T * 10 + I));
    });
  for (auto &T : Threads)
    T.join();
  int Before = Reads;
  Other.exec("COMMIT");
  ASSERT_TRUE(R.waitFor(N + 1));
  ASSERT_TRUE(R.Errors.empty()) << R.Errors.front();
  auto Jobs = must(Q->list(JobFilter{std::nullopt, std::nullopt, 0, 1000}));
  ASSERT_EQ(Jobs.size(), N + 1);
  std::set<double> Stamps;
  for (size_t I = 1; I < Jobs.size(); ++I)
    Stamps.insert(Jobs[I].EnqueuedAt);
  EXPECT_EQ(Stamps.size(), 1u) << "the 40 waiting writes took "
                               << Stamps.size() << " transactions";
  // The first write's transaction (its clock read comes after BEGIN) and
  // one for all the others.
  EXPECT_EQ(Reads - Before, 2);
  EXPECT_NE(Jobs[0].EnqueuedAt, *Stamps.begin());
}

TEST_F(JobQueueAsyncTest, AFailedBatchFailsEveryWriteAndStoresNothing) {
  JobQueueOptions O = options();
  O.BusyTimeoutMs = 20;
  auto Q = open(O);
  {
    OtherConnection Other(Path);
    Other.exec("BEGIN IMMEDIATE");
    Results R;
    for (size_t I = 0; I < 5; ++I)
      Q->enqueueAsync(up("web"), R.callback(I));
    ASSERT_TRUE(R.waitFor(5));
    EXPECT_TRUE(R.Ids.empty());
    ASSERT_EQ(R.Errors.size(), 5u);
    EXPECT_NE(R.Errors[0].find("locked"), std::string::npos) << R.Errors[0];
    std::mutex M;
    std::condition_variable Cv;
    std::optional<std::string> CancelError;
    Q->cancelAsync("web", "{}", [&](llvm::Expected<CancelOutcome> Out) {
      std::lock_guard<std::mutex> G(M);
      CancelError = Out ? "" : llvm::toString(Out.takeError());
      Cv.notify_all();
    });
    std::unique_lock<std::mutex> G(M);
    ASSERT_TRUE(Cv.wait_for(G, std::chrono::seconds(20),
                            [&] { return CancelError.has_value(); }));
    EXPECT_FALSE(CancelError->empty());
    Other.exec("ROLLBACK");
  }
  EXPECT_EQ(must(Q->count(JobStatus::Queued)), 0u);
  // Refused before any I/O: the callback runs at once with the reason.
  Results Refused;
  NewJob Bad = up("");
  Q->enqueueAsync(Bad, Refused.callback(0));
  ASSERT_EQ(Refused.Errors.size(), 1u);
  EXPECT_EQ(Refused.Errors[0], "job queue: a job needs a project");
  // The queue works again once the lock is gone.
  EXPECT_EQ(must(Q->enqueue(up("web"))), 1);
}

TEST_F(JobQueueAsyncTest, CancelAsyncDropsFlagsAndTellsTheHandlerFirst) {
  auto Q = open();
  must(Q->enqueue(up("web", "running")));
  auto Running = must(Q->claimNext());
  ASSERT_TRUE(Running);
  JobId Queued = must(Q->enqueue(up("web", "queued")));
  std::mutex M;
  std::condition_variable Cv;
  std::vector<std::string> Seen;
  Q->setCancelHandler([&](const Job &J) {
    std::lock_guard<std::mutex> G(M);
    Seen.push_back("handler " + std::to_string(J.Id));
  });
  std::optional<CancelOutcome> Got;
  Q->cancelAsync("web", "{\"x\": 1}", [&](llvm::Expected<CancelOutcome> Out) {
    ASSERT_TRUE(bool(Out));
    std::lock_guard<std::mutex> G(M);
    Seen.push_back("done");
    Got = std::move(*Out);
    Cv.notify_all();
  });
  std::unique_lock<std::mutex> G(M);
  ASSERT_TRUE(Cv.wait_for(G, std::chrono::seconds(20), [&] { return Got.has_value(); }));
  EXPECT_EQ(Seen, (std::vector<std::string>{
                      "handler " + std::to_string(Running->Id), "done"}));
  EXPECT_EQ(Got->Dropped, std::vector<JobId>{Queued});
  EXPECT_EQ(Got->Running, Running->Id);
  auto C = must(Q->get(Got->CancelJob));
  ASSERT_TRUE(C);
  EXPECT_EQ(C->Kind, JobKind::ProjectCancel);
  EXPECT_EQ(C->Payload, "{\"x\": 1}");
}

TEST_F(JobQueueAsyncTest, SubmitWritesCancelsThenJobsTogether) {
  auto Q = open();
  JobId Old = must(Q->enqueue(up("web", "old")));
  QueueWrite W;
  W.Cancels.emplace_back("web", "{}");
  W.Jobs.push_back(up("web", "new"));
  W.Jobs.push_back(up("db", "new"));
  std::mutex M;
  std::condition_variable Cv;
  std::optional<QueueWriteResult> Got;
  Q->submit(std::move(W), [&](llvm::Expected<QueueWriteResult> R) {
    ASSERT_TRUE(bool(R));
    std::lock_guard<std::mutex> G(M);
    Got = std::move(*R);
    Cv.notify_all();
  });
  std::unique_lock<std::mutex> G(M);
  ASSERT_TRUE(Cv.wait_for(G, std::chrono::seconds(20), [&] { return Got.has_value(); }));
  ASSERT_EQ(Got->Cancels.size(), 1u);
  EXPECT_EQ(Got->Cancels[0].Dropped, std::vector<JobId>{Old});
  ASSERT_EQ(Got->Ids.size(), 2u);
  EXPECT_LT(Got->Cancels[0].CancelJob, Got->Ids[0]);
  EXPECT_EQ(Got->Ids[1], Got->Ids[0] + 1);
  // The cancel dropped only what was queued before it.
  EXPECT_EQ(must(Q->get(Got->Ids[0]))->Status, JobStatus::Queued);
  // A write with a refused job is refused whole, before any I/O.
  QueueWrite Bad;
  Bad.Jobs.push_back(up("web"));
  Bad.Jobs.back().Kind = JobKind::ProjectCancel;
  std::string Why;
  Q->submit(std::move(Bad), [&](llvm::Expected<QueueWriteResult> R) {
    Why = R ? "" : llvm::toString(R.takeError());
  });
  EXPECT_EQ(Why, "job queue: use cancel() for project.cancel");
}

TEST_F(JobQueueAsyncTest, DestructionCommitsWhatIsPending) {
  Results R;
  {
    auto Q = open();
    for (size_t I = 0; I < 50; ++I)
      Q->enqueueAsync(up("web"), R.callback(I));
  }
  EXPECT_EQ(R.Ids.size(), 50u);
  EXPECT_TRUE(R.Errors.empty());
  auto Q = open();
  EXPECT_EQ(must(Q->count(JobStatus::Queued)), 50u);
}

TEST_F(JobQueueAsyncTest, SynchronousCallsFromACallbackDoNotDeadlock) {
  auto Q = open();
  Results R;
  Q->enqueueAsync(up("web"), [&](llvm::Expected<JobId> Id) {
    ASSERT_TRUE(bool(Id));
    // The writer thread itself: enqueue() must not wait for the writer.
    R.callback(0)(Q->enqueue(up("web")));
  });
  ASSERT_TRUE(R.waitFor(1));
  ASSERT_EQ(R.Ids.size(), 1u);
  EXPECT_EQ(R.Ids[0].second, 2);
}

} // namespace
