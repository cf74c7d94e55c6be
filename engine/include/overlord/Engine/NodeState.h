//===- NodeState.h - The node's in-memory view of jails/projects -*- C++
//-*-===//
//
// What the HTTP API serves about this node (overlord-behaviour.md §7.6–7.7,
// appjail-interface.md §1.3–1.6): the jails under `appjail.jails` with their
// `jail get` keywords, rctl usage, cpuset and conf/ items, and the Director
// projects with their `describe`. The reference keeps this in memcached,
// filled by eight polling processes; overlordd keeps it here, refreshed
// (1) by the executor after every job it runs (refreshProject), so an API
// client never sees stale state for a change the engine made, and (2) by one
// low-rate background thread for changes made outside overlord.
//
// Thread safety: every accessor takes a shared lock and returns a copy.
// Refreshes run their commands without holding the lock and swap results in.
// A failing command (non-zero exit, unparsable output, timeout) keeps the
// previous value of that item, is logged once per item until it succeeds
// again, and is counted. See docs/NodeState.md.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_NODESTATE_H
#define OVERLORD_ENGINE_NODESTATE_H

#include "overlord/Engine/Config.h"
#include "overlord/Engine/ExecCommands.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace overlord::engine {

struct DirectorDescription;

/// The per-jail extras the reference reads from `<jails>/<jail>/conf/`
/// (§7.1), each with its `polling.keywords` group (jailItemKeywordGroup).
enum class JailItem {
  Devfs,
  Expose,
  Healthcheck,
  Limits,
  Fstab,
  Labels,
  Nat,
  Volumes
};

/// "devfs", "expose", ..., "labels", "volumes": the URL segment and the key
/// of the API answer (`GET /v1/jail/labels/J` -> `{"labels": [...]}`).
llvm::StringRef jailItemName(JailItem Item);
/// The `polling.keywords` group of an item: as jailItemName() except
/// Labels -> "label" and Volumes -> "volume".
llvm::StringRef jailItemKeywordGroup(JailItem Item);
/// The inverse of jailItemName(); nullopt for an unknown name.
std::optional<JailItem> parseJailItem(llvm::StringRef Name);
/// Every item, in the order of the enum.
const std::vector<JailItem> &allJailItems();

/// The node's view of its jails and projects.
class NodeState {
public:
  /// Observability counters (monotonic unless noted), for /metrics.
  struct Counters {
    /// Refresh operations: background cycles and refreshAll/refreshProject/
    /// refreshJail calls.
    uint64_t Refreshes = 0;
    /// Full refreshes completed (refreshAll, or a background cycle in which
    /// everything was due).
    uint64_t FullRefreshes = 0;
    uint64_t CommandsRun = 0; ///< external commands started
    /// Failed, timed out or unparsable commands, and unreadable conf files.
    uint64_t CommandFailures = 0;
    /// Wall time of the last completed full refresh (gauge).
    std::chrono::microseconds LastFullRefresh{0};
    uint64_t Jails = 0;    ///< jails known now (gauge)
    uint64_t Projects = 0; ///< projects known now (gauge)
  };

  /// Cfg must outlive the NodeState. Nothing runs until a refresh or start().
  NodeState(const EngineConfig &Cfg, ToolPaths Tools);
  ~NodeState(); ///< stops the refresher
  NodeState(const NodeState &) = delete;
  NodeState &operator=(const NodeState &) = delete;

  /// The jails (directory names under `appjail.jails`), sorted.
  std::vector<std::string> jails() const;
  /// Jail is in jails() (the API's 404 test).
  bool hasJail(llvm::StringRef Jail) const;
  /// The Director projects (`appjail-director ls`), sorted.
  std::vector<std::string> projects() const;
  /// Project is in projects().
  bool hasProject(llvm::StringRef Project) const;

