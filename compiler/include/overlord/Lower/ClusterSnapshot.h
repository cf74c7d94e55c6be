//===- ClusterSnapshot.h - The chain tree a plan is routed on ---*- C++ -*-===//
//
// A cluster snapshot is what `overlordc plan` routes a deployment against:
// for each datacenter of a deployment file, the tree of chains reachable from
// its entry point, with the labels each node reports (in the order its
// `GET /v1/labels` returns them) and, when known, the digest of the plan each
// project on it was last applied from. The file format is JSON, version 1,
// described in docs/ClusterSnapshot.md.
//
// Nodes are stored in one vector and referred to by index; a node's chain
// path is relative to its datacenter (`alpha.charlie`, "" for the root),
// exactly the `chain` the reference passes to `/v1/chain/<path>/...`.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LOWER_CLUSTERSNAPSHOT_H
#define OVERLORD_LOWER_CLUSTERSNAPSHOT_H

#include "overlord/Support/Diagnostics.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SMLoc.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace overlord::lower {

/// Index of a node in ClusterSnapshot::Nodes.
using NodeID = unsigned;

/// One Overlord node: a datacenter's entry point or a chain below it.
struct ChainNode {
  std::string Name;                ///< chain name; the datacenter's for roots
  std::string Path;                ///< relative chain path, "" for a root
  std::vector<std::string> Labels; ///< as the node reports them
  /// project name -> "sha256:<hex>" of the plan it was applied from.
  std::vector<std::pair<std::string, std::string>> Applied;
  std::vector<NodeID> Children; ///< in the node's `chains` order
  unsigned Datacenter = 0;      ///< index into ClusterSnapshot::Datacenters
  unsigned Depth = 0;           ///< 0 for a root
  llvm::SMRange Range;          ///< the node's name in the snapshot file
};

/// One datacenter: a name as deployment files write it and its root node.
struct SnapshotDatacenter {
  std::string Name;
  std::optional<std::string> Entrypoint; ///< informational URL
  NodeID Root = 0;
};

/// Every distinct node label of a snapshot numbered, and each node's labels
/// as those numbers, so routing compares integers, not strings.
struct LabelIndex {
  llvm::StringMap<unsigned> IDs;               ///< label -> number
  std::vector<std::vector<unsigned>> NodeLabels; ///< parallel to Nodes
};

/// A parsed, checked cluster snapshot.
class ClusterSnapshot {
public:
  static constexpr int64_t CurrentVersion = 1;
  static constexpr unsigned DefaultMaxDepth = 32;

  std::vector<SnapshotDatacenter> Datacenters; ///< in file order
  std::vector<ChainNode> Nodes;                ///< roots and chains
  std::string FileName;                        ///< where it was read from

  /// The datacenter with this name, or null.
  const SnapshotDatacenter *findDatacenter(llvm::StringRef Name) const;
  /// The child of Node named Name, if any.
  std::optional<NodeID> findChild(NodeID Node, llvm::StringRef Name) const;
  /// The digest of the plan Project was applied from on Node, or "".
  llvm::StringRef appliedDigest(NodeID Node, llvm::StringRef Project) const;
  /// `dc` or `dc.alpha.charlie`: the node's full route.
  std::string route(NodeID Node) const;

  /// The canonical JSON form (every default explicit, object keys sorted
  /// when printed).
  llvm::json::Value toJson() const;
  /// "sha256:<hex>" of the compact canonical JSON; stable across key order,
  /// whitespace and omitted defaults of the file it was read from.
  std::string digest() const;

  /// The label index of Nodes, built on first use and again when nodes were
  /// added since (a node's Labels must not change once routing started).
  /// Not thread-safe: routing is sequential.
  const LabelIndex &labelIndex() const;

  /// Adds a datacenter with a root node; returns the root.
  NodeID addDatacenter(llvm::StringRef Name, std::vector<std::string> Labels);
  /// Adds a chain below Parent; returns it.
  NodeID addChain(NodeID Parent, llvm::StringRef Name,
                  std::vector<std::string> Labels);

private:
  mutable std::optional<LabelIndex> LabelCache;
};

/// Reads and checks buffer BufferID of the engine's SourceMgr. Every problem
/// is diagnosed at its position in the file; returns nullopt on errors.
std::optional<ClusterSnapshot>
parseClusterSnapshot(unsigned BufferID, DiagnosticEngine &Diags,
                     unsigned MaxDepth = ClusterSnapshot::DefaultMaxDepth);

/// `^[a-zA-Z0-9_][a-zA-Z0-9_-]*$` (overlord.chains.REGEX_CHAIN_NAME).
bool isValidChainName(llvm::StringRef Name);
/// `^[a-z][a-z0-9]*((\.|-)?[a-z][a-z0-9]*)*$` (overlord.chains.REGEX_LABEL).
bool isValidLabel(llvm::StringRef Label);

} // namespace overlord::lower

#endif // OVERLORD_LOWER_CLUSTERSNAPSHOT_H
