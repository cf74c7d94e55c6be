//===- Autoscaler.cpp - The poll-autoscale loop and its records -*- C++ -*-===//
//
// overlord-behaviour.md §9.2: sleep `polling.autoscale` + skew, then for
// every `overlord.autoscale.<p>` metadata: status RUNNING, parse, compare
// its SHA-1 with the last one seen (a change forces a redeploy of the
// replicas), scaleProject(), status COMPLETED or FAILED with the logs.
//
// Differences: the checksums are persisted (a JSON file next to the job
// database), so an edit made while overlordd was down still redeploys; the
// checksum of a pass that failed is not recorded, so the change is acted on
// once the failure is gone; the log ring is really capped at
// `max_autoscale_logs` (the reference pops one entry per cycle however
// many it appends).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Autoscaler.h"

#include "overlord/Engine/MetadataStore.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA1.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <random>
#include <thread>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine::autoscale {

static constexpr llvm::StringLiteral Prefix = "overlord.autoscale.";

static double systemClock() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Autoscaler::Impl {
  const EngineConfig &Cfg;
  MetadataStore &Meta;
  std::string StatePath;
  Clock Now;

  mutable std::mutex M; ///< guards Status and Cycles
  std::map<std::string, Object> Status;
  uint64_t Cycles = 0;

  // The loop thread's own state.
  std::map<std::string, std::deque<Value>> Logs;
  std::map<std::string, std::string> Checksums;
  LoadBalancerTest LB;

  std::mutex ThreadM;
  std::condition_variable Cv;
  bool Stopping = false;
  std::atomic<bool> Abort{false};
  std::thread T;
  std::unique_ptr<NodeApi> Api;

  Impl(const EngineConfig &Cfg, MetadataStore &Meta, std::string StatePath,
       Clock Now)
      : Cfg(Cfg), Meta(Meta), StatePath(std::move(StatePath)),
        Now(Now ? std::move(Now) : Clock(systemClock)),
        LB(makeHaproxyStatsFetcher(Cfg.HaproxyStats)) {
    loadChecksums();
  }

  void loadChecksums() {
    if (StatePath.empty())
      return;
    auto Buf = llvm::MemoryBuffer::getFile(StatePath);
    if (!Buf)
      return;
    auto V = llvm::json::parse((*Buf)->getBuffer());
    if (!V) {
      llvm::consumeError(V.takeError());
      return; // unreadable: every project is first seen again
    }
    if (const Object *O = V->getAsObject())
      for (const auto &KV : *O)
        if (auto S = KV.second.getAsString())
          Checksums[KV.first.str()] = S->str();
  }

  void saveChecksums() {
    if (StatePath.empty())
      return;
    Object O;
    for (const auto &KV : Checksums)
      O[KV.first] = KV.second;
    std::string Tmp = StatePath + ".tmp";
    {
      std::error_code EC;
      llvm::raw_fd_ostream OS(Tmp, EC);
      if (EC)
        return;
      OS << Value(std::move(O));
      OS.flush();
      if (OS.has_error()) {
        OS.clear_error();
        return;
      }
    }
    llvm::sys::fs::rename(Tmp, StatePath);
  }

  void setStatus(const std::string &Project, llvm::StringRef Operation) {
    Array A;
    for (const Value &V : Logs[Project])
      A.push_back(V);
    std::lock_guard<std::mutex> G(M);
    Status[Project] = Object{{"last_update", Now()},
                             {"operation", Operation},
                             {"logs", std::move(A)}};
  }

  void append(const std::string &Project, Array Entries) {
    std::deque<Value> &Ring = Logs[Project];
    for (Value &V : Entries)
      Ring.push_back(std::move(V));
    size_t Max = size_t(std::max<int64_t>(1, Cfg.MaxAutoscaleLogs));
    while (Ring.size() > Max)
      Ring.pop_front();
  }

  void fail(const std::string &Project, llvm::StringRef Text) {
    // Owned copies: a json::Value made from a StringRef only borrows it.
    auto Split = Text.split(": ");
    std::string Type = Split.first.str(), Message = Split.second.str();
    if (Message.empty())
      Type = "Error", Message = Text.str();
    Array E;
    E.push_back(Object{{"project", Project},
                       {"exception", Object{{"type", std::move(Type)},
                                            {"message", std::move(Message)}}}});
    append(Project, std::move(E));
    setStatus(Project, "FAILED");
  }

  void runOnce(NodeApi &A) {
    auto Keys = Meta.list();
    if (!Keys) {
      llvm::consumeError(Keys.takeError());
      finishCycle();
      return;
    }
    std::vector<std::string> Projects;
    for (const std::string &K : *Keys)
      if (llvm::StringRef(K).startswith(Prefix))
        Projects.push_back(K.substr(Prefix.size()));
    // Forget what belonged to registrations that are gone (the status
    // record stays until it expires).
    bool Dirty = false;
    for (auto It = Checksums.begin(); It != Checksums.end();)
      if (!llvm::is_contained(Projects, It->first)) {
        It = Checksums.erase(It);
        Dirty = true;
      } else {
        ++It;
      }
    for (auto It = Logs.begin(); It != Logs.end();)
      It = llvm::is_contained(Projects, It->first) ? std::next(It)
                                                   : Logs.erase(It);
    if (Dirty)
      saveChecksums();

    for (const std::string &P : Projects) {
      if (Abort)
        break;
      setStatus(P, "RUNNING");
      auto Text = Meta.get(std::string(Prefix) + P);
      if (!Text) {
        fail(P, "MetadataError: " + llvm::toString(Text.takeError()));
        continue;
      }
      if (!*Text)
        continue; // removed meanwhile
      auto Opts = parseScaleOptions(**Text);
      if (!Opts) {
        fail(P, llvm::toString(Opts.takeError()));
        continue;
      }
      std::string Sum = llvm::toHex(llvm::SHA1::hash(llvm::arrayRefFromStringRef(**Text)),
                                    /*LowerCase=*/true);
      auto Known = Checksums.find(P);
      bool Force = Known != Checksums.end() && Known->second != Sum;
      ScaleResult R = scaleProject(A, Meta, P, *Opts, Force, &LB);
      append(P, std::move(R.Logs));
      if (R.Error) {
        setStatus(P, "FAILED");
        continue;
      }
      // The registration may have been removed by the cleanup.
      if (Meta.exists(std::string(Prefix) + P)) {
        if (Known == Checksums.end() || Known->second != Sum) {
          Checksums[P] = Sum;
          saveChecksums();
        }
      } else if (Checksums.erase(P)) {
        saveChecksums();
      }
      setStatus(P, "COMPLETED");
    }
    finishCycle();
  }

  void finishCycle() {
    std::lock_guard<std::mutex> G(M);
    ++Cycles;
  }

  void loop() {
    std::mt19937 Rng{std::random_device{}()};
    int64_t B = std::max<int64_t>(0, Cfg.Polling.SkewBegin);
    int64_t E = std::max<int64_t>(B, Cfg.Polling.SkewEnd);
    std::uniform_int_distribution<int64_t> Skew(B, E);
    for (;;) {
      // Sleep first, as the reference does; never spin on a zero period.
      double Wait = std::max(0.5, double(Cfg.Polling.Autoscale + Skew(Rng)));
      {
        std::unique_lock<std::mutex> L(ThreadM);
        if (Cv.wait_for(L, std::chrono::duration<double>(Wait),
                        [this] { return Stopping; }))
          return;
      }
      runOnce(*Api);
    }
  }
};

