//===- ProjectFlows.cpp - project.up, project.down, project.cancel --------===//
//
// The reference's `_async_projects` (overlord-behaviour.md §7.2–7.4,
// appjail-interface.md §1.7) step by step, with its bugs fixed: a Director
// run is COMPLETED only by the full success rule (exit 0, errlevel 0,
// nothing failed, describe DONE; §12: the reference reports a failed
// Director run as COMPLETED), a busy project makes the job wait instead of
// being dropped, a missing project's destroy is a NOOP, the Director file
// goes to a private temporary file that is always removed, and every
// failure carries its reason. docs/Executor.md "Flows" has the decision
// table.
//
//===----------------------------------------------------------------------===//
#include "ExecutorImpl.h"

#include "overlord/Engine/Hooks.h"
#include "overlord/Engine/MetadataStore.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;

namespace {

using Env = std::map<std::string, std::string>;

/// The Director file in a private temporary file (mode 0600), removed when
/// this goes out of scope.
class TempDirectorFile {
public:
  llvm::Error create(llvm::StringRef Text) {
    llvm::SmallString<128> Tmpl;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, Tmpl);
    llvm::sys::path::append(Tmpl, "overlord-XXXXXX");
    std::string T(Tmpl.str());
    int Fd = ::mkstemp(T.data());
    if (Fd < 0)
      return llvm::createStringError(
          std::error_code(errno, std::generic_category()),
          "cannot create a temporary Director file in '%s': %s",
          llvm::sys::path::parent_path(T).str().c_str(), std::strerror(errno));
    Path = T;
    ::fchmod(Fd, S_IRUSR | S_IWUSR);
    const char *P = Text.data();
    size_t Left = Text.size();
    while (Left) {
      ssize_t N = ::write(Fd, P, Left);
      if (N < 0 && errno == EINTR)
        continue;
      if (N <= 0) {
        int Err = errno;
        ::close(Fd);
        return llvm::createStringError(
            std::error_code(Err, std::generic_category()),
            "cannot write the temporary Director file '%s': %s", Path.c_str(),
            std::strerror(Err));
      }
      P += N;
      Left -= static_cast<size_t>(N);
    }
    if (::close(Fd) != 0)
      return llvm::createStringError(
          std::error_code(errno, std::generic_category()),
          "cannot write the temporary Director file '%s'", Path.c_str());
    return llvm::Error::success();
  }
  ~TempDirectorFile() {
    if (!Path.empty())
      ::unlink(Path.c_str());
  }
  const std::string &path() const { return Path; }

private:
  std::string Path;
};

/// The failure of a command that could not start: its ProcessError's shell
/// status (127 not found, 126 not executable) is kept as rc.
JobResult startFailure(llvm::StringRef What, llvm::Error E) {
  int Rc = 1;
  std::string Msg;
  llvm::handleAllErrors(
      std::move(E),
      [&](const ProcessError &PE) {
        Rc = PE.shellStatus();
        Msg = PE.message();
      },
      [&](const llvm::ErrorInfoBase &EI) { Msg = EI.message(); });
  JobResult R = JobResult::failed("ProcessError",
                                  "cannot run " + What.str() + ": " + Msg);
  R.Rc = Rc;
  return R;
}

/// A job stopped between two steps (runClaimed() words the result).
JobResult interrupted(RunningJob &R) {
  R.Interrupted = true;
  return JobResult::failed("Cancelled", "");
}

void setState(JobResult &Res, const CommandRunner::Describe &D) {
  if (D.Status != CommandRunner::Describe::Found)
    return;
  Res.State = D.D.State;
  Res.Locked = D.D.Locked;
}

} // namespace

