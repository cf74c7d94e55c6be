//===- Chain.h - Outbound calls to child nodes, smart timeouts --*- C++ -*-===//
//
// A node's `chains.<name>` are its children in the tree of Overlord nodes
// (overlord-behaviour.md §3.5, §4.3, §5). This library is everything
// overlordd does towards them:
//
//   ChainClient   asynchronous HTTP to one child over libcurl (one multi
//                 handle and one thread per child): keep-alive connection
//                 reuse, the chain's TLS `cacert`, its timeouts (connect,
//                 read/write stall, total, pool) and connection limits, and
//                 the reference's retry policy (idempotent methods only,
//                 429/502/503/504 and transport errors, exponential backoff
//                 with jitter, Retry-After).
//   ChainHealth   the reference's Smart Timeouts (`autodisable.*`) and
//                 heartbeat state, with the reference's flaw fixed: a call
//                 refused because the chain is disabled is not recorded as a
//                 new failure, and a disabled chain is probed in the
//                 background, so it recovers as soon as it answers again.
//   ChainSet      the clients of every enabled chain, their health, and the
//                 monitor thread that sends heartbeats and probes.
//
// Callbacks run on the client's thread: they must not block.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_CHAIN_H
#define OVERLORD_ENGINE_CHAIN_H

#include "overlord/Engine/Config.h"
#include "overlord/Engine/Http.h"

#include "llvm/ADT/StringRef.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace overlord::engine {
namespace http {
class Metrics;
}

namespace chain {

/// One request to a child node.
struct OutRequest {
  std::string Method = "GET";
  /// Path and query below the child's entry point, escaped, starting with
  /// '/' ("/v1/chain/b/labels").
  std::string Path;
  std::string Body;          ///< JSON text or empty
  http::HeaderList Headers;  ///< extra headers (the token is added)
  /// Overall limit for this request, retries included (the tree walk's
  /// deadline); nullopt: only the chain's own timeouts.
  std::optional<std::chrono::steady_clock::time_point> Deadline;
  /// Whether the chain's retry policy applies (it still only retries the
  /// idempotent methods).
  bool AllowRetry = true;
};

/// What came back: an HTTP response, or a transport error named after the
/// httpx exception the reference would raise.
struct OutResponse {
  bool Transport = false; ///< true: no HTTP response (see Error*)
  long Status = 0;        ///< HTTP status when !Transport
  std::string Body;
  http::HeaderList Headers;
  /// "ConnectError", "ConnectTimeout", "ReadTimeout", "WriteTimeout",
  /// "PoolTimeout", "ReadError", "WriteError", "RemoteProtocolError",
  /// "ResponseTooLarge", "Cancelled".
  std::string ErrorType;
  std::string ErrorMessage;
  std::string Url;       ///< the full URL of the last attempt
  unsigned Attempts = 0; ///< 1 + retries
  double Seconds = 0;    ///< wall time, retries included

  /// A 2xx answer.
  bool ok() const { return !Transport && Status >= 200 && Status < 300; }
};

using Callback = std::function<void(OutResponse)>;

/// The retry sleep before retry number N (1-based) of Policy, without
/// Retry-After: min(max_backoff_wait, backoff_factor * 2^(N-1)), then
/// reduced by up to `backoff_jitter` of itself (Unit is a number in [0,1)).
double backoffSeconds(const RetryConfig &Policy, unsigned N, double Unit);

/// The seconds a Retry-After value asks for (delta-seconds or an HTTP
/// date, relative to NowUnix); nullopt when it is malformed.
std::optional<double> parseRetryAfter(llvm::StringRef V, double NowUnix);

/// Options shared by every client of a node.
struct ClientOptions {
  /// Responses larger than this are refused (ResponseTooLarge).
  size_t MaxResponseBytes = size_t(80) << 20;
  /// User-Agent header.
  std::string UserAgent = "overlordd";
};

/// Asynchronous HTTP client of one chain (thread-safe).
class ChainClient {
public:
  ChainClient(ChainConfig C, ClientOptions O = {});
  ~ChainClient();
  ChainClient(const ChainClient &) = delete;
  ChainClient &operator=(const ChainClient &) = delete;

  /// Queues R; Done is called exactly once, on the client's thread (or on
  /// the caller's when the client is stopping).
  void send(OutRequest R, Callback Done);
  /// Fails every queued and running request with "Cancelled" and joins the
  /// thread. Idempotent; the destructor calls it.
  void stop();

  const ChainConfig &config() const;
  /// The full URL of Path.
  std::string url(llvm::StringRef Path) const;

