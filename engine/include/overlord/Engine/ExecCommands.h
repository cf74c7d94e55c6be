//===- ExecCommands.h - Exact argv of AppJail/Director commands -*- C++ -*-===//
//
// Builders of the ProcessSpecs the engine runs (appjail-interface.md
// §1.2–1.4): the exact argv, in the reference's flag order, of every
// `appjail-director`, `appjail`, `rctl` and `sysctl` invocation Overlord
// makes, with the program taken from configured paths. `up` and `down` get the
// job's full environment from the caller; the other commands inherit the
// daemon's, as the reference does. Timeouts and limits are left to callers.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_EXECCOMMANDS_H
#define OVERLORD_ENGINE_EXECCOMMANDS_H

#include "overlord/Engine/Process.h"

#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>

namespace overlord {
namespace engine {

/// Program names or paths of the external tools (§5.7): names are looked up
/// in PATH, so a simulator on PATH replaces them with no code change.
struct ToolPaths {
  std::string AppJail = "appjail";
  std::string Director = "appjail-director";
  std::string Rctl = "rctl";
  std::string Sysctl = "sysctl";
};

/// D3: `appjail-director up -j -f FILE -p P [--overwrite]` with Env as the
/// whole environment.
ProcessSpec directorUp(const ToolPaths &T, llvm::StringRef File,
                       llvm::StringRef Project, bool Overwrite,
                       std::map<std::string, std::string> Env);

/// Flags of D4 `down`, printed in this order.
struct DownFlags {
  bool Destroy = false;        ///< -d
  bool IgnoreFailed = false;   ///< --ignore-failed
  bool IgnoreServices = false; ///< --ignore-services
};

/// D4: `appjail-director down -j [-d] [--ignore-failed] [--ignore-services]
/// -p P`. Overlord uses `down -j -p P` (restart) and `down -j -d
/// --ignore-failed -p P` (destroy).
ProcessSpec directorDown(const ToolPaths &T, llvm::StringRef Project,
                         DownFlags Flags,
                         std::map<std::string, std::string> Env);

/// D2 `describe -p P`, D5 `cancel -p P`, D6 `check -p P`.
ProcessSpec directorDescribe(const ToolPaths &T, llvm::StringRef Project);
ProcessSpec directorCancel(const ToolPaths &T, llvm::StringRef Project);
ProcessSpec directorCheck(const ToolPaths &T, llvm::StringRef Project);
/// D1 without the reference's `| tail -n +2 | cut` pipeline: `ls`, parsed
/// with parseDirectorList() so that a failing `ls` is noticed.
ProcessSpec directorList(const ToolPaths &T);

/// A1 `appjail status -q JAIL` (no `--`, as the reference).
ProcessSpec appjailStatus(const ToolPaths &T, llvm::StringRef Jail);
/// A2 `appjail jail get -I -- JAIL KEYWORD`.
ProcessSpec appjailJailGet(const ToolPaths &T, llvm::StringRef Jail,
                           llvm::StringRef Keyword);
/// A2 for several keywords in one run: `appjail jail get -It -- JAIL KW...`
/// (AppJail's `jail_get` takes any number of keywords and prints them as
/// one lib_table row; `-t` separates them with tabs). Parse the output with
/// parseJailGetValues(); Keywords should be distinct (AppJail prints a
/// repeated keyword once).
ProcessSpec appjailJailGetMany(const ToolPaths &T, llvm::StringRef Jail,
                               const std::vector<std::string> &Keywords);
/// A3 `appjail cpuset JAIL`.
ProcessSpec appjailCpuset(const ToolPaths &T, llvm::StringRef Jail);
/// A4 `appjail label get -I -l LABEL -- JAIL value`.
ProcessSpec appjailLabelGet(const ToolPaths &T, llvm::StringRef Jail,
                            llvm::StringRef Label);
/// `rctl -u jail:JAIL` (never `-h`).
ProcessSpec rctlUsage(const ToolPaths &T, llvm::StringRef Jail);
/// `sysctl -n kern.racct.enable`.
ProcessSpec sysctlRacctEnabled(const ToolPaths &T);

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_EXECCOMMANDS_H
