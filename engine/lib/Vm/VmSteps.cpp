//===- VmSteps.cpp - Named steps of the VM flow -----------------*- C++ -*-===//
//
// The step runner (transcript, timeouts, cancel polling, first failure) and
// small file helpers of the VM flow.
//
//===----------------------------------------------------------------------===//
#include "VmSteps.h"

#include "overlord/Engine/AppJailOutput.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::vm;

StepOutput StepRunner::run(llvm::StringRef Step, ProcessSpec Spec,
                           llvm::StringRef TimeoutKey) {
  Spec.Output = OutputMode::Merged;
  Spec.StdoutLimit = size_t(std::max<int64_t>(Cfg.Overlordd.MaxOutput, 1024));
  Spec.Timeout = std::chrono::seconds(Cfg.timeoutFor(TimeoutKey));
  note("==> " + Step + ": " + formatCommandLine(Spec.Program, Spec.Args));
  StepOutput Out;
  llvm::Expected<ProcessResult> R = runProcess(Spec);
  if (!R) {
    int Rc = 1;
    llvm::handleAllErrors(
        R.takeError(),
        [&](const ProcessError &E) {
          Rc = E.shellStatus();
          Out.Output = E.message() + "\n";
        },
        [&](const llvm::ErrorInfoBase &E) { Out.Output = E.message() + "\n"; });
    Out.Rc = Rc;
    Transcript += Out.Output;
    return Out;
  }
  Out.Started = true;
  Out.Rc = R->shellStatus();
  Out.TimedOut = R->TimedOut;
  Out.Output = stripAnsi(R->Stdout);
  Transcript += Out.Output;
  if (!Out.Output.empty() && Out.Output.back() != '\n')
    Transcript += '\n';
  if (R->StdoutTruncated)
    note("[output truncated]");
  if (Out.TimedOut)
    note("[timed out after " + llvm::Twine(Cfg.timeoutFor(TimeoutKey)) +
         " s]");
  LastRc = Out.Rc;
  return Out;
}

bool StepRunner::check(llvm::StringRef Step, ProcessSpec Spec,
                       llvm::StringRef TimeoutKey, StepOutput *Out) {
  std::string Line = formatCommandLine(Spec.Program, Spec.Args);
  StepOutput O = run(Step, std::move(Spec), TimeoutKey);
  bool Ok = O.ok();
  if (!Ok) {
    std::string Why = !O.Started ? "cannot run '" + Line + "'"
                      : O.TimedOut
                          ? "'" + Line + "' timed out"
                          : "'" + Line + "' exited with status " +
                                std::to_string(O.Rc);
    fail(Step, Why, O.Rc);
  }
  if (Out)
    *Out = std::move(O);
  return Ok;
}

bool StepRunner::cancelled() {
  if (Failed)
    return true;
  if (!Cancelled || !Cancelled())
    return false;
  note("==> cancelled");
  Failed = true;
  Failure = JobResult();
  Failure.Status = JobStatus::Failed;
  Failure.Message = "Cancelled";
  return true;
}

void StepRunner::fail(llvm::StringRef Step, const llvm::Twine &Why,
                      std::optional<int> Rc) {
  std::string Msg = "step '" + Step.str() + "' failed: " + Why.str();
  note("==> " + Msg);
  if (Failed)
    return;
  Failed = true;
  Failure = JobResult();
  Failure.Status = JobStatus::Failed;
  Failure.Rc = Rc;
  Failure.Message = std::move(Msg);
}

void StepRunner::exception(llvm::StringRef Type, const llvm::Twine &Message) {
  note("==> exception " + Type + ": " + Message);
  if (Failed)
    return;
  Failed = true;
  Failure = JobResult::failed(Type.str(), Message.str());
}

void StepRunner::note(const llvm::Twine &Line) {
  Transcript += Line.str();
  Transcript += '\n';
}

