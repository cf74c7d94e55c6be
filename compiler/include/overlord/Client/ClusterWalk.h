//===- ClusterWalk.h - The live tree of chains of a datacenter --*- C++ -*-===//
//
// Every node below a datacenter's entry point is reached through it: a
// request for `/v1/<rest>` on the node at relative chain path `alpha.charlie`
// is `/v1/chain/alpha.charlie/<rest>` on the entry point (chainPath()).
//
// walkDatacenter() adds one datacenter's tree to a lower::ClusterSnapshot:
//
//  * overlordd entry points answer `GET /v1/tree` with the whole subtree in
//    one request (labels, applied-plan digests, children; unreachable,
//    cyclic or too deep subtrees reported as such);
//  * an entry point that answers 404 there (a reference Python node) is
//    walked as the reference client walks it (`get_all_chains`): `GET
//    /v1/labels` and `GET /v1/chains` on the root, then `/v1/chain/<c>/...`
//    depth first. Such a walk cannot see node ids, so it stops at depth 32
//    and at a path whose last segments repeat a node's own (same name
//    sequence, same labels, same children): a probable cycle.
//
// An unreachable subtree is left out of the snapshot with one warning that
// names its route and the error; only an unreachable root fails the walk.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_CLIENT_CLUSTERWALK_H
#define OVERLORD_CLIENT_CLUSTERWALK_H

#include "overlord/Client/HttpClient.h"
#include "overlord/Lower/ClusterSnapshot.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <string>

namespace overlord::client {

/// The URL path of `Rest` (`/v1/labels`) on the node at relative chain path
/// Chain ("" for the entry point itself): `/v1/chain/<Chain>/labels`.
std::string chainPath(llvm::StringRef Chain, llvm::StringRef Rest);

/// Receives one warning: the route it is about and the text.
using WalkWarning =
    std::function<void(llvm::StringRef Route, const std::string &Msg)>;

/// How walkDatacenter() reached the nodes.
enum class WalkMode { Tree, Reference };

/// Adds datacenter Dc, reached with C, to Snap (root, labels, applied
/// digests, every reachable chain). Subtree problems go to Warn; an error is
/// returned (and nothing added) only when the root cannot be read.
llvm::Expected<WalkMode> walkDatacenter(HttpClient &C, llvm::StringRef Dc,
                                        lower::ClusterSnapshot &Snap,
                                        const WalkWarning &Warn);

/// The node at Route (`main.alpha.charlie`) in Snap, if any.
std::optional<lower::NodeID> findRoute(const lower::ClusterSnapshot &Snap,
                                       llvm::StringRef Route);

} // namespace overlord::client

#endif // OVERLORD_CLIENT_CLUSTERWALK_H
