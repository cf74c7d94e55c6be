//===- Api.h - overlordd's HTTP API (the reference's /v1) -------*- C++ -*-===//
//
// The node's HTTP API: every local endpoint of the reference Overlord's
// `serve` (overlord-behaviour.md §4.1, §4.2 and the observed-behaviour
// addendum) with its envelope `{"status_code": N, ...}`, messages, status
// codes, CORS headers and argument coercions, plus overlordd's additions
// (POST /v1/plan, GET /v1/jobs, GET /v1/jobs/{id}, GET /metrics). See
// docs/API.md.
//
// Handlers never run a process and never wait for a job: writes go to the
// durable job queue (one fsync) or to the metadata/namespace stores, reads
// come from NodeState's in-memory view and the queue. Chain forwarding
// (/v1/chain/<path>/..., §4.3) and GET /v1/tree answer asynchronously when
// the child nodes do (docs/Chains.md).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_API_H
#define OVERLORD_ENGINE_API_H

#include "overlord/Engine/Auth.h"
#include "overlord/Engine/Config.h"
#include "overlord/Engine/Http.h"
#include "overlord/Engine/Router.h"

#include "llvm/Support/JSON.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace overlord::engine {

class JobQueue;
class NodeState;
namespace chain {
class ChainSet;
}
class MetadataStore;
class NamespaceStore;
namespace http {
class Metrics;
}

/// What the API reads and writes; everything must outlive the Api.
struct ApiContext {
  const EngineConfig *Cfg = nullptr;
  JobQueue *Queue = nullptr;
  NodeState *State = nullptr;
  MetadataStore *Meta = nullptr;
  NamespaceStore *Ns = nullptr;
  /// Verifies the `Authentication: Bearer <jwt>` tokens.
  std::shared_ptr<TokenVerifier> Verifier;
  /// Unix seconds with a fraction (last_update "seconds ago").
  std::function<double()> Now;
  /// Optional: counters of the API (jobs enqueued, auth failures) and the
  /// GET /metrics exposition. Null: /metrics answers 404.
  http::Metrics *Metrics = nullptr;
  /// Optional: the autoscale status record of a project (the reference's
  /// `overlord_project_status_autoscale_<p>`); none without an autoscaler.
  std::function<std::optional<llvm::json::Object>(llvm::StringRef)>
      AutoscaleStatus;
  /// Optional: the node's chains (forwarding, discovery, smart timeouts).
  /// Null: /v1/chain/... answers as if no chain were configured.
  chain::ChainSet *Chains = nullptr;
  /// This node's identity in the tree (cycle detection of GET /v1/tree).
  std::string NodeId;
  /// Optional: project -> "sha256:<hex>" of the plan it was last applied
  /// from (GET /v1/tree's `applied`).
  std::function<llvm::json::Object()> Applied;
  /// Optional: one line per answered request (method, target, status,
  /// milliseconds), for the daemon's debug log.
  std::function<void(const http::Request &, unsigned, double)> AccessLog;
};

/// The headers the reference adds to every response.
http::HeaderList defaultApiHeaders();

/// The API: a Router with every route, and the fallbacks tornado gives.
class Api {
public:
  explicit Api(ApiContext Ctx);
  ~Api();
  Api(const Api &) = delete;
  Api &operator=(const Api &) = delete;

  /// The server's handler: routes Req and sends exactly one response.
  void handle(http::Request &Req, http::Responder R) const;
  /// The route name for metrics ("" for unknown paths).
  std::string routeName(const http::Request &Req) const;

private:
  struct Impl;
  std::unique_ptr<Impl> P;
};

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_API_H
