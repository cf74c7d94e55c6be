//===- Executor.cpp - Worker threads over the durable job queue -----------===//
//
// The executor's frame: workers claim jobs (JobQueue::waitAndClaim), run
// the job's flow (ProjectFlows.cpp, VM, metadata), record the result
// (JobQueue::complete) and refresh the project in NodeState. One log line
// per job start and end; job counters and durations in Metrics. Cancels
// reach a running job through the queue's cancel handler, which raises the
// job's stop flag: the process it runs is terminated with its process group
// and the flow stops before its next step.
//
//===----------------------------------------------------------------------===//
#include "ExecutorImpl.h"

#include "overlord/Engine/MetadataStore.h"
#include "overlord/Engine/NodeState.h"
#include "overlord/Engine/VmBuilder.h"

#include "llvm/Support/FormatVariadic.h"

using namespace overlord;
using namespace overlord::engine;

Executor::Impl::Impl(const EngineConfig &Cfg, ToolPaths Tools, JobQueue &Q,
                     NodeState &State, MetadataStore &Meta, HookRunner *Hooks,
                     VmBuilder *Vm, Metrics *M)
    : Cfg(Cfg), Tools(std::move(Tools)), Q(Q), State(State), Meta(Meta),
      Hooks(Hooks), Vm(Vm), M(M),
      QueueRef(std::make_shared<std::atomic<JobQueue *>>(&Q)) {
  if (!M)
    return;
  M->describe("overlord_jobs_total", "counter",
              "Jobs the executor finished, by kind and final status.");
  M->describeHistogram("overlord_job_duration_seconds",
                       "Wall time of a job from claim to completion.",
                       {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800,
                        3600, 10800});
  M->describeHistogram("overlord_exec_command_duration_seconds",
                       "Wall time of one external command the executor ran.",
                       {0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300,
                        1800, 10800});
  M->describe("overlord_queue_depth", "gauge", "Jobs waiting in the queue.");
  M->describe("overlord_jobs_running", "gauge",
              "Jobs the executor is running now.");
  std::shared_ptr<std::atomic<JobQueue *>> Ref = QueueRef;
  M->addCollector([Ref](Metrics &Reg) {
    JobQueue *Queue = Ref->load();
    if (!Queue)
      return;
    llvm::Expected<uint64_t> N = Queue->count(JobStatus::Queued);
    if (N)
      Reg.set("overlord_queue_depth", {}, static_cast<double>(*N));
    else
      llvm::consumeError(N.takeError());
    llvm::Expected<uint64_t> Run = Queue->count(JobStatus::Running);
    if (Run)
      Reg.set("overlord_jobs_running", {}, static_cast<double>(*Run));
    else
      llvm::consumeError(Run.takeError());
  });
}

Executor::Executor(const EngineConfig &Cfg, ToolPaths Tools, JobQueue &Q,
                   NodeState &State, MetadataStore &Meta, HookRunner *Hooks,
                   VmBuilder *Vm, Metrics *M)
    : P(std::make_unique<Impl>(Cfg, std::move(Tools), Q, State, Meta, Hooks,
                               Vm, M)) {}

Executor::~Executor() {
  stop();
  P->QueueRef->store(nullptr);
}

void Executor::setTuning(const ExecutorTuning &T) { P->Tuning = T; }

void Executor::start(unsigned Workers) {
  std::lock_guard<std::mutex> L(P->Mu);
  if (P->Started)
    return;
  P->Started = true;
  P->Stopping = false;
  Impl *I = P.get();
  P->Q.setCancelHandler([I](const Job &J) { I->onCancel(J); });
  for (unsigned N = 0; N < std::max(1u, Workers); ++N)
    P->Workers.emplace_back([I] { I->workerLoop(); });
}

void Executor::stop() {
  std::vector<std::thread> Threads;
  {
    std::lock_guard<std::mutex> L(P->Mu);
    if (!P->Started)
      return;
    P->Stopping = true;
    for (auto &[Id, R] : P->Running)
      R->requestStop(StopReason::Shutdown);
    Threads.swap(P->Workers);
  }
  P->Q.wakeAll();
  for (std::thread &T : Threads)
    T.join();
  P->Q.setCancelHandler(nullptr);
  std::lock_guard<std::mutex> L(P->Mu);
  P->Started = false;
}

void Executor::runClaimed(const Job &J) { P->runClaimed(J); }

unsigned Executor::running() const {
  std::lock_guard<std::mutex> L(P->Mu);
  return static_cast<unsigned>(P->Running.size());
}

