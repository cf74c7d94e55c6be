//===- StateInternal.h - NodeState's collectors -----------------*- C++ -*-===//
//
// The pieces of NodeState that read the world: running the AppJail,
// Director, rctl and sysctl commands (bounded, counted, failures logged once
// per item), reading a jail's conf/ files, and turning what they print into
// the JSON the API serves. Each collector returns an "update" in which an
// absent (nullopt) part means "could not be read: keep the previous value";
// NodeState.cpp merges updates into its records under its lock.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_STATE_STATEINTERNAL_H
#define OVERLORD_ENGINE_STATE_STATEINTERNAL_H

#include "overlord/Engine/DirectorOutput.h"
#include "overlord/Engine/NodeState.h"
#include "overlord/Engine/Process.h"

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>

namespace overlord::engine::state {

inline constexpr size_t NumJailItems = 8;

/// A JSON string from bytes read from the world: invalid UTF-8 is repaired
/// (U+FFFD) rather than tripping llvm::json's assertion.
inline llvm::json::Value jsonString(std::string S) {
  if (!llvm::json::isUTF8(S))
    S = llvm::json::fixUTF8(S);
  return llvm::json::Value(std::move(S));
}

/// Counts commands and failures; logs a failing item once until it succeeds
/// again. Thread-safe.
class Reporter {
public:
  std::atomic<uint64_t> CommandsRun{0};
  std::atomic<uint64_t> CommandFailures{0};

  /// Counts one failure of Key and logs Message if Key was not failing yet.
  void failure(const std::string &Key, const llvm::Twine &Message);
  /// Key works again: its next failure is logged.
  void success(const std::string &Key);
  /// Logs a message unconditionally.
  void log(const llvm::Twine &Message);
  void setLogger(NodeState::LogFn Fn);

private:
  std::mutex M;
  std::set<std::string> Failing;
  NodeState::LogFn Log;
};

struct Context;

/// Whether racct is enabled, asked once (`sysctl -n kern.racct.enable`); a
/// failed probe is retried at the next refresh.
class RacctProbe {
public:
  /// nullopt: unknown (the probe failed).
  std::optional<bool> enabled(const Context &Ctx);

private:
  std::mutex M;
  std::optional<bool> Enabled;
};

/// Everything a collector needs; shared by the refresh workers.
struct Context {
  const EngineConfig &Cfg;
  const ToolPaths &Tools;
  Reporter &Report;
  RacctProbe &Racct;
  /// Set by NodeState::stop(): collectors stop between commands.
  const std::atomic<bool> *Cancel = nullptr;
  /// Run a jail's independent commands (its keywords; status then rctl and
  /// cpuset) at the same time. Set for the executor's targeted refreshes,
  /// whose latency a client waits for; the background cycle keeps one
  /// command per refresh worker.
  bool Eager = false;

  bool cancelled() const { return Cancel && Cancel->load(); }

  /// Runs Spec with the timeout of `overlordd.timeouts.<TimeoutName>` and
  /// the configured output limit. A process that cannot start or times out
  /// is a failure of Key (counted, logged once) and gives nullopt; any exit
  /// status is returned for the caller to judge.
  std::optional<ProcessResult> run(ProcessSpec Spec,
                                   llvm::StringRef TimeoutName,
                                   const std::string &Key) const;
  /// run(), and a non-zero exit is also a failure reported for Key (with
  /// describeExit); the result only when the command succeeded.
  std::optional<ProcessResult> runOk(const ProcessSpec &Spec,
                                     llvm::StringRef TimeoutName,
                                     const std::string &Key) const;
  /// The configured keywords of a `polling.keywords` group (the defaults
  /// when the group is absent).
  std::vector<std::string> keywords(llvm::StringRef Group) const;
};

/// Which parts of a jail a refresh reads.
enum Part : unsigned {
  PartInfo = 1,   ///< `jail get` keywords
  PartStats = 2,  ///< status + rctl
  PartExtras = 4, ///< status + cpuset + conf/ items
  PartAll = 7,
};

/// What one collection of a jail found; nullopt parts keep their previous
/// value.
struct JailUpdate {
  bool Exists = true; ///< false: the jail directory is gone
  std::optional<llvm::json::Object> Info;
  std::optional<llvm::json::Object> Stats;
  std::optional<llvm::json::Value> Cpuset;
  std::array<std::optional<llvm::json::Array>, NumJailItems> Items;
};

/// Reads the Parts of Jail. Running, when given, is whether the jail ran
/// when it was last asked (`appjail status` through Director's `describe`
/// a moment ago): its stats and cpuset are then read at once, alongside the
/// keywords, instead of after a `status` of their own.
JailUpdate collectJail(const Context &Ctx, const std::string &Jail,
                       unsigned Parts,
                       std::optional<bool> Running = std::nullopt);

/// The entries of one conf/ item of Jail (§7.1), sorted by id: every
/// configured keyword (null when absent) plus the id key as a string. A
/// missing directory gives an empty array; an unreadable file an error.
llvm::Expected<llvm::json::Array>
readJailItem(const EngineConfig &Cfg, JailItem Item, llvm::StringRef Jail,
             const std::vector<std::string> &Keywords);

/// The directories under `appjail.jails`, sorted; nullopt when it cannot
/// be read (a missing directory is no jails).
std::optional<std::vector<std::string>> listJails(const Context &Ctx);

/// `appjail-director ls`; nullopt on failure.
std::optional<std::vector<std::string>> listProjects(const Context &Ctx);

/// What one `describe -p P` found.
struct ProjectUpdate {
  enum class Kind { Described, Gone, Failed } K = Kind::Failed;
  llvm::json::Object Info;        ///< Described: the served JSON
  std::vector<std::string> Jails; ///< Described: the services' jails
  /// Described: whether each jail ran, from its service's `status` (the
  /// rc of the `appjail status` describe ran: 0 running; 1 stopped and 66
  /// missing not running); absent for any other rc.
  std::map<std::string, bool> Running;
};
ProjectUpdate collectProject(const Context &Ctx, const std::string &Project);
/// The update a successful `describe` gives.
ProjectUpdate projectUpdate(const DirectorDescription &D);

} // namespace overlord::engine::state

#endif // OVERLORD_ENGINE_STATE_STATEINTERNAL_H
