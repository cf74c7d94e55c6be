//===- Executor.h - Runs the node's queued jobs -----------------*- C++ -*-===//
//
// The executor of overlordd: `Workers` threads take jobs from the durable
// JobQueue (waitAndClaim), run the job's flow against Director and AppJail,
// record how it ended (JobQueue::complete), then refresh the project in
// NodeState, so the API never serves a state older than the job it ran.
//
// Flows (overlord-behaviour.md §6.3, §6.4, §7.2–7.5, appjail-interface.md
// §1.7, with the reference's bugs of §12 fixed; docs/Executor.md "Flows"):
//   project.up      environment, reserve_port, restart (poweroff + down),
//                   `up -j -f TMP -p P`, the full success rule, then the
//                   special labels (HookRunner, mode Create)
//   project.down    labels (Destroy) first, poweroff, `down -j -d
//                   --ignore-failed -p P`, judged with `check` afterwards
//   project.cancel  `appjail-director cancel -p P`; the running job of the
//                   project is stopped at once through the queue's cancel
//                   handler (its process group is terminated)
//   vm.create       VmBuilder::create
//   metadata.put / metadata.delete   the MetadataStore
//
// A job whose project Director reports busy (locked and UNFINISHED or
// DESTROYING: a Director run started outside overlord) waits, with
// backoff, instead of being dropped as the reference does.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_EXECUTOR_H
#define OVERLORD_ENGINE_EXECUTOR_H

#include "overlord/Engine/Config.h"
#include "overlord/Engine/ExecCommands.h"
#include "overlord/Engine/JobQueue.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace overlord::engine {

class NodeState;
class MetadataStore;
class HookRunner;
class VmBuilder;
namespace http {
class Metrics;
}

//===----------------------------------------------------------------------===//
// Payloads
//===----------------------------------------------------------------------===//

/// The `project.up` payload (brief "Job payloads"): the reference message
/// plus `director_metadata` and `environ_from_metadata`.
struct ProjectUpPayload {
  /// The Director file text (`director_file`), or
  std::optional<std::string> DirectorFile;
  /// the metadata key holding it on this node (`director_metadata`).
  std::optional<std::string> DirectorMetadata;
  /// A metadata key holding a YAML map merged into the environment, never
  /// overriding a key of Environment (`environ_from_metadata`).
  std::optional<std::string> EnvironFromMetadata;
  std::map<std::string, std::string> Environment;
  bool Restart = false;
  /// Interface -> network (nullopt: any address of the interface).
  std::map<std::string, std::optional<std::string>> ReservePort;
};

/// Decodes a `project.up` payload. Exactly one of director_file and
/// director_metadata; environment values are strings; unknown keys are
/// ignored (`hooks` is informational).
llvm::Expected<ProjectUpPayload> parseProjectUpPayload(llvm::StringRef Json);

/// The `project.down` payload `{"environment": {...}, "force": bool}`.
struct ProjectDownPayload {
  std::map<std::string, std::string> Environment;
  bool Force = false;
};
llvm::Expected<ProjectDownPayload>
parseProjectDownPayload(llvm::StringRef Json);

/// The `metadata.put` / `metadata.delete` payload `{"key": str,
/// "value": str}` (value only for put).
struct MetadataPayload {
  std::string Key;
  std::string Value;
};
llvm::Expected<MetadataPayload> parseMetadataPayload(llvm::StringRef Json,
                                                     bool NeedValue);

//===----------------------------------------------------------------------===//
// Environment of up/down
//===----------------------------------------------------------------------===//

/// `OVERLORD_FREEPORT_<IFACE>`: the interface upper-cased, every character
/// that is not a letter or a digit replaced by '_' (the reference keeps
/// them, which makes `vtnet0.1` unusable with `!ENV`).
std::string freePortVariable(llvm::StringRef Iface);

/// The YAML map stored in an `environ_from_metadata` key as variables.
/// Keys must be variable names (`[A-Za-z_][A-Za-z0-9_]*`); values must be
/// scalars (written as Python's str() would: `8080`, `True`). Name is the
/// metadata key, used in messages.
llvm::Expected<std::map<std::string, std::string>>
parseEnvironYaml(llvm::StringRef Text, llvm::StringRef Name);

