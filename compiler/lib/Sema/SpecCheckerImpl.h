//===- SpecCheckerImpl.h - Internals of the spec checker --------*- C++ -*-===//
//
// Shared between the files of the overlord-spec(5) checker: the state of one
// check (the toolkit, the root map, the deployment being built) and the
// per-section entry points, one file each:
//
//   SpecChecker.cpp          kind, top-level keys, datacenters, deployIn
//   DirectorProjectCheck.cpp kind: directorProject
//   AutoScaleCheck.cpp       directorProject's autoScale
//   MetadataCheck.cpp        kind: metadata, appConfig, readOnly
//   PrintSpec.cpp            print-spec
//   SecretCheck.cpp          where `!SECRET` values are allowed
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_SEMA_SPECCHECKERIMPL_H
#define OVERLORD_LIB_SEMA_SPECCHECKERIMPL_H

#include "SchemaCheck.h"

#include "overlord/AST/Spec.h"

#include "llvm/Support/JSON.h"

#include <memory>
#include <optional>
#include <vector>

namespace overlord::sema {

/// The keys allowed at the top level of each kind (§2.3-§2.10).
llvm::ArrayRef<llvm::StringRef> allowedTopLevelKeys(ast::DeploymentKind K);
/// Every key that is top-level in some kind (for mis-nesting detection).
bool isTopLevelKeyOfAnyKind(llvm::StringRef Key);

/// One run of checkDeployment.
struct SpecState {
  SchemaChecker &C;
  const ast::Value &Root;
  ast::Deployment &Out;
  /// Embedded and included documents, alive for the whole check.
  std::vector<std::unique_ptr<ast::Document>> Docs;

  DiagnosticEngine &diags() { return C.diags(); }
  CheckContext &ctx() { return C.context(); }
  /// True when a datacenter named Name was declared.
  bool hasDatacenter(llvm::StringRef Name) const;
  /// Declared datacenter names, for suggestions.
  std::vector<llvm::StringRef> datacenterNames() const;
};

/// kind: directorProject (everything but the global keys).
bool checkDirectorProject(SpecState &S);
/// directorProject's autoScale section (V present, not null).
bool checkAutoScale(SpecState &S, const ast::Value &V, ast::AutoScale &Out,
                    llvm::json::Value &Raw);
/// kind: metadata.
bool checkMetadataKind(SpecState &S);
/// kind: appConfig.
bool checkAppConfig(SpecState &S);
/// Checks a metadata value by its key: Makejails are parsed, YAML files
/// parsed for syntax.
void checkMetadataContent(SpecState &S, llvm::StringRef Key,
                          const ast::Value &V);

/// Adds to Out the keys of Map whose values were written `!SECRET`.
void collectSecretNames(const ast::Value &Map, ast::SecretNames &Out);
/// Reports every `!SECRET` scalar of the deployment where secrets are not
/// allowed for kind K (SecretCheck.cpp).
void checkSecretPlacement(SpecState &S, std::optional<ast::DeploymentKind> K);
/// The same for a file included by a metadata deployment (its top-level
/// values are metadata values).
void checkIncludedSecretPlacement(SpecState &S, const ast::Value &Root);

using ast::toJson;
/// The range of part [Begin, Begin+Len) of a single-line string scalar, or
/// the whole range when positions inside it are not exact.
llvm::SMRange subRange(const ast::Value &V, size_t Begin, size_t Len);

} // namespace overlord::sema

#endif // OVERLORD_LIB_SEMA_SPECCHECKERIMPL_H
