//===- SnapshotWriter.h - Writing cluster snapshot files --------*- C++ -*-===//
//
// The writer matching parseClusterSnapshot() (docs/ClusterSnapshot.md):
// `overlordc cluster snapshot` writes the live snapshot with it, and `plan
// --cluster` reads the file back. The text is canonical and deterministic:
// two-space indentation, keys in a fixed order (`version`, `datacenters`;
// per node `name`, `entrypoint` (roots), `labels`, `applied`, `chains`),
// every default written out, labels and chains in snapshot order, applied
// projects sorted. parseClusterSnapshot(write(S)) gives S back (same nodes,
// labels, applied digests and entry points, hence the same digest()).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LOWER_SNAPSHOTWRITER_H
#define OVERLORD_LOWER_SNAPSHOTWRITER_H

#include "overlord/Lower/ClusterSnapshot.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace overlord::lower {

/// Writes S as a version 1 snapshot file, ending with a newline.
void writeClusterSnapshot(const ClusterSnapshot &S, llvm::raw_ostream &OS);

/// The same, as a string.
std::string writeClusterSnapshotToString(const ClusterSnapshot &S);

} // namespace overlord::lower

#endif // OVERLORD_LOWER_SNAPSHOTWRITER_H
