//===- LoadBalancer.cpp - The overlord.load-balancer* labels ----*- C++ -*-===//
//
// Registers the service as a server of an HAProxy backend through the Data
// Plane API v3 (overlord-behaviour.md §8.3): the server is named after the
// node's server id and carries the interface address, the port, and any
// `overlord.load-balancer.set.<field>` JSON values. The calls and their
// accepted status codes are the reference's. Differences, all fixes: labels
// are validated before any request; a transaction is opened only when there
// is something to change and is deleted when a step fails (the reference
// leaks it); on destroy the interface address is not needed, so a missing
// interface does not block the removal; the port must be 1-65535.
//
//===----------------------------------------------------------------------===//
#include "Integrations.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::hooks;

namespace {

constexpr const char *ConfigBase = "/v3/services/haproxy/configuration";
constexpr const char *TransactionBase = "/v3/services/haproxy/transactions";

/// The Data Plane API steps of one service, with the message context.
class LoadBalancerRun {
public:
  LoadBalancerRun(DataPlaneClient &Api, std::string Ctx, std::string Backend,
                  std::string ServerId)
      : Api(Api), Ctx(std::move(Ctx)), Backend(std::move(Backend)),
        ServerId(std::move(ServerId)) {}

  HookOutcome create(llvm::json::Object Body);
  HookOutcome destroy();

private:
  HookOutcome fail(const llvm::Twine &Rest) const {
    return HookOutcome{true, (Ctx + Rest).str()};
  }
  /// The common prefix "(project, service, backend, serverid".
  std::string server() const {
    return Ctx + ", backend:" + Backend + ", serverid:" + ServerId;
  }
  std::string backendPath() const {
    return std::string(ConfigBase) + "/backends/" + percentEncode(Backend);
  }
  std::string serverPath() const {
    return backendPath() + "/servers/" + percentEncode(ServerId);
  }
  /// Steps 1-3: the version, the backend, whether the server exists. Sets
  /// Version and ServerCode, or returns the failure.
  std::optional<HookOutcome> inspect();
  /// Step 4: POST transactions?version=V (201).
  std::optional<HookOutcome> begin();
  /// Step 6: PUT transactions/<id> (200/202); Verb is "adding"/"updating"/
  /// "removing" for the messages.
  HookOutcome commit(llvm::StringRef Verb, llvm::StringRef Done);
  /// A failed step: the transaction is deleted, then the message returned.
  HookOutcome abort(long Code, llvm::StringRef Verb, int Commit,
                    llvm::StringRef Response);

