//===- SpecChecker.cpp - overlord-spec(5) checking --------------*- C++ -*-===//
//
// The entry point of the spec checker: the document shape, `kind`, the
// top-level keys of each kind, and the global keys every kind shares
// (`datacenters`, `deployIn`, `maximumDeployments`). Per-kind keys are
// checked in their own files (see SpecCheckerImpl.h).
//
// The mistake people really make gets its own message: a top-level key
// (`deployIn`, `projectName`, `projectFile`, `metadata`, ...) indented under
// `datacenters.<dc>`. It is reported once, where it was written, with fix-its
// that dedent it; its absence at the top level is then not reported again.
//
//===----------------------------------------------------------------------===//
#include "SpecCheckerImpl.h"
#include "VmJailChecker.h"

#include "overlord/Support/Suggest.h"

#include <cstring>

using namespace overlord;
using namespace overlord::sema;
using ast::DeploymentKind;
using ast::Value;

//===----------------------------------------------------------------------===//
// Key registries
//===----------------------------------------------------------------------===//

static constexpr llvm::StringRef KindNames[] = {
    "directorProject", "metadata", "vmJail", "readOnly", "appConfig"};

static constexpr llvm::StringRef DirectorProjectKeys[] = {
    "kind",
    "datacenters",
    "deployIn",
    "maximumDeployments",
    "projectName",
    "projectFile",
    "projectFromMetadata",
    "environment",
    "datacentersEnvironment",
    "chainsEnvironment",
    "labelsEnvironment",
    "environFromMetadata",
    "autoScale",
    "reserve_port"};

static constexpr llvm::StringRef MetadataKeys[] = {
    "kind",     "datacenters",    "deployIn",  "maximumDeployments",
    "metadata", "metadataPrefix", "namespace", "include"};

static constexpr llvm::StringRef VmJailKeys[] = {"kind",
                                                 "datacenters",
                                                 "deployIn",
                                                 "maximumDeployments",
                                                 "vmName",
                                                 "makejail",
                                                 "makejailFromMetadata",
                                                 "template",
                                                 "diskLayout",
                                                 "script",
                                                 "metadata",
                                                 "metadataPrefix",
                                                 "options",
                                                 "script-environment",
                                                 "start-environment",
                                                 "start-arguments",
                                                 "build-environment",
                                                 "build-arguments",
                                                 "cloud-init",
                                                 "overwrite",
                                                 "datastore",
                                                 "poweroff"};

static constexpr llvm::StringRef AppConfigKeys[] = {
    "kind",    "datacenters", "deployIn", "maximumDeployments",
    "appName", "appFrom",     "appConfig"};

static constexpr llvm::StringRef DatacenterKeys[] = {
    "entrypoint",      "access_token",
    "timeout",         "read_timeout",
    "write_timeout",   "connect_timeout",
    "pool_timeout",    "max_keepalive_connections",
    "max_connections", "keepalive_expiry",
    "cacert"};

llvm::ArrayRef<llvm::StringRef> sema::allowedTopLevelKeys(DeploymentKind K) {
  switch (K) {
  case DeploymentKind::DirectorProject:
    return DirectorProjectKeys;
  case DeploymentKind::Metadata:
    return MetadataKeys;
  case DeploymentKind::VmJail:
    return VmJailKeys;
  case DeploymentKind::AppConfig:
    return AppConfigKeys;
  case DeploymentKind::ReadOnly:
    break;
  }
  return GlobalKeys;
}

bool sema::isTopLevelKeyOfAnyKind(llvm::StringRef Key) {
  return llvm::is_contained(DirectorProjectKeys, Key) ||
         llvm::is_contained(MetadataKeys, Key) ||
         llvm::is_contained(VmJailKeys, Key) ||
         llvm::is_contained(AppConfigKeys, Key);
}