  struct Stats {
    uint64_t Requests = 0, Retries = 0, TransportErrors = 0;
    unsigned Active = 0, Queued = 0;
  };
  Stats stats() const;

private:
  class Impl;
  std::unique_ptr<Impl> P;
};

/// Smart timeouts and heartbeat state of every chain (thread-safe).
class ChainHealth {
public:
  using Clock = std::function<double()>; ///< Unix seconds
  ChainHealth(AutodisableConfig C, bool HeartbeatEnabled, Clock Now = {});

  /// check_autodisable_chain (§5.4): true when Chain is to be treated as
  /// disabled: not healthy under the heartbeat, or `failures` consecutive
  /// tail failures and the last one less than `interval + increase` ago.
  bool disabled(llvm::StringRef Chain) const;
  /// A failed call whose tail was Chain (not a 4xx answer): §5.2.
  void recordFailure(llvm::StringRef Chain);
  /// Any successful call through Chain: its counters are dropped.
  void recordSuccess(llvm::StringRef Chain);
  /// The heartbeat's verdict on Chain.
  void setHealthy(llvm::StringRef Chain, bool Healthy);
  /// A call refused because Chain is disabled (counted, not a failure).
  void recordRefusal(llvm::StringRef Chain);

  struct Entry {
    std::string Chain;
    unsigned Failures = 0;
    double Increase = 0, LastFailure = 0;
    bool Healthy = true, Disabled = false;
    uint64_t Refusals = 0;
    /// Seconds until the chain is re-enabled by time alone (0: enabled).
    double DisabledFor = 0;
  };
  /// Every chain with counters or a heartbeat verdict, sorted by name.
  std::vector<Entry> entries() const;
  const AutodisableConfig &config() const { return C; }

private:
  struct Counter {
    unsigned Failures = 0;
    double Increase = 0, LastFailure = 0;
    uint64_t Refusals = 0;
  };
  bool disabledLocked(const std::string &Chain, double Now) const;
  AutodisableConfig C;
  bool Heartbeat;
  Clock Now;
  mutable std::mutex M;
  std::map<std::string, Counter> Counters;
  std::map<std::string, bool> Healthy; ///< absent: healthy
};

/// Options of the monitor thread.
struct MonitorOptions {
  /// Seconds between probes of disabled chains (0: no probing).
  double ProbeInterval = 5;
  /// Seconds between heartbeats (`polling.heartbeat`; nullopt: none).
  std::optional<double> Heartbeat;
};

/// The clients of a node's enabled chains, their health, and the monitor.
class ChainSet {
public:
  ChainSet(const EngineConfig &Cfg, MonitorOptions MO = {},
           ChainHealth::Clock Now = {}, ClientOptions CO = {});
  ~ChainSet();

  /// The client of enabled chain Name, or null.
  ChainClient *client(llvm::StringRef Name);
  /// Enabled chain names, sorted.
  const std::vector<std::string> &names() const { return Names; }
  ChainHealth &health() { return Health; }
  const EngineConfig &config() const { return Cfg; }

  /// Starts the monitor thread (heartbeat and probes); stop() ends it and
  /// the clients.
  void start();
  void stop();
  /// Adds the chain gauges/counters to M's exposition.
  void addMetrics(http::Metrics &M);

private:
  void monitor();
  const EngineConfig &Cfg;
  MonitorOptions MO;
  ChainHealth Health;
  std::vector<std::string> Names;
  std::map<std::string, std::unique_ptr<ChainClient>, std::less<>> Clients;
  struct MonitorState;
  std::unique_ptr<MonitorState> Mon;
};

/// The header a node adds to a chain error answer (value: the error type),
/// so that a hop above does not retry it even when it has no body (HEAD).
inline constexpr llvm::StringLiteral ChainErrorHeader = "X-Overlord-Chain-Error";

/// `a.b.c` -> ("a", "b.c"). Each segment must match
/// `^[a-zA-Z0-9_][a-zA-Z0-9_-]*$`; nullopt otherwise (InvalidChain).
std::optional<std::pair<std::string, std::string>>
splitChain(llvm::StringRef Chain);

/// httpx's HTTPStatusError text for a status received from Url:
/// "Client error '404 Not Found' for url '<Url>'\nFor more information
/// check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404".
std::string httpxStatusMessage(long Status, llvm::StringRef Url);

/// Percent-encodes one path segment for a downstream URL (RFC 3986
/// unreserved characters kept).
std::string escapeSegment(llvm::StringRef Segment);

/// The reason phrase of an HTTP status ("Not Found"), "" when unknown.
llvm::StringRef reasonPhrase(long Status);

} // namespace chain
} // namespace overlord::engine

#endif // OVERLORD_ENGINE_CHAIN_H