void Executor::Impl::workerLoop() {
  while (!Stopping) {
    llvm::Expected<std::optional<Job>> J = Q.waitAndClaim(Tuning.ClaimSlice);
    if (!J) {
      logLine({{"event", "queue-error"},
               {"error", llvm::toString(J.takeError())}});
      sleepUnlessStopped(std::chrono::milliseconds(1000), nullptr);
      continue;
    }
    if (!*J)
      continue;
    runClaimed(**J);
  }
}

void Executor::Impl::onCancel(const Job &J) {
  std::lock_guard<std::mutex> L(Mu);
  auto It = Running.find(J.Id);
  if (It != Running.end())
    It->second->requestStop(StopReason::Cancel);
}

void Executor::Impl::runClaimed(const Job &J) {
  RunningJob R(J);
  {
    std::lock_guard<std::mutex> L(Mu);
    Running[J.Id] = &R;
    if (Stopping)
      R.requestStop(StopReason::Shutdown);
  }
  // A cancel that came between the claim and the registration above.
  if (J.CancelRequested)
    R.requestStop(StopReason::Cancel);
  else if (llvm::Expected<bool> C = Q.isCancelRequested(J.Id); C && *C)
    R.requestStop(StopReason::Cancel);
  else if (!C)
    llvm::consumeError(C.takeError());

  logLine({{"event", "job-start"},
           {"job", std::to_string(J.Id)},
           {"kind", toString(J.Kind).str()},
           {"project", J.Project},
           {"attempt", std::to_string(J.Attempts)}});
  auto Start = std::chrono::steady_clock::now();
  JobResult Res = dispatch(R);
  // A failure while a cancel was pending is the cancel's doing even when
  // the project.cancel job's `appjail-director cancel` got to Director
  // before the handler reached us (its SIGTERM makes `up` exit 70).
  bool CancelPending = R.reason() == StopReason::Cancel;
  if (!CancelPending && Res.Status == JobStatus::Failed) {
    llvm::Expected<bool> C = Q.isCancelRequested(J.Id);
    if (C && *C) {
      R.requestStop(StopReason::Cancel);
      CancelPending = R.reason() == StopReason::Cancel;
    } else if (!C) {
      llvm::consumeError(C.takeError());
    }
  }
  if ((R.Interrupted || (CancelPending && Res.Status == JobStatus::Failed)) &&
      Res.ExceptionType != "Cancelled" && Res.ExceptionType != "Interrupted")
    Res = stoppedResult(R, std::move(Res));
  double Secs = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - Start)
                    .count();
  // The node state first, then the job's final status: a client that sees
  // the job finished never reads state from before it (event-driven state).
  // The flow's last describe (or a destroy's `check`) is reused when the
  // job ran to its end; after a stop, Director is asked again.
  if (J.Kind != JobKind::MetadataPut && J.Kind != JobKind::MetadataDelete) {
    if (R.Seen && !R.Interrupted && !R.stopRequested())
      State.refreshProject(J.Project, std::move(R.Seen),
                           R.Final ? &*R.Final : nullptr);
    else
      State.refreshProject(J.Project);
  }
  if (llvm::Error E = Q.complete(J.Id, Res))
    logLine({{"event", "job-complete-error"},
             {"job", std::to_string(J.Id)},
             {"error", llvm::toString(std::move(E))}});
  {
    std::lock_guard<std::mutex> L(Mu);
    Running.erase(J.Id);
  }
  recordJobMetrics(J, Res, Secs);

  std::vector<std::pair<llvm::StringRef, std::string>> F = {
      {"event", "job-end"},
      {"job", std::to_string(J.Id)},
      {"kind", toString(J.Kind).str()},
      {"project", J.Project},
      {"status", toString(Res.Status).str()},
      {"duration", llvm::formatv("{0:f3}", Secs).str()}};
  if (Res.Rc)
    F.push_back({"rc", std::to_string(*Res.Rc)});
  if (Res.State)
    F.push_back({"state", directorStateName(*Res.State).str()});
  if (!Res.ExceptionType.empty())
    F.push_back({"error", Res.ExceptionType});
  if (!Res.ExceptionMessage.empty() || !Res.Message.empty())
    F.push_back({"reason", Res.ExceptionMessage.empty() ? Res.Message
                                                        : Res.ExceptionMessage});
  logLine(F);
}

void Executor::Impl::recordJobMetrics(const Job &J, const JobResult &Res,
                                      double Seconds) {
  if (!M)
    return;
  std::string Kind = toString(J.Kind).str();
  M->inc("overlord_jobs_total",
         {{"kind", Kind}, {"status", toString(Res.Status).str()}});
  M->observe("overlord_job_duration_seconds", {{"kind", Kind}}, Seconds);
}

