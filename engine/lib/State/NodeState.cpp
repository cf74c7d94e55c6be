//===- NodeState.cpp - The node's in-memory view of jails/projects --------===//
//
// Records per jail and per project, the refresh operations that fill them
// and the background refresher (docs/NodeState.md).
//
// Consistency: every observation (a listing, one jail's collection, one
// describe) takes a stamp from a counter when it starts. A part of a record
// is only replaced by an observation that started later than the one that
// produced it, and a record is only forgotten by an observation that started
// after the last one that saw it; removals leave a tombstone so an older
// observation still in flight cannot bring the entry back. So an executor's
// refreshProject() that starts after its job is never undone by a full
// refresh that started before, however the two interleave.
//
//===----------------------------------------------------------------------===//
#include "StateInternal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <condition_variable>
#include <map>
#include <shared_mutex>
#include <system_error>
#include <thread>

using namespace overlord::engine;
using namespace overlord::engine::state;
using llvm::StringRef;
using Clock = std::chrono::steady_clock;

namespace {

/// Refresh workers: independent commands of different jails run in
/// parallel, but few at once (AppJail is a shell script; a node has other
/// work to do).
constexpr unsigned RefreshWorkers = 3;

/// What a background cycle refreshes, each on its own `polling.*` interval.
enum Category : unsigned {
  CatJailList,    ///< polling.jails
  CatJailInfo,    ///< polling.jail_info
  CatJailStats,   ///< polling.jail_stats
  CatJailExtras,  ///< polling.jail_extras (cpuset + conf/ items)
  CatProjectList, ///< polling.projects
  CatProjectInfo, ///< polling.project_info
  NumCategories
};
constexpr unsigned AllCategories = (1u << NumCategories) - 1;

struct JailRecord {
  uint64_t Seen = 0; ///< stamp of the latest observation of its existence
  uint64_t InfoStamp = 0, StatsStamp = 0, CpusetStamp = 0;
  std::array<uint64_t, NumJailItems> ItemStamps{};
  llvm::json::Object Info; ///< empty until read once
  llvm::json::Object Stats;
  llvm::json::Value Cpuset = nullptr;
  std::array<llvm::json::Array, NumJailItems> Items;
};

struct ProjectRecord {
  uint64_t Seen = 0, InfoStamp = 0;
  std::optional<llvm::json::Object> Info;
  std::vector<std::string> Jails; ///< its services' jails, last described
};

/// Runs Fn(0..N-1) on up to Workers threads; stops taking work once
/// *Cancel is set. Falls back to the calling thread if threads cannot be
/// created.
void parallelFor(size_t N, unsigned Workers, const std::atomic<bool> *Cancel,
                 llvm::function_ref<void(size_t)> Fn) {
  std::atomic<size_t> Next{0};
  auto Work = [&] {
    for (;;) {
      if (Cancel && Cancel->load())
        return;
      size_t I = Next++;
      if (I >= N)
        return;
      Fn(I);
    }
  };
  std::vector<std::thread> Threads;
  for (size_t T = 1; T < std::min<size_t>(Workers, N); ++T) {
    try {
      Threads.emplace_back(Work);
    } catch (const std::system_error &) {
      break;
    }
  }
  Work();
  for (std::thread &T : Threads)
    T.join();
}

template <typename Map> std::vector<std::string> keysOf(const Map &M) {
  std::vector<std::string> Out;
  for (const auto &KV : M)
    Out.push_back(KV.first);
  return Out;
}

} // namespace

struct NodeState::Impl {
  const EngineConfig &Cfg;
  ToolPaths Tools;
  Reporter Report;
  RacctProbe Racct;

  mutable std::shared_mutex M; ///< guards the records and tombstones
  std::map<std::string, JailRecord, std::less<>> Jails;
  std::map<std::string, ProjectRecord, std::less<>> Projects;
  std::map<std::string, uint64_t> JailGone, ProjectGone;

  std::mutex StampM; ///< guards Epoch and InFlight
  uint64_t Epoch = 0;
  std::multiset<uint64_t> InFlight;

  std::atomic<uint64_t> Refreshes{0}, FullRefreshes{0};
  std::atomic<int64_t> LastFullMicros{0};