/// Judges a finished `up -j` / `down -j` run (Destroy: `down -d`, judged
/// with `check`). Success leaves Res COMPLETED; anything else FAILED with
/// the reason. A run stopped by the job's stop flag marks R interrupted.
JobResult Executor::Impl::judgeRun(RunningJob &R, llvm::StringRef Command,
                                   llvm::Expected<ProcessResult> PR,
                                   bool Destroy) {
  const std::string &P = R.J.Project;
  std::string What = "appjail-director " + Command.str();
  // The run changed (or may have changed) the project: an earlier describe
  // no longer tells its state.
  R.forgetSeen();
  if (!PR)
    return startFailure(What, PR.takeError());
  JobResult Res;
  takeOutput(Res, *PR);
  CommandRunner After = plainRunner();
  if (PR->Cancelled) {
    R.Interrupted = true;
    Res.Status = JobStatus::Failed;
    setState(Res, After.describe(P));
    return Res;
  }
  if (PR->TimedOut) {
    Res.Status = JobStatus::Failed;
    Res.ExceptionType = "Timeout";
    Res.ExceptionMessage =
        llvm::formatv("{0} -p {1} timed out after {2} s; its process group "
                      "was terminated",
                      What, P, Cfg.timeoutFor(Destroy || Command == "down"
                                                    ? "director-down"
                                                    : "director-up"))
            .str();
    setState(Res, After.describe(P));
    return Res;
  }
  int Rc = PR->shellStatus();
  llvm::Expected<DirectorResult> DR = parseDirectorResult(PR->Stdout);
  std::string ParseError;
  if (!DR)
    ParseError = llvm::toString(DR.takeError());
  DirectorVerdict V;
  if (Destroy) {
    NodeState::Observation Obs = State.beginObservation();
    llvm::Expected<int> CheckRc = After.check(P);
    int C = CheckRc ? *CheckRc : -1;
    if (!CheckRc)
      llvm::consumeError(CheckRc.takeError());
    if (C == 66)
      R.Seen = std::move(Obs); // gone: NodeState forgets it without asking
    V = judgeDirectorDestroy(P, Rc, DR ? &*DR : nullptr, C);
    if (V.Success)
      return Res;
    setState(Res, After.describe(P));
  } else {
    // One describe serves the success rule, the label runner and the
    // NodeState refresh before the final status (runClaimed()).
    NodeState::Observation Obs = State.beginObservation();
    CommandRunner::Describe D = After.describe(P);
    if (D.Status == CommandRunner::Describe::Found)
      R.Final = D.D;
    if (D.Status != CommandRunner::Describe::Failed)
      R.Seen = std::move(Obs);
    setState(Res, D);
    V = judgeDirectorRun(P, Rc, DR ? &*DR : nullptr,
                         D.Status == CommandRunner::Describe::Found ? &D.D
                                                                    : nullptr);
    if (V.Success)
      return Res;
    if (D.Status == CommandRunner::Describe::Failed && DR)
      V.Reason += ": " + D.Error;
  }
  Res.Status = JobStatus::Failed;
  Res.ExceptionType = "DirectorError";
  Res.ExceptionMessage = V.Reason;
  if (!ParseError.empty())
    Res.ExceptionMessage += ": " + ParseError;
  if (std::optional<DirectorException> X = parseDirectorException(PR->Stderr)) {
    Res.ExceptionType = X->Type;
    Res.ExceptionMessage += " (" + X->Type + ": " + X->Error + ")";
  }
  return Res;
}

void Executor::Impl::poweroffIfVm(RunningJob &R, const CommandRunner &Run,
                                  const CommandRunner::Describe *Known) {
  CommandRunner::Describe D =
      Known && Known->Status == CommandRunner::Describe::Found
          ? *Known
          : Run.describe(R.J.Project);
  if (D.Status != CommandRunner::Describe::Found || D.D.Services.size() != 1)
    return;
  const std::string &Jail = D.D.Services.front().Jail;
  llvm::Expected<ProcessResult> L =
      Run.run("appjail", appjailLabelGet(Tools, Jail, "overlord.vm"));
  if (!L) {
    llvm::consumeError(L.takeError());
    return;
  }
  if (L->shellStatus() != 0)
    return;
  ProcessSpec Off;
  Off.Program = Tools.AppJail;
  Off.Args = {"cmd", "jexec", Jail, "vm", "poweroff", "-f", Jail};
  Off.InheritEnv = true;
  llvm::Expected<ProcessResult> O = Run.run("appjail", Off);
  if (!O) {
    logLine({{"event", "vm-poweroff-error"},
             {"project", R.J.Project},
             {"error", llvm::toString(O.takeError())}});
    return;
  }
  if (O->shellStatus() != 0)
    logLine({{"event", "vm-poweroff-error"},
             {"project", R.J.Project},
             {"rc", std::to_string(O->shellStatus())},
             {"error", llvm::StringRef(O->Stdout + O->Stderr).trim().str()}});
}