  /// `jail get -I` keyword -> its value as a string, as the reference
  /// serves it (an empty value is "", not null: the reference's get_value
  /// keeps the empty string). Every configured `polling.keywords.jail`
  /// keyword is present once the jail was read successfully; before that
  /// the object is empty. nullopt: unknown jail.
  std::optional<llvm::json::Object> jailInfo(llvm::StringRef Jail) const;
  /// rctl metric -> integer, for the configured "stats" keywords. Empty for
  /// a stopped jail or when racct is disabled. nullopt: unknown jail.
  std::optional<llvm::json::Object> jailStats(llvm::StringRef Jail) const;
  /// `appjail cpuset` output as a string for a running jail, null when
  /// stopped. nullopt: unknown jail.
  std::optional<llvm::json::Value> jailCpuset(llvm::StringRef Jail) const;
  /// The conf/ entries of one item kind (§7.1 shapes). nullopt: unknown jail.
  std::optional<llvm::json::Array> jailItems(JailItem Item,
                                             llvm::StringRef Jail) const;
  /// Sum over all jails of each stats metric (only metrics seen at least
  /// once appear).
  llvm::json::Object totalStats() const;

  /// `{"name","state","last_log","locked","services":[{"name","status",
  /// "jail"}]}` with last_log the basename (or null) and services sorted by
  /// name. nullopt if the project is unknown or was never described
  /// successfully (the reference's "describe is empty").
  std::optional<llvm::json::Object> projectInfo(llvm::StringRef Project) const;

  /// Full scan: jail list, every jail, project list, every project.
  void refreshAll();
  /// `describe -p P` and every jail of its services (the jails it had and
  /// the jails it has, read in parallel, each jail's independent commands
  /// at once); forgets P (and its services' jails that no longer exist)
  /// when Director no longer knows it.
  void refreshProject(llvm::StringRef Project);

  /// An observation of the world made by a caller on NodeState's behalf
  /// (the executor's own `describe` after a Director run). It is stamped
  /// when opened, so open it *before* running the command: a refresh that
  /// started later is never overwritten by it (the consistency rule of
  /// NodeState.cpp). Move-only; one never handed to refreshProject() is
  /// closed by its destructor. Must not outlive the NodeState.
private:
  struct Impl;

public:
  class Observation {
  public:
    Observation() = default;
    Observation(Observation &&O) noexcept { *this = std::move(O); }
    Observation &operator=(Observation &&O) noexcept;
    ~Observation();
    Observation(const Observation &) = delete;
    Observation &operator=(const Observation &) = delete;
    /// Opened and not yet handed back.
    explicit operator bool() const { return Owner != nullptr; }

  private:
    friend class NodeState;
    NodeState::Impl *Owner = nullptr;
    uint64_t Stamp = 0;
  };
  /// Opens an Observation.
  Observation beginObservation();
  /// refreshProject(Project) with its `describe` already run by the caller
  /// under Obs: Described is what it printed, or null when it exited 66
  /// (Director does not know the project). Only the jails are read.
  void refreshProject(llvm::StringRef Project, Observation Obs,
                      const DirectorDescription *Described);
  /// One jail's info, stats, cpuset and items; forgets it when its
  /// directory is gone.
  void refreshJail(llvm::StringRef Jail);

  /// Starts the background refresher: a full refresh at once, then it wakes
  /// every interval() and refreshes what is due, each part (jail list, jail
  /// info, stats, extras, project list, project info) on its own
  /// `polling.*` interval, counted from the end of the previous work.
  /// Idempotent.
  void start();
  /// Stops the refresher promptly (at most the command in flight finishes,
  /// which its timeout bounds). Idempotent.
  void stop();
  /// The background interval: the smallest of the polling intervals, never
  /// below one second.
  std::chrono::seconds interval() const;

  /// A consistent snapshot of the counters.
  Counters counters() const;

  /// Where warnings go (one line each, no trailing newline). The default
  /// writes "overlordd: state: <message>" to stderr. Set before start().
  using LogFn = std::function<void(llvm::StringRef Message)>;
  void setLogger(LogFn Log);

private:
  std::unique_ptr<Impl> P;
};

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_NODESTATE_H
