//===- Routing.h - Resolve the targets of a deployment ----------*- C++ -*-===//
//
// Routes a deployment against a cluster snapshot exactly as the reference's
// `overlord apply` walks chains (src/overlord/commands/apply.py,
// overlord-behaviour.md §1.3, §2.3):
//
//  1. entry points = deployIn.entrypoints, or every datacenter name; each is
//     `dc[.chain...]`, de-duplicated by full string, in order;
//  2. for each entry point, the candidates are the node it names followed by
//     all its descendants, depth first, children in the node's chain order;
//  3. a candidate is a target iff one of its labels is in deployIn.labels
//     and none is in deployIn.exclude;
//  4. with maximumDeployments = N > 0, targets are taken in that order until
//     the requests made reach N (one per target, one per metadata key and
//     namespace for `kind: metadata`, as the reference counts).
//
// Unlike the reference, a node reached from two overlapping entry points is
// planned once (the plan has one op per target and project).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LOWER_ROUTING_H
#define OVERLORD_LOWER_ROUTING_H

#include "overlord/AST/Spec.h"
#include "overlord/Lower/ClusterSnapshot.h"
#include "overlord/Support/Diagnostics.h"

#include <optional>
#include <string>
#include <vector>

namespace overlord::lower {

/// One node a deployment is sent to.
struct RouteTarget {
  NodeID Node = 0;
  std::string Datacenter;          ///< the datacenter name
  std::string Chain;               ///< relative chain path, "" for the root
  std::string Route;               ///< `dc` or `dc.alpha.charlie`
  std::vector<std::string> Labels; ///< as the node reports them
  const ast::Datacenter *DC = nullptr; ///< the deployment's datacenter entry
};

struct RouteOptions {
  /// Requests one target costs against maximumDeployments.
  unsigned RequestsPerTarget = 1;
  /// Warn when no node matches (off for appConfig's first pass).
  bool WarnNoTarget = true;
};

/// The targets of D in the reference's order, or nullopt after an error
/// (a datacenter missing from the deployment or the snapshot, an entry point
/// naming no node).
std::optional<std::vector<RouteTarget>>
routeDeployment(const ast::Deployment &D, const ClusterSnapshot &S,
                DiagnosticEngine &Diags, const RouteOptions &Opts = {});

/// The label rule of §2.3: some label in Labels, none in Exclude.
bool labelsMatch(llvm::ArrayRef<std::string> NodeLabels,
                 llvm::ArrayRef<std::string> Labels,
                 llvm::ArrayRef<std::string> Exclude);

/// Where Text is written in the deployment file: the first occurrence after
/// the first occurrence of Anchor in the buffer holding Near (a location
/// known to be in the deployment file). An empty range when not found.
llvm::SMRange locateText(const llvm::SourceMgr &SM, llvm::SMLoc Near,
                         llvm::StringRef Anchor, llvm::StringRef Text);

} // namespace overlord::lower

#endif // OVERLORD_LOWER_ROUTING_H