JobResult Executor::Impl::projectUp(RunningJob &R) {
  const Job &J = R.J;
  llvm::Expected<ProjectUpPayload> P = parseProjectUpPayload(J.Payload);
  if (!P)
    return JobResult::failed("InvalidPayload", llvm::toString(P.takeError()));
  if (std::optional<JobResult> Busy = waitForProject(R))
    return *Busy;

  // The Director file, from the payload or from this node's metadata.
  std::string DirectorText;
  if (P->DirectorFile) {
    DirectorText = *P->DirectorFile;
  } else {
    llvm::Expected<std::optional<std::string>> V = Meta.get(*P->DirectorMetadata);
    if (!V)
      return JobResult::failed("MetadataError", llvm::toString(V.takeError()));
    if (!*V)
      return JobResult::failed(
          "MetadataNotFound", "metadata '" + *P->DirectorMetadata +
                                  "' (the Director file of project '" +
                                  J.Project + "') does not exist");
    DirectorText = std::move(**V);
  }

  // daemon < environ_from_metadata < payload < OVERLORD_* (§1.7).
  Env E = daemonEnvironment();
  if (P->EnvironFromMetadata) {
    llvm::Expected<std::optional<std::string>> V =
        Meta.get(*P->EnvironFromMetadata);
    if (!V)
      return JobResult::failed("MetadataError", llvm::toString(V.takeError()));
    if (!*V)
      return JobResult::failed("MetadataNotFound",
                               "metadata '" + *P->EnvironFromMetadata +
                                   "' (environ_from_metadata of project '" +
                                   J.Project + "') does not exist");
    llvm::Expected<Env> Vars =
        parseEnvironYaml(**V, *P->EnvironFromMetadata);
    if (!Vars)
      return JobResult::failed("InvalidEnviron",
                               llvm::toString(Vars.takeError()));
    for (auto &[K, Val] : *Vars)
      E[K] = Val;
  }
  for (const auto &[K, Val] : P->Environment)
    E[K] = Val;
  E["OVERLORD_METADATA"] = Cfg.MetadataLocation;
  E["OVERLORD_NAMESPACES"] = Cfg.MetadataNamespaces;

  // reserve_port: ports handed out stay excluded while this job runs.
  std::vector<uint16_t> Held;
  auto Release = llvm::make_scope_exit([&] {
    std::lock_guard<std::mutex> L(PortsMu);
    for (uint16_t Port : Held)
      ReservedPorts.erase(ReservedPorts.find(Port));
  });
  for (const auto &[Iface, Net] : P->ReservePort) {
    std::lock_guard<std::mutex> L(PortsMu);
    std::set<uint16_t> Exclude(ReservedPorts.begin(), ReservedPorts.end());
    std::optional<llvm::StringRef> NetRef;
    if (Net)
      NetRef = *Net;
    llvm::Expected<PortSearch> S =
        reservePort(Cfg, Tools, Iface, NetRef, Exclude);
    if (!S)
      return JobResult::failed("ReservePortError",
                               llvm::toString(S.takeError()));
    if (!S->Port) {
      JobResult Res = JobResult::failed("NoFreePort", S->Reason);
      Res.Message = S->Reason;
      return Res;
    }
    ReservedPorts.insert(*S->Port);
    Held.push_back(*S->Port);
    E[freePortVariable(Iface)] = std::to_string(*S->Port);
  }

  CommandRunner Run = runner(R);
  bool Restarted = false;
  if (J.Restart || P->Restart) {
    if (R.stopRequested())
      return interrupted(R);
    llvm::Expected<int> C = Run.check(J.Project);
    if (!C)
      return JobResult::failed("DirectorError",
                               "cannot check project '" + J.Project +
                                   "': " + llvm::toString(C.takeError()));
    if (*C == 0) {
      poweroffIfVm(R, Run);
      JobResult Stop =
          judgeRun(R, "down",
                   Run.run("director-down",
                           directorDown(Tools, J.Project, DownFlags(), E)),
                   /*Destroy=*/false);
      if (Stop.Status != JobStatus::Completed) {
        if (!R.Interrupted)
          Stop.ExceptionMessage = "restart of project '" + J.Project +
                                  "' failed, 'up' was not run: " +
                                  Stop.ExceptionMessage;
        Stop.Restarted = false;
        return Stop;
      }
      Restarted = true;
    }
  }

  if (R.stopRequested())
    return interrupted(R);
  TempDirectorFile Tmp;
  if (llvm::Error Err = Tmp.create(DirectorText))
    return JobResult::failed("OSError", llvm::toString(std::move(Err)));
  JobResult Res =
      judgeRun(R, "up",
               Run.run("director-up",
                       directorUp(Tools, Tmp.path(), J.Project, false, E)),
               /*Destroy=*/false);
  Res.Restarted = Restarted;
  if (Res.Status != JobStatus::Completed || R.Interrupted)
    return Res;

  // Special labels after a successful up (§8.4).
  if (Hooks) {
    if (R.stopRequested()) {
      R.Interrupted = true;
      return Res;
    }
    // The success rule's describe said DONE: the label runner's own
    // `check` and `describe` (§8.1) would only repeat it.
    llvm::json::Object Report =
        R.Final ? Hooks->run(J.Project, HookMode::Create, /*Force=*/false,
                             *R.Final)
                : Hooks->run(J.Project, HookMode::Create, /*Force=*/false);
    bool Failed = HookRunner::failed(Report);
    Res.Labels = llvm::formatv("{0}", llvm::json::Value(std::move(Report)));
    if (Failed) {
      Res.Status = JobStatus::Incompleted;
      Res.Message = "the project is up but a label integration failed "
                    "(see labels)";
    }
  }
  return Res;
}

