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
// handler) or before open() returns (reconcile). See docs/JobQueue.md.
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
  /// project.cancel jobs go through cancel(), not here. Concurrent calls
  /// are committed together (group commit: one transaction and one fsync
  /// for every job waiting), each still returning only once its job is
  /// durable.
  llvm::Expected<JobId> enqueue(const NewJob &J);
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

  /// Group commit of enqueue(): concurrent callers share one transaction
  /// (one fsync); one of them, the leader, commits for all.
  struct PendingEnqueue;
  std::mutex GroupM;
  std::condition_variable GroupDone;
  bool GroupLeader = false;
  std::vector<std::shared_ptr<PendingEnqueue>> GroupPending;
};

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_JOBQUEUE_H
