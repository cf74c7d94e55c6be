//===- Fragment.h - What a node does with its plan fragment -----*- C++ -*-===//
//
// `POST /v1/plan` hands a node the `.oplan` fragment of its own target. This
// turns the verified fragment into the node's actions, in plan order:
//
//   metadata.put / metadata.delete       Apply: the MetadataStore, at once
//   namespace.create/update/delete        Apply: the NamespaceStore, at once
//   autoscale "p"                         Apply: metadata
//                                         `overlord.autoscale.<p>` with the
//                                         JSON the reference client writes
//   project.up / project.down             Job: queued
//   project.cancel                        Job (kind project.cancel): must go
//                                         through JobQueue::cancel()
//   vm.create + its vm.* steps            Job: vm.create with the reference
//                                         VM profile (vmProfileFromPlan)
//   skydns.record / lb.server             folded into their project's
//                                         project.up payload as "hooks"
//                                         (informational: the jail labels
//                                         drive the integrations)
//
// Secrets travel as digests in the plan; the caller passes their values
// (digest -> value). A digest the fragment uses without a value is an error
// and nothing is returned, so nothing runs.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_FRAGMENT_H
#define OVERLORD_ENGINE_FRAGMENT_H

#include "overlord/Engine/JobQueue.h"
#include "overlord/IR/Plan.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace overlord::engine {

class MetadataStore;
class NamespaceStore;

/// One thing the node does for one op of the fragment.
struct FragmentAction {
  /// The op's mnemonic ("project.up") and symbol ("web").
  std::string Op, Symbol;
  /// Set for queued work. Kind ProjectCancel must be passed to
  /// JobQueue::cancel(Project) (enqueue() refuses it).
  std::optional<NewJob> Job;
  /// Set for synchronous work (metadata, namespaces, autoscale): runs it
  /// and returns what happened ("created", "updated", "unchanged",
  /// "deleted", "not-found"), or an error.
  std::function<llvm::Expected<std::string>()> Apply;
};

/// The node's actions for the verified plan P, which must have exactly one
/// target. Secrets maps "secret:hmac-sha256:<hex>" to the value. Meta and
/// Ns are captured by the Apply closures and must outlive them.
llvm::Expected<std::vector<FragmentAction>>
planFragment(const ir::Plan &P, const std::map<std::string, std::string> &Secrets,
             MetadataStore &Meta, NamespaceStore &Ns);

/// Every secret digest the fragment's ops use (sorted, unique), so that the
/// API can report all missing values at once.
std::vector<std::string> fragmentSecrets(const ir::Plan &P);

/// The `project.up` payload of an op (brief "Job payloads"), with secrets
/// resolved and Hooks (may be empty) as "hooks".
llvm::Expected<std::string>
projectUpPayload(const ir::ProjectUpOp &Op,
                 const std::map<std::string, std::string> &Secrets,
                 const llvm::json::Array &Hooks);

/// The text apply.py writes to `overlord.autoscale.<project>` (§1.3 step 6,
/// §9.1): `json.dumps({"projectFile", "environment", "autoScale",
/// "reserve_port"}, indent=4)`, byte for byte as Python prints it.
llvm::Expected<std::string>
autoscaleMetadata(const ir::AutoscaleOp &Op,
                  const std::map<std::string, std::string> &Secrets);

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_FRAGMENT_H
