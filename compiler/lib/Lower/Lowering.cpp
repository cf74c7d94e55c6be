//===- Lowering.cpp - Typed spec x cluster snapshot -> plan IR --*- C++ -*-===//
//
// The driver of lowering: routes the deployment, creates one target per
// routed node (datacenter, labels, entry point, sealed access token) and
// dispatches on the kind. Metadata and appConfig are lowered here; projects
// and hooks in LowerProject.cpp, VMs in LowerVm.cpp.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/Lowering.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace overlord;
using namespace overlord::lower;

//===----------------------------------------------------------------------===//
// Metadata store and secrets
//===----------------------------------------------------------------------===//

void MetadataStore::add(const ast::MetadataSpec &M,
                        const llvm::SourceMgr &SM) {
  for (const ast::MetadataEntry &E : M.Metadata) {
    TemplateSource &T = Entries.emplace_back();
    T.Name = E.Key;
    T.Text = E.Value;
    T.mapLines(SM, E.Range.End);
    if (!T.Fallback.isValid())
      T.Fallback = E.Range.Start;
    Index[E.Key] = &T;
  }
}

const TemplateSource *MetadataStore::lookup(llvm::StringRef Key) const {
  auto It = Index.find(Key);
  return It == Index.end() ? nullptr : It->second;
}

bool overlord::lower::isSecretName(llvm::StringRef Name) {
  static const char *Words[] = {"token",  "secret", "password",   "passwd",
                                "pass",   "pwd",    "key",        "apikey",
                                "auth",   "credential", "credentials",
                                "private"};
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  llvm::SplitString(Name, Parts, "_.-");
  for (llvm::StringRef P : Parts)
    for (const char *W : Words)
      if (P.equals_insensitive(W))
        return true;
  return false;
}

bool overlord::lower::isSecretValue(llvm::StringRef Value) {
  std::string L = Value.lower();
  llvm::StringRef S(L);
  return S.contains("password") || S.contains("passwd") ||
         S.contains("secret") || S.contains("token");
}

unsigned overlord::lower::requestsPerTarget(const ast::Deployment &D) {
  if (D.Kind != ast::DeploymentKind::Metadata || !D.Metadata)
    return 1;
  unsigned N = D.Metadata->Metadata.size() + (D.Metadata->NS ? 1 : 0);
  return std::max(N, 1u);
}