JobResult StepRunner::finish(JobStatus Status) {
  JobResult R;
  if (Failed) {
    R = std::move(Failure);
  } else {
    R.Status = Status;
    R.Rc = LastRc;
  }
  R.Restarted = Restarted;
  // Keep the tail: the last steps say why a job failed.
  size_t Max = size_t(std::max<int64_t>(Cfg.Overlordd.MaxOutput, 1024));
  if (Transcript.size() > Max) {
    size_t Cut = Transcript.size() - Max;
    // Do not start in the middle of a UTF-8 sequence.
    while (Cut < Transcript.size() && (Transcript[Cut] & 0xC0) == 0x80)
      ++Cut;
    R.Stdout = "[... " + std::to_string(Cut) + " bytes cut ...]\n" +
               Transcript.substr(Cut);
    R.Truncated = true;
  } else {
    R.Stdout = std::move(Transcript);
  }
  return R;
}

std::string vm::joinPath(llvm::StringRef A, llvm::StringRef B) {
  llvm::SmallString<256> P(A);
  llvm::sys::path::append(P, B);
  return std::string(P);
}

llvm::Error vm::writeFileSynced(llvm::StringRef Path, llvm::StringRef Text,
                                unsigned Mode) {
  if (std::error_code EC =
          llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path)))
    return llvm::createStringError(EC, "cannot create the directory of '%s': %s",
                                   Path.str().c_str(), EC.message().c_str());
  std::string P = Path.str();
  int Fd = ::open(P.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, Mode);
  if (Fd < 0)
    return llvm::createStringError(std::error_code(errno, std::generic_category()),
                                   "cannot write '%s': %s", P.c_str(),
                                   std::strerror(errno));
  size_t Done = 0;
  while (Done < Text.size()) {
    ssize_t N = ::write(Fd, Text.data() + Done, Text.size() - Done);
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0) {
      int E = errno;
      ::close(Fd);
      return llvm::createStringError(std::error_code(E, std::generic_category()),
                                     "cannot write '%s': %s", P.c_str(),
                                     std::strerror(E));
    }
    Done += size_t(N);
  }
  ::fsync(Fd);
  ::fchmod(Fd, Mode);
  ::close(Fd);
  return llvm::Error::success();
}

llvm::Error vm::appendFile(llvm::StringRef Path, llvm::StringRef Text) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC, llvm::sys::fs::OF_Append);
  if (EC)
    return llvm::createStringError(EC, "cannot append to '%s': %s",
                                   Path.str().c_str(), EC.message().c_str());
  OS << Text;
  OS.close();
  if (OS.has_error())
    return llvm::createStringError(OS.error(), "cannot append to '%s'",
                                   Path.str().c_str());
  return llvm::Error::success();
}

std::optional<std::string> vm::readWholeFile(llvm::StringRef Path) {
  auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf)
    return std::nullopt;
  return (*Buf)->getBuffer().str();
}

ProcessSpec vm::appjailJexec(const ToolPaths &T, llvm::StringRef Jail,
                             std::vector<std::string> Args) {
  ProcessSpec S;
  S.Program = T.AppJail;
  S.Args = {"cmd", "jexec", Jail.str()};
  S.Args.insert(S.Args.end(), Args.begin(), Args.end());
  S.InheritEnv = true;
  return S;
}

ProcessSpec vm::tool(const std::string &Program,
                     std::vector<std::string> Args) {
  ProcessSpec S;
  S.Program = Program;
  S.Args = std::move(Args);
  S.InheritEnv = true;
  return S;
}

bool vm::startVm(StepRunner &R, const ToolPaths &Tools, llvm::StringRef Vm) {
  if (R.cancelled())
    return false;
  ProcessSpec Sysrc = tool(Tools.AppJail, {"sysrc", "jail", Vm.str(),
                                           "vm_list+=" + Vm.str()});
  if (!R.check("vm-list", std::move(Sysrc), "vm-install"))
    return false;
  if (R.cancelled())
    return false;
  return R.check("vm-start", appjailJexec(Tools, Vm, {"vm", "start", Vm.str()}),
                 "vm-install");
}
