//===- Autoscaler.h - The reference's poll-autoscale ------------*- C++ -*-===//
//
// The autoscaler of a node (overlord-behaviour.md §2.6, §9; docs/Autoscale.md).
// `apply` of a directorProject with `autoScale` writes the metadata
// `overlord.autoscale.<project>` on the nodes it targets; every such node
// becomes the autoscaler of the project over itself and its descendants.
// One thread per node wakes every `polling.autoscale` seconds (+ skew),
// reads every `overlord.autoscale.*` metadata and runs scaleProject() for
// each, with the reference's node classification (§9.3) and decision order
// (§9.4): redeploy on change, cleanup, minimum replicas, rctl / economy /
// load-balancer tests with one scale-up, scale-down.
//
// As the reference, everything goes through the node's own HTTP API on
// loopback with a token the node signs itself, so chain forwarding, smart
// timeouts and labels apply; unlike the reference, the subtree is
// enumerated with one `GET /v1/tree` and every error entry of it counts as
// a failed chain. Reference bugs fixed (docs/Autoscale.md lists them): the
// metadata of a scale-up goes to the new node, the change checksum is
// persisted, replicas with an unhealthy healthchecker are redeployed and
// destroyed, unreachable and hidden nodes block the cleanup's metadata
// removal, missing metrics are skipped instead of failing the cycle, the
// log ring is really capped, the load-balancer test runs once per cycle.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_AUTOSCALER_H
#define OVERLORD_ENGINE_AUTOSCALER_H

#include "overlord/Engine/Config.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace overlord::engine {

class MetadataStore;

namespace autoscale {

/// What one HTTP call to the node's API gave.
struct ApiAnswer {
  bool Transport = false; ///< no HTTP answer (ErrorType says why)
  long Status = 0;
  std::string Body;
  std::string ErrorType; ///< "ConnectError", "ReadTimeout", ...
  std::string ErrorMessage;
};

/// The node's own API, as the autoscaler sees it. Paths are complete
/// ("/v1/chain/a.b/project/info/web"); Body is JSON text or empty.
class NodeApi {
public:
  virtual ~NodeApi();
  virtual ApiAnswer call(llvm::StringRef Method, llvm::StringRef Path,
                         llvm::StringRef Body) = 0;
};

/// The API at Host:Port over plain HTTP, authenticated with a token signed
/// with Secret (empty payload, as the reference's poll-autoscale). Calls
/// are synchronous; idempotent ones are retried once on transport errors.
std::unique_ptr<NodeApi> makeLoopbackApi(llvm::StringRef Host, uint16_t Port,
                                         llvm::StringRef Secret);

/// `autoScale.load-balancer.<frontend|backend>`.
struct LbSection {
  std::string Name;
  /// metric -> {"value": int|str|[b,e], "each": int?}
  std::vector<std::pair<std::string, llvm::json::Object>> Or, And;
  bool HasOr = false, HasAnd = false;
};

/// The parsed, defaulted `overlord.autoscale.<p>` document (get_options).
struct ScaleOptions {
  std::string ProjectFile;
  llvm::json::Object Environment;
  llvm::json::Object ReservePort;
  int64_t Min = 1;
  std::optional<int64_t> Max;
  /// any-jail, any-project, average, percent-jail, percent-project.
  std::string Type = "any-jail";
  std::optional<int64_t> Value;
  /// rctl resource -> limit (sizes in bytes), in the order written.
  std::vector<std::pair<std::string, double>> Rules, Economy;
  bool HasRules = false, HasEconomy = false;
  std::vector<std::string> Labels{"all"};
  std::vector<std::string> Metadata;
  std::optional<LbSection> Frontend, Backend;
  bool hasLoadBalancer() const { return Frontend || Backend; }
};

/// An error of the autoscaler with the reference's exception type name
/// (InvalidSpec, MetadataNotFound, JSONDecodeError, ConfigError,
/// HTTPStatusError, ConnectError, ...).
struct ScaleError {
  std::string Type, Message;
};

/// Parses and validates the metadata text; the error is an InvalidSpec or
/// JSONDecodeError ScaleError's message prefixed with its type and ": ".
llvm::Expected<ScaleOptions> parseScaleOptions(llvm::StringRef Text);

/// `humanfriendly.parse_size(V, binary=True)`: "512m", "1.5 GiB", "100".
std::optional<double> parseSize(llvm::StringRef V);

/// The load-balancer test (§9.5): HAProxy's typed JSON stats, counters
/// smoothed across reloads, `and`/`or` rules. Keeps the previous values of
/// every section between cycles.
class LoadBalancerTest {
public:
  /// Returns the body of `GET <haproxy_stats.entrypoint>/;json`.
  using Fetcher = std::function<llvm::Expected<std::string>()>;
  explicit LoadBalancerTest(Fetcher F) : Fetch(std::move(F)) {}

