//===- Process.h - Subprocess runner for the executor -----------*- C++ -*-===//
//
// The lowest layer of the engine's executor: runs one external program
// (appjail, appjail-director, rctl, sysctl, makefs, ...) the way
// appjail-interface.md §1.1 and §5.7 require, with none of the reference's
// weaknesses: an argv (never a shell), a full environment map, an optional
// working directory, stdin from /dev/null, stdout and stderr captured
// separately or merged, each bounded, and a real wall-clock timeout that
// terminates the whole process group (SIGTERM, then SIGKILL after a grace
// period). One fork+exec per run, one poll(2) loop, no threads; every
// descriptor is close-on-exec and every child is reaped.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_PROCESS_H
#define OVERLORD_ENGINE_PROCESS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace overlord {
namespace engine {

/// How the child's stdout and stderr are captured.
enum class OutputMode {
  /// stdout into ProcessResult::Stdout, stderr into ProcessResult::Stderr.
  Separate,
  /// Both into ProcessResult::Stdout, interleaved as written (the vm.*
  /// helpers' merge_output=True); Stderr stays empty.
  Merged,
};

/// Everything needed to run one program.
struct ProcessSpec {
  /// A program name ("appjail-director") searched for in the search path, or
  /// a path containing '/' used as is. Configured program paths are passed
  /// here; nothing in the runner is a hard-coded absolute path.
  std::string Program;
  /// argv[1..]; argv[0] is Program as given.
  std::vector<std::string> Args;
  /// The child's environment. By default this is the *whole* environment
  /// (nothing is inherited); with InheritEnv the parent's environment is
  /// taken first and these entries override it.
  std::map<std::string, std::string> Env;
  bool InheritEnv = false;
  /// Colon-separated directories searched for Program. When empty: PATH from
  /// Env if present, else the parent's PATH.
  std::string SearchPath;
  /// Working directory of the child; empty means the parent's.
  std::string Cwd;
  OutputMode Output = OutputMode::Separate;
  /// Bytes kept of each stream; the rest is read and discarded so the child
  /// never blocks on a full pipe, and the Truncated flag is set.
  std::size_t StdoutLimit = 16u << 20;
  std::size_t StderrLimit = 1u << 20;
  /// Wall-clock limit; zero means none. On expiry the process group gets
  /// SIGTERM, and SIGKILL after KillGrace.
  std::chrono::milliseconds Timeout{0};
  std::chrono::milliseconds KillGrace{2000};
  /// After the direct child has exited, how long to keep reading while a
  /// leftover background process still holds the pipes open. Such processes
  /// are not killed (they may be daemons); their later output is dropped.
  std::chrono::milliseconds DrainAfterExit{500};
  /// Set to true from any thread to stop the run: the process group gets
  /// SIGTERM, then SIGKILL after KillGrace, as on a timeout (noticed within
  /// about 50 ms). Null: not cancellable. Must outlive runProcess().
  const std::atomic<bool> *Cancel = nullptr;
};

/// What happened to a process that was started.
struct ProcessResult {
  /// The path that was executed.
  std::string ResolvedProgram;
  /// The child's pid, which is also its process group id (for logs, and to
  /// reach background processes it left behind).
  int Pid = 0;
  /// True when the child called exit(); ExitCode is then valid.
  bool Exited = false;
  int ExitCode = -1;
  /// The signal that terminated the child, or 0.
  int Signal = 0;
  /// The timeout expired (the child may still have exited by itself while
  /// being terminated); KillSent when SIGKILL had to follow SIGTERM.
  bool TimedOut = false;
  bool KillSent = false;
  /// ProcessSpec::Cancel was set while the child ran and it was terminated
  /// (then TimedOut is false).
  bool Cancelled = false;
  std::string Stdout;
  std::string Stderr;
  bool StdoutTruncated = false;
  bool StderrTruncated = false;
  /// Wall time from start to reaping, and CPU time of the child.
  std::chrono::microseconds WallTime{0};
  std::chrono::microseconds UserTime{0};
  std::chrono::microseconds SystemTime{0};

  /// Exited with code 0 within the timeout. Never enough on its own for
  /// Director: see isDirectorSuccess().
  bool succeeded() const {
    return Exited && ExitCode == 0 && !TimedOut && !Cancelled;
  }
  /// A shell-like status: the exit code, or 128 + signal.
  int shellStatus() const { return Exited ? ExitCode : 128 + Signal; }
};

/// Why a process could not be started.
enum class ProcessErrorKind {
  /// No such program in the search path, or the path does not exist (what a
  /// shell reports as rc 127).
  ProgramNotFound,
  /// The program exists but cannot be executed (rc 126).
  NotExecutable,
  /// The working directory cannot be entered.
  BadWorkingDirectory,
  /// The spec itself is unusable (empty program name, NUL in an argument).
  BadSpec,
  /// pipe/fork/exec failed for another reason (resources, permissions).
  SpawnFailed,
};

/// The typed error of runProcess(): the process never ran.
class ProcessError : public llvm::ErrorInfo<ProcessError> {
public:
  static char ID;
  ProcessError(ProcessErrorKind Kind, std::string Program, std::string Detail,
               int Errno = 0)
      : Kind(Kind), Program(std::move(Program)), Detail(std::move(Detail)),
        Errno(Errno) {}

  ProcessErrorKind kind() const { return Kind; }
  llvm::StringRef program() const { return Program; }
  int errnoValue() const { return Errno; }
  /// The exit status a shell would report for this failure: 127 for a
  /// missing program, 126 for one that cannot be executed, 1 otherwise.
  int shellStatus() const;

  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  ProcessErrorKind Kind;
  std::string Program;
  std::string Detail;
  int Errno;
};

/// Finds Program the way runProcess() does: a name with '/' is checked as
/// is, otherwise each directory of SearchPath (colon-separated, empty
/// entries mean ".") is tried for an executable regular file.
llvm::Expected<std::string> resolveProgram(llvm::StringRef Program,
                                           llvm::StringRef SearchPath);

/// Runs Spec to completion. Returns the result of any process that started,
/// whatever its exit status, or a ProcessError if it could not start.
/// Safe to call from several threads at once.
llvm::Expected<ProcessResult> runProcess(const ProcessSpec &Spec);

/// The argv as one line for logs, each word quoted for /bin/sh when needed.
std::string formatCommandLine(llvm::StringRef Program,
                              llvm::ArrayRef<std::string> Args);

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_PROCESS_H
