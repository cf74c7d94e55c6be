//===- Hooks.h - Special-label integrations (SkyDNS, HAProxy) ---*- C++ -*-===//
//
// The reference's `run_special_labels` (overlord-behaviour.md §8): after a
// project `up` and before a project `down -d`, the labels named
// `overlord.*` of every running service's jail are read and two
// integrations run in order, `load-balancer` (HAProxy Data Plane API v3)
// and `skydns` (CoreDNS/SkyDNS records in etcd v3, written through etcd's
// JSON gRPC gateway). Both speak HTTP with libcurl. A failure is recorded
// in the report per integration and service; it never aborts the job (the
// reference's KeyError on the first exception is fixed). See
// docs/LabelHooks.md.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_HOOKS_H
#define OVERLORD_ENGINE_HOOKS_H

#include "overlord/Engine/Config.h"
#include "overlord/Engine/ExecCommands.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace overlord::engine {

struct DirectorDescription;

/// Which job the labels run for: after `up` (records/servers are upserted)
/// or before `down -d` (they are removed).
enum class HookMode { Create, Destroy };

/// The `overlord.*` labels of one jail: name -> value.
using LabelMap = std::map<std::string, std::string>;

/// What one integration did for one service: the reference's
/// `(error, message)` pair. A null Message and no Error means the
/// integration was not enabled by the labels or had nothing to do (a
/// destroy of a server that is not registered); nothing is reported then.
struct HookOutcome {
  bool Error = false;
  std::optional<std::string> Message;
};

/// Runs the special labels of a project's running services. Thread-safe:
/// several executor workers may call run() on one runner at once.
class HookRunner {
public:
  /// Cfg must outlive the runner. Tools.Director runs `check`/`describe`.
  HookRunner(const EngineConfig &Cfg, ToolPaths Tools);

  /// run_special_labels(project, type, force) (§8.1). Returns the report
  /// `{"error": bool, "message": str|null,
  ///   "<integration>": {"<service>": {"error": bool, "message": str}}}`;
  /// an integration key appears only when some service has an entry. A
  /// service whose labels cannot be read gets an error entry under the key
  /// "labels" (the reference only logged it) and its integrations are
  /// skipped.
  /// Never throws and never aborts part-way: an unexpected failure inside
  /// an integration is recorded for that service and the others still run.
  llvm::json::Object run(llvm::StringRef Project, HookMode Mode, bool Force);
  /// run() for a project the caller has just described (Info: what
  /// `describe -p Project` printed, so the project exists): the `check`
  /// and `describe` of §8.1 are not run again; the state rule and the
  /// integrations are the same.
  llvm::json::Object run(llvm::StringRef Project, HookMode Mode, bool Force,
                         const DirectorDescription &Info);

  /// True when the report's `error` is set or any integration entry has
  /// `error` set.
  static bool failed(const llvm::json::Object &Report);

  /// The `overlord.load-balancer*` integration for one service (§8.3).
  HookOutcome runLoadBalancer(llvm::StringRef Project, llvm::StringRef Service,
                              const LabelMap &Labels, HookMode Mode);
  /// The `overlord.skydns*` integration for one service (§8.2).
  HookOutcome runSkydns(llvm::StringRef Project, llvm::StringRef Service,
                        const LabelMap &Labels, HookMode Mode);

  /// The `overlord.*` labels of Jail, read from
  /// `<appjail.jails>/<Jail>/conf/labels/<name>/value`; labels whose value
  /// file is empty or absent are left out. A labels directory that cannot
  /// be listed, or a value that cannot be read, is an error.
  llvm::Expected<LabelMap> readJailLabels(llvm::StringRef Jail) const;

  ~HookRunner();
  HookRunner(HookRunner &&) noexcept;
  HookRunner &operator=(HookRunner &&) = delete;

  /// Shared state of the integrations (etcd endpoints and their blacklist).
  struct Impl;

private:
  const EngineConfig &Cfg;
  ToolPaths Tools;
  std::unique_ptr<Impl> State;
};

/// Why interfaceAddress() failed, named like the exception the reference
/// reports: Type "InterfaceNotFound" ("<iface>: Interface not found.") or
/// "ValueError" (a network that cannot be parsed, Python's wording).
class InterfaceError : public llvm::ErrorInfo<InterfaceError> {
public:
  static char ID;
  InterfaceError(std::string Type, std::string Message)
      : Type(std::move(Type)), Message(std::move(Message)) {}
  llvm::StringRef type() const { return Type; }
  llvm::StringRef detail() const { return Message; }
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  std::string Type, Message;
};

/// The node's server id (§11.3): the stripped contents of Path; when the
/// file is missing or blank a new uuid4 is written there (fsync'ed, parent
/// directories created) and returned. Creation is atomic: concurrent
/// callers (threads or processes) all get the id that was written first.
/// An id with characters outside [A-Za-z0-9._-] is an error, since it
/// becomes part of etcd keys and an HAProxy server name.
llvm::Expected<std::string> readOrCreateServerId(llvm::StringRef Path);

/// The first address of interface Iface (IPv4 or IPv6, in getifaddrs
/// order), or the first one inside Network ("10.0.0.0/24", "fd00::/8") when
/// given (an address without a prefix is a host network; an IPv4 network
/// may also be written with a dotted netmask; host bits are ignored).
/// nullopt when the interface has no such address; an InterfaceError when
/// the interface does not exist or Network cannot be parsed.
llvm::Expected<std::optional<std::string>>
interfaceAddress(llvm::StringRef Iface, std::optional<llvm::StringRef> Network);

/// One etcd record the SkyDNS integration manages.
struct SkydnsRecord {
  std::string Key;
  /// The JSON value written on create (unused on destroy).
  std::string Value;
};

/// The keys and values of §8.2. Path is `skydns.path`, Zone `skydns.zone`.
/// `<Path><Z>/<Group>/<ServerId>/` for A/AAAA.
std::string skydnsAddressKey(llvm::StringRef Path, llvm::StringRef Zone,
                             llvm::StringRef Group, llvm::StringRef ServerId);
/// `<Path>/arpa/in-addr/a/b/c/d` (IPv4) or `<Path>/arpa/ip6/<32 nibbles>`
/// (IPv6, most significant first); nullopt when Ip is not an address.
std::optional<std::string> skydnsPtrKey(llvm::StringRef Path,
                                        llvm::StringRef Ip);
/// `<Path><Z>/<Group>/_<Proto>/_<Service>/<ServerId>/`.
std::string skydnsSrvKey(llvm::StringRef Path, llvm::StringRef Zone,
                         llvm::StringRef Group, llvm::StringRef Proto,
                         llvm::StringRef Service, llvm::StringRef ServerId);

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_HOOKS_H
