//===- PrintSpec.cpp - The reference's print-spec output --------*- C++ -*-===//
//
// Renders a checked deployment as JSON in the shape of the reference's
// `overlord print-spec` (overlord.spec.get_config()): `kind`, `datacenters`
// and `deployIn` as written, `maximumDeployments` defaulted, then the keys
// of the kind with the reference's defaults. Objects print with sorted keys
// (llvm::json), so the output is deterministic.
//
// Differences from the reference, on purpose: `access_token` values and
// values written `!SECRET` are masked unless ShowSecrets, and `metadata` is `{}` rather than a crash when
// a metadata file has no inline `metadata:` key.
//
//===----------------------------------------------------------------------===//
#include "SpecCheckerImpl.h"
#include "VmJailChecker.h"

using namespace overlord;
using namespace overlord::sema;


/// The text that replaces a secret.
static constexpr const char *Mask = "********";

static llvm::json::Value maskedDatacenters(const llvm::json::Value &Raw,
                                           bool ShowSecrets) {
  llvm::json::Value Out = Raw;
  if (ShowSecrets)
    return Out;
  if (llvm::json::Object *DCs = Out.getAsObject())
    for (auto &KV : *DCs)
      if (llvm::json::Object *DC = KV.second.getAsObject())
        if (llvm::json::Value *Tok = DC->get("access_token"))
          if (Tok->getAsString())
            *Tok = Mask;
  return Out;
}

/// P as an object; the values of names in Secrets are masked unless
/// ShowSecrets.
static llvm::json::Object pairsToJson(const ast::StringPairs &P,
                                      const ast::SecretNames &Secrets,
                                      bool ShowSecrets) {
  llvm::json::Object O;
  for (const auto &[K, V] : P)
    O[K] = !ShowSecrets && Secrets.count(K) ? Mask : V;
  return O;
}

static llvm::json::Object
scopedToJson(const std::vector<ast::ScopedEnvironment> &Envs,
             bool ShowSecrets) {
  llvm::json::Object O;
  for (const ast::ScopedEnvironment &E : Envs)
    O[E.Scope] = pairsToJson(E.Vars, E.Secrets, ShowSecrets);
  return O;
}

static void addDirectorProject(llvm::json::Object &O,
                               const ast::DirectorProjectSpec &P,
                               bool ShowSecrets) {
  O["projectName"] = P.ProjectName;
  O["projectFile"] = P.ProjectFile ? llvm::json::Value(*P.ProjectFile)
                                   : llvm::json::Value(nullptr);
  // get_environment() without a chain: the base plus chainsEnvironment's
  // `<root>` entry.
  llvm::json::Object Env =
      pairsToJson(P.Environment, P.EnvironmentSecrets, ShowSecrets);
  for (const ast::ScopedEnvironment &E : P.ChainsEnvironment)
    if (E.Scope == "<root>")
      for (const auto &[K, V] : E.Vars)
        Env[K] = !ShowSecrets && (E.Secrets.count(K) ||
                                  P.EnvironmentSecrets.count(K))
                     ? Mask
                     : V;
  O["environment"] = std::move(Env);
  O["labelsEnvironment"] = scopedToJson(P.LabelsEnvironment, ShowSecrets);
  O["chainsEnvironment"] = scopedToJson(P.ChainsEnvironment, ShowSecrets);
  O["datacentersEnvironment"] =
      scopedToJson(P.DatacentersEnvironment, ShowSecrets);
  O["autoScale"] = P.RawAutoScale;
  llvm::json::Object Ports;
  for (const ast::ReservePort &R : P.ReservePorts)
    Ports[R.Interface] =
        R.Network ? llvm::json::Value(*R.Network) : llvm::json::Value(nullptr);
  O["reserve_port"] = std::move(Ports);
}

static llvm::json::Object mappingToJson(const ast::NamespaceMapping &M) {
  llvm::json::Object O;
  if (M.File)
    O["file"] = llvm::json::Array{M.File->first, M.File->second};
  if (M.Directory)
    O["directory"] = *M.Directory;
  if (M.Owner)
    O["owner"] = *M.Owner;
  if (M.Group)
    O["group"] = *M.Group;
  if (M.Mode)
    O["mode"] = *M.Mode;
  if (M.Umask)
    O["umask"] = *M.Umask;
  if (M.Prefix)
    O["prefix"] = *M.Prefix;
  return O;
}

static void addMetadata(llvm::json::Object &O, const ast::MetadataSpec &M,
                        bool ShowSecrets) {
  llvm::json::Object Meta;
  for (const ast::MetadataEntry &E : M.Metadata)
    Meta[E.Key] = E.Secret && !ShowSecrets ? Mask : E.Value;
  O["metadata"] = std::move(Meta);
  if (!M.NS) {
    O["namespace"] = nullptr;
    return;
  }
  llvm::json::Array Mapping;
  for (const ast::NamespaceMapping &Item : M.NS->Mapping)
    Mapping.push_back(mappingToJson(Item));
  O["namespace"] =
      llvm::json::Object{{"name", M.NS->Name}, {"mapping", std::move(Mapping)}};
}

llvm::json::Value sema::printSpec(const ast::Deployment &D, bool ShowSecrets) {
  llvm::json::Object O;
  O["kind"] = ast::kindName(D.Kind);
  O["datacenters"] = maskedDatacenters(D.RawDatacenters, ShowSecrets);
  O["deployIn"] = D.RawDeployIn;
  O["maximumDeployments"] = D.MaximumDeployments;
  if (D.Project)
    addDirectorProject(O, *D.Project, ShowSecrets);
  if (D.Metadata)
    addMetadata(O, *D.Metadata, ShowSecrets);
  if (D.VmJail)
    for (auto &KV : vmJailToJson(*D.VmJail, ShowSecrets))
      O[KV.first] = KV.second;
  if (D.App) {
    O["appName"] = D.App->AppName;
    O["appFrom"] = D.App->AppFrom;
    O["appConfig"] =
        pairsToJson(D.App->AppConfig, D.App->Secrets, ShowSecrets);
  }
  return O;
}
