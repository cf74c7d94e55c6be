//===- Routing.cpp - Resolve the targets of a deployment --------*- C++ -*-===//
//
// The walk of apply.py over a snapshot instead of over HTTP: entry points,
// depth-first candidates, label matching, maximumDeployments. Errors the
// reference only finds at apply time (an entry point naming a chain that
// does not exist, a datacenter missing from the cluster) are diagnosed here,
// at the entry point or datacenter as written.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/Routing.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace overlord;
using namespace overlord::lower;

bool overlord::lower::labelsMatch(llvm::ArrayRef<std::string> NodeLabels,
                                  llvm::ArrayRef<std::string> Labels,
                                  llvm::ArrayRef<std::string> Exclude) {
  bool Match = false;
  for (const std::string &L : NodeLabels) {
    if (llvm::is_contained(Exclude, L))
      return false;
    Match |= llvm::is_contained(Labels, L);
  }
  return Match;
}

llvm::SMRange overlord::lower::locateText(const llvm::SourceMgr &SM,
                                          llvm::SMLoc Near,
                                          llvm::StringRef Anchor,
                                          llvm::StringRef Text) {
  if (!Near.isValid() || Text.empty())
    return {};
  unsigned Buf = SM.FindBufferContainingLoc(Near);
  if (!Buf)
    return {};
  llvm::StringRef B = SM.getMemoryBuffer(Buf)->getBuffer();
  size_t From = Anchor.empty() ? 0 : B.find(Anchor);
  if (From == llvm::StringRef::npos)
    return {};
  size_t At = B.find(Text, From);
  if (At == llvm::StringRef::npos)
    return {};
  const char *P = B.data() + At;
  return {llvm::SMLoc::getFromPointer(P),
          llvm::SMLoc::getFromPointer(P + Text.size())};
}

namespace {

class Router {
public:
  Router(const ast::Deployment &D, const ClusterSnapshot &S,
         DiagnosticEngine &Diags, const RouteOptions &Opts)
      : D(D), S(S), Diags(Diags), Opts(Opts) {}

  std::optional<std::vector<RouteTarget>> run();

private:
  llvm::SMLoc fileLoc() const {
    return D.Datacenters.empty() ? llvm::SMLoc()
                                 : D.Datacenters.front().Range.Start;
  }
  llvm::SMRange entrypointRange(llvm::StringRef EP) const {
    if (D.Deploy.EntrypointsDefaulted)
      for (const ast::Datacenter &DC : D.Datacenters)
        if (DC.Name == EP)
          return DC.Range;
    return locateText(Diags.getSourceMgr(), fileLoc(), "entrypoints", EP);
  }
  const ast::Datacenter *findSpecDC(llvm::StringRef Name) const {
    for (const ast::Datacenter &DC : D.Datacenters)
      if (DC.Name == Name)
        return &DC;
    return nullptr;
  }
  std::optional<NodeID> resolve(llvm::StringRef EP);
  void collect(NodeID N, std::vector<NodeID> &Out) const {
    Out.push_back(N);
    for (NodeID C : S.Nodes[N].Children)
      collect(C, Out);
  }