/// The daemon's own environment (`environ`), as a map.
std::map<std::string, std::string> daemonEnvironment();

//===----------------------------------------------------------------------===//
// reserve_port (§7.5, with its bugs fixed)
//===----------------------------------------------------------------------===//

/// The host ports of the expose rules of every jail under JailsDir whose
/// `on_if` is Iface (`conf/boot/expose/<nro>/{on_if,hport}`).
std::set<uint16_t> exposedPorts(llvm::StringRef JailsDir,
                                llvm::StringRef Iface);

/// `sysctl -n net.inet.ip.portrange.first net.inet.ip.portrange.last`.
llvm::Expected<std::pair<uint16_t, uint16_t>>
portRange(const ToolPaths &Tools, std::chrono::seconds Timeout);

/// How reservePort() ended when it found no port.
struct PortSearch {
  /// The port, or nullopt with Reason saying why none was found.
  std::optional<uint16_t> Port;
  std::string Reason;
};

/// Picks a free port for Iface: a random port of the sysctl range that no
/// expose rule on the interface uses and that is not in Exclude, bind-tested
/// on the interface's address (the first, or the first inside Network);
/// three attempts, each with another port. Errors: the range or the address
/// cannot be obtained.
llvm::Expected<PortSearch>
reservePort(const EngineConfig &Cfg, const ToolPaths &Tools,
            llvm::StringRef Iface, std::optional<llvm::StringRef> Network,
            const std::set<uint16_t> &Exclude);

//===----------------------------------------------------------------------===//
// The executor
//===----------------------------------------------------------------------===//

/// Knobs the flows use besides EngineConfig (tests shorten them).
struct ExecutorTuning {
  /// How long a job waits for a project Director reports busy before it
  /// fails (zero: the command's timeout, `execution_time` by default).
  std::chrono::milliseconds BusyWait{0};
  /// First and largest delay between two `describe`s while waiting.
  std::chrono::milliseconds BusyPollMin{200}, BusyPollMax{5000};
  /// waitAndClaim() slice: how fast stop() is noticed by an idle worker.
  std::chrono::milliseconds ClaimSlice{500};
};

class Executor {
public:
  /// Everything passed by reference must outlive the executor. Hooks, Vm
  /// and M may be null: no label integrations (jobs still run), vm.create
  /// jobs fail with "VM support is not available", no metrics.
  Executor(const EngineConfig &Cfg, ToolPaths Tools, JobQueue &Q,
           NodeState &State, MetadataStore &Meta, HookRunner *Hooks,
           VmBuilder *Vm, http::Metrics *M);
  ~Executor(); ///< stop()
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  void setTuning(const ExecutorTuning &T);

  /// Installs the queue's cancel handler and starts Workers threads
  /// (`max_watch_commands`; at least one). Idempotent.
  void start(unsigned Workers);
  /// Stops taking jobs, terminates the process groups of running jobs,
  /// waits for the workers. A job stopped this way is recorded FAILED
  /// ("Interrupted": the daemon stopped). Idempotent.
  void stop();

  /// Runs one claimed job to its end and records it (what a worker does
  /// with each job); for tests and tools that drive the queue themselves.
  void runClaimed(const Job &J);

  /// For JobQueueOptions::Reconcile: decides about a job found RUNNING
  /// after a crash from what Director says now (docs/Executor.md
  /// "Reconcile"). Waits while the project is locked and busy, at most
  /// `execution_time` (the Director run we started may still be going).
  static ReconcileDecision reconcile(const EngineConfig &Cfg,
                                     const ToolPaths &Tools, const Job &J);
  /// The same with an explicit bound on that wait.
  static ReconcileDecision reconcile(const EngineConfig &Cfg,
                                     const ToolPaths &Tools, const Job &J,
                                     std::chrono::milliseconds MaxWait);

  /// Jobs running now.
  unsigned running() const;

private:
  struct Impl;
  std::unique_ptr<Impl> P;
};

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_EXECUTOR_H