  std::mutex BgM; ///< guards Bg and Stopping
  std::condition_variable BgCv;
  std::thread Bg;
  bool Stopping = false;
  std::atomic<bool> Cancel{false};

  Impl(const EngineConfig &Cfg, ToolPaths Tools)
      : Cfg(Cfg), Tools(std::move(Tools)) {}

  Context ctx(const std::atomic<bool> *Cancel = nullptr, bool Eager = false) {
    return Context{Cfg, Tools, Report, Racct, Cancel, Eager};
  }

  uint64_t beginObservation() {
    std::lock_guard<std::mutex> L(StampM);
    InFlight.insert(++Epoch);
    return Epoch;
  }
  void endObservation(uint64_t Stamp) {
    std::lock_guard<std::mutex> L(StampM);
    auto It = InFlight.find(Stamp);
    if (It != InFlight.end())
      InFlight.erase(It);
  }
  /// Tombstones older than every observation in flight can go. Called
  /// with M held exclusively.
  void pruneTombstones() {
    uint64_t Oldest;
    {
      std::lock_guard<std::mutex> L(StampM);
      Oldest = InFlight.empty() ? Epoch + 1 : *InFlight.begin();
    }
    for (auto *Gone : {&JailGone, &ProjectGone})
      for (auto It = Gone->begin(); It != Gone->end();)
        It = It->second < Oldest ? Gone->erase(It) : std::next(It);
  }

  static void bury(std::map<std::string, uint64_t> &Gone,
                   const std::string &Name, uint64_t Stamp) {
    uint64_t &S = Gone[Name];
    S = std::max(S, Stamp);
  }
  static bool buriedAfter(const std::map<std::string, uint64_t> &Gone,
                          const std::string &Name, uint64_t Stamp) {
    auto It = Gone.find(Name);
    return It != Gone.end() && It->second > Stamp;
  }

  // Merges; M held exclusively.
  void applyJailList(const std::vector<std::string> &List, uint64_t Stamp);
  void applyProjectList(const std::vector<std::string> &List, uint64_t Stamp);
  void mergeJail(const std::string &Name, JailUpdate &U, uint64_t Stamp);
  void mergeProject(const std::string &Name, ProjectUpdate &U, uint64_t Stamp);

  /// Collects Names (with their Parts) in parallel and merges the results;
  /// Eager: each jail's independent commands at once too (Context::Eager).
  /// Reads the Work jails' parts and merges them. Running: what is already
  /// known of whether jails run (collectJail()).
  void refreshJails(const std::vector<std::pair<std::string, unsigned>> &Work,
                    const std::atomic<bool> *Cancel, bool Eager,
                    const std::map<std::string, bool> *Running = nullptr);
  void cycle(unsigned Categories, const std::atomic<bool> *Cancel);
  /// Merges U (observed under Stamp, which it ends), then reads the jails
  /// the project had and has.
  void refreshProject(const std::string &Project, ProjectUpdate U,
                      uint64_t Stamp);
  std::chrono::seconds intervalOf(unsigned Category) const;
  void backgroundLoop();
};

//===----------------------------------------------------------------------===//
// Merging
//===----------------------------------------------------------------------===//

void NodeState::Impl::applyJailList(const std::vector<std::string> &List,
                                    uint64_t Stamp) {
  for (auto It = Jails.begin(); It != Jails.end();) {
    if (!std::binary_search(List.begin(), List.end(), It->first) &&
        It->second.Seen < Stamp) {
      bury(JailGone, It->first, Stamp);
      It = Jails.erase(It);
    } else {
      ++It;
    }
  }
  for (const std::string &Name : List) {
    if (buriedAfter(JailGone, Name, Stamp))
      continue;
    JailRecord &R = Jails[Name];
    R.Seen = std::max(R.Seen, Stamp);
  }
}

void NodeState::Impl::applyProjectList(const std::vector<std::string> &List,
                                       uint64_t Stamp) {
  for (auto It = Projects.begin(); It != Projects.end();) {
    if (!std::binary_search(List.begin(), List.end(), It->first) &&
        It->second.Seen < Stamp) {
      bury(ProjectGone, It->first, Stamp);
      It = Projects.erase(It);
    } else {
      ++It;
    }
  }
  for (const std::string &Name : List) {
    if (buriedAfter(ProjectGone, Name, Stamp))
      continue;
    ProjectRecord &R = Projects[Name];
    R.Seen = std::max(R.Seen, Stamp);
  }
}

