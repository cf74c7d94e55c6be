//===- Http.h - Asynchronous HTTP/1.1 server --------------------*- C++ -*-===//
//
// The node daemon's HTTP server (docs/HttpServer.md). It is asynchronous:
// ServerOptions::Threads threads, each running its own io_context, the
// accepted connections spread over them in turn, every connection on its own
// strand, no thread per connection. It speaks HTTP/1.0 and 1.1 with
// keep-alive, pipelined requests, chunked request bodies and
// `Expect: 100-continue`, optionally over TLS on a second port, and enforces
// limits on header and body sizes, timeouts and the number of connections.
// Malformed input is answered with a JSON envelope
// `{"status_code": N, "message": "..."}` and the connection is closed.
//
// A Handler receives each request with a Responder, a copyable handle that
// sends the response exactly once, from any thread, at any time; a request
// whose Responder copies are all dropped unsent is answered 500.
//
// This header is free of Boost: Beast and Asio live in lib/Http only.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_HTTP_H
#define OVERLORD_ENGINE_HTTP_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace overlord::engine::http {

class Metrics;

/// Header fields, in the order received or set.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request as the server received it.
struct Request {
  std::string Method;    ///< as sent: "GET", "POST", ...
  std::string Target;    ///< the raw request target, with the query
  std::string Path;      ///< percent-decoded, no query ("/v1/projects")
  std::string Query;     ///< raw, without '?' ("a=1&b=%20")
  HeaderList Headers;    ///< as received
  std::string Body;      ///< de-chunked
  std::string Remote;    ///< peer "ip:port" ("[::1]:port" for IPv6)
  bool Secure = false;   ///< arrived on the TLS listener
  unsigned Version = 11; ///< 10 for HTTP/1.0, 11 for HTTP/1.1
  /// The route name Router::dispatch matched ("" when none); the server uses
  /// it as the `route` label of its metrics unless a RouteNamer is set.
  std::string Route;

  /// The first header named Name (case-insensitive), or nullopt.
  std::optional<llvm::StringRef> header(llvm::StringRef Name) const;
  /// The first query parameter named Name, form-decoded ('+' is a space,
  /// %XX escapes); "" for `?name` without '='. nullopt when absent or
  /// when its encoding is broken.
  std::optional<std::string> queryParam(llvm::StringRef Name) const;
};

/// The response a handler sends.
struct Response {
  unsigned Status = 200; ///< 200..599; anything else is answered 500
  std::string Body;
  /// Set by the handler (Content-Type etc.). The server owns
  /// Content-Length, Transfer-Encoding and Connection and ignores them here.
  HeaderList Headers;

  /// Replaces every header named Name (case-insensitive) with one field.
  void setHeader(llvm::StringRef Name, llvm::StringRef Value);
  /// The first header named Name (case-insensitive), or nullopt.
  std::optional<llvm::StringRef> header(llvm::StringRef Name) const;

  /// A JSON response: Body is V serialized, Content-Type application/json.
  static Response json(unsigned Status, const llvm::json::Value &V);
  /// The reference's error envelope
  /// `{"status_code": Status, "message": Message}` as JSON.
  static Response error(unsigned Status, llvm::StringRef Message);
};

/// A copyable handle answering one request. send() delivers the response
/// exactly once and may be called from any thread; later calls are ignored.
/// When the last copy is destroyed without send(), the request is answered
/// 500 `{"status_code":500,"message":"Internal Server Error"}` so that no
/// connection waits forever.
class Responder {
public:
  /// A null handle: send() does nothing, sent() is true.
  Responder() = default;
  /// A handle whose response goes to Sink (called at most once, on the
  /// thread that sends, or that drops the last copy). The server builds its
  /// handles with this; tests and adapters (the router's 405 `Allow`) use
  /// it too.
  static Responder fromFunction(std::function<void(Response)> Sink);

  /// Delivers R unless a response was already sent.
  void send(Response R) const;
  /// Whether a response was sent (or the handle is null).
  bool sent() const;

private:
  struct State;
  explicit Responder(std::shared_ptr<State> S) : S(std::move(S)) {}
  std::shared_ptr<State> S;
};