  DataPlaneClient &Api;
  std::string Ctx, Backend, ServerId;
  int64_t Version = 0;
  long ServerCode = 0;
  std::string ServerBody;
  std::string TransactionId;
};

std::optional<HookOutcome> LoadBalancerRun::inspect() {
  llvm::Expected<HttpResponse> V =
      Api.call("GET", std::string(ConfigBase) + "/version");
  if (!V)
    return fail(") cannot reach the Data Plane API: " +
                llvm::toString(V.takeError()));
  std::optional<int64_t> Parsed =
      V->Status == 200 ? parsePyInt(V->Body) : std::nullopt;
  if (!Parsed)
    return fail(", code:" + llvm::Twine(V->Status) +
                ") can't get the configuration version - " +
                bodyExcerpt(V->Body));
  Version = *Parsed;

  llvm::Expected<HttpResponse> B =
      Api.call("GET", backendPath() + "?full_section=false");
  if (!B)
    return fail(", backend:" + Backend + ") cannot reach the Data Plane API: " +
                llvm::toString(B.takeError()));
  if (B->Status == 404)
    return fail(
        ", backend:" + Backend +
        ", label:overlord.load-balancer.backend) backend is not found.");
  if (B->Status != 200)
    return fail(", backend:" + Backend + ", code:" + llvm::Twine(B->Status) +
                ", label:overlord.load-balancer.backend) unexpected HTTP "
                "status code from Data Plane API.");

  llvm::Expected<HttpResponse> S = Api.call("GET", serverPath());
  if (!S)
    return fail(", backend:" + Backend + ") cannot reach the Data Plane API: " +
                llvm::toString(S.takeError()));
  ServerCode = S->Status;
  ServerBody = S->Body;
  return std::nullopt;
}

std::optional<HookOutcome> LoadBalancerRun::begin() {
  llvm::Expected<HttpResponse> T =
      Api.call("POST", std::string(TransactionBase) +
                           "?version=" + std::to_string(Version));
  if (!T)
    return fail(") can't get transaction ID: " + llvm::toString(T.takeError()));
  if (T->Status == 201) {
    llvm::Expected<llvm::json::Value> J = llvm::json::parse(T->Body);
    const llvm::json::Object *O = J ? J->getAsObject() : nullptr;
    llvm::Optional<llvm::StringRef> Id;
    if (O)
      Id = O->getString("id");
    if (!J)
      llvm::consumeError(J.takeError());
    if (Id && !Id->empty()) {
      TransactionId = Id->str();
      return std::nullopt;
    }
  }
  return fail(", code:" + llvm::Twine(T->Status) +
              ") can't get transaction ID - " + bodyExcerpt(T->Body));
}

HookOutcome LoadBalancerRun::abort(long Code, llvm::StringRef Verb, int Commit,
                                   llvm::StringRef Response) {
  std::string Note;
  llvm::Expected<HttpResponse> D =
      Api.call("DELETE", std::string(TransactionBase) + "/" +
                             percentEncode(TransactionId));
  if (!D)
    Note = " (the transaction could not be deleted: " +
           llvm::toString(D.takeError()) + ")";
  else if (D->Status != 204 && D->Status != 200 && D->Status != 404)
    Note = " (the transaction could not be deleted: code " +
           std::to_string(D->Status) + ")";
  return HookOutcome{true, server() + ", code:" + std::to_string(Code) +
                               ", transaction_id:" + TransactionId +
                               ", commit:" + std::to_string(Commit) +
                               ") error " + Verb.str() + " the server - " +
                               bodyExcerpt(Response) + Note};
}

HookOutcome LoadBalancerRun::commit(llvm::StringRef Verb,
                                    llvm::StringRef Done) {
  llvm::Expected<HttpResponse> C =
      Api.call("PUT", std::string(TransactionBase) + "/" +
                          percentEncode(TransactionId) + "?force_reload=false");
  if (!C)
    return abort(0, Verb, 1, llvm::toString(C.takeError()));
  if (C->Status != 200 && C->Status != 202)
    return abort(C->Status, Verb, 1, C->Body);
  return HookOutcome{false, server() + ", code:" + std::to_string(C->Status) +
                                ", transaction_id:" + TransactionId +
                                ", commit:1) server has been " + Done.str() +
                                "."};
}

HookOutcome LoadBalancerRun::create(llvm::json::Object Body) {
  if (auto F = inspect())
    return *F;
  if (ServerCode != 200 && ServerCode != 404)
    return HookOutcome{true, server() + ", code:" + std::to_string(ServerCode) +
                                 ") error retrieving information about the "
                                 "server - " +
                                 bodyExcerpt(ServerBody)};
  if (auto F = begin())
    return *F;
  bool Exists = ServerCode == 200;
  std::string Query =
      "?force_reload=false&transaction_id=" + percentEncode(TransactionId);
  std::string Text = llvm::formatv("{0}", llvm::json::Value(std::move(Body)));
  llvm::StringRef Verb = Exists ? "updating" : "adding";
  llvm::Expected<HttpResponse> R =
      Exists ? Api.call("PUT", serverPath() + Query, Text)
             : Api.call("POST", backendPath() + "/servers" + Query, Text);
  if (!R)
    return abort(0, Verb, 0, llvm::toString(R.takeError()));
  bool Ok = Exists ? (R->Status == 200 || R->Status == 202)
                   : (R->Status == 201 || R->Status == 202);
  if (!Ok)
    return abort(R->Status, Verb, 0, R->Body);
  return commit(Verb, Exists ? "successfully updated" : "successfully added");
}

HookOutcome LoadBalancerRun::destroy() {
  if (auto F = inspect())
    return *F;
  if (ServerCode == 404)
    return {};
  if (ServerCode != 200)
    return HookOutcome{true, server() + ", code:" + std::to_string(ServerCode) +
                                 ") error retrieving information about the "
                                 "server - " +
                                 bodyExcerpt(ServerBody)};
  if (auto F = begin())
    return *F;
  llvm::Expected<HttpResponse> R =
      Api.call("DELETE", serverPath() + "?force_reload=false&transaction_id=" +
                             percentEncode(TransactionId));
  if (!R)
    return abort(0, "removing", 0, llvm::toString(R.takeError()));
  if (R->Status != 202 && R->Status != 204)
    return abort(R->Status, "removing", 0, R->Body);
  return commit("removing", "removed");
}

} // namespace

