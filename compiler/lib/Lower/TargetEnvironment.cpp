//===- TargetEnvironment.cpp - Per-target project environment ---*- C++ -*-===//
//
// The layers of §2.5 applied with dict.update semantics: a later layer (and
// a later duplicate inside one layer) overrides an earlier one. Scopes are
// matched exactly as the reference looks them up: labels by the node's
// label names, chains by relative path or "<root>", datacenters by name.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/TargetEnvironment.h"

#include "llvm/ADT/StringExtras.h"

using namespace overlord;
using namespace overlord::lower;

namespace {

void applyLayer(ResolvedEnvironment &Env, const ast::StringPairs &Vars,
                const ast::SecretNames &Secrets, const std::string &Origin) {
  for (const auto &[Name, Value] : Vars) {
    Env.Vars[Name] = Value;
    Env.Origin[Name] = Origin;
  }
  Env.Secret.insert(Secrets.begin(), Secrets.end());
}

void applyScoped(ResolvedEnvironment &Env,
                 const std::vector<ast::ScopedEnvironment> &Scopes,
                 llvm::StringRef Scope, llvm::StringRef Layer) {
  for (const ast::ScopedEnvironment &S : Scopes)
    if (S.Scope == Scope)
      applyLayer(Env, S.Vars, S.Secrets, (Layer + "." + Scope).str());
}

} // namespace

ResolvedEnvironment
overlord::lower::resolveEnvironment(const ast::DirectorProjectSpec &P,
                                    const RouteTarget &T) {
  ResolvedEnvironment Env;
  applyLayer(Env, P.Environment, P.EnvironmentSecrets, "environment");
  for (const std::string &Label : T.Labels)
    applyScoped(Env, P.LabelsEnvironment, Label, "labelsEnvironment");
  applyScoped(Env, P.ChainsEnvironment,
              T.Chain.empty() ? llvm::StringRef("<root>")
                              : llvm::StringRef(T.Chain),
              "chainsEnvironment");
  applyScoped(Env, P.DatacentersEnvironment, T.Datacenter,
              "datacentersEnvironment");
  Env.DeferredMetadata = P.EnvironFromMetadata;
  return Env;
}

std::map<std::string, std::string>
overlord::lower::reservePortMap(const ast::DirectorProjectSpec &P) {
  std::map<std::string, std::string> Out;
  for (const ast::ReservePort &R : P.ReservePorts)
    Out[R.Interface] = R.Network.value_or("");
  return Out;
}

std::string overlord::lower::freePortVariable(llvm::StringRef Interface) {
  return "OVERLORD_FREEPORT_" + Interface.upper();
}

std::vector<std::string>
overlord::lower::nodeVariables(const ast::DirectorProjectSpec &P) {
  std::vector<std::string> Out = {"OVERLORD_METADATA", "OVERLORD_NAMESPACES"};
  for (const ast::ReservePort &R : P.ReservePorts)
    Out.push_back(freePortVariable(R.Interface));
  return Out;
}
