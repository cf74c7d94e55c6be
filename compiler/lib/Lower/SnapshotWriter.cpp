//===- SnapshotWriter.cpp - Writing cluster snapshot files ------*- C++ -*-===//
//
// llvm::json::OStream with attributes written one by one, so the key order
// is the documented one rather than the sorted order json::Object prints.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/SnapshotWriter.h"

#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace overlord;
using namespace overlord::lower;

static void writeNode(llvm::json::OStream &J, const ClusterSnapshot &S,
                      NodeID ID, bool IsRoot) {
  const ChainNode &N = S.Nodes[ID];
  J.object([&] {
    J.attribute("name", N.Name);
    if (IsRoot && S.Datacenters[N.Datacenter].Entrypoint)
      J.attribute("entrypoint", *S.Datacenters[N.Datacenter].Entrypoint);
    J.attributeArray("labels", [&] {
      for (const std::string &L : N.Labels)
        J.value(L);
    });
    std::vector<std::pair<std::string, std::string>> Applied = N.Applied;
    std::sort(Applied.begin(), Applied.end());
    J.attributeObject("applied", [&] {
      for (const auto &[Project, Digest] : Applied)
        J.attribute(Project, Digest);
    });
    J.attributeArray("chains", [&] {
      for (NodeID C : N.Children)
        writeNode(J, S, C, /*IsRoot=*/false);
    });
  });
}

void overlord::lower::writeClusterSnapshot(const ClusterSnapshot &S,
                                           llvm::raw_ostream &OS) {
  llvm::json::OStream J(OS, /*IndentSize=*/2);
  J.object([&] {
    J.attribute("version", ClusterSnapshot::CurrentVersion);
    J.attributeArray("datacenters", [&] {
      for (const SnapshotDatacenter &D : S.Datacenters)
        writeNode(J, S, D.Root, /*IsRoot=*/true);
    });
  });
  OS << "\n";
}

std::string overlord::lower::writeClusterSnapshotToString(
    const ClusterSnapshot &S) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  writeClusterSnapshot(S, OS);
  OS.flush();
  return Text;
}