void NodeState::Impl::mergeJail(const std::string &Name, JailUpdate &U,
                                uint64_t Stamp) {
  auto It = Jails.find(Name);
  if (!U.Exists) {
    if (It == Jails.end() || It->second.Seen < Stamp) {
      bury(JailGone, Name, Stamp);
      if (It != Jails.end())
        Jails.erase(It);
    }
    return;
  }
  if (It == Jails.end()) {
    if (buriedAfter(JailGone, Name, Stamp))
      return;
    It = Jails.emplace(Name, JailRecord()).first;
  }
  JailRecord &R = It->second;
  R.Seen = std::max(R.Seen, Stamp);
  if (U.Info && Stamp > R.InfoStamp) {
    R.Info = std::move(*U.Info);
    R.InfoStamp = Stamp;
  }
  if (U.Stats && Stamp > R.StatsStamp) {
    R.Stats = std::move(*U.Stats);
    R.StatsStamp = Stamp;
  }
  if (U.Cpuset && Stamp > R.CpusetStamp) {
    R.Cpuset = std::move(*U.Cpuset);
    R.CpusetStamp = Stamp;
  }
  for (size_t I = 0; I < NumJailItems; ++I)
    if (U.Items[I] && Stamp > R.ItemStamps[I]) {
      R.Items[I] = std::move(*U.Items[I]);
      R.ItemStamps[I] = Stamp;
    }
}

void NodeState::Impl::mergeProject(const std::string &Name, ProjectUpdate &U,
                                   uint64_t Stamp) {
  auto It = Projects.find(Name);
  switch (U.K) {
  case ProjectUpdate::Kind::Failed:
    return; // keep the previous value
  case ProjectUpdate::Kind::Gone:
    if (It == Projects.end() || It->second.Seen < Stamp) {
      bury(ProjectGone, Name, Stamp);
      if (It != Projects.end())
        Projects.erase(It);
    }
    return;
  case ProjectUpdate::Kind::Described:
    break;
  }
  if (It == Projects.end()) {
    if (buriedAfter(ProjectGone, Name, Stamp))
      return;
    It = Projects.emplace(Name, ProjectRecord()).first;
  }
  ProjectRecord &R = It->second;
  R.Seen = std::max(R.Seen, Stamp);
  if (Stamp > R.InfoStamp) {
    R.Info = std::move(U.Info);
    R.Jails = std::move(U.Jails);
    R.InfoStamp = Stamp;
  }
}

//===----------------------------------------------------------------------===//
// Refreshing
//===----------------------------------------------------------------------===//

void NodeState::Impl::refreshJails(
    const std::vector<std::pair<std::string, unsigned>> &Work,
    const std::atomic<bool> *Cancel, bool Eager,
    const std::map<std::string, bool> *Running) {
  Context C = ctx(Cancel, Eager);
  std::vector<JailUpdate> Updates(Work.size());
  std::vector<uint64_t> Stamps(Work.size(), 0);
  parallelFor(Work.size(), RefreshWorkers, Cancel, [&](size_t I) {
    Stamps[I] = beginObservation();
    std::optional<bool> Known;
    if (Running)
      if (auto It = Running->find(Work[I].first); It != Running->end())
        Known = It->second;
    Updates[I] = collectJail(C, Work[I].first, Work[I].second, Known);
  });
  std::unique_lock<std::shared_mutex> L(M);
  for (size_t I = 0; I < Work.size(); ++I)
    if (Stamps[I]) {
      mergeJail(Work[I].first, Updates[I], Stamps[I]);
      endObservation(Stamps[I]);
    }
  pruneTombstones();
}