/// Where a key that is neither a top-level key nor a datacenter setting
/// belongs, for keys people indent at the wrong level; "" when unknown.
static llvm::StringRef homeOfKey(llvm::StringRef Key) {
  static constexpr std::pair<llvm::StringRef, llvm::StringRef> Homes[] = {
      {"services", "the Director file in 'projectFile'"},
      {"volumes", "the Director file in 'projectFile'"},
      {"default_volume_type", "the Director file in 'projectFile'"},
      {"entrypoints", "'deployIn'"},
      {"labels", "'deployIn'"},
      {"exclude", "'deployIn'"},
      {"driver", "'diskLayout'"},
      {"size", "'diskLayout'"},
      {"from", "'diskLayout'"},
      {"disk", "'diskLayout'"},
      {"fstab", "'diskLayout'"},
      {"components", "'diskLayout.from'"},
      {"osVersion", "'diskLayout.from'"},
      {"osArch", "'diskLayout.from'"},
      {"scheme", "'diskLayout.disk'"},
      {"partitions", "'diskLayout.disk'"},
      {"bootcode", "'diskLayout.disk'"},
      {"replicas", "'autoScale'"},
      {"economy", "'autoScale'"},
      {"load-balancer", "'autoScale'"},
      {"mapping", "'namespace'"}};
  for (const auto &[Name, Home] : Homes)
    if (Name == Key)
      return Home;
  return "";
}

//===----------------------------------------------------------------------===//
// SpecState and shared helpers
//===----------------------------------------------------------------------===//

bool SpecState::hasDatacenter(llvm::StringRef Name) const {
  for (const ast::Datacenter &D : Out.Datacenters)
    if (D.Name == Name)
      return true;
  return false;
}

std::vector<llvm::StringRef> SpecState::datacenterNames() const {
  std::vector<llvm::StringRef> Names;
  for (const ast::Datacenter &D : Out.Datacenters)
    Names.push_back(D.Name);
  return Names;
}

llvm::SMRange sema::subRange(const Value &V, size_t Begin, size_t Len) {
  const char *S = V.Range.Start.getPointer(), *E = V.Range.End.getPointer();
  if (!S || !E || E < S || !V.isString())
    return V.Range;
  llvm::StringRef Src(S, E - S);
  size_t Quote = 0;
  if (V.Style == ast::ScalarStyle::SingleQuoted ||
      V.Style == ast::ScalarStyle::DoubleQuoted)
    Quote = 1;
  else if (V.Style != ast::ScalarStyle::Plain)
    return V.Range;
  // Exact only when the source spells the text byte for byte.
  if (Src.size() < 2 * Quote ||
      Src.substr(Quote, Src.size() - 2 * Quote) != V.Text ||
      Begin + Len > V.Text.size())
    return V.Range;
  return llvm::SMRange(llvm::SMLoc::getFromPointer(S + Quote + Begin),
                       llvm::SMLoc::getFromPointer(S + Quote + Begin + Len));
}

/// Column (0-based) of a location: bytes since the previous newline.
static size_t columnOf(const char *P, const char *BufStart) {
  size_t Col = 0;
  while (P > BufStart && P[-1] != '\n') {
    --P;
    ++Col;
  }
  return Col;
}

/// Fix-its removing Indent spaces from every line of entry E, which starts
/// at its key: the entry moves Indent columns to the left.
static void addDedentFixits(DiagBuilder &B, const ast::MapEntry &E,
                            size_t Indent, const char *BufStart) {
  const char *P = E.Key->Range.Start.getPointer();
  P -= columnOf(P, BufStart);
  const char *End = E.Val && E.Val->Range.End.getPointer()
                        ? E.Val->Range.End.getPointer()
                        : E.Key->Range.End.getPointer();
  while (P && P < End) {
    size_t N = 0;
    while (N < Indent && P[N] == ' ')
      ++N;
    if (N == Indent && P[N] != '\n')
      B.fixit(llvm::SMRange(llvm::SMLoc::getFromPointer(P),
                            llvm::SMLoc::getFromPointer(P + N)),
              "");
    const char *NL = static_cast<const char *>(std::memchr(P, '\n', End - P));
    P = NL ? NL + 1 : nullptr;
  }
}

