//===- PlanSource.h - What a plan's header records of its inputs -*- C++ -*-===//
//
// The `source` lines of a plan header (docs/PlanIR.md, "Header"): one per
// deployment a plan is compiled from, naming it by its file name without
// folder and extension and identifying it by the digest of its canonical
// specification, so that equivalent inputs give byte-identical plans: a
// YAML file and its DSL twin, a file reformatted by `fmt` or converted by
// `convert`, the same file in another checkout.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_DRIVER_PLANSOURCE_H
#define OVERLORD_DRIVER_PLANSOURCE_H

#include "overlord/AST/Spec.h"
#include "overlord/IR/Plan.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace overlord::driver {

/// The name a plan records for the deployment file Path: its file name
/// without folder and extension ("web" for examples/web.yml, web.yaml and
/// web.ovl); "-" for standard input.
std::string planSourceName(llvm::StringRef Path);

/// The digest a plan records for deployment D: "sha256:<hex>" of its
/// canonical specification, the JSON `overlordc print-spec` prints (secrets
/// masked) written compactly (keys sorted, no spaces). The same for every
/// file that means the same deployment, whatever its syntax or layout.
std::string planSourceDigest(const ast::Deployment &D);

/// Records deployment D, loaded from Path, in the header of the plan B
/// builds (planSourceName, planSourceDigest).
void addPlanSource(ir::PlanBuilder &B, llvm::StringRef Path,
                   const ast::Deployment &D);

} // namespace overlord::driver

#endif // OVERLORD_DRIVER_PLANSOURCE_H
