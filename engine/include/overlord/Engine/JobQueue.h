//===- JobQueue.h - The durable, per-project ordered job queue --*- C++ -*-===//
//
// The node engine's job queue, kept in SQLite (WAL, synchronous=FULL). Once
// enqueue() has returned a job id the job survives a crash, kill -9 and a
// restart. Jobs of one project run one at a time in id order; other projects
// proceed. A job left RUNNING by a crash is handed to a reconcile callback on
// the next open and its decision recorded: it is never run twice silently.
//
// Threading: one JobQueue owns one SQLite connection; every method takes an
// internal mutex, so one queue may be shared by the API threads and the
// executor's workers. Callbacks run without the mutex held (the cancel
// handler, the completion callbacks of the asynchronous writes) or before
// open() returns (reconcile). The asynchronous writes (submit(),
// enqueueAsync(), cancelAsync()) are committed by one writer thread the queue
// starts on first use: everything submitted while it commits goes into its
// next transaction (one fsync per batch), and each callback runs only once
// its batch is durable. See docs/JobQueue.md.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_JOBQUEUE_H
#define OVERLORD_ENGINE_JOBQUEUE_H

#include "overlord/Engine/Job.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

struct sqlite3;

namespace overlord {
namespace engine {

/// What the engine decided about a job it found RUNNING after a crash.
struct ReconcileDecision {
  enum ActionKind {
    Finish,  ///< Record Result (e.g. describe says DONE: completed).
    Requeue, ///< Run it again, explicitly (same id, attempts + 1).
  };
  ActionKind Action = Finish;
  JobResult Result;
  /// Why; stored in Job::Reconciled and in the event log.
  std::string Note;

  static ReconcileDecision finish(JobResult R, std::string Note) {
    return {Finish, std::move(R), std::move(Note)};
  }
  static ReconcileDecision fail(std::string Note) {
    return {Finish, JobResult::failed("Interrupted", Note), Note};
  }
  static ReconcileDecision requeue(std::string Note) {
    return {Requeue, {}, std::move(Note)};
  }
};

/// Called once per job found RUNNING on open; the engine asks Director
/// (`describe -p <project>`) and decides.
using ReconcileFn = std::function<ReconcileDecision(const Job &)>;

struct JobQueueOptions {
  /// Unix time in seconds; injectable for tests. Default: the system clock.
  std::function<double()> Clock;
  /// Limit on each of stdout and stderr kept with a result.
  size_t MaxOutputBytes = 256 * 1024;
  /// SQLite busy_timeout (another process holding the write lock).
  int BusyTimeoutMs = 5000;
  /// Crash recovery; without one, an interrupted job is recorded FAILED
  /// ("Interrupted") and not run again.
  ReconcileFn Reconcile;
};

/// A request to enqueue.
struct NewJob {
  JobKind Kind = JobKind::ProjectUp;
  std::string Project;
  std::string Target;
  std::string Payload;
  bool Restart = false;
};

/// What cancel() did.
struct CancelOutcome {
  /// The project.cancel job recorded (the API returns it as `job_id`).
  JobId CancelJob = 0;
  /// Queued jobs of the project that will not run.
  std::vector<JobId> Dropped;
  /// The running job flagged for the executor to stop, if any.
  std::optional<JobId> Running;
};

/// Selects jobs for list().
struct JobFilter {
  std::optional<std::string> Project;
  std::optional<JobStatus> Status;
  /// Only jobs with a greater id (paging).
  JobId AfterId = 0;
  unsigned Limit = 100;
};

/// An entry of a job's history.
struct JobEvent {
  double At = 0;
  std::string Event; ///< enqueued, claimed, completed, cancelled, ...
  std::string Detail;
};

/// What open() found and did about jobs left RUNNING.
struct RecoveryReport {
  std::vector<JobId> Finished, Requeued;
};

/// One asynchronous write (submit()): the cancels first, in order, then the
/// jobs, all in one transaction.
struct QueueWrite {
  /// (project, payload) of each cancel(), as cancel() does it.
  std::vector<std::pair<std::string, std::string>> Cancels;
  /// Jobs to enqueue; their ids are ascending in the order given.
  std::vector<NewJob> Jobs;
};

/// What a QueueWrite did, once durable.
struct QueueWriteResult {
  std::vector<CancelOutcome> Cancels; ///< one per QueueWrite::Cancels
  std::vector<JobId> Ids;             ///< one per QueueWrite::Jobs
};

/// Completion callbacks of the asynchronous writes. They run on the queue's
/// writer thread after the commit (or with the error that failed it), or at
/// once on the calling thread when the write is refused before any I/O (a
/// project.cancel job, a job without a project). They must not block for
/// long (they hold up the next batch) and must not throw.
using WriteCallback = std::function<void(llvm::Expected<QueueWriteResult>)>;
using EnqueueCallback = std::function<void(llvm::Expected<JobId>)>;
using CancelCallback = std::function<void(llvm::Expected<CancelOutcome>)>;

/// Which of the reference's per-project status records (§6.4).
enum class StatusKey {
  Up,   ///< overlord_project_status_up_<name>: project.up jobs.
  Down, ///< overlord_project_status_down_<name>: project.down jobs.
  Vm,   ///< overlord_vm_status_<name>: vm.create jobs.
};

class JobQueue {
public:
  /// Opens (creating if needed) the queue at Path, migrates the schema,
  /// then reconciles jobs left RUNNING. The schema version must not be
  /// newer than this build's.
  static llvm::Expected<std::unique_ptr<JobQueue>>
  open(llvm::StringRef Path, JobQueueOptions Opts = {});
  ~JobQueue();
  JobQueue(const JobQueue &) = delete;
  JobQueue &operator=(const JobQueue &) = delete;