JobResult Executor::Impl::dispatch(RunningJob &R) {
  switch (R.J.Kind) {
  case JobKind::ProjectUp:
    return projectUp(R);
  case JobKind::ProjectDown:
    return projectDown(R);
  case JobKind::ProjectCancel:
    return projectCancel(R);
  case JobKind::VmCreate:
    return vmCreate(R);
  case JobKind::MetadataPut:
    return metadataWrite(R, /*Put=*/true);
  case JobKind::MetadataDelete:
    return metadataWrite(R, /*Put=*/false);
  }
  return JobResult::failed("InvalidJob", "unknown job kind");
}

JobResult Executor::Impl::stoppedResult(RunningJob &R,
                                        JobResult Partial) const {
  JobResult Out = std::move(Partial);
  std::string Before = Out.Status == JobStatus::Failed &&
                               !Out.ExceptionMessage.empty()
                           ? Out.ExceptionMessage
                           : std::string();
  Out.Status = JobStatus::Failed;
  if (R.reason() == StopReason::Shutdown) {
    Out.ExceptionType = "Interrupted";
    Out.ExceptionMessage = "the daemon stopped while the job ran";
  } else {
    Out.ExceptionType = "Cancelled";
    Out.ExceptionMessage = "the job was cancelled (project.cancel of '" +
                           R.J.Project + "')";
  }
  if (!Before.empty())
    Out.ExceptionMessage += ": " + Before;
  return Out;
}

std::chrono::milliseconds
Executor::Impl::busyWaitLimit(llvm::StringRef Command) const {
  if (Tuning.BusyWait.count() > 0)
    return Tuning.BusyWait;
  int64_t Secs = Cfg.timeoutFor(Command);
  // No timeout configured: Director's own run has no bound either; wait as
  // long as the reference's default execution_time.
  return std::chrono::milliseconds((Secs > 0 ? Secs : 10800) * 1000);
}

std::optional<JobResult>
Executor::Impl::waitForProject(RunningJob &R, CommandRunner::Describe *Last) {
  CommandRunner Run = runner(R);
  BusyWait W = waitWhileBusy(Run, R.J.Project,
                             busyWaitLimit(R.J.Kind == JobKind::ProjectDown
                                               ? "director-down"
                                               : "director-up"),
                             Tuning.BusyPollMin, Tuning.BusyPollMax, &R.Stop);
  if (W.Stopped || R.stopRequested()) {
    R.Interrupted = true;
    return stoppedResult(R, JobResult::failed("Cancelled", ""));
  }
  if (!W.StillBusy) {
    if (Last)
      *Last = std::move(W.Last);
    return std::nullopt;
  }
  JobResult Res = JobResult::failed(
      "ProjectBusy",
      llvm::formatv("Project '{0}' is still locked by another Director run "
                    "(state '{1}') after waiting {2} s",
                    R.J.Project, directorStateName(W.Last.D.State),
                    W.Waited.count() / 1000)
          .str());
  Res.State = W.Last.D.State;
  Res.Locked = W.Last.D.Locked;
  return Res;
}

JobResult Executor::Impl::vmCreate(RunningJob &R) {
  if (!Vm)
    return JobResult::failed("Unsupported", "VM support is not available");
  JobResult Res = Vm->create(R.J, [&R] { return R.stopRequested(); });
  if (R.stopRequested() && Res.Status == JobStatus::Failed)
    R.Interrupted = true;
  return Res;
}

JobResult Executor::Impl::metadataWrite(RunningJob &R, bool Put) {
  llvm::Expected<MetadataPayload> P = parseMetadataPayload(R.J.Payload, Put);
  if (!P)
    return JobResult::failed("InvalidPayload", llvm::toString(P.takeError()));
  llvm::Expected<MetadataStore::Outcome> O =
      Put ? Meta.put(P->Key, P->Value) : Meta.remove(P->Key);
  if (!O)
    return JobResult::failed("MetadataError", llvm::toString(O.takeError()));
  JobResult Res;
  Res.Message = MetadataStore::outcomeName(*O).str();
  if (*O == MetadataStore::Outcome::TooLong)
    return JobResult::failed("MetadataTooLong",
                             Meta.tooLongMessage(P->Key, P->Value));
  if (*O == MetadataStore::Outcome::InvalidKey)
    return JobResult::failed("InvalidKey", P->Key + ": invalid key name.");
  if (*O == MetadataStore::Outcome::NotFound)
    Res.Status = JobStatus::Noop;
  return Res;
}