void NodeState::Impl::cycle(unsigned Cats, const std::atomic<bool> *Cancel) {
  ++Refreshes;
  Context C = ctx(Cancel);
  auto Has = [&](Category K) { return (Cats >> K) & 1; };

  // Listings first: they decide which jails and projects to read.
  std::optional<std::vector<std::string>> JailList, ProjectList;
  uint64_t JailListStamp = 0, ProjectListStamp = 0;
  if (Has(CatJailList)) {
    JailListStamp = beginObservation();
    JailList = listJails(C);
  }
  if (Has(CatProjectList)) {
    ProjectListStamp = beginObservation();
    ProjectList = listProjects(C);
  }

  unsigned Parts = (Has(CatJailInfo) ? unsigned(PartInfo) : 0u) |
                   (Has(CatJailStats) ? unsigned(PartStats) : 0u) |
                   (Has(CatJailExtras) ? unsigned(PartExtras) : 0u);
  std::vector<std::pair<std::string, unsigned>> JailWork;
  std::vector<std::string> ProjectWork;
  {
    std::shared_lock<std::shared_mutex> L(M);
    for (const std::string &J : JailList ? *JailList : keysOf(Jails)) {
      // A jail seen for the first time is read whole at once.
      unsigned P = Jails.count(J) ? Parts : unsigned(PartAll);
      if (P)
        JailWork.emplace_back(J, P);
    }
    for (const std::string &P : ProjectList ? *ProjectList : keysOf(Projects))
      if (Has(CatProjectInfo) || !Projects.count(P))
        ProjectWork.push_back(P);
  }

  // Jails and projects in one parallel pass.
  std::vector<JailUpdate> JU(JailWork.size());
  std::vector<ProjectUpdate> PU(ProjectWork.size());
  std::vector<uint64_t> Stamps(JailWork.size() + ProjectWork.size(), 0);
  parallelFor(Stamps.size(), RefreshWorkers, Cancel, [&](size_t I) {
    Stamps[I] = beginObservation();
    if (I < JailWork.size())
      JU[I] = collectJail(C, JailWork[I].first, JailWork[I].second);
    else
      PU[I - JailWork.size()] =
          collectProject(C, ProjectWork[I - JailWork.size()]);
  });

  std::unique_lock<std::shared_mutex> L(M);
  bool Cancelled = Cancel && Cancel->load();
  if (JailListStamp) {
    if (JailList && !Cancelled)
      applyJailList(*JailList, JailListStamp);
    endObservation(JailListStamp);
  }
  if (ProjectListStamp) {
    if (ProjectList && !Cancelled)
      applyProjectList(*ProjectList, ProjectListStamp);
    endObservation(ProjectListStamp);
  }
  for (size_t I = 0; I < Stamps.size(); ++I) {
    if (!Stamps[I])
      continue;
    endObservation(Stamps[I]);
    // A cancelled cycle (stop()) publishes nothing: its updates may be
    // partial.
    if (Cancelled)
      continue;
    if (I < JailWork.size())
      mergeJail(JailWork[I].first, JU[I], Stamps[I]);
    else
      mergeProject(ProjectWork[I - JailWork.size()], PU[I - JailWork.size()],
                   Stamps[I]);
  }
  pruneTombstones();
}

void NodeState::Impl::refreshProject(const std::string &Project,
                                     ProjectUpdate U, uint64_t Stamp) {
  ++Refreshes;
  std::vector<std::string> Before;
  {
    std::shared_lock<std::shared_mutex> L(M);
    auto It = Projects.find(Project);
    if (It != Projects.end())
      Before = It->second.Jails;
  }
  // The jails it had and the jails it has: created, changed or destroyed.
  std::vector<std::string> Names = Before;
  Names.insert(Names.end(), U.Jails.begin(), U.Jails.end());
  llvm::sort(Names);
  Names.erase(std::unique(Names.begin(), Names.end()), Names.end());
  {
    std::unique_lock<std::shared_mutex> L(M);
    mergeProject(Project, U, Stamp);
    endObservation(Stamp);
  }
  std::vector<std::pair<std::string, unsigned>> Work;
  for (std::string &N : Names)
    if (!N.empty())
      Work.emplace_back(std::move(N), unsigned(PartAll));
  // The describe just asked `appjail status` of the project's jails: their
  // stats and cpuset need not wait for another.
  refreshJails(Work, nullptr, /*Eager=*/true, &U.Running);
}