//===----------------------------------------------------------------------===//
// datacenters
//===----------------------------------------------------------------------===//

namespace {
/// Checks `datacenters` and each datacenter's settings.
class DatacenterChecker {
public:
  DatacenterChecker(SpecState &S, std::optional<DeploymentKind> Kind)
      : S(S), C(S.C), Kind(Kind) {}
  void check(const Value &V);

private:
  void checkOne(const ast::MapEntry &E);
  void checkSettingKeys(const Value &Map, llvm::StringRef Name);
  bool isTopLevelHere(llvm::StringRef Key) const {
    return Kind ? llvm::is_contained(allowedTopLevelKeys(*Kind), Key)
                : isTopLevelKeyOfAnyKind(Key);
  }
  void checkSettings(const Value &Map, ast::Datacenter &D);
  void checkEntrypoint(const Value &V, llvm::StringRef Path);

  SpecState &S;
  SchemaChecker &C;
  std::optional<DeploymentKind> Kind;
};
} // namespace

void DatacenterChecker::check(const Value &V) {
  if (!C.expectMap(V, "datacenters"))
    return;
  S.Out.RawDatacenters = toJson(V);
  if (!C.checkNonEmpty(V, "datacenters"))
    return;
  for (const ast::MapEntry &E : V.Entries)
    checkOne(E);
}

void DatacenterChecker::checkOne(const ast::MapEntry &E) {
  if (!E.Key || !E.Key->isString()) {
    if (E.Key)
      S.diags().emit(E.Key->Range, diag::NonStringKey,
                     std::string("datacenters"),
                     SchemaChecker::kindNoun(E.Key->Kind).str());
    return;
  }
  ast::Datacenter D;
  D.Name = E.Key->Text;
  D.Range = E.Key->Range;
  C.checkPattern(D.Name, D.Range, patterns::Chain, "datacenter name");
  if (E.Val && !E.Val->isNull() &&
      C.expectMap(*E.Val, "datacenters." + D.Name)) {
    checkSettingKeys(*E.Val, D.Name);
    checkSettings(*E.Val, D);
  }
  S.Out.Datacenters.push_back(std::move(D));
}

void DatacenterChecker::checkSettingKeys(const Value &Map,
                                         llvm::StringRef Name) {
  std::string Path = "datacenters." + Name.str();
  const char *BufStart = nullptr;
  llvm::SourceMgr &SM = S.diags().getSourceMgr();
  if (unsigned Buf = SM.FindBufferContainingLoc(Map.Range.Start))
    BufStart = SM.getMemoryBuffer(Buf)->getBufferStart();
  for (const ast::MapEntry &E : Map.Entries) {
    if (!E.Key)
      continue;
    if (!E.Key->isString()) {
      S.diags().emit(E.Key->Range, diag::NonStringKey, Path,
                     SchemaChecker::kindNoun(E.Key->Kind).str());
      continue;
    }
    llvm::StringRef Key = E.Key->Text;
    if (llvm::is_contained(DatacenterKeys, Key))
      continue;
    if (isTopLevelHere(Key) && BufStart) {
      size_t KeyCol = columnOf(E.Key->Range.Start.getPointer(), BufStart);
      size_t RootCol = columnOf(S.Root.Range.Start.getPointer(), BufStart);
      DiagBuilder B = S.diags().emit(E.Key->Range, diag::MisnestedTopLevelKey,
                                     Key.str(), Name.str());
      if (KeyCol > RootCol)
        addDedentFixits(B, E, KeyCol - RootCol, BufStart);
      C.markMisnested(Key);
      continue;
    }
    if (llvm::StringRef Home = homeOfKey(Key); !Home.empty()) {
      S.diags().emit(E.Key->Range, diag::MisplacedKey, Key.str(), Home.str(),
                     "a setting of datacenter '" + Name.str() + "'");
      continue;
    }
    std::string Best = suggestClosest(Key, DatacenterKeys);
    DiagBuilder B = S.diags().emit(E.Key->Range, diag::UnknownKey, Key.str(),
                                   " in '" + Path + "'", didYouMean(Best));
    if (!Best.empty())
      B.fixit(E.Key->Range, Best);
  }
}

