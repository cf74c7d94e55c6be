//===- DirectorProjectCheck.cpp - kind: directorProject ---------*- C++ -*-===//
//
// Checks the keys of a `directorProject` deployment (§2.4): the project
// name, exactly one Director file source (the embedded `projectFile`, parsed
// and checked against appjail-director(5) with locations inside the block
// scalar, or `projectFromMetadata`), the environment layers, `reserve_port`
// and `autoScale` (AutoScaleCheck.cpp).
//
// Two reference regressions are fixed here: `chainsEnvironment` accepts the
// documented `<root>` key and dotted chain paths, and `environFromMetadata`
// is type-checked. Environment values must be strings, as the reference
// asserts: an unquoted `8080` or `yes` is an error with a fix-it that quotes
// it, because Director would otherwise receive a different text (`True`).
//
//===----------------------------------------------------------------------===//
#include "SpecCheckerImpl.h"

#include "overlord/AppJail/Director.h"
#include "overlord/Support/Suggest.h"

using namespace overlord;
using namespace overlord::sema;
using ast::Value;

/// An empty range at the start of the document, where a missing top-level
/// key is reported.
static llvm::SMRange docStart(const SpecState &S) {
  return llvm::SMRange(S.Root.Range.Start, S.Root.Range.Start);
}

//===----------------------------------------------------------------------===//
// Project name and Director file
//===----------------------------------------------------------------------===//

static void checkProjectName(SpecState &S, ast::DirectorProjectSpec &P) {
  const Value *V = S.C.require(S.Root, "projectName", "", docStart(S));
  if (!V || !S.C.expectString(*V, "projectName") ||
      !S.C.checkPattern(V->Text, V->Range, patterns::ProjectName,
                        "project name"))
    return;
  P.ProjectName = V->Text;
}

static void checkProjectFile(SpecState &S, const Value &V,
                             ast::DirectorProjectSpec &P) {
  if (!S.C.expectString(V, "projectFile"))
    return;
  P.ProjectFile = V.Text;
  if (!S.ctx().ParseEmbeddedYaml)
    return;
  unsigned Before = S.diags().getNumErrors();
  std::unique_ptr<ast::Document> Doc = S.ctx().ParseEmbeddedYaml(V);
  if (!Doc || S.diags().getNumErrors() != Before)
    return;
  P.Director = appjail::checkDirectorFile(Doc->Root, V.Range, S.diags());
  S.Docs.push_back(std::move(Doc));
}

/// Exactly one of projectFile / projectFromMetadata.
static void checkProjectSource(SpecState &S, ast::DirectorProjectSpec &P) {
  const Value *File = SchemaChecker::lookup(S.Root, "projectFile");
  const Value *Meta = SchemaChecker::lookup(S.Root, "projectFromMetadata");
  if (File && Meta) {
    // Report at the one written second, note at the first.
    bool FileFirst =
        File->Range.Start.getPointer() < Meta->Range.Start.getPointer();
    llvm::StringRef Second = FileFirst ? "projectFromMetadata" : "projectFile";
    llvm::StringRef First = FileFirst ? "projectFile" : "projectFromMetadata";
    S.diags()
        .emit(SchemaChecker::keyRange(S.Root, Second),
              diag::ProjectSourceConflict)
        .note(SchemaChecker::keyRange(S.Root, First), diag::NoteKeyHere,
              First.str());
    return;
  }
  if (!File && !Meta) {
    if (!S.C.isMisnested("projectFile") &&
        !S.C.isMisnested("projectFromMetadata"))
      S.diags().emit(docStart(S), diag::MissingProjectSource);
    return;
  }
  if (File)
    return checkProjectFile(S, *File, P);
  if (S.C.expectString(*Meta, "projectFromMetadata") &&
      S.C.checkPattern(Meta->Text, Meta->Range, patterns::MetadataKey,
                       "metadata key"))
    P.ProjectFromMetadata = Meta->Text;
}

//===----------------------------------------------------------------------===//
// Environments
//===----------------------------------------------------------------------===//

/// A dict[str, str] of environment variables; names that are not shell
/// identifiers draw a warning (Director passes them to a process). The
/// names of values written `!SECRET` go to Secrets.
static bool checkEnvironment(SpecState &S, const Value &V, llvm::StringRef Path,
                             ast::StringPairs &Out, ast::SecretNames &Secrets) {
  bool Ok = S.C.stringMap(V, Path, Out);
  collectSecretNames(V, Secrets);
  for (const ast::MapEntry &E : V.Entries)
    if (E.Key && E.Key->isString() &&
        !SchemaChecker::matches(E.Key->Text, patterns::EnvName))
      S.diags().emit(E.Key->Range, diag::EnvNameUnusual, E.Key->Text);
  return Ok;
}

namespace {
/// How the keys of a scoped environment are checked.
enum class ScopeKind { Label, Chain, Datacenter };
} // namespace

/// A chainsEnvironment key: `<root>` or a dotted path of chain names.
static bool checkChainPath(SpecState &S, const Value &Key) {
  if (Key.Text == "<root>")
    return true;
  size_t Pos = 0;
  while (true) {
    size_t Dot = Key.Text.find('.', Pos);
    size_t Len = Dot == std::string::npos ? Key.Text.size() - Pos : Dot - Pos;
    llvm::StringRef Seg = llvm::StringRef(Key.Text).substr(Pos, Len);
    if (!S.C.checkPattern(Seg, subRange(Key, Pos, Len), patterns::Chain,
                          "chain name"))
      return false;
    if (Dot == std::string::npos)
      return true;
    Pos = Dot + 1;
  }
}

