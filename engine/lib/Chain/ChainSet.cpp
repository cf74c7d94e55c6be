//===- ChainSet.cpp - A node's chains, heartbeat and probes -----*- C++ -*-===//
//
// One ChainClient per enabled chain (`disable: true` chains are invisible,
// as in the reference's serve). The monitor thread:
//
//   * heartbeat (`polling.heartbeat` seconds, when set): `GET /v1/ping` to
//     every chain, without retries; the answer sets the chain's healthy
//     flag, which ChainHealth::disabled() honours (the reference's
//     poll-heartbeat, §5.5). All chains start healthy, as there.
//   * probes (every MonitorOptions::ProbeInterval seconds): the same ping to
//     each chain that is disabled right now; an answer drops its smart-
//     timeout counters and marks it healthy. This is what lets a disabled
//     chain under steady traffic recover as soon as it answers again.
//
// At most one ping per chain is in flight.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Chain.h"
#include "overlord/Engine/Metrics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <condition_variable>
#include <set>
#include <thread>

namespace overlord::engine::chain {

struct ChainSet::MonitorState {
  std::mutex M;
  std::condition_variable CV;
  bool Stop = false;
  std::thread T;
  std::set<std::string> InFlight;
  uint64_t Probes = 0, Heartbeats = 0, Recoveries = 0;
};

ChainSet::ChainSet(const EngineConfig &Cfg, MonitorOptions MO,
                   ChainHealth::Clock Now, ClientOptions CO)
    : Cfg(Cfg), MO(MO),
      Health(Cfg.Autodisable, MO.Heartbeat.has_value(), std::move(Now)),
      Mon(std::make_unique<MonitorState>()) {
  for (const ChainConfig &C : Cfg.Chains) {
    if (C.Disable)
      continue;
    Names.push_back(C.Name);
    Clients.emplace(C.Name, std::make_unique<ChainClient>(C, CO));
  }
  llvm::sort(Names);
}

ChainSet::~ChainSet() { stop(); }

ChainClient *ChainSet::client(llvm::StringRef Name) {
  auto It = Clients.find(Name);
  return It == Clients.end() ? nullptr : It->second.get();
}

void ChainSet::start() {
  if (Mon->T.joinable() || Names.empty())
    return;
  if (!MO.Heartbeat && MO.ProbeInterval <= 0)
    return;
  Mon->T = std::thread([this] { monitor(); });
}

void ChainSet::stop() {
  {
    std::lock_guard<std::mutex> L(Mon->M);
    Mon->Stop = true;
  }
  Mon->CV.notify_all();
  if (Mon->T.joinable())
    Mon->T.join();
  for (auto &KV : Clients)
    KV.second->stop();
}

void ChainSet::monitor() {
  using Clock = std::chrono::steady_clock;
  auto Secs = [](double S) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(S));
  };
  auto NextBeat = Clock::now();
  auto NextProbe = Clock::now() + Secs(MO.ProbeInterval);
  auto Ping = [this](const std::string &Name, bool Beat) {
    {
      std::lock_guard<std::mutex> L(Mon->M);
      if (!Mon->InFlight.insert(Name).second)
        return;
      ++(Beat ? Mon->Heartbeats : Mon->Probes);
    }
    ChainClient *C = client(Name);
    OutRequest R;
    R.Path = "/v1/ping";
    R.AllowRetry = false;
    // A ping never waits longer than the chain's own limits, nor than 30 s.
    int64_t Limit = C->config().ConnectTimeout + C->config().ReadTimeout;
    R.Deadline = Clock::now() + std::chrono::seconds(
                                    std::clamp<int64_t>(Limit, 1, 30));
    bool WasDisabled = Health.disabled(Name);
    C->send(std::move(R), [this, Name, Beat, WasDisabled](OutResponse Out) {
      bool Up = Out.ok();
      if (Up) {
        Health.recordSuccess(Name);
        Health.setHealthy(Name, true);
      } else if (Beat) {
        Health.setHealthy(Name, false);
      }
      std::lock_guard<std::mutex> L(Mon->M);
      Mon->InFlight.erase(Name);
      if (Up && WasDisabled)
        ++Mon->Recoveries;
    });
  };
  std::unique_lock<std::mutex> L(Mon->M);
  while (!Mon->Stop) {
    auto Now = Clock::now();
    std::vector<std::pair<std::string, bool>> Due;
    if (MO.Heartbeat && Now >= NextBeat) {
      for (const std::string &N : Names)
        Due.emplace_back(N, true);
      NextBeat = Now + Secs(std::max(0.05, *MO.Heartbeat));
    }
    if (MO.ProbeInterval > 0 && Now >= NextProbe) {
      for (const std::string &N : Names)
        if (Health.disabled(N))
          Due.emplace_back(N, false);
      NextProbe = Now + Secs(MO.ProbeInterval);
    }
    if (!Due.empty()) {
      L.unlock();
      for (auto &[N, Beat] : Due)
        Ping(N, Beat);
      L.lock();
      continue;
    }
    auto Wake = Clock::time_point::max();
    if (MO.Heartbeat)
      Wake = std::min(Wake, NextBeat);
    if (MO.ProbeInterval > 0)
      Wake = std::min(Wake, NextProbe);
    Mon->CV.wait_until(L, Wake, [this] { return Mon->Stop; });
  }
}