void DatacenterChecker::checkEntrypoint(const Value &V, llvm::StringRef Path) {
  // An unset variable was reported by the front end (EnvVarUnset).
  if (V.FromEnv && V.Text.empty())
    return;
  llvm::StringRef U = V.Text;
  bool Ok = (U.consume_front("http://") || U.consume_front("https://")) &&
            !U.empty() && U.front() != '/' && U.front() != ':';
  if (!Ok)
    S.diags().emit(V.Range, diag::EntrypointNotUrl, Path.str(), V.Text);
}

/// A timeout: negative means no timeout (nullopt).
static bool getTimeout(SchemaChecker &C, const Value &Map, llvm::StringRef Key,
                       llvm::StringRef Path, std::optional<int64_t> &Out) {
  std::optional<int64_t> T;
  if (!C.getInt(Map, Key, Path, T))
    return false;
  if (T)
    Out = *T < 0 ? std::nullopt : T;
  return true;
}

void DatacenterChecker::checkSettings(const Value &Map, ast::Datacenter &D) {
  std::string Path = "datacenters." + D.Name;
  if (const Value *V = SchemaChecker::lookup(Map, "entrypoint"))
    if (C.expectString(*V, Path + ".entrypoint")) {
      checkEntrypoint(*V, Path + ".entrypoint");
      D.Entrypoint = V->Text;
    }
  if (const Value *V = SchemaChecker::lookup(Map, "access_token"))
    if (C.expectString(*V, Path + ".access_token"))
      D.AccessToken = V->Text;
  C.getString(Map, "cacert", Path, D.CACert);
  getTimeout(C, Map, "timeout", Path, D.Timeout);
  getTimeout(C, Map, "read_timeout", Path, D.ReadTimeout);
  getTimeout(C, Map, "write_timeout", Path, D.WriteTimeout);
  getTimeout(C, Map, "connect_timeout", Path, D.ConnectTimeout);
  getTimeout(C, Map, "pool_timeout", Path, D.PoolTimeout);
  struct Limit {
    llvm::StringRef Key;
    int64_t *Out;
  } Limits[] = {{"max_keepalive_connections", &D.MaxKeepaliveConnections},
                {"max_connections", &D.MaxConnections},
                {"keepalive_expiry", &D.KeepaliveExpiry}};
  for (const Limit &L : Limits)
    if (const Value *V = SchemaChecker::lookup(Map, L.Key))
      if (C.expectInt(*V, SchemaChecker::join(Path, L.Key)) &&
          C.checkIntRange(*V, SchemaChecker::join(Path, L.Key), 0))
        *L.Out = V->IntVal;
}

//===----------------------------------------------------------------------===//
// deployIn, maximumDeployments
//===----------------------------------------------------------------------===//