static bool checkScopeKey(SpecState &S, const Value &Key, ScopeKind K) {
  switch (K) {
  case ScopeKind::Label:
    return S.C.checkPattern(Key.Text, Key.Range, patterns::Label, "label");
  case ScopeKind::Chain:
    return checkChainPath(S, Key);
  case ScopeKind::Datacenter:
    break;
  }
  if (S.hasDatacenter(Key.Text))
    return true;
  std::string Best = suggestClosest(Key.Text, S.datacenterNames());
  DiagBuilder B = S.diags().emit(Key.Range, diag::UnknownDatacenterEnv,
                                 Key.Text, didYouMean(Best));
  if (!Best.empty())
    B.fixit(Key.Range, Best);
  return true; // a warning: the variables are kept
}

/// labelsEnvironment / chainsEnvironment / datacentersEnvironment.
static void checkScoped(SpecState &S, llvm::StringRef Key, ScopeKind K,
                        std::vector<ast::ScopedEnvironment> &Out) {
  const Value *V = SchemaChecker::lookup(S.Root, Key);
  if (!V || !S.C.expectMap(*V, Key))
    return;
  for (const ast::MapEntry &E : V->Entries) {
    if (!E.Key || !E.Key->isString()) {
      if (E.Key)
        S.diags().emit(E.Key->Range, diag::NonStringKey, Key.str(),
                       SchemaChecker::kindNoun(E.Key->Kind).str());
      continue;
    }
    if (!checkScopeKey(S, *E.Key, K))
      continue;
    std::string Path = SchemaChecker::join(Key, E.Key->Text);
    // The reference requires the map (null -> RequiredParameter).
    if (!E.Val || !S.C.expectMap(*E.Val, Path))
      continue;
    ast::ScopedEnvironment Env;
    Env.Scope = E.Key->Text;
    if (checkEnvironment(S, *E.Val, Path, Env.Vars, Env.Secrets))
      Out.push_back(std::move(Env));
  }
}

static void checkEnvironments(SpecState &S, ast::DirectorProjectSpec &P) {
  if (const Value *V = SchemaChecker::lookup(S.Root, "environment"))
    checkEnvironment(S, *V, "environment", P.Environment,
                     P.EnvironmentSecrets);
  checkScoped(S, "labelsEnvironment", ScopeKind::Label, P.LabelsEnvironment);
  checkScoped(S, "chainsEnvironment", ScopeKind::Chain, P.ChainsEnvironment);
  checkScoped(S, "datacentersEnvironment", ScopeKind::Datacenter,
              P.DatacentersEnvironment);
  if (const Value *V = SchemaChecker::lookup(S.Root, "environFromMetadata"))
    if (S.C.expectString(*V, "environFromMetadata") &&
        S.C.checkPattern(V->Text, V->Range, patterns::MetadataKey,
                         "metadata key"))
      P.EnvironFromMetadata = V->Text;
}

//===----------------------------------------------------------------------===//
// reserve_port, autoScale
//===----------------------------------------------------------------------===//

static void checkReservePort(SpecState &S, ast::DirectorProjectSpec &P) {
  const Value *V = SchemaChecker::lookup(S.Root, "reserve_port");
  if (!V || !S.C.expectMap(*V, "reserve_port"))
    return;
  for (const ast::MapEntry &E : V->Entries) {
    if (!E.Key || !E.Key->isString()) {
      if (E.Key)
        S.diags().emit(E.Key->Range, diag::NonStringKey,
                       std::string("reserve_port"),
                       SchemaChecker::kindNoun(E.Key->Kind).str());
      continue;
    }
    ast::ReservePort R;
    R.Interface = E.Key->Text;
    if (E.Val && !E.Val->isNull()) {
      if (!S.C.expectString(*E.Val, "reserve_port." + R.Interface))
        continue;
      R.Network = E.Val->Text;
    }
    P.ReservePorts.push_back(std::move(R));
  }
}

static void checkAutoScaleSection(SpecState &S, ast::DirectorProjectSpec &P) {
  const Value *V = SchemaChecker::lookup(S.Root, "autoScale");
  if (!V)
    return;
  checkAutoScale(S, *V, P.Scale, P.RawAutoScale);
  // The autoscale options are stored as metadata named after the project.
  if (P.Scale.Enabled && !P.ProjectName.empty() &&
      !SchemaChecker::matches(P.ProjectName, patterns::MetadataKey))
    if (const Value *N = SchemaChecker::lookup(S.Root, "projectName"))
      S.diags().emit(N->Range, diag::AutoScaleProjectName, P.ProjectName);
}

bool sema::checkDirectorProject(SpecState &S) {
  unsigned Before = S.diags().getNumErrors();
  ast::DirectorProjectSpec P;
  checkProjectName(S, P);
  checkProjectSource(S, P);
  checkEnvironments(S, P);
  checkReservePort(S, P);
  checkAutoScaleSection(S, P);
  S.Out.Project = std::move(P);
  return S.diags().getNumErrors() == Before;
}