namespace {

//===----------------------------------------------------------------------===//
// Targets and metadata
//===----------------------------------------------------------------------===//

ir::TargetID addTarget(const RouteTarget &T, LowerContext &Ctx) {
  ir::TargetID ID = 0;
  ir::TargetOp &Op = Ctx.Builder.target(T.Route, &ID);
  Op.Datacenter = T.Datacenter;
  Op.Labels = T.Labels;
  if (T.DC && T.DC->Entrypoint)
    Op.Entrypoint = *T.DC->Entrypoint;
  if (T.DC && T.DC->AccessToken)
    Op.AccessToken = Ctx.seal(*T.DC->AccessToken);
  return ID;
}

/// One namespace mapping as a single reviewable line.
std::string mappingLine(const ast::NamespaceMapping &M) {
  std::string S;
  if (M.File)
    S = "file " + M.File->first + ":" + M.File->second;
  else if (M.Directory)
    S = "directory " + *M.Directory;
  auto Json = [](const llvm::json::Value &V) {
    if (auto Str = V.getAsString())
      return Str->str();
    std::string Out;
    llvm::raw_string_ostream OS(Out);
    OS << V;
    return OS.str();
  };
  if (M.Owner)
    S += " owner=" + Json(*M.Owner);
  if (M.Group)
    S += " group=" + Json(*M.Group);
  if (M.Mode)
    S += llvm::formatv(" mode=0{0:o}", *M.Mode).str();
  if (M.Umask)
    S += llvm::formatv(" umask=0{0:o}", *M.Umask).str();
  return S;
}

void lowerMetadata(const ast::MetadataSpec &M, ir::TargetID ID,
                   LowerContext &Ctx) {
  for (const ast::MetadataEntry &E : M.Metadata) {
    ir::MetadataPutOp &Op = Ctx.Builder.add<ir::MetadataPutOp>(ID, E.Key);
    Op.Size = E.Value.size();
    if (E.Secret || isSecretName(E.Key) || isSecretValue(E.Value))
      Op.ValueSecret = Ctx.seal(E.Value);
    else
      Op.Value = E.Value;
  }
  if (!M.NS)
    return;
  ir::NamespaceCreateOp &NS =
      Ctx.Builder.add<ir::NamespaceCreateOp>(ID, M.NS->Name);
  for (const ast::NamespaceMapping &Map : M.NS->Mapping)
    NS.Mapping.push_back(mappingLine(Map));
}

//===----------------------------------------------------------------------===//
// appConfig
//===----------------------------------------------------------------------===//

/// Drops the top-level YAML keys the reference overwrites with the
/// appConfig file's values (a key at column 0 and its indented block).
std::string dropTopLevelKeys(llvm::StringRef Text) {
  static const char *Keys[] = {"datacenters:", "deployIn:",
                               "maximumDeployments:"};
  std::string Out;
  bool Skipping = false;
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  Text.split(Lines, '\n');
  for (size_t I = 0; I < Lines.size(); ++I) {
    llvm::StringRef L = Lines[I];
    bool TopLevel = !L.empty() && L[0] != ' ' && L[0] != '\t' && L[0] != '#';
    if (TopLevel)
      Skipping = llvm::any_of(Keys, [&](const char *K) {
        return L.startswith(K);
      });
    if (!Skipping)
      Out += L.str() + (I + 1 < Lines.size() ? "\n" : "");
  }
  return Out;
}

/// The appConfig file's datacenters/deployIn/maximumDeployments as YAML
/// flow text, with access tokens masked (the real ones are kept in the
/// typed deployment and never printed).
std::string injectedKeys(const ast::Deployment &D) {
  llvm::json::Value DCs = D.RawDatacenters;
  if (llvm::json::Object *O = DCs.getAsObject())
    for (auto &KV : *O)
      if (llvm::json::Object *DC = KV.second.getAsObject())
        if (DC->get("access_token"))
          (*DC)["access_token"] = "********";
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << "\ndatacenters: " << DCs << "\ndeployIn: " << D.RawDeployIn
     << "\nmaximumDeployments: " << D.MaximumDeployments << "\n";
  return OS.str();
}

/// True when Text embeds one of Secrets.
bool embedsSecret(llvm::StringRef Text,
                  const std::vector<std::string> &Secrets) {
  return llvm::any_of(Secrets,
                      [&](const std::string &S) { return Text.contains(S); });
}

/// Marks secret, in the deployment a template expanded to, every value that
/// embeds the text of an appConfig value written `!SECRET`, so lowering
/// seals it like a value the template itself wrote `!SECRET`.
void markEmbeddedSecrets(ast::Deployment &E,
                         const std::vector<std::string> &Secrets) {
  if (Secrets.empty())
    return;
  auto MarkPairs = [&](const ast::StringPairs &Vars, ast::SecretNames &Out) {
    for (const auto &[Name, Value] : Vars)
      if (embedsSecret(Value, Secrets))
        Out.insert(Name);
  };
  if (E.Project) {
    MarkPairs(E.Project->Environment, E.Project->EnvironmentSecrets);
    for (auto *Scopes : {&E.Project->LabelsEnvironment,
                         &E.Project->ChainsEnvironment,
                         &E.Project->DatacentersEnvironment})
      for (ast::ScopedEnvironment &S : *Scopes)
        MarkPairs(S.Vars, S.Secrets);
  }
  if (E.Metadata)
    for (ast::MetadataEntry &M : E.Metadata->Metadata)
      M.Secret |= embedsSecret(M.Value, Secrets);
  if (E.VmJail)
    for (auto *L : {&E.VmJail->ScriptEnvironment, &E.VmJail->StartEnvironment,
                    &E.VmJail->StartArguments, &E.VmJail->BuildEnvironment,
                    &E.VmJail->BuildArguments})
      for (ast::VmKeyValue &KV : *L)
        KV.Secret |= KV.Value && embedsSecret(*KV.Value, Secrets);
}

std::optional<ast::Deployment> expandAppConfig(const ast::Deployment &D,
                                               LowerContext &Ctx) {
  const ast::AppConfigSpec &App = *D.App;
  llvm::SMLoc Near =
      D.Datacenters.empty() ? llvm::SMLoc() : D.Datacenters.front().Range.Start;
  llvm::SMRange At =
      locateText(Ctx.Diags.getSourceMgr(), Near, "appFrom", App.AppFrom);
  const TemplateSource *T =
      Ctx.Metadata ? Ctx.Metadata->lookup(App.AppFrom) : nullptr;
  if (!T) {
    Ctx.Diags.emit(At, diag::TemplateNotFound, App.AppFrom);
    return std::nullopt;
  }
  llvm::StringMap<std::string> Vars;
  for (const auto &[K, V] : App.AppConfig)
    Vars[K] = V;
  Vars["appName"] = App.AppName;
  TemplateLookup Lookup = [&](llvm::StringRef Name) {
    return Ctx.Metadata->lookup(Name);
  };
  std::optional<std::string> Text =
      expandTemplate(*T, Vars, Lookup, Ctx.Diags);
  if (!Text || !Ctx.ParseExpanded)
    return std::nullopt;
  std::string Name = "<appConfig '" + App.AppName + "' from '" +
                     App.AppFrom + "'>";
  std::optional<ast::Deployment> E =
      Ctx.ParseExpanded(dropTopLevelKeys(*Text) + injectedKeys(D), Name);
  if (!E)
    return std::nullopt;
  if (E->Kind != ast::DeploymentKind::DirectorProject &&
      E->Kind != ast::DeploymentKind::VmJail) {
    Ctx.Diags.emit(At, diag::TemplateKind, ast::kindName(E->Kind).str());
    return std::nullopt;
  }
  std::vector<std::string> Secrets;
  for (const auto &[K, V] : App.AppConfig)
    if (App.Secrets.count(K) && !V.empty())
      Secrets.push_back(V);
  markEmbeddedSecrets(*E, Secrets);
  E->Datacenters = D.Datacenters;
  E->Deploy = D.Deploy;
  E->MaximumDeployments = D.MaximumDeployments;
  return E;
}

/// The safety net for appConfig: a secret appConfig value the template
/// used anywhere but a sealed value (the Director file, a name, through a
/// filter that changed it partly) must not reach the plan in clear.
constexpr size_t MinSearchedSecret = 4;

bool checkNoClearSecrets(const ast::Deployment &D, LowerContext &Ctx) {
  const ast::AppConfigSpec &App = *D.App;
  std::string Text = ir::printPlanToString(Ctx.Builder.current());
  bool Ok = true;
  llvm::SMLoc Near =
      D.Datacenters.empty() ? llvm::SMLoc() : D.Datacenters.front().Range.Start;
  for (const auto &[K, V] : App.AppConfig) {
    // Shorter values would match plan text by chance.
    if (!App.Secrets.count(K) || V.size() < MinSearchedSecret)
      continue;
    std::string Escaped = ir::quoted(V);
    llvm::StringRef Inner = llvm::StringRef(Escaped).drop_front().drop_back();
    if (!llvm::StringRef(Text).contains(V) &&
        !llvm::StringRef(Text).contains(Inner))
      continue;
    Ctx.Diags.emit(locateText(Ctx.Diags.getSourceMgr(), Near, "appConfig", K),
                   diag::AppConfigSecretInClear, K, App.AppFrom);
    Ok = false;
  }
  return Ok;
}

} // namespace