/// Handles one request. Req stays valid until the response is sent (the
/// connection reads nothing further before that); the handler may move out
/// of it. It runs on a server thread: long work belongs elsewhere, answered
/// later through the Responder. Exceptions it throws are logged and
/// answered 500.
using Handler = std::function<void(Request &, Responder)>;

/// The HTTPS listener (overlord.yml `tls`).
struct TlsOptions {
  std::string CertFile; ///< PEM certificate chain
  std::string KeyFile;  ///< PEM private key matching it
  uint16_t Port = 9331; ///< 0: ephemeral (tests)
};

/// Listener addresses, limits and hooks.
struct ServerOptions {
  std::string Address = "127.0.0.1"; ///< IPv4 or IPv6 literal
  uint16_t Port = 0;                 ///< 0: ephemeral
  std::optional<TlsOptions> Tls;     ///< an additional HTTPS listener
  unsigned Threads = 2;              ///< threads, one io_context each (0 means 1)
  size_t MaxBodyBytes = 32u << 20;   ///< larger bodies: 413
  size_t MaxHeaderBytes = 16u << 10; ///< request line + fields; larger: 431
  /// From the first byte of a request to the end of its header (slowloris).
  std::chrono::seconds HeaderTimeout{10};
  /// From the end of the header to the end of the body.
  std::chrono::seconds BodyTimeout{60};
  /// How long a keep-alive connection may wait for its next request.
  std::chrono::seconds IdleTimeout{60};
  /// Writing one response (a client that does not read).
  std::chrono::seconds WriteTimeout{60};
  /// Open connections over both listeners; beyond, new ones are accepted
  /// and closed at once (counted).
  unsigned MaxConnections = 4096;
  /// stop(): how long in-flight requests may take to be answered.
  std::chrono::milliseconds StopGrace{2000};
  /// Names the `route` label of the request metrics; when empty the server
  /// uses Request::Route (set by Router::dispatch), "unmatched" if empty.
  std::function<std::string(const Request &)> RouteNamer;
  /// Added to every response, the server's own error answers included,
  /// unless the handler set a field of that name (the reference's CORS
  /// headers).
  HeaderList DefaultHeaders;
  /// Where the server logs handler exceptions and listener errors (one
  /// line, no newline); when empty, `overlordd: http: <line>` on stderr.
  std::function<void(llvm::StringRef)> Log;
};

/// Counters for tests and logs; Metrics carries the same figures.
struct ServerStats {
  uint64_t Accepted = 0; ///< connections accepted and served
  uint64_t Rejected = 0; ///< connections closed at once (MaxConnections)
  uint64_t Requests = 0; ///< responses written
  unsigned Open = 0;     ///< connections open now
};

/// The running server. Destroying it stops it.
class Server {
public:
  /// Binds the listeners and starts the threads. Errors: an address that
  /// does not parse, a port that cannot be bound, TLS files that cannot be
  /// loaded or do not match. M, when given, must outlive the server; the
  /// server describes and records its metrics there (docs/HttpServer.md).
  static llvm::Expected<std::unique_ptr<Server>>
  start(ServerOptions Opts, Handler H, Metrics *M = nullptr);

  /// The bound HTTP port.
  uint16_t port() const;
  /// The bound HTTPS port, 0 without TLS.
  uint16_t tlsPort() const;
  /// A snapshot of the counters.
  ServerStats stats() const;

  /// Graceful stop: closes the listeners and idle connections, lets
  /// in-flight requests be answered for up to ServerOptions::StopGrace,
  /// then closes everything. Blocks until the threads have exited unless
  /// called on a server thread (then it only starts the stop). Idempotent.
  void stop();
  /// Blocks until the server's threads have exited (after stop()).
  void wait();
  ~Server();

  class Impl;

private:
  explicit Server(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> I;
};

/// Percent-decodes S (%XX escapes; '+' becomes a space when Form is true).
/// nullopt on a truncated or non-hex escape.
std::optional<std::string> percentDecode(llvm::StringRef S, bool Form = false);

} // namespace overlord::engine::http

#endif // OVERLORD_ENGINE_HTTP_H