  /// The schema version this build writes.
  static int latestSchemaVersion();
  int schemaVersion() const { return Version; }

  /// Stores the job; returns its id once the commit is on disk.
  /// project.cancel jobs go through cancel(), not here. It is enqueueAsync()
  /// waited for: concurrent calls (and asynchronous writes) are committed
  /// together (group commit: one transaction and one fsync for every write
  /// waiting), each still returning only once its job is durable.
  llvm::Expected<JobId> enqueue(const NewJob &J);
  /// Stores the job without waiting: Done gets its id once the batch
  /// holding it is committed (WAL synced), or the error that failed the
  /// batch (then nothing of the batch was stored). Jobs submitted by one
  /// thread get ascending ids in submission order.
  void enqueueAsync(NewJob J, EnqueueCallback Done);
  /// cancel() without waiting: Done gets the outcome once it is durable;
  /// the cancel handler is told about the flagged job first.
  void cancelAsync(std::string Project, std::string Payload,
                   CancelCallback Done);
  /// The general asynchronous write: W's cancels then its jobs, all or
  /// none, in the writer's next transaction (shared with every other write
  /// pending then). Done as for enqueueAsync().
  void submit(QueueWrite W, WriteCallback Done);
  /// Stores all jobs in one transaction (one fsync): all or none. Ids are
  /// consecutive in the order given. For the ops of one plan fragment.
  llvm::Expected<std::vector<JobId>> enqueueAll(llvm::ArrayRef<NewJob> Jobs);

  /// Claims the next runnable job, or none: the lowest id among queued
  /// jobs whose project has no running job; project.cancel jobs first and
  /// regardless of a running job of their project.
  llvm::Expected<std::optional<Job>> claimNext();
  /// claimNext(), waiting up to Timeout for a job to become runnable.
  llvm::Expected<std::optional<Job>>
  waitAndClaim(std::chrono::milliseconds Timeout);

  /// Records how a running job ended (R.Status must be final and not
  /// Cancelled); output beyond MaxOutputBytes is cut.
  llvm::Error complete(JobId Id, JobResult R);

  /// Cancels the project's work in one transaction: its queued jobs become
  /// Cancelled, its running job is flagged (the cancel handler is told),
  /// and a project.cancel job is queued for the executor (which runs
  /// `appjail-director cancel`, as the reference does unconditionally).
  llvm::Expected<CancelOutcome> cancel(llvm::StringRef Project,
                                       std::string Payload = "{}");
  /// Whether a cancel flagged this job (executors poll it, or use the
  /// handler below).
  llvm::Expected<bool> isCancelRequested(JobId Id);
  /// Called, without the queue's lock, with each running job cancel()
  /// flags.
  void setCancelHandler(std::function<void(const Job &)> H);

  llvm::Expected<std::optional<Job>> get(JobId Id);
  /// Jobs by ascending id.
  llvm::Expected<std::vector<Job>> list(const JobFilter &F);
  /// How many jobs have status S (e.g. the queue depth, for metrics).
  llvm::Expected<uint64_t> count(JobStatus S);
  /// The latest job behind one of the reference's status records, or none.
  llvm::Expected<std::optional<Job>> latest(llvm::StringRef Project,
                                            StatusKey Key);
  /// The job's history, oldest first.
  llvm::Expected<std::vector<JobEvent>> events(JobId Id);

  /// Deletes finished jobs, and their events, last updated before Before
  /// (Unix seconds); the latest job of each project and kind is kept so
  /// that the status records stay. Returns how many jobs went.
  llvm::Expected<unsigned> prune(double Before);

  const RecoveryReport &recovery() const { return Recovery; }

  /// Wakes every waitAndClaim() caller (they return none); later calls
  /// still work. For shutdown.
  void wakeAll();

private:
  JobQueue(sqlite3 *Db, JobQueueOptions Opts);
  struct Write;
  struct Inserter;
  llvm::Error insertLocked(Inserter &Ins, const NewJob &J, double Now,
                           std::vector<JobId> &Ids);
  llvm::Error cancelLocked(llvm::StringRef Project, llvm::StringRef Payload,
                           double Now, CancelOutcome &Out,
                           std::optional<Job> &Flagged);
  void writerLoop();
  void commitBatch(std::vector<std::unique_ptr<Write>> &Batch);
  llvm::Error migrate();
  llvm::Error recover();
  llvm::Expected<std::optional<Job>> claimLocked();
  llvm::Expected<std::optional<Job>> getLocked(JobId Id);
  double now() const;

  sqlite3 *Db;
  JobQueueOptions Opts;
  int Version = 0;
  RecoveryReport Recovery;
  std::mutex M;
  std::condition_variable Changed;
  unsigned WakeGeneration = 0;
  std::function<void(const Job &)> CancelHandler;

  /// Group commit of the asynchronous writes: the writer thread (started
  /// on first use) commits everything pending in one transaction.
  std::mutex WriteM;
  std::condition_variable WritePending;
  std::vector<std::unique_ptr<Write>> Writes;
  bool WriterStop = false;
  std::thread Writer;
};

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_JOBQUEUE_H