bool overlord::lower::lowerDeployment(const ast::Deployment &D,
                                      LowerContext &Ctx) {
  if (D.Kind == ast::DeploymentKind::AppConfig) {
    if (!D.App)
      return false;
    std::optional<ast::Deployment> E = expandAppConfig(D, Ctx);
    if (!E || !lowerDeployment(*E, Ctx))
      return false;
    return checkNoClearSecrets(D, Ctx);
  }
  RouteOptions RO;
  RO.RequestsPerTarget = requestsPerTarget(D);
  std::optional<std::vector<RouteTarget>> Targets =
      routeDeployment(D, Ctx.Cluster, Ctx.Diags, RO);
  if (!Targets)
    return false;
  if (D.Kind == ast::DeploymentKind::ReadOnly) {
    Ctx.Diags.emit(locateText(Ctx.Diags.getSourceMgr(),
                              D.Datacenters.empty()
                                  ? llvm::SMLoc()
                                  : D.Datacenters.front().Range.Start,
                              "", "readOnly"),
                   diag::PlanReadOnly);
    return true;
  }
  for (const RouteTarget &T : *Targets) {
    ir::TargetID ID = addTarget(T, Ctx);
    switch (D.Kind) {
    case ast::DeploymentKind::DirectorProject:
      if (D.Project)
        lowerProject(*D.Project, T, ID, Ctx);
      break;
    case ast::DeploymentKind::Metadata:
      if (D.Metadata)
        lowerMetadata(*D.Metadata, ID, Ctx);
      break;
    case ast::DeploymentKind::VmJail:
      if (D.VmJail)
        lowerVmJail(*D.VmJail, ID, Ctx);
      break;
    case ast::DeploymentKind::ReadOnly:
    case ast::DeploymentKind::AppConfig:
      break;
    }
  }
  return !Ctx.Diags.hasErrors();
}
