//===- ExecutorImpl.h - Executor internals ----------------------*- C++ -*-===//
//
// Shared by the files of the Executor library: the command runner every flow
// and reconcile() use (timeouts and output limits from EngineConfig, the
// per-command metric, cancellation), Director helpers (describe, check, the
// wait while a project is busy), and Executor::Impl with one member function
// per flow.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LIB_EXECUTOR_EXECUTORIMPL_H
#define OVERLORD_ENGINE_LIB_EXECUTOR_EXECUTORIMPL_H

#include "overlord/Engine/DirectorOutput.h"
#include "overlord/Engine/Executor.h"
#include "overlord/Engine/Metrics.h"
#include "overlord/Engine/NodeState.h"
#include "overlord/Engine/Process.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace overlord::engine {

class HookRunner;
class VmBuilder;

/// Why a job is being stopped (RunningJob::Stop).
enum class StopReason : int { None = 0, Cancel = 1, Shutdown = 2 };

/// A job while a worker runs it.
struct RunningJob {
  explicit RunningJob(Job J) : J(std::move(J)) {}
  Job J;
  /// Set (to true) by the cancel handler or stop(); every process the job
  /// runs watches it.
  std::atomic<bool> Stop{false};
  std::atomic<int> Why{0};
  /// A step was skipped or a process terminated because of Stop.
  bool Interrupted = false;
  /// What Director said about the project after the job's last Director
  /// command (judgeRun's `describe`, or the `check` of a destroy), under a
  /// NodeState observation opened before it ran. runClaimed() hands it to
  /// NodeState instead of describing the project again, and the label
  /// runner reads the same describe. Final is nullopt while Seen is open:
  /// the project does not exist (exit 66).
  NodeState::Observation Seen;
  std::optional<DirectorDescription> Final;

  /// Forgets the last observation (a Director command is about to change
  /// the project again, or its outcome is not known).
  void forgetSeen() {
    Seen = NodeState::Observation();
    Final.reset();
  }

  bool stopRequested() const { return Stop.load(); }
  StopReason reason() const { return static_cast<StopReason>(Why.load()); }
  void requestStop(StopReason R) {
    int Expected = 0;
    Why.compare_exchange_strong(Expected, static_cast<int>(R));
    Stop.store(true);
  }
};

/// Runs the engine's commands with the configured timeouts and limits.
struct CommandRunner {
  const EngineConfig &Cfg;
  const ToolPaths &Tools;
  Metrics *M = nullptr;
  /// Watched by every process run (null: not cancellable).
  const std::atomic<bool> *Stop = nullptr;

  /// Runs S as the command Name of CommandNames ("director-up"...), with
  /// its timeout and `overlordd.max_output` limits.
  llvm::Expected<ProcessResult> run(llvm::StringRef Name, ProcessSpec S) const;

  /// `describe -p P`.
  struct Describe {
    enum StatusKind { Found, NotFound, Failed } Status = Failed;
    DirectorDescription D;
    std::string Error; ///< Failed: why
  };
  Describe describe(llvm::StringRef Project) const;
  /// `check -p P`: its exit status, or an error when it did not run.
  llvm::Expected<int> check(llvm::StringRef Project) const;
};

/// Waits, describing P with backoff, while Director reports it busy
/// (locked and UNFINISHED/DESTROYING), at most MaxWait or until *Stop.
/// Returns the last describe; Busy tells whether the wait gave up.
struct BusyWait {
  CommandRunner::Describe Last;
  bool StillBusy = false;
  bool Stopped = false;
  std::chrono::milliseconds Waited{0};
};
BusyWait waitWhileBusy(const CommandRunner &Run, llvm::StringRef Project,
                       std::chrono::milliseconds MaxWait,
                       std::chrono::milliseconds PollMin,
                       std::chrono::milliseconds PollMax,
                       const std::atomic<bool> *Stop);

/// Sleeps D, waking early when *Stop turns true; false if it did.
bool sleepUnlessStopped(std::chrono::milliseconds D,
                        const std::atomic<bool> *Stop);

/// The job's result filled from a finished process (rc and output).
void takeOutput(JobResult &R, const ProcessResult &P);

/// Writes one `key=value` line to stderr (values quoted when needed).
void logLine(llvm::ArrayRef<std::pair<llvm::StringRef, std::string>> Fields);

struct Executor::Impl {
  Impl(const EngineConfig &Cfg, ToolPaths Tools, JobQueue &Q, NodeState &State,
       MetadataStore &Meta, HookRunner *Hooks, VmBuilder *Vm, Metrics *M);

  const EngineConfig &Cfg;
  ToolPaths Tools;
  JobQueue &Q;
  NodeState &State;
  MetadataStore &Meta;
  HookRunner *Hooks;
  VmBuilder *Vm;
  Metrics *M;
  ExecutorTuning Tuning;

  std::vector<std::thread> Workers;
  std::atomic<bool> Stopping{false};
  bool Started = false;
  mutable std::mutex Mu;
  std::map<JobId, RunningJob *> Running;
  /// Ports handed out to running project.up jobs (the expose rule appears
  /// only once Director has run).
  std::multiset<uint16_t> ReservedPorts;
  std::mutex PortsMu; ///< guards ReservedPorts and each port search
  /// Read by the metrics collector, cleared when the executor goes away.
  std::shared_ptr<std::atomic<JobQueue *>> QueueRef;

  void workerLoop();
  void runClaimed(const Job &J);
  void onCancel(const Job &J);
  JobResult dispatch(RunningJob &R);

  JobResult projectUp(RunningJob &R);
  JobResult projectDown(RunningJob &R);
  JobResult projectCancel(RunningJob &R);
  JobResult vmCreate(RunningJob &R);
  JobResult metadataWrite(RunningJob &R, bool Put);

  /// Judges a finished `up -j` / `down -j` (Destroy: `down -d`, judged
  /// with `check`): COMPLETED by the full success rule, else FAILED with
  /// the reason. A run stopped by the job's flag marks R interrupted.
  JobResult judgeRun(RunningJob &R, llvm::StringRef Command,
                     llvm::Expected<ProcessResult> PR, bool Destroy);
  /// A runner whose processes stop with the job.
  CommandRunner runner(RunningJob &R) const {
    return CommandRunner{Cfg, Tools, M, &R.Stop};
  }
  /// A runner for bookkeeping that must run even for a stopped job.
  CommandRunner plainRunner() const { return CommandRunner{Cfg, Tools, M}; }
  std::chrono::milliseconds busyWaitLimit(llvm::StringRef Command) const;
  /// The result of a job stopped before its end (cancel or shutdown).
  JobResult stoppedResult(RunningJob &R, JobResult Partial) const;
  /// Waits while Director reports the project busy; a failure result when
  /// the wait gave up or was stopped. Last, if given, receives the wait's
  /// last describe (the one that found the project not busy).
  std::optional<JobResult>
  waitForProject(RunningJob &R, CommandRunner::Describe *Last = nullptr);
  /// poweroff_if_vm (§7.2): a one-service project whose jail carries the
  /// `overlord.vm` label gets `vm poweroff -f`. Known: a describe of the
  /// project the flow already has (used when it found the project).
  void poweroffIfVm(RunningJob &R, const CommandRunner &Run,
                    const CommandRunner::Describe *Known = nullptr);
  void recordJobMetrics(const Job &J, const JobResult &Res, double Seconds);
};

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_LIB_EXECUTOR_EXECUTORIMPL_H