Autoscaler::Autoscaler(const EngineConfig &Cfg, MetadataStore &Meta,
                       std::string StatePath, Clock Now)
    : P(std::make_unique<Impl>(Cfg, Meta, std::move(StatePath),
                               std::move(Now))) {}

Autoscaler::~Autoscaler() { stop(); }

void Autoscaler::runOnce(NodeApi &Api) { P->runOnce(Api); }

void Autoscaler::start(std::unique_ptr<NodeApi> Api) {
  if (P->T.joinable())
    return;
  P->Api = std::move(Api);
  P->T = std::thread([this] { P->loop(); });
}

void Autoscaler::stop() {
  {
    std::lock_guard<std::mutex> G(P->ThreadM);
    P->Stopping = true;
  }
  P->Abort = true;
  P->Cv.notify_all();
  if (P->T.joinable())
    P->T.join();
  P->Api.reset();
}

std::optional<Object> Autoscaler::status(llvm::StringRef Project) const {
  std::lock_guard<std::mutex> G(P->M);
  auto It = P->Status.find(Project.str());
  if (It == P->Status.end())
    return std::nullopt;
  double Last = It->second.getNumber("last_update").value_or(0);
  if (P->Now() - Last >= double(P->Cfg.AutoscaleLogsExpireTime))
    return std::nullopt;
  return It->second;
}

uint64_t Autoscaler::cycles() const {
  std::lock_guard<std::mutex> G(P->M);
  return P->Cycles;
}

} // namespace overlord::engine::autoscale