JobResult Executor::Impl::projectDown(RunningJob &R) {
  const Job &J = R.J;
  llvm::Expected<ProjectDownPayload> P = parseProjectDownPayload(J.Payload);
  if (!P)
    return JobResult::failed("InvalidPayload", llvm::toString(P.takeError()));
  CommandRunner Run = runner(R);
  llvm::Expected<int> C = Run.check(J.Project);
  if (!C)
    return JobResult::failed("DirectorError",
                             "cannot check project '" + J.Project +
                                 "': " + llvm::toString(C.takeError()));
  if (*C == 66) {
    JobResult Res;
    Res.Status = JobStatus::Noop;
    Res.Rc = 66;
    Res.Message = "Project '" + J.Project + "' does not exist";
    return Res;
  }
  if (*C != 0)
    return JobResult::failed(
        "DirectorError",
        llvm::formatv("cannot check project '{0}': exit status {1}",
                      J.Project, *C)
            .str());
  CommandRunner::Describe Before;
  if (std::optional<JobResult> Busy = waitForProject(R, &Before))
    return *Busy;

  // Label integrations first: a failure keeps the project (§7.3). The
  // wait's describe found the project: the label runner's own `check` and
  // `describe` (§8.1) would only repeat it, and so would poweroff_if_vm's.
  std::string Labels;
  bool Known = Before.Status == CommandRunner::Describe::Found;
  if (Hooks) {
    llvm::json::Object Report =
        Known ? Hooks->run(J.Project, HookMode::Destroy, P->Force, Before.D)
              : Hooks->run(J.Project, HookMode::Destroy, P->Force);
    bool Failed = HookRunner::failed(Report);
    Labels = llvm::formatv("{0}", llvm::json::Value(std::move(Report)));
    if (Failed) {
      JobResult Res;
      Res.Status = JobStatus::Incompleted;
      Res.Labels = Labels;
      Res.Message = "a label integration failed: project '" + J.Project +
                    "' was not destroyed (see labels)";
      setState(Res, plainRunner().describe(J.Project));
      return Res;
    }
  }
  if (R.stopRequested()) {
    R.Interrupted = true;
    JobResult Res = JobResult::failed("Cancelled", "");
    Res.Labels = Labels;
    return Res;
  }
  poweroffIfVm(R, Run, &Before);

  Env E = daemonEnvironment();
  for (const auto &[K, Val] : P->Environment)
    E[K] = Val;
  E["OVERLORD_METADATA"] = Cfg.MetadataLocation;
  E["OVERLORD_NAMESPACES"] = Cfg.MetadataNamespaces;
  DownFlags F;
  F.Destroy = true;
  F.IgnoreFailed = true;
  JobResult Res = judgeRun(
      R, "down",
      Run.run("director-down", directorDown(Tools, J.Project, F, E)),
      /*Destroy=*/true);
  Res.Labels = Labels;
  return Res;
}

JobResult Executor::Impl::projectCancel(RunningJob &R) {
  // Not stoppable itself: it is what stops the project.
  CommandRunner Run = plainRunner();
  llvm::Expected<ProcessResult> PR =
      Run.run("director-cancel", directorCancel(Tools, R.J.Project));
  if (!PR)
    return startFailure("appjail-director cancel", PR.takeError());
  JobResult Res;
  takeOutput(Res, *PR);
  int Rc = PR->shellStatus();
  if (PR->TimedOut) {
    Res.Status = JobStatus::Failed;
    Res.ExceptionType = "Timeout";
    Res.ExceptionMessage = "appjail-director cancel -p " + R.J.Project +
                           " timed out";
  } else if (Rc == 66) {
    Res.Status = JobStatus::Noop;
    Res.Message = "Project '" + R.J.Project + "' does not exist";
  } else if (Rc != 0) {
    Res.Status = JobStatus::Failed;
    Res.ExceptionType = "DirectorError";
    Res.ExceptionMessage =
        llvm::formatv("appjail-director cancel -p {0} exited with status {1}",
                      R.J.Project, Rc)
            .str();
    if (std::optional<DirectorException> X =
            parseDirectorException(PR->Stderr)) {
      Res.ExceptionType = X->Type;
      Res.ExceptionMessage += ": " + X->Error;
    }
  }
  return Res;
}
