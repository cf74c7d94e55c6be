//===- Job.h - One durable job of the node engine ---------------*- C++ -*-===//
//
// The data the job queue stores: what was asked (kind, project key, opaque
// payload), where it is in its life (status), and how it ended (the
// reference Overlord's status fields: operation, output rc/stdout/stderr,
// Director state, locked, restarted, labels, exception).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_JOB_H
#define OVERLORD_ENGINE_JOB_H

#include "overlord/Engine/DirectorState.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>

namespace overlord {
namespace engine {

/// A job id: assigned at enqueue, strictly increasing, never reused (the
/// table uses AUTOINCREMENT), returned to the API client as `job_id`.
using JobId = std::int64_t;

/// What a job does. The payload's shape depends on the kind; the queue
/// stores it as opaque text.
enum class JobKind {
  ProjectUp,      ///< `project.up`: appjail-director up (reference "create").
  ProjectDown,    ///< `project.down`: appjail-director down -d (reference
                  ///< "destroy").
  ProjectCancel,  ///< `project.cancel`: appjail-director cancel (control lane).
  VmCreate,       ///< `vm.create`: the vmJail steps.
  MetadataPut,    ///< `metadata.put`: write one metadata entry.
  MetadataDelete, ///< `metadata.delete`: remove one metadata entry.
};

/// Where a job is in its life. The upper-case spelling of the last five is
/// the reference's `operation` field; QUEUED and CANCELLED are ours (the
/// reference drops queued work and writes no status for cancelled work).
enum class JobStatus {
  Queued,      ///< Durable, waiting for its turn.
  Running,     ///< Claimed by an executor.
  Completed,   ///< Finished, everything succeeded.
  Incompleted, ///< Finished, something (e.g. a label integration) failed.
  Failed,      ///< Finished with an error (exception, crash, bad exit).
  Noop,        ///< Nothing to do (e.g. the VM already exists).
  Cancelled,   ///< Never ran: removed by a cancel of its project.
};


/// `project.up` etc.
llvm::StringRef toString(JobKind K);
/// `queued`, `running`, ... (lower case, as stored).
llvm::StringRef toString(JobStatus S);
/// The reference's `operation` spelling: `RUNNING`, `COMPLETED`, ...
std::string toOperation(JobStatus S);

std::optional<JobKind> parseJobKind(llvm::StringRef S);
std::optional<JobStatus> parseJobStatus(llvm::StringRef S);

/// True for the statuses a job ends in.
inline bool isFinal(JobStatus S) {
  return S != JobStatus::Queued && S != JobStatus::Running;
}

/// How a job ended; passed to JobQueue::complete and kept with the job.
struct JobResult {
  /// Completed, Incompleted, Failed or Noop.
  JobStatus Status = JobStatus::Completed;
  /// Exit code of the main command, when one ran.
  std::optional<int> Rc;
  /// Captured output; the queue truncates each to its MaxOutputBytes.
  std::string Stdout, Stderr;
  /// Set by the queue when Stdout or Stderr was truncated.
  bool Truncated = false;
  /// Director's view of the project after the job (`describe`).
  std::optional<DirectorState> State;
  std::optional<bool> Locked;
  /// Whether the project was stopped before `up` (the message's `restart`).
  std::optional<bool> Restarted;
  /// The special-label report as JSON text (empty: none).
  std::string Labels;
  /// The reference's `exception: {type, message}` (empty type: none).
  std::string ExceptionType, ExceptionMessage;
  /// The reference's free-form `message` (e.g. "no free port ...").
  std::string Message;

  static JobResult completed(int Rc, std::string Stdout = {}) {
    JobResult R;
    R.Rc = Rc;
    R.Stdout = std::move(Stdout);
    return R;
  }
  static JobResult failed(std::string Type, std::string Msg) {
    JobResult R;
    R.Status = JobStatus::Failed;
    R.ExceptionType = std::move(Type);
    R.ExceptionMessage = std::move(Msg);
    return R;
  }
};

/// One row of the queue.
struct Job {
  JobId Id = 0;
  JobKind Kind = JobKind::ProjectUp;
  /// The serialisation key: the project (or VM) name. At most one job per
  /// key runs at a time (project.cancel excepted, see JobQueue).
  std::string Project;
  /// The route the job came for (`main.alpha`), informational.
  std::string Target;
  /// The op payload, opaque to the queue (usually JSON).
  std::string Payload;
  /// The message's `restart` flag (stop the project before `up`).
  bool Restart = false;
  JobStatus Status = JobStatus::Queued;
  /// A cancel asked the executor to stop this running job.
  bool CancelRequested = false;
  /// For Cancelled jobs: the project.cancel job that removed it.
  std::optional<JobId> CancelledBy;
  /// How many times the job was claimed (more than one only after an
  /// explicit reconcile decision to requeue).
  unsigned Attempts = 0;
  /// Unix time in seconds from the queue's clock.
  double EnqueuedAt = 0, StartedAt = 0, FinishedAt = 0, LastUpdate = 0;
  /// Valid when isFinal(Status).
  JobResult Result;
  /// The decision recorded when the job was found RUNNING after a crash.
  std::string Reconciled;
};

/// The job in full, for `list jobs` style endpoints: the status record plus
/// `status` (lower case), `kind`, `project`, `target`, `restart`, `attempts`,
/// times, and `payload` as JSON with environment values masked.
llvm::json::Object toJSON(const Job &J);

/// The job as the reference's status record (overlord-behaviour.md §6.4):
/// `{"operation", "last_update", "job_id", "output": {"rc", "stdout",
/// "stderr"}, "restarted", "labels", "exception", "message"}` plus, when
/// known, Director's `state` and `locked`, and ours: `cancelled`,
/// `cancel_requested`, `reconciled`, `truncated`. `stdout` is embedded as
/// JSON when it parses (Director's `up -j` output), else as a string.
llvm::json::Object toStatusRecord(const Job &J);

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_JOB_H
