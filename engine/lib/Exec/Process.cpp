//===- Process.cpp - Subprocess runner for the executor ---------*- C++ -*-===//
//
// posix_spawn with close-on-exec pipes, one poll(2) loop that drains stdout
// and stderr while watching a wall-clock deadline, and wait4(2) for the
// status and CPU times. posix_spawn (a vfork-style clone in glibc and
// FreeBSD's libc) does not copy the engine's page tables, so the io threads
// take no copy-on-write faults after each command; an exec or chdir failure
// comes back as its errno and becomes a typed ProcessError.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Process.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace overlord;
using namespace overlord::engine;
using Clock = std::chrono::steady_clock;

char ProcessError::ID = 0;

int ProcessError::shellStatus() const {
  switch (Kind) {
  case ProcessErrorKind::ProgramNotFound:
    return 127;
  case ProcessErrorKind::NotExecutable:
    return 126;
  default:
    return 1;
  }
}

void ProcessError::log(llvm::raw_ostream &OS) const {
  switch (Kind) {
  case ProcessErrorKind::ProgramNotFound:
    OS << "program '" << Program << "' not found";
    break;
  case ProcessErrorKind::NotExecutable:
    OS << "program '" << Program << "' is not executable";
    break;
  case ProcessErrorKind::BadWorkingDirectory:
    OS << "cannot run '" << Program << "' in its working directory";
    break;
  case ProcessErrorKind::BadSpec:
    OS << "cannot run '" << Program << "'";
    break;
  case ProcessErrorKind::SpawnFailed:
    OS << "cannot start '" << Program << "'";
    break;
  }
  if (!Detail.empty())
    OS << ": " << Detail;
  if (Errno != 0)
    OS << " (" << std::strerror(Errno) << ")";
}

std::error_code ProcessError::convertToErrorCode() const {
  return std::error_code(Errno ? Errno : ENOENT, std::generic_category());
}