std::chrono::seconds NodeState::Impl::intervalOf(unsigned Cat) const {
  const PollingConfig &P = Cfg.Polling;
  int64_t S = 1;
  switch (Cat) {
  case CatJailList:
    S = P.Jails;
    break;
  case CatJailInfo:
    S = P.JailInfo;
    break;
  case CatJailStats:
    S = P.JailStats;
    break;
  case CatJailExtras:
    S = P.JailExtras;
    break;
  case CatProjectList:
    S = P.Projects;
    break;
  case CatProjectInfo:
    S = P.ProjectInfo;
    break;
  }
  return std::chrono::seconds(std::max<int64_t>(S, 1));
}

void NodeState::Impl::backgroundLoop() {
  std::array<Clock::time_point, NumCategories> Next;
  Next.fill(Clock::now());
  std::unique_lock<std::mutex> L(BgM);
  while (!Stopping) {
    Clock::time_point Now = Clock::now();
    unsigned Due = 0;
    for (unsigned K = 0; K < NumCategories; ++K)
      if (Next[K] <= Now)
        Due |= 1u << K;
    if (!Due) {
      BgCv.wait_until(L, *std::min_element(Next.begin(), Next.end()),
                      [&] { return Stopping; });
      continue;
    }
    L.unlock();
    Clock::time_point Start = Clock::now();
    cycle(Due, &Cancel);
    Clock::time_point End = Clock::now();
    if (Due == AllCategories && !Cancel) {
      ++FullRefreshes;
      LastFullMicros =
          std::chrono::duration_cast<std::chrono::microseconds>(End - Start)
              .count();
    }
    // Intervals count from the end of the work, so a slow cycle never
    // makes the next one start at once.
    for (unsigned K = 0; K < NumCategories; ++K)
      if (Due & (1u << K))
        Next[K] = End + intervalOf(K);
    L.lock();
  }
}

//===----------------------------------------------------------------------===//
// NodeState
//===----------------------------------------------------------------------===//

NodeState::NodeState(const EngineConfig &Cfg, ToolPaths Tools)
    : P(std::make_unique<Impl>(Cfg, std::move(Tools))) {}

NodeState::~NodeState() { stop(); }

std::vector<std::string> NodeState::jails() const {
  std::shared_lock<std::shared_mutex> L(P->M);
  return keysOf(P->Jails);
}

bool NodeState::hasJail(StringRef Jail) const {
  std::shared_lock<std::shared_mutex> L(P->M);
  return P->Jails.find(Jail) != P->Jails.end();
}

std::vector<std::string> NodeState::projects() const {
  std::shared_lock<std::shared_mutex> L(P->M);
  return keysOf(P->Projects);
}

bool NodeState::hasProject(StringRef Project) const {
  std::shared_lock<std::shared_mutex> L(P->M);
  return P->Projects.find(Project) != P->Projects.end();
}

std::optional<llvm::json::Object> NodeState::jailInfo(StringRef Jail) const {
  std::shared_lock<std::shared_mutex> L(P->M);
  auto It = P->Jails.find(Jail);
  if (It == P->Jails.end())
    return std::nullopt;
  return It->second.Info;
}

std::optional<llvm::json::Object> NodeState::jailStats(StringRef Jail) const {
  std::shared_lock<std::shared_mutex> L(P->M);
  auto It = P->Jails.find(Jail);
  if (It == P->Jails.end())
    return std::nullopt;
  return It->second.Stats;
}

std::optional<llvm::json::Value> NodeState::jailCpuset(StringRef Jail) const {
  std::shared_lock<std::shared_mutex> L(P->M);
  auto It = P->Jails.find(Jail);
  if (It == P->Jails.end())
    return std::nullopt;
  return It->second.Cpuset;
}

std::optional<llvm::json::Array> NodeState::jailItems(JailItem Item,
                                                      StringRef Jail) const {
  std::shared_lock<std::shared_mutex> L(P->M);
  auto It = P->Jails.find(Jail);
  if (It == P->Jails.end())
    return std::nullopt;
  return It->second.Items[static_cast<size_t>(Item)];
}