/// One `deployIn.entrypoints` item: `dc[.chain...]`.
static void checkEntrypointChain(SpecState &S, const Value &Item,
                                 const Value *Datacenters) {
  llvm::StringRef Text = Item.Text;
  size_t Pos = 0;
  bool Ok = true;
  while (Ok) {
    size_t Dot = Text.find('.', Pos);
    bool Last = Dot == llvm::StringRef::npos;
    llvm::StringRef Seg = Last ? Text.substr(Pos) : Text.substr(Pos, Dot - Pos);
    Ok = S.C.checkPattern(Seg, subRange(Item, Pos, Seg.size()), patterns::Chain,
                          "chain name");
    if (Dot == llvm::StringRef::npos)
      break;
    Pos = Dot + 1;
  }
  if (!Ok || !Datacenters)
    return;
  llvm::StringRef DC = Text.split('.').first;
  if (S.hasDatacenter(DC))
    return;
  std::vector<llvm::StringRef> Names = S.datacenterNames();
  std::string Best = suggestClosest(DC, Names);
  DiagBuilder B =
      S.diags().emit(subRange(Item, 0, DC.size()), diag::UnknownDatacenter,
                     Text.str(), DC.str(), didYouMean(Best));
  B.note(SchemaChecker::keyRange(S.Root, "datacenters"),
         diag::NoteDatacentersHere);
  llvm::SMRange R = subRange(Item, 0, DC.size());
  if (!Best.empty() &&
      size_t(R.End.getPointer() - R.Start.getPointer()) == DC.size())
    B.fixit(R, Best);
}

static void checkLabelList(SpecState &S, const Value &Map, llvm::StringRef Key,
                           llvm::StringRef Path,
                           std::vector<std::string> &Out) {
  const Value *V = SchemaChecker::lookup(Map, Key);
  std::vector<std::string> Labels;
  std::string P = SchemaChecker::join(Path, Key);
  if (!V || !S.C.stringList(*V, P, Labels, /*NonEmpty=*/true))
    return;
  for (size_t I = 0; I < Labels.size(); ++I)
    S.C.checkPattern(Labels[I], V->Items[I]->Range, patterns::Label, "label");
  Out = std::move(Labels);
}

static void checkDeployIn(SpecState &S) {
  SchemaChecker &C = S.C;
  const Value *V =
      C.require(S.Root, "deployIn", "",
                llvm::SMRange(S.Root.Range.Start, S.Root.Range.Start));
  if (!V || !C.expectMap(*V, "deployIn"))
    return;
  S.Out.RawDeployIn = toJson(*V);
  if (!C.checkNonEmpty(*V, "deployIn"))
    return;
  C.checkKeys(*V, {"entrypoints", "labels", "exclude"}, "deployIn");
  ast::DeployIn &D = S.Out.Deploy;
  for (const ast::Datacenter &DC : S.Out.Datacenters)
    D.Entrypoints.push_back(DC.Name);
  if (const Value *E = SchemaChecker::lookup(*V, "entrypoints")) {
    std::vector<std::string> Names;
    bool AllStrings =
        C.stringList(*E, "deployIn.entrypoints", Names, /*NonEmpty=*/true);
    const Value *DCs = SchemaChecker::lookup(S.Root, "datacenters");
    if (E->isList())
      for (const Value *Item : E->Items)
        if (Item && Item->isString())
          checkEntrypointChain(S, *Item, DCs && DCs->isMap() ? DCs : nullptr);
    if (AllStrings) {
      D.Entrypoints = std::move(Names);
      D.EntrypointsDefaulted = false;
    }
  }
  checkLabelList(S, *V, "labels", "deployIn", D.Labels);
  checkLabelList(S, *V, "exclude", "deployIn", D.Exclude);
}

static void checkMaximumDeployments(SpecState &S) {
  const Value *V = SchemaChecker::lookup(S.Root, "maximumDeployments");
  if (V && S.C.expectInt(*V, "maximumDeployments") &&
      S.C.checkIntRange(*V, "maximumDeployments", 0))
    S.Out.MaximumDeployments = V->IntVal;
}

//===----------------------------------------------------------------------===//
// kind and the top level
//===----------------------------------------------------------------------===//

/// The kind, or nullopt after reporting why there is none.
static std::optional<DeploymentKind> checkKind(SpecState &S) {
  const Value *V =
      S.C.require(S.Root, "kind", "",
                  llvm::SMRange(S.Root.Range.Start, S.Root.Range.Start));
  if (!V || !S.C.expectString(*V, "kind") ||
      !S.C.checkOneOf(*V, KindNames, "kind"))
    return std::nullopt;
  for (size_t I = 0; I < std::size(KindNames); ++I)
    if (KindNames[I] == V->Text)
      return static_cast<DeploymentKind>(I);
  return std::nullopt;
}