void ChainSet::addMetrics(http::Metrics &M) {
  M.describe("overlord_chain_disabled", "gauge",
             "1 while smart timeouts (or the heartbeat) disable the chain");
  M.describe("overlord_chain_failures", "gauge",
             "consecutive failed calls whose tail was the chain");
  M.describe("overlord_chain_requests_total", "counter",
             "requests sent to the chain, retries excluded");
  M.describe("overlord_chain_retries_total", "counter",
             "retries sent to the chain");
  M.describe("overlord_chain_transport_errors_total", "counter",
             "requests to the chain that ended without an HTTP answer");
  M.describe("overlord_chain_probes_total", "counter",
             "pings sent to disabled chains and heartbeats");
  M.addCollector([this](http::Metrics &Mx) {
    std::map<std::string, ChainHealth::Entry> ByName;
    for (auto &E : Health.entries())
      ByName[E.Chain] = E;
    for (const std::string &N : Names) {
      const ChainHealth::Entry *E =
          ByName.count(N) ? &ByName[N] : nullptr;
      Mx.set("overlord_chain_disabled", {{"chain", N}},
             E && E->Disabled ? 1 : 0);
      Mx.set("overlord_chain_failures", {{"chain", N}},
             E ? double(E->Failures) : 0);
      ChainClient::Stats S = client(N)->stats();
      Mx.set("overlord_chain_requests_total", {{"chain", N}},
             double(S.Requests));
      Mx.set("overlord_chain_retries_total", {{"chain", N}}, double(S.Retries));
      Mx.set("overlord_chain_transport_errors_total", {{"chain", N}},
             double(S.TransportErrors));
    }
    std::lock_guard<std::mutex> L(Mon->M);
    Mx.set("overlord_chain_probes_total", {{"kind", "probe"}},
           double(Mon->Probes));
    Mx.set("overlord_chain_probes_total", {{"kind", "heartbeat"}},
           double(Mon->Heartbeats));
    Mx.set("overlord_chain_probes_total", {{"kind", "recovery"}},
           double(Mon->Recoveries));
  });
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static bool isChainSegment(llvm::StringRef S) {
  if (S.empty() || !(llvm::isAlnum(S[0]) || S[0] == '_'))
    return false;
  return llvm::all_of(S, [](char C) {
    return llvm::isAlnum(C) || C == '_' || C == '-';
  });
}

std::optional<std::pair<std::string, std::string>>
splitChain(llvm::StringRef Chain) {
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  Chain.split(Parts, '.');
  for (llvm::StringRef P : Parts)
    if (!isChainSegment(P))
      return std::nullopt;
  auto [Next, Rest] = Chain.split('.');
  return std::make_pair(Next.str(), Rest.str());
}

std::string escapeSegment(llvm::StringRef S) {
  std::string Out;
  for (unsigned char C : S) {
    if (llvm::isAlnum(C) || C == '-' || C == '_' || C == '.' || C == '~')
      Out += char(C);
    else
      Out += llvm::formatv("%{0:X2}", unsigned(C)).str();
  }
  return Out;
}

llvm::StringRef reasonPhrase(long S) {
  switch (S) {
  case 100: return "Continue";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 411: return "Length Required";
  case 413: return "Request Entity Too Large";
  case 414: return "Request-URI Too Long";
  case 415: return "Unsupported Media Type";
  case 417: return "Expectation Failed";
  case 422: return "Unprocessable Entity";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  case 508: return "Loop Detected";
  default: return "";
  }
}

std::string httpxStatusMessage(long Status, llvm::StringRef Url) {
  llvm::StringRef Kind = "Invalid status code";
  if (Status >= 100 && Status < 200)
    Kind = "Informational response";
  else if (Status >= 300 && Status < 400)
    Kind = "Redirect response";
  else if (Status >= 400 && Status < 500)
    Kind = "Client error";
  else if (Status >= 500 && Status < 600)
    Kind = "Server error";
  return (Kind + " '" + llvm::Twine(Status) + " " + reasonPhrase(Status) +
          "' for url '" + Url +
          "'\nFor more information check: "
          "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/" +
          llvm::Twine(Status))
      .str();
}

} // namespace overlord::engine::chain
