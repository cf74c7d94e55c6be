//===- ChainHealth.cpp - Smart timeouts and heartbeat state -----*- C++ -*-===//
//
// The reference's DISABLE_COUNTERS (overlord-behaviour.md §5.1-§5.4) with
// its meaning kept: a tail failure (not a 4xx answer) counts; the first
// failure starts the counter, each further one grows `increase` by
// `autodisable.increase` up to `max-increase`; from `failures` failures on,
// the chain is disabled for `interval + increase` seconds after the last
// failure; any success drops the counter. One change: the reference records
// a call it refused (strict mode) as a failure, which refreshes the last
// failure time, so a chain under steady traffic never recovers. Here a
// refusal is only counted; recovery comes with time, or earlier through the
// monitor's probes (ChainSet).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Chain.h"

#include <chrono>

namespace overlord::engine::chain {

static double unixNow() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ChainHealth::ChainHealth(AutodisableConfig C, bool HeartbeatEnabled, Clock Now)
    : C(C), Heartbeat(HeartbeatEnabled),
      Now(Now ? std::move(Now) : Clock(unixNow)) {}

bool ChainHealth::disabledLocked(const std::string &Chain, double T) const {
  if (Heartbeat) {
    auto H = Healthy.find(Chain);
    if (H != Healthy.end() && !H->second)
      return true;
  }
  auto It = Counters.find(Chain);
  if (It == Counters.end())
    return false;
  const Counter &K = It->second;
  if (int64_t(K.Failures) < C.Failures)
    return false;
  return T - K.LastFailure < double(C.Interval) + K.Increase;
}

bool ChainHealth::disabled(llvm::StringRef Chain) const {
  std::lock_guard<std::mutex> L(M);
  return disabledLocked(Chain.str(), Now());
}

void ChainHealth::recordFailure(llvm::StringRef Chain) {
  std::lock_guard<std::mutex> L(M);
  auto [It, New] = Counters.try_emplace(Chain.str());
  Counter &K = It->second;
  if (!New && K.Increase < double(C.MaxIncrease))
    K.Increase += double(C.Increase);
  ++K.Failures;
  K.LastFailure = Now();
}

void ChainHealth::recordSuccess(llvm::StringRef Chain) {
  std::lock_guard<std::mutex> L(M);
  Counters.erase(Chain.str());
}

void ChainHealth::setHealthy(llvm::StringRef Chain, bool H) {
  std::lock_guard<std::mutex> L(M);
  Healthy[Chain.str()] = H;
}

void ChainHealth::recordRefusal(llvm::StringRef Chain) {
  std::lock_guard<std::mutex> L(M);
  auto It = Counters.find(Chain.str());
  if (It != Counters.end())
    ++It->second.Refusals;
}

std::vector<ChainHealth::Entry> ChainHealth::entries() const {
  std::lock_guard<std::mutex> L(M);
  double T = Now();
  std::map<std::string, Entry> Out;
  for (const auto &[Name, K] : Counters) {
    Entry &E = Out[Name];
    E.Chain = Name;
    E.Failures = K.Failures;
    E.Increase = K.Increase;
    E.LastFailure = K.LastFailure;
    E.Refusals = K.Refusals;
  }
  for (const auto &[Name, H] : Healthy) {
    Entry &E = Out[Name];
    E.Chain = Name;
    E.Healthy = H;
  }
  std::vector<Entry> V;
  for (auto &[Name, E] : Out) {
    E.Disabled = disabledLocked(Name, T);
    auto It = Counters.find(Name);
    if (E.Disabled && It != Counters.end() &&
        int64_t(It->second.Failures) >= C.Failures)
      E.DisabledFor = std::max(0.0, double(C.Interval) + It->second.Increase -
                                        (T - It->second.LastFailure));
    V.push_back(std::move(E));
  }
  return V;
}

} // namespace overlord::engine::chain