HookOutcome HookRunner::runLoadBalancer(llvm::StringRef Project,
                                        llvm::StringRef Service,
                                        const LabelMap &Labels, HookMode Mode) {
  auto Get = [&](llvm::StringRef K) { return labelValue(Labels, K); };
  std::string Ctx = hookContext(Project, Service);
  auto Fail = [&](const llvm::Twine &Rest) {
    return HookOutcome{true, (Ctx + Rest).str()};
  };
  bool Create = Mode == HookMode::Create;

  if (!Get("overlord.load-balancer"))
    return {};
  const HttpServiceConfig &Dp = Cfg.DataPlaneApi;
  if (!Dp.Present || !Dp.Entrypoint || Dp.Entrypoint->empty())
    return Fail(") Data Plane API client is not configured.");
  std::optional<std::string> Backend = Get("overlord.load-balancer.backend");
  if (!Backend)
    return Fail(", label:overlord.load-balancer.backend) backend has not been "
                "specified, but is required.");
  std::optional<std::string> Iface = Get("overlord.load-balancer.interface");
  if (!Iface)
    return Fail(", label:overlord.load-balancer.interface) interface has not "
                "been specified, but is required.");
  std::optional<std::string> PortText =
      Get("overlord.load-balancer.interface.port");
  if (!PortText)
    return Fail(", label:overlord.load-balancer.interface.port) port has not "
                "been specified, but is required.");
  std::optional<int64_t> Port = parsePyInt(*PortText);
  if (!Port || *Port < 1 || *Port > 65535)
    return Fail(", port:" + *PortText +
                ", label:overlord.load-balancer.interface.port) invalid port.");

  llvm::json::Object Body;
  if (Create) {
    std::optional<std::string> Network =
        Get("overlord.load-balancer.interface.address");
    llvm::Expected<std::optional<std::string>> Address = interfaceAddress(
        *Iface,
        Network ? std::optional<llvm::StringRef>(*Network) : std::nullopt);
    std::string Where =
        ", interface:" + *Iface + ", address:" + Network.value_or("None");
    if (!Address) {
      std::string Type = "Error", Msg;
      llvm::handleAllErrors(
          Address.takeError(),
          [&](const InterfaceError &E) {
            Type = E.type().str();
            Msg = E.detail().str();
          },
          [&](const llvm::ErrorInfoBase &E) { Msg = E.message(); });
      return Fail(Where + ", exception:" + Type +
                  ", label:overlord.load-balancer.interface.address) " + Msg);
    }
    if (!*Address)
      return Fail(Where + ", label:overlord.load-balancer.interface.address) "
                          "no IP address has been found.");
    llvm::StringRef SetPrefix = "overlord.load-balancer.set.";
    for (const auto &[Name, Value] : Labels) {
      if (!llvm::StringRef(Name).startswith(SetPrefix))
        continue;
      llvm::Expected<llvm::json::Value> V = llvm::json::parse(Value);
      if (!V)
        return Fail(", exception:JSONDecodeError, label:" + Name + ") " +
                    llvm::toString(V.takeError()));
      Body[llvm::StringRef(Name).drop_front(SetPrefix.size())] = std::move(*V);
    }
    Body["address"] = **Address;
    Body["port"] = *Port;
  }
  llvm::Expected<std::string> Id = readOrCreateServerId(Cfg.ServerId);
  if (!Id)
    return Fail(") cannot get the server id: " +
                llvm::toString(Id.takeError()));
  if (Create)
    Body["name"] = *Id;

  DataPlaneClient Api(Dp);
  LoadBalancerRun Run(Api, Ctx, *Backend, *Id);
  return Create ? Run.create(std::move(Body)) : Run.destroy();
}
