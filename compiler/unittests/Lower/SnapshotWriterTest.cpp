//===- SnapshotWriterTest.cpp - parse(write(x)) == x ------------*- C++ -*-===//
//
// The snapshot writer (SnapshotWriter.h) against the parser: a snapshot
// built in memory, written and read back, has the same datacenters, nodes,
// labels (order and empty lists included), applied digests and entry
// points, and so the same digest; writing again gives the same text.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/ClusterSnapshot.h"
#include "overlord/Lower/SnapshotWriter.h"

#include "llvm/Support/MemoryBuffer.h"
#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::lower;

namespace {

ClusterSnapshot sample() {
  ClusterSnapshot S;
  NodeID Main = S.addDatacenter("main", {"all", "desktop"});
  S.Datacenters.back().Entrypoint = "http://127.0.0.1:8888";
  S.Nodes[Main].Applied = {
      {"a", "sha256:" + std::string(64, '1')},
      {"web", "sha256:" + std::string(64, 'a')}};
  NodeID Alpha = S.addChain(Main, "alpha", {"zeta", "all"});
  S.addChain(Alpha, "charlie", {});
  S.addChain(Alpha, "bravo-2", {"db"});
  S.addDatacenter("r2", {"all"});
  return S;
}

bool sameNodes(const ClusterSnapshot &A, const ClusterSnapshot &B) {
  if (A.Nodes.size() != B.Nodes.size() ||
      A.Datacenters.size() != B.Datacenters.size())
    return false;
  for (size_t I = 0; I < A.Datacenters.size(); ++I)
    if (A.Datacenters[I].Name != B.Datacenters[I].Name ||
        A.Datacenters[I].Entrypoint != B.Datacenters[I].Entrypoint ||
        A.Datacenters[I].Root != B.Datacenters[I].Root)
      return false;
  for (size_t I = 0; I < A.Nodes.size(); ++I) {
    const ChainNode &X = A.Nodes[I], &Y = B.Nodes[I];
    if (X.Name != Y.Name || X.Path != Y.Path || X.Labels != Y.Labels ||
        X.Applied != Y.Applied || X.Children != Y.Children ||
        X.Datacenter != Y.Datacenter || X.Depth != Y.Depth)
      return false;
  }
  return true;
}

TEST(SnapshotWriter, RoundTrip) {
  ClusterSnapshot S = sample();
  std::string Text = writeClusterSnapshotToString(S);
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  unsigned B = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Text, "snap.json"), llvm::SMLoc());
  std::optional<ClusterSnapshot> R = parseClusterSnapshot(B, Diags);
  ASSERT_TRUE(R) << Text;
  EXPECT_FALSE(Diags.hasErrors());
  EXPECT_TRUE(sameNodes(S, *R)) << Text;
  EXPECT_EQ(S.digest(), R->digest());
  EXPECT_EQ(Text, writeClusterSnapshotToString(*R));
}

TEST(SnapshotWriter, CanonicalText) {
  ClusterSnapshot S;
  S.addDatacenter("main", {});
  EXPECT_EQ(writeClusterSnapshotToString(S),
            "{\n"
            "  \"version\": 1,\n"
            "  \"datacenters\": [\n"
            "    {\n"
            "      \"name\": \"main\",\n"
            "      \"labels\": [],\n"
            "      \"applied\": {},\n"
            "      \"chains\": []\n"
            "    }\n"
            "  ]\n"
            "}\n");
}

} // namespace
