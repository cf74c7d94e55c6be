//===- HttpClient.h - Outbound HTTP to overlordd nodes ----------*- C++ -*-===//
//
// One libcurl easy handle per node entry point, reused for every request to
// it (keep-alive: one TCP/TLS connection for a whole command). Requests carry
// the reference's `Authentication: Bearer <token>` header; bodies are JSON
// (llvm::json). Every failure — transport, HTTP status, body that is not
// JSON — comes back as an llvm::Error whose one-line message names the
// method and URL; nothing here throws or aborts.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_CLIENT_HTTPCLIENT_H
#define OVERLORD_CLIENT_HTTPCLIENT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace overlord::client {

/// Where and how to reach one node (a datacenter's entry point).
struct HttpOptions {
  std::string BaseUrl;               ///< `http://host:port`, no trailing '/'
  std::string Token;                 ///< access token; empty: no header
  std::optional<std::string> CACert; ///< CA bundle (CURLOPT_CAINFO)
  /// Seconds; 0 means no limit. Read: the longest stall while receiving.
  long ConnectTimeout = 10, ReadTimeout = 120;
};

/// A response as received.
struct HttpResponse {
  long Status = 0;
  std::string Body;
};

/// A JSON response: its status and the decoded object (empty for 204/HEAD).
struct JsonResponse {
  long Status = 0;
  llvm::json::Object Body;
};

class HttpClient {
public:
  explicit HttpClient(HttpOptions Opts);
  ~HttpClient();
  HttpClient(const HttpClient &) = delete;
  HttpClient &operator=(const HttpClient &) = delete;

  /// Sends Method Path (relative to the base URL, starting with '/') with an
  /// optional JSON body. Fails only on transport errors.
  llvm::Expected<HttpResponse> send(llvm::StringRef Method,
                                    llvm::StringRef Path,
                                    const std::optional<llvm::json::Value>
                                        &Body = std::nullopt);

  /// send(), then: a status outside 2xx that is not in Accept is an error
  /// (with the server's `message` when it sent one); a non-empty body must
  /// be a JSON object.
  llvm::Expected<JsonResponse>
  call(llvm::StringRef Method, llvm::StringRef Path,
       const std::optional<llvm::json::Value> &Body = std::nullopt,
       llvm::ArrayRef<long> Accept = {});

  /// The full URL of Path.
  std::string url(llvm::StringRef Path) const;
  const HttpOptions &options() const { return Opts; }

private:
  HttpOptions Opts;
  void *Curl = nullptr; ///< CURL*, created on first use
};

/// Percent-encodes one path segment (RFC 3986 unreserved characters kept).
std::string escapeSegment(llvm::StringRef Segment);

/// The text of a JSON object's string member, or "".
std::string stringMember(const llvm::json::Object &O, llvm::StringRef Key);

} // namespace overlord::client

#endif // OVERLORD_CLIENT_HTTPCLIENT_H