/// Unknown top-level keys; readOnly only warns (the reference ignores them).
static void checkTopLevelKeys(SpecState &S, DeploymentKind K) {
  llvm::ArrayRef<llvm::StringRef> Allowed = allowedTopLevelKeys(K);
  for (const ast::MapEntry &E : S.Root.Entries) {
    if (!E.Key)
      continue;
    if (!E.Key->isString()) {
      S.diags().emit(E.Key->Range, diag::NonStringKey,
                     std::string("the deployment"),
                     SchemaChecker::kindNoun(E.Key->Kind).str());
      continue;
    }
    llvm::StringRef Key = E.Key->Text;
    if (llvm::is_contained(Allowed, Key))
      continue;
    std::string Best = suggestClosest(Key, Allowed);
    if (K == DeploymentKind::ReadOnly && Best.empty()) {
      S.diags().emit(E.Key->Range, diag::ReadOnlyExtraKey, Key.str());
      continue;
    }
    llvm::StringRef Home = homeOfKey(Key);
    if (!Home.empty() && Best.empty()) {
      S.diags().emit(E.Key->Range, diag::MisplacedKey, Key.str(), Home.str(),
                     std::string("a top-level key"));
      continue;
    }
    DiagBuilder B = S.diags().emit(E.Key->Range, diag::UnknownKey, Key.str(),
                                   std::string(), didYouMean(Best));
    if (!Best.empty())
      B.fixit(E.Key->Range, Best);
  }
}

std::optional<ast::Deployment> sema::checkDeployment(const ast::Document &Doc,
                                                     CheckContext &Ctx) {
  DiagnosticEngine &Diags = Ctx.Diags;
  if (!Doc.Root || Doc.Root->isNull()) {
    llvm::SMLoc Start;
    if (Doc.BufferID)
      Start = llvm::SMLoc::getFromPointer(
          Diags.getSourceMgr().getMemoryBuffer(Doc.BufferID)->getBufferStart());
    Diags.emit(Start, diag::EmptyDocument);
    return std::nullopt;
  }
  if (!Doc.Root->isMap()) {
    Diags.emit(Doc.Root->Range, diag::RootNotMap,
               SchemaChecker::kindNoun(Doc.Root->Kind).str());
    return std::nullopt;
  }
  unsigned Errors = Diags.getNumErrors();
  SchemaChecker C(Diags, Ctx);
  ast::Deployment Out;
  SpecState S{C, *Doc.Root, Out, {}};

  std::optional<DeploymentKind> Kind = checkKind(S);
  if (Kind)
    Out.Kind = *Kind;
  if (const Value *V = C.require(
          *Doc.Root, "datacenters", "",
          llvm::SMRange(Doc.Root->Range.Start, Doc.Root->Range.Start)))
    DatacenterChecker(S, Kind).check(*V);
  checkDeployIn(S);
  checkMaximumDeployments(S);
  if (Kind) {
    checkTopLevelKeys(S, *Kind);
    switch (*Kind) {
    case DeploymentKind::DirectorProject:
      checkDirectorProject(S);
      break;
    case DeploymentKind::Metadata:
      checkMetadataKind(S);
      break;
    case DeploymentKind::VmJail:
      Out.VmJail.emplace();
      checkVmJail(*Doc.Root, C, *Out.VmJail);
      break;
    case DeploymentKind::AppConfig:
      checkAppConfig(S);
      break;
    case DeploymentKind::ReadOnly:
      break;
    }
  }
  checkSecretPlacement(S, Kind);
  if (!Kind || Diags.getNumErrors() != Errors)
    return std::nullopt;
  return Out;
}
