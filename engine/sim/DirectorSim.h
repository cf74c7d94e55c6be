//===- DirectorSim.h - The simulated appjail-director ------------*- C++
//-*-===//
//
// One Director invocation: global options and director.ini paths, the
// project, the JSON result printed last, and the commands. DirectorSim.cpp
// has the command line and the read-only commands, DirectorRun.cpp `up` and
// `down`.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_SIM_DIRECTORSIM_H
#define OVERLORD_SIM_DIRECTORSIM_H

#include "Director.h"
#include "Sim.h"

#include <csignal>
#include <set>

namespace overlord::sim {

/// Director's project-name regex `^[a-zA-Z0-9._-]+$`.
bool isProjectName(llvm::StringRef N);

class Director {
public:
  explicit Director(Sim &S) : S(S) {}
  /// Runs the command in S.Args; returns the exit code.
  int run();

  /// Set by SIGTERM & co.: the current child is killed and `up`/`down`
  /// stop with errlevel 70.
  static volatile sig_atomic_t Terminated;

private:
  /// The `{"errlevel", "message", "failed"}` document.
  struct Outcome {
    int Errlevel = 0;
    std::optional<std::string> Message;
    std::vector<std::pair<std::string, std::string>> Failed; ///< type, service
  };

  Sim &S;
  std::string LogsDir, ProjectsDir, LocksDir, LogDirName;
  bool RemoveRecursive = false, RemoveForce = true;
  unsigned Timeout = 1800;
  std::string Project, File = "appjail-director.yml";
  bool Json = false, Overwrite = false, Destroy = false, IgnoreFailed = false,
       IgnoreServices = false;
  bool Locked = false, DidWork = false;
  std::string Current; ///< the jail being processed, stopped on SIGTERM
  int Rc = 0;
  Outcome Result;

  bool parseGlobal(size_t &I);
  int usageError(llvm::StringRef Cmd, llvm::StringRef Message);
  int exception(llvm::StringRef Type, llvm::StringRef Error);
  void printResult() const;
  std::string logDir();
  std::string key(llvm::StringRef Rel) const;
  void setKey(llvm::StringRef Rel, llvm::StringRef V) const;
  void setState(llvm::StringRef State) const;
  bool lock();
  void unlock();
  std::string jailName(const appjail::DirectorService &Svc);
  /// Runs appjail with output to <log>/<Log> ("" = /dev/null).
  int appjail(const std::vector<std::string> &Argv, const std::string &Log);
  std::optional<std::string> appjailOut(const std::vector<std::string> &Argv,
                                        int &R);
  void orderServices(std::vector<const appjail::DirectorService *> &V,
                     bool ByPriority) const;
  bool loadStored(std::optional<DirectorSpec> &Spec);

  int describe(bool Json);
  int ls(const std::vector<std::string> &States);
  int cancel();
  int up();
  int down();

  // up() helpers (DirectorRun.cpp).
  int fail(llvm::StringRef Type, llvm::StringRef Service, int ChildRc);
  bool dieAfter(llvm::StringRef Phase, llvm::StringRef Service) const;
  int removeService(const std::string &Name, const std::string &Jail,
                    bool Leaving);
  int createService(const DirectorSpec &Next,
                    const appjail::DirectorService &Svc,
                    const std::optional<std::string> &Remembered);
  std::vector<std::string> makejailArgv(const DirectorSpec &Next,
                                        const appjail::DirectorService &Svc,
                                        const std::string &Jail) const;
  int scripts(const appjail::DirectorService &Svc, const std::string &Jail,
              bool PostStart);
};

} // namespace overlord::sim

#endif // OVERLORD_SIM_DIRECTORSIM_H
