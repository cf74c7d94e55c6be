//===- SimCore.cpp - State root, config, faults, journal ---------*- C++
//-*-===//
//
// Everything an `ajsim` invocation does before and after the simulated tool
// runs: reading sim/config, matching sim/faults (first match wins, counters
// persisted under sim/counters), appending the journal line to
// sim/calls.jsonl, deterministic random names, AppJail-style log lines and
// the subprocess runner Director uses to call appjail.
//
//===----------------------------------------------------------------------===//
#include "Sim.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <cstdio>
#include <poll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace llvm;

namespace overlord::sim {

volatile int CurrentChild = 0;

bool readFile(const std::string &Path, std::string &Out) {
  int Fd = ::open(Path.c_str(), O_RDONLY);
  if (Fd < 0)
    return false;
  Out.clear();
  char Buf[8192];
  ssize_t N;
  while ((N = ::read(Fd, Buf, sizeof Buf)) > 0)
    Out.append(Buf, N);
  ::close(Fd);
  return N == 0;
}

bool makeDirs(const std::string &Path) {
  return !sys::fs::create_directories(Path);
}

bool writeFile(const std::string &Path, StringRef Text) {
  makeDirs(sys::path::parent_path(Path).str());
  std::error_code EC;
  raw_fd_ostream OS(Path, EC);
  if (EC)
    return false;
  OS << Text;
  return true;
}

bool fileExists(const std::string &Path) { return sys::fs::exists(Path); }
bool isDir(const std::string &Path) { return sys::fs::is_directory(Path); }
void removeTree(const std::string &Path) {
  if (sys::fs::exists(Path))
    sys::fs::remove_directories(Path, /*IgnoreErrors=*/true);
}

std::vector<std::string> listDir(const std::string &Path) {
  std::vector<std::string> Names;
  std::error_code EC;
  for (sys::fs::directory_iterator I(Path, EC), E; I != E && !EC;
       I.increment(EC))
    Names.push_back(sys::path::filename(I->path()).str());
  llvm::sort(Names);
  return Names;
}

std::string readValue(const std::string &Path) {
  std::string V;
  if (!readFile(Path, V))
    return "";
  if (!V.empty() && V.back() == '\n')
    V.pop_back();
  return V;
}

std::string Sim::config(StringRef Key, StringRef Default) const {
  auto It = Config.find(Key.str());
  return It == Config.end() ? Default.str() : It->second;
}

/// Splits a faults line into words: double quotes group and are removed,
/// `\"` and `\\` escape inside them, a word starting with `#` ends the line.
static std::vector<std::string> splitRule(StringRef Line) {
  std::vector<std::string> Words;
  size_t I = 0;
  while (I < Line.size()) {
    while (I < Line.size() && isSpace(Line[I]))
      ++I;
    if (I >= Line.size() || Line[I] == '#')
      break;
    std::string W;
    bool Quoted = false;
    for (; I < Line.size() && (Quoted || !isSpace(Line[I])); ++I) {
      char C = Line[I];
      if (C == '"') {
        Quoted = !Quoted;
        continue;
      }
      if (Quoted && C == '\\' && I + 1 < Line.size() &&
          (Line[I + 1] == '"' || Line[I + 1] == '\\' || Line[I + 1] == 'n')) {
        ++I;
        W += Line[I] == 'n' ? '\n' : Line[I];
        continue;
      }
      W += C;
    }
    Words.push_back(std::move(W));
  }
  return Words;
}

/// The value after `-p` in Args, or "".
static std::string projectArg(const std::vector<std::string> &Args) {
  for (size_t I = 0; I + 1 < Args.size(); ++I)
    if (Args[I] == "-p" || Args[I] == "--project")
      return Args[I + 1];
  return "";
}

void Sim::matchFaults() {
  std::string Text;
  if (!readFile(path("sim/faults"), Text))
    return;
  std::string Joined = join(Args, " ");
  SmallVector<StringRef, 16> Lines;
  StringRef(Text).split(Lines, '\n');
  for (size_t LineNo = 0; LineNo < Lines.size(); ++LineNo) {
    std::vector<std::string> W = splitRule(Lines[LineNo]);
    if (W.size() < 2 || (W[0] != Tool && W[0] != "*"))
      continue;
    Expected<GlobPattern> Pat = GlobPattern::create(W[1]);
    if (!Pat) {
      consumeError(Pat.takeError());
      continue;
    }
    if (!Pat->match(Joined))
      continue;
    Fault F;
    F.Matched = true;
    std::optional<uint64_t> Times, Nth;
    bool Selected = true;
    for (size_t K = 2; K < W.size(); ++K) {
      auto [Key, Val] = StringRef(W[K]).split('=');
      uint64_t N = 0;
      double D = 0;
      if (Key == "jail")
        Selected &= llvm::is_contained(Args, Val.str());
      else if (Key == "project")
        Selected &= projectArg(Args) == Val;
      else if (Key == "times" && !Val.getAsInteger(10, N))
        Times = N;
      else if (Key == "nth" && !Val.getAsInteger(10, N))
        Nth = N;
      else if (Key == "rc" && !Val.getAsInteger(10, N))
        F.Rc = int(N);
      else if (Key == "stdout")
        F.Stdout = Val.str();
      else if (Key == "stderr")
        F.Stderr = Val.str();
      else if (Key == "append")
        F.Append = Val == "1";
      else if (Key == "delay" && !Val.getAsDouble(D))
        F.Delay = D;
      else if (Key == "hang" && !Val.getAsDouble(D))
        F.Hang = D;
      else if (Key == "after_create")
        F.AfterCreate = Val == "1";
      else if (Key == "die_after")
        F.DieAfter = Val.str();
    }
    if (!Selected)
      continue;
    uint64_t Count = bumpCounter("fault." + std::to_string(LineNo + 1));
    if ((Times && Count > *Times) || (Nth && Count != *Nth))
      continue;
    TheFault = F;
    return;
  }
}

bool Sim::init(std::string &Error, bool MatchFaults) {
  const char *R = std::getenv("AJSIM_ROOT");
  if (!R || !*R) {
    Error = "AJSIM_ROOT is not set";
    return false;
  }
  SmallString<256> Abs(R);
  sys::fs::make_absolute(Abs);
  Root = std::string(Abs);
  char Buf[4096];
  Cwd = getcwd(Buf, sizeof Buf) ? Buf : "";
  if (!makeDirs(path("sim/counters")) || !makeDirs(jailsDir())) {
    Error = "cannot create the state root '" + Root + "'";
    return false;
  }
  std::string Text;
  if (readFile(path("sim/config"), Text)) {
    SmallVector<StringRef, 16> Lines;
    StringRef(Text).split(Lines, '\n');
    for (StringRef L : Lines) {
      L = L.trim();
      if (L.empty() || L.startswith("#") || !L.contains('='))
        continue;
      auto [K, V] = L.split('=');
      Config[K.trim().str()] = V.trim().str();
    }
  }
  if (!MatchFaults)
    return true;
  matchFaults();
  Seq = bumpCounter("seq");
  return true;
}

uint64_t Sim::bumpCounter(StringRef Name) const {
  std::string P = path("sim/counters/" + Name.str());
  int Fd = ::open(P.c_str(), O_RDWR | O_CREAT, 0644);
  if (Fd < 0)
    return 1;
  ::flock(Fd, LOCK_EX);
  char Buf[32] = {0};
  ssize_t N = ::pread(Fd, Buf, sizeof Buf - 1, 0);
  uint64_t V = N > 0 ? std::strtoull(Buf, nullptr, 10) : 0;
  std::string S = std::to_string(++V);
  // Best effort: a lost write only repeats a number. Written in place and
  // then cut to its length (only read under the lock): ext4 flushes a file
  // truncated to zero and rewritten when it is closed (auto_da_alloc),
  // which cost milliseconds per simulated command.
  if (::pwrite(Fd, S.data(), S.size(), 0) != static_cast<ssize_t>(S.size()) ||
      ::ftruncate(Fd, static_cast<off_t>(S.size())) != 0)
    errs() << "ajsim: cannot update counter '" << Name << "'\n";
  ::flock(Fd, LOCK_UN);
  ::close(Fd);
  return V;
}

std::string Sim::randomName(unsigned Len) const {
  std::string Seed = config("seed", "0");
  for (;;) {
    uint64_t N = bumpCounter("random");
    SHA256 H;
    H.update(Seed + ":" + std::to_string(N));
    std::string Hex = toHex(H.final(), /*LowerCase=*/true).substr(0, Len);
    if (!llvm::all_of(Hex, isDigit))
      return Hex;
  }
}

int64_t Sim::now() const {
  std::string T = config("now", "2025-04-23 10:15:02");
  struct tm TM = {};
  if (!strptime(T.c_str(), "%Y-%m-%d %H:%M:%S", &TM))
    return 1745403302;
  return timegm(&TM);
}

void Sim::log(StringRef Level, StringRef Message) const {
  time_t T = now();
  struct tm TM;
  gmtime_r(&T, &TM);
  char Clock[16];
  strftime(Clock, sizeof Clock, "%H:%M:%S", &TM);
  bool Color = config("color", "0") == "1";
  std::string Line = "[" + std::string(Clock) + "] [ " + Level.str() + " ] ";
  if (Color) {
    const char *Code = Level == "error"  ? "\033[1;31m"
                       : Level == "warn" ? "\033[1;33m"
                                         : "\033[1;32m";
    Line = Code + Line + "\033[0m";
  }
  errs() << Line << Message << "\n";
}

void Sim::journal(int Rc) const {
  const char *Parent = std::getenv("AJSIM_CALLER_SEQ");
  std::string Line;
  raw_string_ostream OS(Line);
  {
    // Keys in the documented order (json::Object would sort them).
    json::OStream J(OS);
    J.object([&] {
      J.attribute("seq", int64_t(Seq));
      J.attribute("tool", Tool);
      J.attributeArray("argv", [&] {
        for (const std::string &A : Args)
          J.value(A);
      });
      J.attribute("cwd", Cwd);
      J.attributeObject("env", [&] {
        std::vector<std::pair<std::string, std::string>> Vars;
        for (char **E = environ; *E; ++E) {
          auto [K, V] = StringRef(*E).split('=');
          if (K.startswith("DIRECTOR_") || K.startswith("OVERLORD_") ||
              K == "GIT_ASKPASS")
            Vars.push_back({K.str(), V.str()});
        }
        llvm::sort(Vars);
        for (const auto &[K, V] : Vars)
          J.attribute(K, V);
      });
      if (Parent)
        J.attribute("parent_seq", int64_t(std::strtoull(Parent, nullptr, 10)));
      else
        J.attribute("parent_seq", nullptr);
      J.attribute("rc", Rc);
    });
  }
  OS << "\n";
  OS.flush();
  int Fd = ::open(path("sim/calls.jsonl").c_str(),
                  O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (Fd < 0)
    return;
  ::flock(Fd, LOCK_EX);
  ssize_t W = ::write(Fd, Line.data(), Line.size());
  (void)W;
  ::close(Fd);
}

/// The program to run for ChildTool: PATH first (so tests can interpose),
/// else this binary. Self tells whether it is this very binary (a symlink
/// to it included), which runChild then runs without exec'ing it.
static std::string programFor(StringRef ChildTool, bool &Self) {
  std::string Me = sys::fs::getMainExecutable(nullptr, nullptr);
  std::string Prog = Me;
  if (ErrorOr<std::string> P = sys::findProgramByName(ChildTool))
    Prog = *P;
  SmallString<256> Real;
  Self = !Me.empty() && !sys::fs::real_path(Prog, Real) && Real == Me;
  return Prog;
}

/// In a child forked to run this binary as another tool: what execve would
/// have done before main() (the descriptors other than 0-2 closed, caught
/// signals back to their default action, ignored ones stay ignored, the
/// given environment, the tool's name as the process name), then the
/// invocation itself. Never returns.
[[noreturn]] static void runForked(std::vector<char *> &CArgs,
                                   std::vector<char *> &CEnv) {
  ::close_range(3, ~0U, 0);
  for (int Sig = 1; Sig < NSIG; ++Sig) {
    struct sigaction Old = {};
    if (::sigaction(Sig, nullptr, &Old) == 0 && Old.sa_handler != SIG_IGN &&
        Old.sa_handler != SIG_DFL)
      ::signal(Sig, SIG_DFL);
  }
  environ = CEnv.data();
  CurrentChild = 0;
  ::prctl(PR_SET_NAME, CArgs[0], 0, 0, 0);
  int Rc = runInvocation(static_cast<int>(CArgs.size() - 1), CArgs.data());
  outs().flush();
  std::fflush(nullptr);
  ::_exit(Rc);
}

static int openOut(const std::string &File) {
  if (File.empty())
    return ::open("/dev/null", O_WRONLY);
  makeDirs(sys::path::parent_path(File).str());
  return ::open(File.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
}

int Sim::runChild(StringRef ChildTool, const std::vector<std::string> &Argv,
                  const std::string &OutFile, const std::string &ErrFile,
                  unsigned Timeout,
                  const std::vector<std::string> &Extra) const {
  int Out = openOut(OutFile);
  int Err = ErrFile == OutFile ? ::dup(Out) : openOut(ErrFile);
  return runChildFds(ChildTool, Argv, Out, Err, Timeout, Extra);
}

int Sim::runChildFds(StringRef ChildTool, const std::vector<std::string> &Argv,
                     int Out, int Err, unsigned Timeout,
                     const std::vector<std::string> &Extra) const {
  bool Self = false;
  std::string Prog = programFor(ChildTool, Self);
  // A nested call of this binary is a fork that runs the tool directly
  // (docs/Simulator.md "Speed"): the same process tree, descriptors, exit
  // status, journal and faults as an exec, without a second start-up.
  // sim/config `spawn=exec` keeps the exec.
  Self = Self && config("spawn", "fork") != "exec";
  std::vector<std::string> Full{ChildTool.str()};
  Full.insert(Full.end(), Argv.begin(), Argv.end());
  std::vector<char *> CArgs;
  for (std::string &A : Full)
    CArgs.push_back(A.data());
  CArgs.push_back(nullptr);
  std::vector<std::string> Env;
  for (char **E = environ; *E; ++E)
    if (!StringRef(*E).startswith("AJSIM_CALLER_SEQ="))
      Env.push_back(*E);
  Env.push_back("AJSIM_CALLER_SEQ=" + std::to_string(Seq));
  Env.insert(Env.end(), Extra.begin(), Extra.end());
  std::vector<char *> CEnv;
  for (std::string &E : Env)
    CEnv.push_back(E.data());
  CEnv.push_back(nullptr);
  int In = ::open("/dev/null", O_RDONLY);
  // Nothing buffered may be written twice by a forked child.
  outs().flush();
  std::fflush(nullptr);
  pid_t Pid = ::fork();
  if (Pid == 0) {
    ::dup2(In, 0);
    ::dup2(Out, 1);
    ::dup2(Err, 2);
    if (Self)
      runForked(CArgs, CEnv);
    ::execve(Prog.c_str(), CArgs.data(), CEnv.data());
    ::_exit(127);
  }
  ::close(In);
  ::close(Out);
  ::close(Err);
  if (Pid < 0)
    return ExSoftware;
  CurrentChild = Pid;
  int Status = 0;
  unsigned Waited = 0, Step = 1;
#if defined(__linux__) && defined(SYS_pidfd_open)
  // Wake when the child exits rather than on a polling tick (Director's
  // subprocess waits block too); the tick loop below is the fallback.
  if (int PidFd = static_cast<int>(::syscall(SYS_pidfd_open, Pid, 0));
      PidFd >= 0) {
    auto Start = std::chrono::steady_clock::now();
    for (;;) {
      pid_t R = ::waitpid(Pid, &Status, WNOHANG);
      if (R == Pid || (R < 0 && errno != EINTR))
        break;
      long long Left = -1;
      if (Timeout) {
        Left = static_cast<long long>(Timeout) * 1000 -
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - Start)
                   .count();
        if (Left <= 0) {
          ::kill(Pid, SIGKILL);
          ::waitpid(Pid, &Status, 0);
          ::close(PidFd);
          CurrentChild = 0;
          return -1;
        }
      }
      struct pollfd P = {PidFd, POLLIN, 0};
      ::poll(&P, 1, static_cast<int>(std::min<long long>(Left, 60000)));
    }
    ::close(PidFd);
    CurrentChild = 0;
    if (WIFEXITED(Status))
      return WEXITSTATUS(Status);
    return 128 + WTERMSIG(Status);
  }
#endif
  for (;;) {
    pid_t R = ::waitpid(Pid, &Status, WNOHANG);
    if (R == Pid || (R < 0 && errno != EINTR))
      break;
    if (Timeout && Waited >= Timeout * 1000) {
      ::kill(Pid, SIGKILL);
      ::waitpid(Pid, &Status, 0);
      CurrentChild = 0;
      return -1;
    }
    ::usleep(Step * 1000);
    Waited += Step;
    Step = std::min(Step * 2, 20u);
  }
  CurrentChild = 0;
  if (WIFEXITED(Status))
    return WEXITSTATUS(Status);
  return 128 + WTERMSIG(Status);
}

int Sim::capture(StringRef ChildTool, const std::vector<std::string> &Argv,
                 std::string &Out, const std::string &ErrFile) const {
  // The output goes to an anonymous in-memory file (no pipe to drain while
  // waiting, no file on disk); read back once the child has exited.
  int Fd = ::memfd_create("ajsim-capture", MFD_CLOEXEC);
  if (Fd < 0)
    return ExSoftware;
  int Rc = runChildFds(ChildTool, Argv, ::dup(Fd), openOut(ErrFile), 0, {});
  Out.clear();
  char Buf[8192];
  ssize_t N;
  off_t At = 0;
  while ((N = ::pread(Fd, Buf, sizeof Buf, At)) > 0) {
    Out.append(Buf, static_cast<size_t>(N));
    At += N;
  }
  ::close(Fd);
  return Rc;
}

} // namespace overlord::sim
