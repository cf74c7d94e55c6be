//===- Integrations.h - Clients behind the label integrations ---*- C++ -*-===//
//
// Internal to the Hooks library: the etcd v3 JSON-gateway client with the
// reference's host fail-over (src/overlord/etcd.py over etcd3gw), the HAProxy
// Data Plane API v3 client (src/overlord/dataplaneapi.py), and the
// Python-compatible JSON text the records are stored as.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LIB_HOOKS_INTEGRATIONS_H
#define OVERLORD_ENGINE_LIB_HOOKS_INTEGRATIONS_H

#include "HttpClient.h"

#include "overlord/Engine/Config.h"
#include "overlord/Engine/Hooks.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace overlord::engine::hooks {

/// The value of label K, or nullopt when the service does not carry it.
inline std::optional<std::string> labelValue(const LabelMap &Labels,
                                             llvm::StringRef K) {
  auto It = Labels.find(K.str());
  if (It == Labels.end())
    return std::nullopt;
  return It->second;
}

/// "(project:P, service:S": how the reference's messages about one
/// service's integration begin (the caller closes the parenthesis).
inline std::string hookContext(llvm::StringRef Project,
                               llvm::StringRef Service) {
  return ("(project:" + Project + ", service:" + Service).str();
}

/// An etcd cluster reached through the JSON gRPC gateway of its members.
/// Like the reference, a request goes to the configured hosts in order and
/// the first that answers wins; a host that failed less than 2 s per
/// configured host ago is tried last (the reference skipped it, failing a
/// call without trying anything when every host had failed). When none
/// answers the call fails with "All etcd instances do not seem to work
/// correctly." plus each host's reason. A host without `api_path` gets it
/// discovered from `/version` (3.4 and later `/v3/`, 3.3 `/v3beta/`, older
/// `/v3alpha/`), once.
class EtcdClient {
public:
  explicit EtcdClient(std::vector<EtcdHostConfig> Hosts);

  /// kv/put. True on success (etcd3gw's put()).
  llvm::Expected<bool> put(llvm::StringRef Key, llvm::StringRef Value);
  /// kv/deleterange of one key: whether a key was deleted (etcd3gw's
  /// delete(): the gateway leaves out `deleted` when it is 0).
  llvm::Expected<bool> remove(llvm::StringRef Key);
  /// kv/range of one key: its value, nullopt when absent.
  llvm::Expected<std::optional<std::string>> get(llvm::StringRef Key);
  /// kv/range of every key starting with Prefix: key -> value.
  llvm::Expected<std::map<std::string, std::string>>
  getPrefix(llvm::StringRef Prefix);

private:
  /// POSTs Body to `<api_path><Method>` of the first working host.
  llvm::Expected<llvm::json::Object> call(llvm::StringRef Method,
                                          const llvm::json::Object &Body);
  llvm::Expected<llvm::json::Object>
  callHost(size_t Index, llvm::StringRef Method, const std::string &Body);
  llvm::Expected<std::string> apiPath(size_t Index);
  HttpRequest baseRequest(const EtcdHostConfig &H) const;
  std::string baseUrl(const EtcdHostConfig &H) const;

  std::vector<EtcdHostConfig> Hosts;
  std::mutex Lock;
  std::vector<std::optional<std::chrono::steady_clock::time_point>> Failed;
  std::map<size_t, std::string> Discovered;
};

/// A Data Plane API v3 endpoint (`dataplaneapi` in overlord.yml).
class DataPlaneClient {
public:
  explicit DataPlaneClient(const HttpServiceConfig &Cfg) : Cfg(Cfg) {}
  /// One request; Path starts with "/v3/" and carries its query.
  llvm::Expected<HttpResponse> call(llvm::StringRef Method,
                                    llvm::StringRef Path,
                                    const std::string &Body = "");

private:
  const HttpServiceConfig &Cfg;
};

/// A string as Python's json.dumps writes it (ensure_ascii: non-ASCII as
/// \uXXXX escapes, surrogate pairs above U+FFFF).
std::string pyJsonString(llvm::StringRef S);

/// A flat JSON object as json.dumps writes it: `{"a": 1, "b": "x"}`, keys
/// in the given order; values are already-encoded JSON text.
std::string
pyJsonObject(const std::vector<std::pair<std::string, std::string>> &Fields);

/// Python's int(str) for label values: surrounding whitespace, an optional
/// sign, ASCII digits with single '_' between them. nullopt otherwise or on
/// overflow of int64.
std::optional<int64_t> parsePyInt(llvm::StringRef S);

/// Body excerpt for messages: whitespace-trimmed, at most 512 bytes.
std::string bodyExcerpt(llvm::StringRef Body);

} // namespace overlord::engine::hooks

namespace overlord::engine {
/// The state a HookRunner shares between calls.
struct HookRunner::Impl {
  explicit Impl(const EngineConfig &Cfg) : Etcd(Cfg.Etcd) {}
  hooks::EtcdClient Etcd;
};
} // namespace overlord::engine

#endif // OVERLORD_ENGINE_LIB_HOOKS_INTEGRATIONS_H
