//===- Sim.h - AppJail/Director simulator core ------------------*- C++ -*-===//
//
// The shared state of one `ajsim` invocation: the state root ($AJSIM_ROOT),
// sim/config, the fault that matched this invocation, the journal sequence
// number, and helpers every simulated tool uses (files, random names, the
// AppJail log line format, running a nested tool as a subprocess). The tools
// themselves live in AppJailSim.cpp, MakejailSim.cpp, DirectorSim.cpp and
// SystemSim.cpp; docs/Simulator.md describes the contract.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_SIM_SIM_H
#define OVERLORD_SIM_SIM_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace overlord::sim {

/// sysexits(3) codes used by the simulated tools.
enum ExitCode : int {
  ExOk = 0,
  ExUsage = 64,
  ExDataErr = 65,
  ExNoInput = 66,
  ExUnavailable = 69,
  ExSoftware = 70,
  ExCantCreat = 73,
  ExIoErr = 74,
  ExNoPerm = 77,
  ExConfig = 78,
};

/// The effect of the first sim/faults rule that matched this invocation.
struct Fault {
  bool Matched = false;
  std::optional<int> Rc;
  std::optional<std::string> Stdout, Stderr;
  bool Append = false;      ///< append stdout/stderr instead of replacing
  double Delay = 0;         ///< seconds to sleep, then behave normally
  double Hang = 0;          ///< seconds to block (until signalled)
  bool AfterCreate = false; ///< do the side effects, then fail
  std::string DieAfter;     ///< Director: "<phase>:<service>" => SIGKILL-like
  /// True when the fault replaces the tool's behaviour entirely.
  bool shortCircuits() const {
    return Matched && !AfterCreate && DieAfter.empty() &&
           (Rc || Stdout || Stderr);
  }
};

/// One invocation of a simulated tool.
class Sim {
public:
  std::string Root;              ///< $AJSIM_ROOT
  std::string Tool;              ///< appjail, appjail-director, rctl, sysctl
  std::vector<std::string> Args; ///< argv after the tool name
  std::map<std::string, std::string> Config; ///< sim/config
  Fault TheFault;
  uint64_t Seq = 0; ///< journal sequence number of this invocation
  std::string Cwd;  ///< working directory at start (for the journal)

  /// Loads sim/config and matches sim/faults. Returns false (with a
  /// message on stderr) when the root is unusable.
  bool init(std::string &Error, bool MatchFaults = true);
  /// Appends this invocation's line to sim/calls.jsonl.
  void journal(int Rc) const;

  std::string path(llvm::StringRef Rel) const { return Root + "/" + Rel.str(); }
  std::string jailsDir() const { return path("appjail/jails"); }
  std::string jailDir(llvm::StringRef J) const {
    return jailsDir() + "/" + J.str();
  }
  std::string config(llvm::StringRef Key, llvm::StringRef Default) const;

  /// A persisted counter under sim/counters/<Name>, incremented and returned
  /// (the first call returns 1).
  uint64_t bumpCounter(llvm::StringRef Name) const;
  /// Deterministic random name: sha256(seed ":" counter), first Len hex
  /// digits, never all digits.
  std::string randomName(unsigned Len) const;
  /// `now` from sim/config ("YYYY-mm-dd HH:MM:SS") as seconds since epoch
  /// (UTC), default 2025-04-23 10:15:02.
  int64_t now() const;

  /// Prints `[HH:MM:SS] [ level ] message` on stderr as AppJail's lib_log
  /// does (ANSI-coloured when sim/config has color=1).
  void log(llvm::StringRef Level, llvm::StringRef Message) const;

  /// Runs `Tool Argv...` (found on PATH, else this binary under that name)
  /// with stdin /dev/null and stdout/stderr appended to the given files
  /// ("" = /dev/null; OutFile may equal ErrFile). Extra are added to the
  /// environment. Returns the exit code, 128+signal when killed, or -1
  /// when it timed out (Timeout seconds, 0 = none; the child is killed).
  int runChild(llvm::StringRef ChildTool, const std::vector<std::string> &Argv,
               const std::string &OutFile, const std::string &ErrFile,
               unsigned Timeout,
               const std::vector<std::string> &Extra = {}) const;
  /// As runChild, capturing stdout into Out (stderr to ErrFile).
  int capture(llvm::StringRef ChildTool, const std::vector<std::string> &Argv,
              std::string &Out, const std::string &ErrFile = "") const;

private:
  void matchFaults();
  /// runChild with the child's stdout and stderr already open (both fds
  /// are closed here).
  int runChildFds(llvm::StringRef ChildTool,
                  const std::vector<std::string> &Argv, int Out, int Err,
                  unsigned Timeout, const std::vector<std::string> &Extra) const;
};

/// The pid of the child runChild is waiting for (0 = none), so signal
/// handlers can kill it.
extern volatile int CurrentChild;

// File helpers. Paths are absolute; parents are created as needed.
bool readFile(const std::string &Path, std::string &Out);
bool writeFile(const std::string &Path, llvm::StringRef Text);
bool fileExists(const std::string &Path);
bool isDir(const std::string &Path);
void removeTree(const std::string &Path);
bool makeDirs(const std::string &Path);
/// Names in a directory, sorted (empty if it does not exist).
std::vector<std::string> listDir(const std::string &Path);
/// Reads Path with one trailing newline stripped ("" if missing).
std::string readValue(const std::string &Path);

/// One whole `ajsim` invocation as main() runs it (argv[0] selects the
/// tool): faults, the tool, the journal line. Returns the exit code; stdout
/// is flushed. Sim::runChild calls it in a forked child instead of
/// exec'ing this binary again.
int runInvocation(int argc, char **argv);

/// Tool entry points; each returns the exit code.
int runAppJail(Sim &S);
int runMakejail(Sim &S, const std::vector<std::string> &Args);
int runDirector(Sim &S);
int runRctl(Sim &S);
int runSysctl(Sim &S);
/// The VM flow's tools (VmSim.cpp): mdconfig, gpart, newfs, mount, umount,
/// makefs, fetch, pkg.
bool isVmTool(llvm::StringRef Tool);
llvm::ArrayRef<const char *> vmToolNames();
int runVmTool(Sim &S);
/// `appjail cmd jexec J REST...` when REST is vm-bhyve's `vm create|install|
/// start|poweroff` or `/run.sh`; -1 for other commands (only recorded).
int runJexec(Sim &S, const std::string &J, const std::vector<std::string> &Rest);
/// True when `ajsim TOOL ARGS` names a test helper (Helpers.cpp).
bool isHelper(llvm::StringRef Tool, const std::vector<std::string> &Args);
int runHelper(Sim &S);

/// AppJail's human-name regex `^[a-zA-Z0-9_][a-zA-Z0-9_-]*$`.
bool isJailName(llvm::StringRef Name);
/// Stops (if running) and removes a jail and its network addresses.
void destroyJail(const Sim &S, llvm::StringRef J);
/// True when `<jails>/J/jail` exists.
bool jailExists(const Sim &S, llvm::StringRef J);
/// True when the jail is marked running.
bool jailRunning(const Sim &S, llvm::StringRef J);

} // namespace overlord::sim

#endif // OVERLORD_SIM_SIM_H