llvm::json::Object NodeState::totalStats() const {
  std::map<std::string, int64_t> Sum;
  {
    std::shared_lock<std::shared_mutex> L(P->M);
    for (const auto &[Name, R] : P->Jails)
      for (const auto &[Metric, V] : R.Stats)
        if (llvm::Optional<int64_t> N = V.getAsInteger())
          Sum[Metric.str()] += *N;
  }
  llvm::json::Object Out;
  for (const auto &[Metric, N] : Sum)
    Out[Metric] = N;
  return Out;
}

std::optional<llvm::json::Object>
NodeState::projectInfo(StringRef Project) const {
  std::shared_lock<std::shared_mutex> L(P->M);
  auto It = P->Projects.find(Project);
  if (It == P->Projects.end())
    return std::nullopt;
  return It->second.Info;
}

void NodeState::refreshAll() {
  Clock::time_point Start = Clock::now();
  P->cycle(AllCategories, nullptr);
  ++P->FullRefreshes;
  P->LastFullMicros = std::chrono::duration_cast<std::chrono::microseconds>(
                          Clock::now() - Start)
                          .count();
}

void NodeState::refreshProject(StringRef Project) {
  uint64_t Stamp = P->beginObservation();
  ProjectUpdate U = collectProject(P->ctx(), Project.str());
  P->refreshProject(Project.str(), std::move(U), Stamp);
}

NodeState::Observation &
NodeState::Observation::operator=(Observation &&O) noexcept {
  if (this != &O) {
    if (Owner)
      Owner->endObservation(Stamp);
    Owner = O.Owner;
    Stamp = O.Stamp;
    O.Owner = nullptr;
  }
  return *this;
}

NodeState::Observation::~Observation() {
  if (Owner)
    Owner->endObservation(Stamp);
}

NodeState::Observation NodeState::beginObservation() {
  Observation O;
  O.Owner = P.get();
  O.Stamp = P->beginObservation();
  return O;
}

void NodeState::refreshProject(StringRef Project, Observation Obs,
                               const DirectorDescription *Described) {
  if (Obs.Owner != P.get()) {
    refreshProject(Project); // not one of ours (or already handed back)
    return;
  }
  ProjectUpdate U;
  if (Described) {
    U = projectUpdate(*Described);
  } else {
    U.K = ProjectUpdate::Kind::Gone;
  }
  // The stamp passes to the merge, which ends the observation.
  Obs.Owner = nullptr;
  P->refreshProject(Project.str(), std::move(U), Obs.Stamp);
}

void NodeState::refreshJail(StringRef Jail) {
  ++P->Refreshes;
  P->refreshJails({{Jail.str(), unsigned(PartAll)}}, nullptr,
                  /*Eager=*/true);
}

void NodeState::start() {
  std::lock_guard<std::mutex> L(P->BgM);
  if (P->Bg.joinable())
    return;
  P->Stopping = false;
  P->Cancel = false;
  P->Bg = std::thread([this] { P->backgroundLoop(); });
}

void NodeState::stop() {
  std::thread T;
  {
    std::lock_guard<std::mutex> L(P->BgM);
    if (!P->Bg.joinable())
      return;
    P->Stopping = true;
    P->Cancel = true;
    T = std::move(P->Bg);
  }
  P->BgCv.notify_all();
  T.join();
  P->Cancel = false;
}

std::chrono::seconds NodeState::interval() const {
  std::chrono::seconds Min = P->intervalOf(0);
  for (unsigned K = 1; K < NumCategories; ++K)
    Min = std::min(Min, P->intervalOf(K));
  return Min;
}

NodeState::Counters NodeState::counters() const {
  Counters C;
  C.Refreshes = P->Refreshes;
  C.FullRefreshes = P->FullRefreshes;
  C.CommandsRun = P->Report.CommandsRun;
  C.CommandFailures = P->Report.CommandFailures;
  C.LastFullRefresh = std::chrono::microseconds(P->LastFullMicros.load());
  std::shared_lock<std::shared_mutex> L(P->M);
  C.Jails = P->Jails.size();
  C.Projects = P->Projects.size();
  return C;
}

void NodeState::setLogger(LogFn Log) { P->Report.setLogger(std::move(Log)); }