  /// True when every configured section passes (no scale-up needed).
  /// Errors: the stats cannot be fetched or parsed, a rule is malformed.
  llvm::Expected<bool> run(const ScaleOptions &O);

  /// rule_pass(current, value, each); nullopt Current passes. Errors when
  /// a string metric is compared with a non-string value.
  static llvm::Expected<bool> rulePass(const llvm::json::Value *Current,
                                       const llvm::json::Object &Rule);

private:
  llvm::Expected<bool> section(const llvm::json::Array &Stats,
                               llvm::StringRef Type, const LbSection &S);
  Fetcher Fetch;
  /// "<Type>_<name>" -> metric -> smoothed value.
  std::map<std::string, std::map<std::string, double>> Cache;
};

/// A fetcher of haproxy_stats over libcurl (Basic auth, the section's
/// timeouts and `cacert`); ConfigError when the section has no entrypoint.
LoadBalancerTest::Fetcher makeHaproxyStatsFetcher(const HttpServiceConfig &C);

/// What one scaleProject() did: its log entries, and the error that ended
/// it early (the reference's exception: the status becomes FAILED).
struct ScaleResult {
  llvm::json::Array Logs;
  std::optional<ScaleError> Error;
};

/// scale_project(project, options, force) against Api, with Meta the
/// autoscaler's metadata store (autoScale.metadata sources, the cleanup
/// request, the registration). LB may be null when no load-balancer is
/// configured.
ScaleResult scaleProject(NodeApi &Api, MetadataStore &Meta,
                         llvm::StringRef Project, const ScaleOptions &O,
                         bool Force, LoadBalancerTest *LB);

/// The loop, its status records and its persisted change checksums.
class Autoscaler {
public:
  using Clock = std::function<double()>; ///< Unix seconds
  /// StatePath: the JSON file of the last checksum per project (written
  /// atomically); empty: checksums are kept in memory only.
  Autoscaler(const EngineConfig &Cfg, MetadataStore &Meta,
             std::string StatePath, Clock Now = {});
  ~Autoscaler();
  Autoscaler(const Autoscaler &) = delete;
  Autoscaler &operator=(const Autoscaler &) = delete;

  /// One pass over every `overlord.autoscale.*` metadata.
  void runOnce(NodeApi &Api);
  /// Starts the thread: sleep `polling.autoscale` + skew, runOnce(), ...
  void start(std::unique_ptr<NodeApi> Api);
  /// Stops and joins the thread (idempotent).
  void stop();

  /// The status record `{last_update, operation, logs}` of Project
  /// (last_update in Unix seconds), nullopt when there is none or it
  /// expired (`autoscale_logs_expire_time` after its last update).
  std::optional<llvm::json::Object> status(llvm::StringRef Project) const;
  /// Number of completed passes (tests wait on it).
  uint64_t cycles() const;

private:
  struct Impl;
  std::unique_ptr<Impl> P;
};

} // namespace autoscale
} // namespace overlord::engine

#endif // OVERLORD_ENGINE_AUTOSCALER_H
