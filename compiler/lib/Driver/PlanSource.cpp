//===- PlanSource.cpp - What a plan's header records of its inputs -------===//
//
// The deployment's name and the digest of its canonical specification
// (PlanSource.h). The specification is sema::printSpec's JSON with secrets
// masked: the plan's ops already carry keyed digests of the secrets, and a
// plain hash of a low-entropy secret could be guessed from the header.
//
//===----------------------------------------------------------------------===//
#include "overlord/Driver/PlanSource.h"

#include "overlord/Sema/SpecChecker.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;

std::string driver::planSourceName(llvm::StringRef Path) {
  if (Path == "-")
    return "-";
  return llvm::sys::path::stem(Path).str();
}

std::string driver::planSourceDigest(const ast::Deployment &D) {
  std::string Json;
  llvm::raw_string_ostream OS(Json);
  // llvm::json prints object members sorted by key, without spaces.
  OS << sema::printSpec(D, /*ShowSecrets=*/false);
  OS.flush();
  return ir::sha256Digest(Json);
}

void driver::addPlanSource(ir::PlanBuilder &B, llvm::StringRef Path,
                           const ast::Deployment &D) {
  B.addSourceDigest(planSourceName(Path), planSourceDigest(D));
}
