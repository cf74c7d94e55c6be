//===- HttpClient.h - Blocking libcurl requests for the hooks ---*- C++ -*-===//
//
// The outbound HTTP the label integrations need (etcd's JSON gateway, the
// HAProxy Data Plane API): one blocking request per call over a fresh curl
// easy handle, with basic auth, TLS files, bounded response size and
// timeouts that can never be "none" by accident. Internal to the Hooks
// library (its unit tests include it too).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LIB_HOOKS_HTTPCLIENT_H
#define OVERLORD_ENGINE_LIB_HOOKS_HTTPCLIENT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace overlord::engine::hooks {

/// One request.
struct HttpRequest {
  std::string Method = "GET";
  std::string Url;
  /// Sent when non-empty, or always for POST/PUT (an empty body then).
  std::string Body;
  /// "Name: value" lines.
  std::vector<std::string> Headers;
  /// HTTP basic authentication (username, password).
  std::optional<std::pair<std::string, std::string>> BasicAuth;
  /// Zero means the default of the field (ConnectTimeout 10 s; Timeout 60 s).
  std::chrono::milliseconds ConnectTimeout{0};
  /// Whole-request limit.
  std::chrono::milliseconds Timeout{0};
  /// TLS: CA bundle to verify the server, client certificate and key.
  std::string CAInfo, ClientCert, ClientKey;
  /// Responses longer than this fail (the transfer is aborted).
  std::size_t MaxResponseBytes = 8u << 20;
};

/// What the server answered.
struct HttpResponse {
  long Status = 0;
  std::string Body;
};

/// Performs R. A transport failure (refused, timeout, TLS, oversized body)
/// is an error whose message names the URL and curl's reason; any HTTP
/// status is a response.
llvm::Expected<HttpResponse> httpRequest(const HttpRequest &R);

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percentEncode(llvm::StringRef S);

/// Standard base64 (RFC 4648, with padding).
std::string base64Encode(llvm::StringRef Bytes);
/// nullopt when Text is not valid padded base64.
std::optional<std::string> base64Decode(llvm::StringRef Text);

} // namespace overlord::engine::hooks

#endif // OVERLORD_ENGINE_LIB_HOOKS_HTTPCLIENT_H