  const ast::Deployment &D;
  const ClusterSnapshot &S;
  DiagnosticEngine &Diags;
  const RouteOptions &Opts;
};

std::optional<NodeID> Router::resolve(llvm::StringRef EP) {
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  EP.split(Parts, '.');
  llvm::StringRef DCName = Parts.front();
  const SnapshotDatacenter *SD = S.findDatacenter(DCName);
  if (!SD) {
    std::vector<llvm::StringRef> Names;
    for (const SnapshotDatacenter &X : S.Datacenters)
      Names.push_back(X.Name);
    Diags.emit(entrypointRange(EP), diag::RouteUnknownDatacenter,
               DCName.str(),
               " '" + S.FileName + "'" +
                   didYouMean(suggestClosest(DCName, Names)));
    return std::nullopt;
  }
  NodeID N = SD->Root;
  for (llvm::StringRef Part : llvm::drop_begin(Parts)) {
    std::optional<NodeID> C = S.findChild(N, Part);
    if (!C) {
      std::vector<llvm::StringRef> Names;
      for (NodeID X : S.Nodes[N].Children)
        Names.push_back(S.Nodes[X].Name);
      Diags.emit(entrypointRange(EP), diag::RouteUnknownChain, EP.str(),
                 S.route(N), Part.str(),
                 didYouMean(suggestClosest(Part, Names)));
      return std::nullopt;
    }
    N = *C;
  }
  return N;
}

std::optional<std::vector<RouteTarget>> Router::run() {
  llvm::StringSet<> SeenEP;
  std::vector<NodeID> Candidates;
  bool Ok = true;
  for (const std::string &EP : D.Deploy.Entrypoints) {
    if (!SeenEP.insert(EP).second)
      continue;
    std::optional<NodeID> N = resolve(EP);
    if (!N) {
      Ok = false;
      continue;
    }
    collect(*N, Candidates);
  }
  if (!Ok)
    return std::nullopt;

  // labelsMatch() on label numbers: 1 = wanted, 2 = excluded (exclusion
  // wins). Labels no node reports cannot match and are left out.
  const LabelIndex &LI = S.labelIndex();
  std::vector<uint8_t> Mark(LI.IDs.size(), 0);
  auto MarkAll = [&](llvm::ArrayRef<std::string> L, uint8_t Bit) {
    for (const std::string &X : L) {
      auto It = LI.IDs.find(X);
      if (It != LI.IDs.end())
        Mark[It->second] |= Bit;
    }
  };
  MarkAll(D.Deploy.Labels, 1);
  MarkAll(D.Deploy.Exclude, 2);
  auto Matches = [&](NodeID N) {
    bool Match = false;
    for (unsigned L : LI.NodeLabels[N]) {
      if (Mark[L] & 2)
        return false;
      Match |= Mark[L] != 0;
    }
    return Match;
  };

  std::vector<RouteTarget> Out;
  std::vector<bool> Planned(S.Nodes.size(), false);
  uint64_t Requests = 0;
  for (NodeID N : Candidates) {
    const ChainNode &CN = S.Nodes[N];
    if (!Matches(N))
      continue;
    if (Planned[N]) {
      Diags.emit(entrypointRange(D.Deploy.Entrypoints.front()),
                 diag::RouteDuplicateTarget, S.route(N));
      continue;
    }
    Planned[N] = true;
    RouteTarget T;
    T.Node = N;
    T.Datacenter = S.Datacenters[CN.Datacenter].Name;
    T.Chain = CN.Path;
    T.Route = S.route(N);
    T.Labels = CN.Labels;
    T.DC = findSpecDC(T.Datacenter);
    Out.push_back(std::move(T));
    Requests += Opts.RequestsPerTarget;
    if (D.MaximumDeployments > 0 &&
        Requests >= uint64_t(D.MaximumDeployments))
      break;
  }
  if (Out.empty() && Opts.WarnNoTarget) {
    auto List = [](llvm::ArrayRef<std::string> L) {
      std::string R = "[";
      for (const std::string &X : L)
        R += (R.size() > 1 ? ", '" : "'") + X + "'";
      return R + "]";
    };
    Diags.emit(locateText(Diags.getSourceMgr(), fileLoc(), "", "deployIn"),
               diag::RouteNoTarget, List(D.Deploy.Labels),
               D.Deploy.Exclude.empty()
                   ? std::string()
                   : " without one of " + List(D.Deploy.Exclude));
  }
  return Out;
}

} // namespace

std::optional<std::vector<RouteTarget>>
overlord::lower::routeDeployment(const ast::Deployment &D,
                                 const ClusterSnapshot &S,
                                 DiagnosticEngine &Diags,
                                 const RouteOptions &Opts) {
  return Router(D, S, Diags, Opts).run();
}
