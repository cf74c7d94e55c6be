//===- ExecCommands.cpp - Exact argv of AppJail/Director commands -*- C++ -*-=//
//
// One function per command of appjail-interface.md §1.2–1.4.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/ExecCommands.h"

using namespace overlord;
using namespace overlord::engine;

namespace {

/// A command that inherits the daemon's environment.
ProcessSpec inherited(const std::string &Program,
                      std::vector<std::string> Args) {
  ProcessSpec S;
  S.Program = Program;
  S.Args = std::move(Args);
  S.InheritEnv = true;
  return S;
}

} // namespace

ProcessSpec engine::directorUp(const ToolPaths &T, llvm::StringRef File,
                               llvm::StringRef Project, bool Overwrite,
                               std::map<std::string, std::string> Env) {
  ProcessSpec S;
  S.Program = T.Director;
  S.Args = {"up", "-j", "-f", File.str(), "-p", Project.str()};
  if (Overwrite)
    S.Args.push_back("--overwrite");
  S.Env = std::move(Env);
  return S;
}

ProcessSpec engine::directorDown(const ToolPaths &T, llvm::StringRef Project,
                                 DownFlags Flags,
                                 std::map<std::string, std::string> Env) {
  ProcessSpec S;
  S.Program = T.Director;
  S.Args = {"down", "-j"};
  if (Flags.Destroy)
    S.Args.push_back("-d");
  if (Flags.IgnoreFailed)
    S.Args.push_back("--ignore-failed");
  if (Flags.IgnoreServices)
    S.Args.push_back("--ignore-services");
  S.Args.push_back("-p");
  S.Args.push_back(Project.str());
  S.Env = std::move(Env);
  return S;
}

ProcessSpec engine::directorDescribe(const ToolPaths &T,
                                     llvm::StringRef Project) {
  return inherited(T.Director, {"describe", "-p", Project.str()});
}

ProcessSpec engine::directorCancel(const ToolPaths &T,
                                   llvm::StringRef Project) {
  return inherited(T.Director, {"cancel", "-p", Project.str()});
}

ProcessSpec engine::directorCheck(const ToolPaths &T, llvm::StringRef Project) {
  return inherited(T.Director, {"check", "-p", Project.str()});
}

ProcessSpec engine::directorList(const ToolPaths &T) {
  return inherited(T.Director, {"ls"});
}

ProcessSpec engine::appjailStatus(const ToolPaths &T, llvm::StringRef Jail) {
  return inherited(T.AppJail, {"status", "-q", Jail.str()});
}

ProcessSpec engine::appjailJailGet(const ToolPaths &T, llvm::StringRef Jail,
                                   llvm::StringRef Keyword) {
  return inherited(T.AppJail,
                   {"jail", "get", "-I", "--", Jail.str(), Keyword.str()});
}

ProcessSpec engine::appjailJailGetMany(const ToolPaths &T,
                                       llvm::StringRef Jail,
                                       const std::vector<std::string> &Keywords) {
  std::vector<std::string> Args = {"jail", "get", "-It", "--", Jail.str()};
  Args.insert(Args.end(), Keywords.begin(), Keywords.end());
  return inherited(T.AppJail, std::move(Args));
}

ProcessSpec engine::appjailCpuset(const ToolPaths &T, llvm::StringRef Jail) {
  return inherited(T.AppJail, {"cpuset", Jail.str()});
}

ProcessSpec engine::appjailLabelGet(const ToolPaths &T, llvm::StringRef Jail,
                                    llvm::StringRef Label) {
  return inherited(T.AppJail, {"label", "get", "-I", "-l", Label.str(), "--",
                               Jail.str(), "value"});
}

ProcessSpec engine::rctlUsage(const ToolPaths &T, llvm::StringRef Jail) {
  return inherited(T.Rctl, {"-u", "jail:" + Jail.str()});
}

ProcessSpec engine::sysctlRacctEnabled(const ToolPaths &T) {
  return inherited(T.Sysctl, {"-n", "kern.racct.enable"});
}
