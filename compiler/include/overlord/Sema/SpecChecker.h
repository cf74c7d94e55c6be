//===- SpecChecker.h - overlord-spec(5) checking ----------------*- C++ -*-===//
//
// Checks a parsed deployment file against overlord-spec(5) -- all five
// kinds, every field with its type, default and validation rule -- and
// builds the typed ast::Deployment with every default filled in. Embedded
// documents are checked too: the Director file in `projectFile`, Makejails
// carried as metadata, AppJail option strings. Every error is reported
// (never just the first); a subtree that failed is not re-checked, so one
// mistake gives one diagnostic.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_SEMA_SPECCHECKER_H
#define OVERLORD_SEMA_SPECCHECKER_H

#include "overlord/AST/Spec.h"
#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"

#include "llvm/Support/JSON.h"

#include <functional>
#include <memory>
#include <optional>

namespace overlord::sema {

struct CheckContext {
  DiagnosticEngine &Diags;
  /// Parses a string scalar as YAML (the Director file of `projectFile`).
  /// Injected by the driver, so Sema does not depend on a front end.
  std::function<std::unique_ptr<ast::Document>(const ast::Value &)>
      ParseEmbeddedYaml;
  /// Reads and parses a YAML file named by `include:` (relative to the
  /// current directory, as the reference does); From is the list item.
  std::function<std::unique_ptr<ast::Document>(llvm::StringRef Path,
                                               llvm::SMRange From)>
      LoadYamlFile;
};

/// Checks Doc. Returns the typed deployment, or nullopt when any error was
/// reported.
std::optional<ast::Deployment> checkDeployment(const ast::Document &Doc,
                                               CheckContext &Ctx);

/// The fully defaulted specification as JSON in the shape of the reference's
/// `overlord print-spec`. `access_token` values are masked unless
/// ShowSecrets.
llvm::json::Value printSpec(const ast::Deployment &D, bool ShowSecrets);

} // namespace overlord::sema

#endif // OVERLORD_SEMA_SPECCHECKER_H
