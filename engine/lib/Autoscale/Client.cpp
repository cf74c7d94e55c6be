//===- Client.cpp - The autoscaler's HTTP: own API, haproxy stats -*- C++ -*-===//
//
// Both are libcurl clients of the Chain library, used synchronously from
// the autoscaler's thread: the node's own API on loopback with a token the
// node signs itself, and HAProxy's stats page with the `haproxy_stats`
// section's timeouts, connection limits and `cacert` (the reference passes
// none of them, and uses `ssl` without importing it).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Autoscaler.h"

#include "overlord/Engine/Auth.h"
#include "overlord/Engine/Chain.h"

#include <future>

namespace overlord::engine::autoscale {

static chain::OutResponse syncSend(chain::ChainClient &C,
                                   chain::OutRequest R) {
  std::promise<chain::OutResponse> P;
  std::future<chain::OutResponse> F = P.get_future();
  C.send(std::move(R), [&P](chain::OutResponse Out) {
    P.set_value(std::move(Out));
  });
  return F.get();
}

namespace {

class LoopbackApi : public NodeApi {
public:
  LoopbackApi(ChainConfig C) : Client(std::move(C)) {}
  ApiAnswer call(llvm::StringRef Method, llvm::StringRef Path,
                 llvm::StringRef Body) override {
    chain::OutRequest R;
    R.Method = Method.str();
    R.Path = Path.str();
    R.Body = Body.str();
    chain::OutResponse Out = syncSend(Client, std::move(R));
    ApiAnswer A;
    A.Transport = Out.Transport;
    A.Status = Out.Status;
    A.Body = std::move(Out.Body);
    A.ErrorType = std::move(Out.ErrorType);
    A.ErrorMessage = std::move(Out.ErrorMessage);
    return A;
  }

private:
  chain::ChainClient Client;
};

} // namespace

std::unique_ptr<NodeApi> makeLoopbackApi(llvm::StringRef Host, uint16_t Port,
                                         llvm::StringRef Secret) {
  ChainConfig C;
  C.Name = "autoscaler";
  std::string H = Host.str();
  if (H.find(':') != std::string::npos && H.front() != '[')
    H = "[" + H + "]";
  C.Entrypoint = "http://" + H + ":" + std::to_string(Port);
  C.AccessToken = signToken(llvm::json::Object(), Secret);
  // GET /v1/tree answers within its own deadline (5 s by default); a
  // forwarded call within the chain's timeouts.
  C.ConnectTimeout = 5;
  C.ReadTimeout = 60;
  C.WriteTimeout = 30;
  C.Timeout = 120;
  C.Retry.Total = 1;
  C.Retry.BackoffFactor = 0.1;
  return std::make_unique<LoopbackApi>(std::move(C));
}

static std::string base64(llvm::StringRef In) {
  static const char *Tab =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string Out;
  size_t I = 0;
  for (; I + 2 < In.size(); I += 3) {
    unsigned V = (uint8_t(In[I]) << 16) | (uint8_t(In[I + 1]) << 8) |
                 uint8_t(In[I + 2]);
    for (int S = 18; S >= 0; S -= 6)
      Out += Tab[(V >> S) & 63];
  }
  if (I < In.size()) {
    unsigned V = uint8_t(In[I]) << 16;
    if (I + 1 < In.size())
      V |= uint8_t(In[I + 1]) << 8;
    Out += Tab[(V >> 18) & 63];
    Out += Tab[(V >> 12) & 63];
    Out += I + 1 < In.size() ? Tab[(V >> 6) & 63] : '=';
    Out += '=';
  }
  return Out;
}

LoadBalancerTest::Fetcher makeHaproxyStatsFetcher(const HttpServiceConfig &S) {
  if (!S.Present || !S.Entrypoint)
    return [] {
      return llvm::Expected<std::string>(llvm::createStringError(
          std::errc::invalid_argument,
          "ConfigError: 'haproxy_stats.entrypoint' is not configured"));
    };
  ChainConfig C;
  C.Name = "haproxy_stats";
  C.Entrypoint = *S.Entrypoint;
  C.Timeout = S.Timeout;
  C.ReadTimeout = S.ReadTimeout;
  C.WriteTimeout = S.WriteTimeout;
  C.ConnectTimeout = S.ConnectTimeout;
  C.PoolTimeout = S.PoolTimeout;
  C.MaxConnections = S.MaxConnections;
  C.MaxKeepaliveConnections = S.MaxKeepaliveConnections;
  C.KeepaliveExpiry = S.KeepaliveExpiry;
  C.CACert = S.CACert;
  C.Retry.Total = 1;
  auto Client = std::make_shared<chain::ChainClient>(std::move(C));
  std::string Auth = "Basic " + base64(S.Username + ":" + S.Password);
  return [Client, Auth]() -> llvm::Expected<std::string> {
    chain::OutRequest R;
    R.Path = "/;json";
    R.Headers.emplace_back("Authorization", Auth);
    chain::OutResponse Out = syncSend(*Client, std::move(R));
    if (Out.Transport)
      return llvm::createStringError(std::errc::io_error, "%s: %s",
                                     Out.ErrorType.c_str(),
                                     Out.ErrorMessage.c_str());
    if (!Out.ok())
      return llvm::createStringError(
          std::errc::io_error, "HTTPStatusError: %s",
          chain::httpxStatusMessage(Out.Status, Out.Url).c_str());
    return std::move(Out.Body);
  };
}

} // namespace overlord::engine::autoscale