namespace {

/// An owned file descriptor.
class Fd {
public:
  Fd() = default;
  explicit Fd(int V) : V(V) {}
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  ~Fd() { reset(); }
  int get() const { return V; }
  void reset(int N = -1) {
    if (V >= 0)
      ::close(V);
    V = N;
  }

private:
  int V = -1;
};

llvm::Error makeError(ProcessErrorKind K, llvm::StringRef Program,
                      std::string Detail, int Errno = 0) {
  return llvm::make_error<ProcessError>(K, Program.str(), std::move(Detail),
                                        Errno);
}

/// Moves a fresh descriptor to 3 or above (close-on-exec), so that the
/// child's dup2 onto 0, 1 and 2 can never clobber another of our pipes even
/// when the parent runs with its standard descriptors closed.
bool raiseFd(Fd &F) {
  if (F.get() >= 3)
    return true;
  int N = ::fcntl(F.get(), F_DUPFD_CLOEXEC, 3);
  if (N < 0)
    return false;
  F.reset(N);
  return true;
}

bool makePipe(Fd &Read, Fd &Write) {
  int P[2];
  if (::pipe2(P, O_CLOEXEC) != 0)
    return false;
  Read.reset(P[0]);
  Write.reset(P[1]);
  return raiseFd(Read) && raiseFd(Write);
}

/// Checks one candidate path; Err receives why it is unusable.
bool isExecutableFile(const std::string &Path, int &Err) {
  struct stat St;
  if (::stat(Path.c_str(), &St) != 0) {
    Err = errno;
    return false;
  }
  if (!S_ISREG(St.st_mode) || ::access(Path.c_str(), X_OK) != 0) {
    Err = EACCES;
    return false;
  }
  return true;
}

std::string defaultSearchPath(const ProcessSpec &Spec) {
  if (!Spec.SearchPath.empty())
    return Spec.SearchPath;
  auto It = Spec.Env.find("PATH");
  if (It != Spec.Env.end())
    return It->second;
  if (const char *P = ::getenv("PATH"))
    return P;
  // The system's own default (confstr), not a path of ours.
  char Buf[1024];
  size_t N = ::confstr(_CS_PATH, Buf, sizeof(Buf));
  return N > 0 && N <= sizeof(Buf) ? std::string(Buf) : std::string();
}

std::vector<std::string> buildEnvironment(const ProcessSpec &Spec) {
  std::map<std::string, std::string> Merged;
  if (Spec.InheritEnv)
    for (char **E = environ; E && *E; ++E) {
      llvm::StringRef KV(*E);
      auto [K, V] = KV.split('=');
      Merged.emplace(K.str(), V.str());
    }
  for (const auto &[K, V] : Spec.Env)
    Merged[K] = V;
  std::vector<std::string> Out;
  Out.reserve(Merged.size());
  for (const auto &[K, V] : Merged)
    Out.push_back(K + "=" + V);
  return Out;
}

llvm::Error checkSpec(const ProcessSpec &Spec) {
  auto HasNul = [](const std::string &S) {
    return S.find('\0') != std::string::npos;
  };
  if (Spec.Program.empty() || HasNul(Spec.Program))
    return makeError(ProcessErrorKind::BadSpec, Spec.Program,
                     "empty program name or NUL byte in it");
  for (const std::string &A : Spec.Args)
    if (HasNul(A))
      return makeError(ProcessErrorKind::BadSpec, Spec.Program,
                       "NUL byte in an argument");
  for (const auto &[K, V] : Spec.Env)
    if (K.empty() || K.find('=') != std::string::npos || HasNul(K) ||
        HasNul(V))
      return makeError(ProcessErrorKind::BadSpec, Spec.Program,
                       "environment name '" + K + "' is not usable");
  if (HasNul(Spec.Cwd))
    return makeError(ProcessErrorKind::BadSpec, Spec.Program,
                     "NUL byte in the working directory");
  return llvm::Error::success();
}

/// One captured stream.
struct Stream {
  Fd *F;
  std::string *Out;
  std::size_t Limit;
  bool *Truncated;
};

/// Reads what is available; returns false at end of file or on error.
bool drain(Stream &S) {
  char Buf[65536];
  for (;;) {
    ssize_t N = ::read(S.F->get(), Buf, sizeof(Buf));
    if (N > 0) {
      std::size_t Room =
          S.Out->size() < S.Limit ? S.Limit - S.Out->size() : 0;
      std::size_t Keep = std::min<std::size_t>(Room, N);
      S.Out->append(Buf, Keep);
      if (Keep < static_cast<std::size_t>(N))
        *S.Truncated = true;
      continue;
    }
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return true;
    return false; // EOF or a read error: either way the stream is done
  }
}

std::chrono::microseconds toMicros(const struct timeval &T) {
  return std::chrono::seconds(T.tv_sec) + std::chrono::microseconds(T.tv_usec);
}

int millisUntil(Clock::time_point Now, Clock::time_point Then) {
  if (Then <= Now)
    return 0;
  auto Us = std::chrono::duration_cast<std::chrono::microseconds>(Then - Now);
  long long Ms = (Us.count() + 999) / 1000;
  return static_cast<int>(std::min<long long>(Ms, INT_MAX));
}

/// The poll loop: drains the streams, enforces the deadline, reaps the child.
/// PidFd (Linux pidfd_open, or -1) becomes readable when the child exits, so
/// the loop wakes at once instead of on its next tick.
void supervise(pid_t Pid, int PidFd, const ProcessSpec &Spec,
               Clock::time_point Start, std::vector<Stream> Open,
               ProcessResult &R) {
  const auto Never = Clock::time_point::max();
  const Clock::time_point Deadline =
      Spec.Timeout.count() > 0 ? Start + Spec.Timeout : Never;
  Clock::time_point KillAt = Never, ExitAt = Never;
  bool Reaped = false, TermSent = false;
  int Status = 0;
  struct rusage Usage;
  std::memset(&Usage, 0, sizeof(Usage));
  auto Tick = std::chrono::milliseconds(1);
  for (;;) {
    if (!Reaped) {
      pid_t W = ::wait4(Pid, &Status, WNOHANG, &Usage);
      if (W == Pid || (W < 0 && errno == ECHILD)) {
        // ECHILD: someone set SIGCHLD to SIG_IGN and the kernel reaped it.
        if (W < 0)
          Status = -1;
        Reaped = true;
        ExitAt = Clock::now();
      }
    }
    Clock::time_point Now = Clock::now();
    if (Reaped && (Open.empty() || Now >= ExitAt + Spec.DrainAfterExit))
      break;
    // Short ticks right after the pipes close (the child is about to become
    // a zombie), longer ones while a live child keeps them open.
    bool WatchExit = PidFd >= 0 && !Reaped;
    Clock::time_point Next =
        Now + (Open.empty() && !WatchExit ? Tick
                                          : std::chrono::milliseconds(50));
    bool CancelNow =
        Spec.Cancel && Spec.Cancel->load(std::memory_order_relaxed);
    if (!Reaped && !TermSent && (Now >= Deadline || CancelNow)) {
      ::kill(-Pid, SIGTERM);
      TermSent = true;
      (Now >= Deadline ? R.TimedOut : R.Cancelled) = true;
      KillAt = Now + Spec.KillGrace;
    } else if (!Reaped && TermSent && !R.KillSent && Now >= KillAt) {
      ::kill(-Pid, SIGKILL);
      R.KillSent = true;
    }
    if (!Reaped)
      Next = std::min(Next, TermSent ? (R.KillSent ? Next : KillAt) : Deadline);
    else
      Next = std::min(Next, ExitAt + Spec.DrainAfterExit);
    std::vector<struct pollfd> Fds;
    for (Stream &S : Open)
      Fds.push_back({S.F->get(), POLLIN, 0});
    if (WatchExit)
      Fds.push_back({PidFd, POLLIN, 0});
    int N = ::poll(Fds.empty() ? nullptr : Fds.data(), Fds.size(),
                   millisUntil(Now, Next));
    bool HadOpen = !Open.empty();
    if (!HadOpen)
      Tick = std::min(Tick * 2, std::chrono::milliseconds(50));
    if (N <= 0)
      continue; // timeout or EINTR: re-evaluate
    for (std::size_t I = Open.size(); I-- > 0;) {
      if (!(Fds[I].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
        continue;
      if (!drain(Open[I])) {
        Open[I].F->reset();
        Open.erase(Open.begin() + I);
      }
    }
    if (HadOpen && Open.empty())
      Tick = std::chrono::milliseconds(1);
  }
  R.WallTime = std::chrono::duration_cast<std::chrono::microseconds>(
      Clock::now() - Start);
  R.UserTime = toMicros(Usage.ru_utime);
  R.SystemTime = toMicros(Usage.ru_stime);
  if (Status != -1 && WIFEXITED(Status)) {
    R.Exited = true;
    R.ExitCode = WEXITSTATUS(Status);
  } else if (Status != -1 && WIFSIGNALED(Status)) {
    R.Signal = WTERMSIG(Status);
  }
}

} // namespace

llvm::Expected<std::string> engine::resolveProgram(llvm::StringRef Program,
                                                   llvm::StringRef SearchPath) {
  if (Program.empty())
    return makeError(ProcessErrorKind::BadSpec, Program, "empty program name");
  int Err = 0;
  if (Program.contains('/')) {
    if (isExecutableFile(Program.str(), Err))
      return Program.str();
    return makeError(Err == EACCES ? ProcessErrorKind::NotExecutable
                                   : ProcessErrorKind::ProgramNotFound,
                     Program, "", Err == EACCES ? EACCES : 0);
  }
  if (SearchPath.empty())
    return makeError(ProcessErrorKind::ProgramNotFound, Program,
                     "the search path is empty");
  llvm::SmallVector<llvm::StringRef, 16> Dirs;
  SearchPath.split(Dirs, ':', -1, /*KeepEmpty=*/true);
  bool SawUnusable = false;
  for (llvm::StringRef Dir : Dirs) {
    std::string Candidate =
        (Dir.empty() ? std::string(".") : Dir.str()) + "/" + Program.str();
    if (isExecutableFile(Candidate, Err))
      return Candidate;
    SawUnusable |= Err == EACCES;
  }
  if (SawUnusable)
    return makeError(ProcessErrorKind::NotExecutable, Program,
                     "found in the search path but not executable", EACCES);
  return makeError(ProcessErrorKind::ProgramNotFound, Program,
                   "search path '" + SearchPath.str() + "'");
}

llvm::Expected<ProcessResult> engine::runProcess(const ProcessSpec &Spec) {
  if (llvm::Error E = checkSpec(Spec))
    return E;
  llvm::Expected<std::string> Path =
      resolveProgram(Spec.Program, defaultSearchPath(Spec));
  if (!Path)
    return Path.takeError();

  // Everything the child needs is built before the spawn.
  std::vector<std::string> EnvStrings = buildEnvironment(Spec);
  std::vector<char *> Argv, Envp;
  Argv.push_back(const_cast<char *>(Spec.Program.c_str()));
  for (const std::string &A : Spec.Args)
    Argv.push_back(const_cast<char *>(A.c_str()));
  Argv.push_back(nullptr);
  for (std::string &E : EnvStrings)
    Envp.push_back(E.data());
  Envp.push_back(nullptr);

  Fd DevNull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  Fd OutR, OutW, ErrR, ErrW;
  bool Merged = Spec.Output == OutputMode::Merged;
  if (DevNull.get() < 0 || !raiseFd(DevNull) || !makePipe(OutR, OutW) ||
      (!Merged && !makePipe(ErrR, ErrW)))
    return makeError(ProcessErrorKind::SpawnFailed, Spec.Program,
                     "cannot create pipes", errno);

  // posix_spawn (glibc: clone with CLONE_VM|CLONE_VFORK) instead of fork:
  // the parent's page tables are not copied and its threads take no
  // copy-on-write faults afterwards, which fork cost on every command. The
  // child gets its own process group (a timeout reaches every descendant),
  // default signal dispositions, an empty mask, /dev/null and the pipes as
  // 0/1/2, no other descriptor, and the working directory.
  posix_spawnattr_t Attr;
  posix_spawn_file_actions_t Acts;
  posix_spawnattr_init(&Attr);
  posix_spawn_file_actions_init(&Acts);
  sigset_t All, Empty;
  sigfillset(&All);
  sigemptyset(&Empty);
  posix_spawnattr_setflags(&Attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&Attr, 0);
  posix_spawnattr_setsigdefault(&Attr, &All);
  posix_spawnattr_setsigmask(&Attr, &Empty);
  posix_spawn_file_actions_adddup2(&Acts, DevNull.get(), 0);
  posix_spawn_file_actions_adddup2(&Acts, OutW.get(), 1);
  posix_spawn_file_actions_adddup2(&Acts, Merged ? OutW.get() : ErrW.get(), 2);
  // Descriptors some other thread opened without O_CLOEXEC must not leak.
  posix_spawn_file_actions_addclosefrom_np(&Acts, 3);
  if (!Spec.Cwd.empty())
    posix_spawn_file_actions_addchdir_np(&Acts, Spec.Cwd.c_str());

  Clock::time_point Start = Clock::now();
  pid_t Pid = -1;
  int Err = ::posix_spawn(&Pid, Path->c_str(), &Acts, &Attr, Argv.data(),
                          Envp.data());
  posix_spawn_file_actions_destroy(&Acts);
  posix_spawnattr_destroy(&Attr);
  OutW.reset();
  ErrW.reset();
  DevNull.reset();
  if (Err != 0) {
    if (!Spec.Cwd.empty() && !llvm::sys::fs::is_directory(Spec.Cwd))
      return makeError(ProcessErrorKind::BadWorkingDirectory, Spec.Program,
                       "'" + Spec.Cwd + "'", Err);
    ProcessErrorKind K = Err == ENOENT ? ProcessErrorKind::ProgramNotFound
                         : Err == EACCES || Err == ENOEXEC
                             ? ProcessErrorKind::NotExecutable
                             : ProcessErrorKind::SpawnFailed;
    return makeError(K, Spec.Program, "exec '" + *Path + "'", Err);
  }

  ProcessResult R;
  R.ResolvedProgram = *Path;
  R.Pid = Pid;
  std::vector<Stream> Open;
  ::fcntl(OutR.get(), F_SETFL, O_NONBLOCK);
  Open.push_back({&OutR, &R.Stdout, Spec.StdoutLimit, &R.StdoutTruncated});
  if (!Merged) {
    ::fcntl(ErrR.get(), F_SETFL, O_NONBLOCK);
    Open.push_back({&ErrR, &R.Stderr, Spec.StderrLimit, &R.StderrTruncated});
  }
  Fd PidFd;
#if defined(__linux__) && defined(SYS_pidfd_open)
  // Close-on-exec by definition; ENOSYS (before Linux 5.3) keeps the ticks.
  PidFd.reset(static_cast<int>(::syscall(SYS_pidfd_open, Pid, 0)));
#endif
  supervise(Pid, PidFd.get(), Spec, Start, std::move(Open), R);
  return R;
}

std::string engine::formatCommandLine(llvm::StringRef Program,
                                      llvm::ArrayRef<std::string> Args) {
  auto Quote = [](llvm::StringRef W, std::string &Out) {
    bool Plain = !W.empty() && W.find_first_not_of(
                                   "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789_@%+=:,./-") == llvm::StringRef::npos;
    if (Plain) {
      Out += W;
      return;
    }
    Out += '\'';
    for (char C : W) {
      if (C == '\'')
        Out += "'\\''";
      else
        Out += C;
    }
    Out += '\'';
  };
  std::string Out;
  Quote(Program, Out);
  for (const std::string &A : Args) {
    Out += ' ';
    Quote(A, Out);
  }
  return Out;
}
