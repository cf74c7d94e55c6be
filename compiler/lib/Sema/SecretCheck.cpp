//===- SecretCheck.cpp - Where `!SECRET` values are allowed -----*- C++ -*-===//
//
// A scalar written `!SECRET` (docs/DeploymentFiles.md, "Secrets") is only
// meaningful where lowering can seal it: values of environment variables,
// metadata, appConfig, VM environments and arguments, and access_token.
// Anywhere else (`projectName`, `kind`, a Director file...) it would be
// printed in clear, so it is an error. The check walks the whole document by
// path, after the kind's own checks, so aliases and merge keys are seen
// where they are used.
//
//===----------------------------------------------------------------------===//
#include "SpecCheckerImpl.h"

#include "llvm/ADT/SmallVector.h"

#include <deque>
#include <functional>
#include <string>

using namespace overlord;
using namespace overlord::sema;
using ast::Value;

void sema::collectSecretNames(const Value &Map, ast::SecretNames &Out) {
  if (!Map.isMap())
    return;
  for (const ast::MapEntry &E : Map.Entries)
    if (E.Key && E.Key->isString() && E.Val && E.Val->Secret)
      Out.insert(E.Key->Text);
}

namespace {

/// A path step: a map key, or "[]" for a list item.
using Steps = llvm::SmallVector<llvm::StringRef, 8>;

bool isListStep(llvm::StringRef S) { return S == "[]"; }

/// True when a `!SECRET` scalar may stand at Path in a deployment of kind K
/// (nullopt: the kind is unknown, only the global places are allowed).
bool allowedInDeployment(const Steps &Path,
                         std::optional<ast::DeploymentKind> K) {
  // datacenters.<dc>.access_token, in every kind.
  if (Path.size() == 3 && Path[0] == "datacenters" && !isListStep(Path[1]) &&
      Path[2] == "access_token")
    return true;
  if (!K)
    return false;
  switch (*K) {
  case ast::DeploymentKind::DirectorProject:
    if (Path.size() == 2 && Path[0] == "environment" && !isListStep(Path[1]))
      return true;
    return Path.size() == 3 &&
           (Path[0] == "labelsEnvironment" ||
            Path[0] == "chainsEnvironment" ||
            Path[0] == "datacentersEnvironment") &&
           !isListStep(Path[1]) && !isListStep(Path[2]);
  case ast::DeploymentKind::Metadata:
    return Path.size() == 2 && Path[0] == "metadata" && !isListStep(Path[1]);
  case ast::DeploymentKind::AppConfig:
    return Path.size() == 2 && Path[0] == "appConfig" && !isListStep(Path[1]);
  case ast::DeploymentKind::VmJail:
    return Path.size() == 3 &&
           (Path[0] == "script-environment" ||
            Path[0] == "start-environment" ||
            Path[0] == "start-arguments" ||
            Path[0] == "build-environment" ||
            Path[0] == "build-arguments") &&
           isListStep(Path[1]) && !isListStep(Path[2]);
  case ast::DeploymentKind::ReadOnly:
    return false;
  }
  return false;
}

class Walker {
public:
  Walker(DiagnosticEngine &Diags,
         std::function<bool(const Steps &)> Allowed)
      : Diags(Diags), Allowed(std::move(Allowed)) {}

  void walk(const Value &V, const std::string &Printed) {
    if (++Visited > Limit)
      return; // aliases are bounded by the front end; stay linear anyway
    if (V.Secret && !Allowed(Path))
      Diags.emit(V.Range, diag::SecretNotAllowed,
                 Printed.empty() ? std::string("the document") : Printed);
    if (V.isList()) {
      for (size_t I = 0; I < V.Items.size(); ++I) {
        if (!V.Items[I])
          continue;
        Path.push_back("[]");
        walk(*V.Items[I], Printed + "[" + std::to_string(I) + "]");
        Path.pop_back();
      }
    } else if (V.isMap()) {
      for (const ast::MapEntry &E : V.Entries) {
        if (E.Key && E.Key->Secret)
          Diags.emit(E.Key->Range, diag::SecretOnKey,
                     SchemaChecker::join(Printed, E.Key->Text));
        if (!E.Key || !E.Val)
          continue;
        std::string Key = E.Key->isScalar() ? E.Key->asPythonString() : "?";
        Path.push_back(Keys.emplace_back(Key));
        walk(*E.Val, SchemaChecker::join(Printed, Key));
        Path.pop_back();
      }
    }
  }

private:
  DiagnosticEngine &Diags;
  std::function<bool(const Steps &)> Allowed;
  Steps Path;
  std::deque<std::string> Keys; ///< owns the text Path points into
  size_t Visited = 0;
  static constexpr size_t Limit = 1u << 22;
};

} // namespace

void sema::checkSecretPlacement(SpecState &S,
                                std::optional<ast::DeploymentKind> K) {
  Walker W(S.diags(),
           [K](const Steps &P) { return allowedInDeployment(P, K); });
  W.walk(S.Root, "");
}

void sema::checkIncludedSecretPlacement(SpecState &S, const Value &Root) {
  // An included metadata file is a map of metadata keys to values.
  Walker W(S.diags(), [](const Steps &P) {
    return P.size() == 1 && !isListStep(P[0]);
  });
  W.walk(Root, "");
}
