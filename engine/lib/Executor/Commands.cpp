//===- Commands.cpp - Running Director/AppJail for the executor -----------===//
//
// The one place the executor starts processes: the timeout of each command
// comes from EngineConfig::timeoutFor(name), its output limits from
// `overlordd.max_output`, its duration goes to
// overlord_exec_command_duration_seconds{command}, and a job's stop flag
// terminates the process group at once. Also the Director look-ups every
// flow shares (describe, check, the wait while a project is busy) and the
// structured log line.
//
//===----------------------------------------------------------------------===//
#include "ExecutorImpl.h"

#include "overlord/Engine/ExecCommands.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <thread>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;

llvm::Expected<ProcessResult> CommandRunner::run(llvm::StringRef Name,
                                                 ProcessSpec S) const {
  int64_t Secs = Cfg.timeoutFor(Name);
  S.Timeout = std::chrono::milliseconds(Secs > 0 ? Secs * 1000 : 0);
  size_t Limit = Cfg.Overlordd.MaxOutput > 0
                     ? static_cast<size_t>(Cfg.Overlordd.MaxOutput)
                     : S.StdoutLimit;
  S.StdoutLimit = S.StderrLimit = Limit;
  S.Cancel = Stop;
  llvm::Expected<ProcessResult> R = runProcess(S);
  if (R && M)
    M->observe("overlord_exec_command_duration_seconds",
               {{"command", Name.str()}},
               std::chrono::duration<double>(R->WallTime).count());
  return R;
}

CommandRunner::Describe CommandRunner::describe(llvm::StringRef Project) const {
  Describe Out;
  llvm::Expected<ProcessResult> R =
      run("director-describe", directorDescribe(Tools, Project));
  if (!R) {
    Out.Error = llvm::toString(R.takeError());
    return Out;
  }
  if (R->TimedOut || R->Cancelled) {
    Out.Error = R->TimedOut ? "describe timed out" : "describe was stopped";
    return Out;
  }
  if (R->shellStatus() == 66) {
    Out.Status = Describe::NotFound;
    return Out;
  }
  if (R->shellStatus() != 0) {
    Out.Error = "describe exited with status " +
                std::to_string(R->shellStatus()) + ": " +
                llvm::StringRef(R->Stderr).trim().str();
    return Out;
  }
  llvm::Expected<DirectorDescription> D = parseDirectorDescription(R->Stdout);
  if (!D) {
    Out.Error = llvm::toString(D.takeError());
    return Out;
  }
  Out.Status = Describe::Found;
  Out.D = std::move(*D);
  return Out;
}

llvm::Expected<int> CommandRunner::check(llvm::StringRef Project) const {
  llvm::Expected<ProcessResult> R =
      run("director-check", directorCheck(Tools, Project));
  if (!R)
    return R.takeError();
  if (R->TimedOut || R->Cancelled)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   R->TimedOut ? "check timed out"
                                               : "check was stopped");
  return R->shellStatus();
}

bool engine::sleepUnlessStopped(std::chrono::milliseconds D,
                                const std::atomic<bool> *Stop) {
  auto End = std::chrono::steady_clock::now() + D;
  while (true) {
    if (Stop && Stop->load())
      return false;
    auto Now = std::chrono::steady_clock::now();
    if (Now >= End)
      return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        End - Now, std::chrono::milliseconds(20)));
  }
}

BusyWait engine::waitWhileBusy(const CommandRunner &Run, llvm::StringRef Project,
                               std::chrono::milliseconds MaxWait,
                               std::chrono::milliseconds PollMin,
                               std::chrono::milliseconds PollMax,
                               const std::atomic<bool> *Stop) {
  BusyWait W;
  auto Start = std::chrono::steady_clock::now();
  std::chrono::milliseconds Delay = std::max(PollMin, std::chrono::milliseconds(1));
  while (true) {
    W.Last = Run.describe(Project);
    W.Waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - Start);
    if (W.Last.Status != CommandRunner::Describe::Found || !W.Last.D.busy())
      return W;
    if (W.Waited >= MaxWait) {
      W.StillBusy = true;
      return W;
    }
    if (!sleepUnlessStopped(std::min(Delay, MaxWait - W.Waited), Stop)) {
      W.Stopped = true;
      return W;
    }
    Delay = std::min(Delay * 2, PollMax);
  }
}

void engine::takeOutput(JobResult &R, const ProcessResult &P) {
  R.Rc = P.shellStatus();
  R.Stdout = P.Stdout;
  R.Stderr = P.Stderr;
  R.Truncated = R.Truncated || P.StdoutTruncated || P.StderrTruncated;
}

namespace {

std::string logValue(llvm::StringRef V) {
  bool Plain = !V.empty() && llvm::all_of(V, [](char C) {
    return llvm::isAlnum(C) || llvm::StringRef("-_./:@,+").contains(C);
  });
  if (Plain)
    return V.str();
  std::string Out = "\"";
  for (char C : V) {
    if (C == '"' || C == '\\')
      Out += '\\';
    if (C == '\n')
      Out += "\\n";
    else if (static_cast<unsigned char>(C) < 0x20)
      Out += ' ';
    else
      Out += C;
  }
  return Out + "\"";
}

} // namespace

void engine::logLine(
    llvm::ArrayRef<std::pair<llvm::StringRef, std::string>> Fields) {
  std::string Line = "overlordd:";
  for (const auto &[K, V] : Fields)
    Line += " " + K.str() + "=" + logValue(V);
  Line += "\n";
  // One write(2), so lines of concurrent workers never interleave.
  const char *P = Line.data();
  size_t Left = Line.size();
  while (Left) {
    ssize_t N = ::write(STDERR_FILENO, P, Left);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return;
    P += N;
    Left -= static_cast<size_t>(N);
  }
}
