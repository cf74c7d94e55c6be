//===- Reconcile.cpp - Deciding about jobs a crash left RUNNING -----------===//
//
// JobQueue::open() hands every job still RUNNING to Executor::reconcile.
// The job is never re-run silently: Director is asked what became of the
// project and the job is finished accordingly (docs/Executor.md
// "Reconcile"). A Director run overlordd started leads its own process
// group, so it may outlive the daemon: while Director reports the project
// locked and busy, reconcile waits (bounded) for it to end, and a job a
// cancel had flagged gets its `appjail-director cancel` first. VM jobs are
// decided by the VM's `.done` marker (§7.6); metadata writes, idempotent,
// are requeued explicitly.
//
//===----------------------------------------------------------------------===//
#include "ExecutorImpl.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace overlord;
using namespace overlord::engine;

namespace {

ReconcileDecision finishWith(JobResult R, const std::string &Note) {
  return ReconcileDecision::finish(std::move(R), Note);
}

ReconcileDecision failWith(llvm::StringRef Type, const std::string &Note,
                           const CommandRunner::Describe *D = nullptr) {
  JobResult R = JobResult::failed(Type.str(), Note);
  if (D && D->Status == CommandRunner::Describe::Found) {
    R.State = D->D.State;
    R.Locked = D->D.Locked;
  }
  return ReconcileDecision::finish(std::move(R), Note);
}

ReconcileDecision reconcileVm(const EngineConfig &Cfg, const Job &J) {
  llvm::SmallString<256> Done(Cfg.AppjailJails);
  llvm::sys::path::append(Done, J.Project, "jail", "vm", ".done");
  llvm::SmallString<256> Legacy(Cfg.AppjailJails);
  llvm::sys::path::append(Legacy, J.Project, "jail", ".done");
  if (llvm::sys::fs::exists(Done) || llvm::sys::fs::exists(Legacy)) {
    JobResult R;
    R.Message = "reconciled: the VM's .done marker exists";
    return finishWith(R, R.Message);
  }
  return ReconcileDecision::fail(
      "reconciled: the VM job was interrupted before its .done marker was "
      "written");
}

ReconcileDecision reconcileProject(const EngineConfig &Cfg,
                                   const ToolPaths &Tools, const Job &J,
                                   std::chrono::milliseconds MaxWait) {
  CommandRunner Run{Cfg, Tools};
  bool Destroy = J.Kind == JobKind::ProjectDown;
  if (J.CancelRequested) {
    // The cancel never ran (or was interrupted too): stop the Director run
    // that may have outlived us.
    llvm::Expected<ProcessResult> C =
        Run.run("director-cancel", directorCancel(Tools, J.Project));
    if (!C)
      llvm::consumeError(C.takeError());
  }
  BusyWait W = waitWhileBusy(Run, J.Project, MaxWait,
                             std::chrono::milliseconds(200),
                             std::chrono::milliseconds(5000), nullptr);
  const CommandRunner::Describe &D = W.Last;
  if (D.Status == CommandRunner::Describe::NotFound) {
    if (Destroy) {
      JobResult R;
      R.Message = "reconciled: project '" + J.Project + "' no longer exists";
      return finishWith(R, R.Message);
    }
    return ReconcileDecision::fail("reconciled: project '" + J.Project +
                                   "' does not exist: 'up' was interrupted");
  }
  if (D.Status == CommandRunner::Describe::Failed)
    return ReconcileDecision::fail("reconciled: cannot describe project '" +
                                   J.Project + "': " + D.Error);
  std::string State = directorStateName(D.D.State).str();
  if (W.StillBusy)
    return failWith("Interrupted",
                    llvm::formatv("reconciled: project '{0}' is still locked "
                                  "by Director (state '{1}') after {2} s",
                                  J.Project, State, W.Waited.count() / 1000),
                    &D);
  if (Destroy)
    return failWith("Interrupted",
                    "reconciled: project '" + J.Project +
                        "' still exists (state '" + State +
                        "'): 'down' was interrupted",
                    &D);
  if (J.CancelRequested && D.D.State != DirectorState::Done)
    return failWith("Cancelled",
                    "reconciled: the job was cancelled; describe says " + State,
                    &D);
  switch (D.D.State) {
  case DirectorState::Done: {
    JobResult R;
    R.State = D.D.State;
    R.Locked = D.D.Locked;
    R.Message = "reconciled: describe says DONE";
    return finishWith(R, R.Message);
  }
  case DirectorState::Failed:
    return failWith("DirectorError",
                    "reconciled: describe says FAILED: Project '" + J.Project +
                        "' has an unexpected state 'FAILED'",
                    &D);
  case DirectorState::Unfinished:
  case DirectorState::Destroying:
    break;
  }
  return failWith("Interrupted",
                  "reconciled: describe says " + State +
                      " and the project is not locked: the Director run was "
                      "interrupted",
                  &D);
}

} // namespace

ReconcileDecision Executor::reconcile(const EngineConfig &Cfg,
                                      const ToolPaths &Tools, const Job &J,
                                      std::chrono::milliseconds MaxWait) {
  switch (J.Kind) {
  case JobKind::ProjectUp:
  case JobKind::ProjectDown:
    return reconcileProject(Cfg, Tools, J, MaxWait);
  case JobKind::ProjectCancel:
    // Cancelling again is harmless and is what was asked.
    return ReconcileDecision::requeue(
        "reconciled: project.cancel interrupted, run again");
  case JobKind::VmCreate:
    return reconcileVm(Cfg, J);
  case JobKind::MetadataPut:
  case JobKind::MetadataDelete:
    return ReconcileDecision::requeue(
        "reconciled: metadata writes are idempotent, run again");
  }
  return ReconcileDecision::fail("reconciled: unknown job kind");
}

ReconcileDecision Executor::reconcile(const EngineConfig &Cfg,
                                      const ToolPaths &Tools, const Job &J) {
  int64_t Secs = Cfg.timeoutFor(J.Kind == JobKind::ProjectDown ? "director-down"
                                                               : "director-up");
  return reconcile(Cfg, Tools, J,
                   std::chrono::milliseconds((Secs > 0 ? Secs : 10800) * 1000));
}
