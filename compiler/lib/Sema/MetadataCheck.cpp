//===- MetadataCheck.cpp - kind: metadata and appConfig ---------*- C++ -*-===//
//
// Checks a `metadata` deployment (§2.8): metadata keys and string values,
// `metadataPrefix`, `include` (files relative to the current directory, each
// a map, merged in order with later files winning, as dict.update does) and
// `namespace` with its mapping items. Metadata that carries a Makejail
// (`tor.makejail`) is parsed with the Makejail instruction set, and metadata
// named `*.yml` / `*.yaml` is parsed as YAML, so mistakes inside them are
// reported at their line in the block scalar.
//
// Unlike the reference, `include` without an inline `metadata:` key keeps
// the included data (the reference loses it and crashes at apply time).
//
// Also `appConfig` (§2.10), whose three keys are simple.
//
//===----------------------------------------------------------------------===//
#include "SpecCheckerImpl.h"

#include "overlord/AppJail/Makejail.h"

using namespace overlord;
using namespace overlord::sema;
using ast::Value;

static constexpr llvm::StringRef MappingKeys[] = {
    "file", "directory", "owner", "group", "mode", "umask", "prefix"};

void sema::checkMetadataContent(SpecState &S, llvm::StringRef Key,
                                const Value &V) {
  if (Key.endswith_insensitive("makejail")) {
    appjail::parseMakejail(V.Text, V.Origin, S.diags());
    return;
  }
  if ((Key.endswith_insensitive(".yml") || Key.endswith_insensitive(".yaml")) &&
      S.ctx().ParseEmbeddedYaml)
    if (std::unique_ptr<ast::Document> Doc = S.ctx().ParseEmbeddedYaml(V))
      S.Docs.push_back(std::move(Doc));
}

/// Adds or replaces Key (dict.update: a replaced key keeps its place).
static void putMetadata(ast::MetadataSpec &M, ast::MetadataEntry E) {
  for (ast::MetadataEntry &Old : M.Metadata)
    if (Old.Key == E.Key) {
      Old = std::move(E);
      return;
    }
  M.Metadata.push_back(std::move(E));
}

/// The entries of a metadata map (inline or an included file's root).
static void checkMetadataMap(SpecState &S, const Value &Map,
                             ast::MetadataSpec &M) {
  for (const ast::MapEntry &E : Map.Entries) {
    if (!E.Key || !E.Key->isString()) {
      if (E.Key)
        S.diags().emit(E.Key->Range, diag::NonStringKey,
                       std::string("metadata"),
                       SchemaChecker::kindNoun(E.Key->Kind).str());
      continue;
    }
    std::string Path = SchemaChecker::join("metadata", E.Key->Text);
    if (!S.C.checkPattern(E.Key->Text, E.Key->Range, patterns::MetadataKey,
                          "metadata key") ||
        !E.Val || !S.C.expectString(*E.Val, Path))
      continue;
    checkMetadataContent(S, E.Key->Text, *E.Val);
    putMetadata(M, {E.Key->Text, E.Val->Text, E.Key->Range, E.Val->Secret});
  }
}

static void checkIncludes(SpecState &S, ast::MetadataSpec &M) {
  const Value *V = SchemaChecker::lookup(S.Root, "include");
  if (!V || !S.C.stringList(*V, "include", M.Include))
    return;
  if (!S.ctx().LoadYamlFile)
    return;
  for (size_t I = 0; I < V->Items.size(); ++I) {
    const Value &Item = *V->Items[I];
    unsigned Before = S.diags().getNumErrors();
    std::unique_ptr<ast::Document> Doc =
        S.ctx().LoadYamlFile(Item.Text, Item.Range);
    if (!Doc || S.diags().getNumErrors() != Before)
      continue;
    const Value *Root = Doc->Root;
    if (!Root || !Root->isMap()) {
      S.diags().emit(
          Item.Range, diag::IncludeNotMap, Item.Text,
          SchemaChecker::kindNoun(Root ? Root->Kind : ast::ValueKind::Null)
              .str());
      continue;
    }
    checkIncludedSecretPlacement(S, *Root);
    checkMetadataMap(S, *Root, M);
    S.Docs.push_back(std::move(Doc));
  }
}

//===----------------------------------------------------------------------===//
// namespace
//===----------------------------------------------------------------------===//

/// `file`: "<metadata>:<path>" or [metadata, path].
static std::optional<std::pair<std::string, std::string>>
checkMappingFile(SpecState &S, const Value &V, llvm::StringRef Path) {
  using K = ast::ValueKind;
  if (!S.C.expectOneOf(V, {K::String, K::List}, Path))
    return std::nullopt;
  std::pair<std::string, std::string> F;
  if (V.isString()) {
    auto [Meta, File] = llvm::StringRef(V.Text).split(':');
    if (!llvm::StringRef(V.Text).contains(':')) {
      S.diags().emit(V.Range, diag::MappingFileForm, Path.str(), V.Text);
      return std::nullopt;
    }
    F = {Meta.str(), File.str()};
  } else {
    if (V.Items.size() != 2) {
      S.diags().emit(V.Range, diag::ListLengthMismatch, Path.str(),
                     int64_t(V.Items.size()), int64_t(2));
      return std::nullopt;
    }
    std::vector<std::string> Parts;
    if (!S.C.stringList(V, Path, Parts))
      return std::nullopt;
    F = {Parts[0], Parts[1]};
  }
  if (!S.C.checkPattern(F.first, subRange(V, 0, F.first.size()),
                        patterns::MetadataKey, "metadata key"))
    return std::nullopt;
  return F;
}

/// Resolves the metadata key of a `file` mapping like get_namespace().
static void resolvePrefix(const ast::MetadataSpec &M, const Value &Item,
                          ast::NamespaceMapping &Out) {
  const ast::MapEntry *P = Item.getEntry("prefix");
  if (!M.MetadataPrefix) {
    if (P && P->Val)
      Out.Prefix = toJson(*P->Val);
    return;
  }
  if (!Out.File)
    return;
  std::string Prefix = *M.MetadataPrefix;
  if (P && P->Val) {
    const Value &PV = *P->Val;
    if (PV.isBool())
      Prefix = PV.BoolVal ? Prefix : "";
    else if (PV.isString())
      Prefix = PV.Text;
    else
      Prefix.clear(); // null: no prefix
  }
  if (!Prefix.empty())
    Out.File->first = Prefix + "." + Out.File->first;
}

static bool checkMappingItem(SpecState &S, const Value &Item,
                             llvm::StringRef Path, ast::NamespaceMapping &Out) {
  if (!S.C.expectMap(Item, Path) || !S.C.checkKeys(Item, MappingKeys, Path))
    return false;
  const Value *File = SchemaChecker::lookup(Item, "file");
  const Value *Dir = SchemaChecker::lookup(Item, "directory");
  if (File && Dir) {
    S.diags()
        .emit(SchemaChecker::keyRange(Item, "directory"),
              diag::MappingSourceConflict, Path.str())
        .note(SchemaChecker::keyRange(Item, "file"), diag::NoteKeyHere,
              SchemaChecker::join(Path, "file"));
    return false;
  }
  if (!File && !Dir) {
    S.diags().emit(Item.Range, diag::MissingMappingSource, Path.str());
    return false;
  }
  bool Ok = true;
  using K = ast::ValueKind;
  if (File)
    Ok &= (Out.File =
               checkMappingFile(S, *File, SchemaChecker::join(Path, "file")))
              .has_value();
  if (Dir)
    Ok &= S.C.getString(Item, "directory", Path, Out.Directory);
  for (llvm::StringRef Key : {"owner", "group"})
    if (const Value *V = SchemaChecker::lookup(Item, Key)) {
      if (S.C.expectOneOf(*V, {K::Int, K::String},
                          SchemaChecker::join(Path, Key)))
        (Key == "owner" ? Out.Owner : Out.Group) = toJson(*V);
      else
        Ok = false;
    }
  Ok &= S.C.getInt(Item, "mode", Path, Out.Mode);
  Ok &= S.C.getInt(Item, "umask", Path, Out.Umask);
  if (const Value *V = SchemaChecker::lookup(Item, "prefix"))
    Ok &= S.C.expectOneOf(*V, {K::String, K::Bool},
                          SchemaChecker::join(Path, "prefix"));
  return Ok;
}

/// A `file` mapping that names metadata this file does not define.
static void warnUndefinedMapping(SpecState &S, const ast::MetadataSpec &M,
                                 const Value &Item, llvm::StringRef Path,
                                 const ast::NamespaceMapping &Out) {
  const Value *P = SchemaChecker::lookup(Item, "prefix");
  if (!Out.File || (P && P->isString()))
    return; // a custom prefix names metadata from elsewhere
  std::string Key = Out.File->first;
  for (const ast::MetadataEntry &E : M.Metadata)
    if (E.Key == Key ||
        (M.MetadataPrefix && *M.MetadataPrefix + "." + E.Key == Key))
      return;
  const Value *F = SchemaChecker::lookup(Item, "file");
  S.diags().emit(F ? F->Range : Item.Range, diag::MappingFileUndefined,
                 SchemaChecker::join(Path, "file"), Key);
}

static void checkNamespace(SpecState &S, ast::MetadataSpec &M) {
  const Value *V = SchemaChecker::lookup(S.Root, "namespace");
  if (!V || !S.C.expectMap(*V, "namespace"))
    return;
  S.C.checkKeys(*V, {"name", "mapping"}, "namespace");
  ast::Namespace NS;
  llvm::SMRange Where = SchemaChecker::keyRange(S.Root, "namespace");
  const Value *Name = S.C.require(*V, "name", "namespace", Where);
  if (Name && S.C.expectString(*Name, "namespace.name") &&
      S.C.checkPattern(Name->Text, Name->Range, patterns::MetadataKey,
                       "namespace name"))
    NS.Name = Name->Text;
  const Value *Map = S.C.require(*V, "mapping", "namespace", Where);
  if (!Map || !S.C.expectList(*Map, "namespace.mapping") ||
      !S.C.checkNonEmpty(*Map, "namespace.mapping"))
    return;
  for (size_t I = 0; I < Map->Items.size(); ++I) {
    std::string Path = ("namespace.mapping[" + llvm::Twine(I) + "]").str();
    ast::NamespaceMapping Out;
    if (!Map->Items[I] || !checkMappingItem(S, *Map->Items[I], Path, Out))
      continue;
    warnUndefinedMapping(S, M, *Map->Items[I], Path, Out);
    resolvePrefix(M, *Map->Items[I], Out);
    NS.Mapping.push_back(std::move(Out));
  }
  M.NS = std::move(NS);
}

bool sema::checkMetadataKind(SpecState &S) {
  unsigned Before = S.diags().getNumErrors();
  ast::MetadataSpec M;
  if (const Value *P = SchemaChecker::lookup(S.Root, "metadataPrefix"))
    if (S.C.expectString(*P, "metadataPrefix") &&
        S.C.checkPattern(P->Text, P->Range, patterns::MetadataKey,
                         "metadata prefix"))
      M.MetadataPrefix = P->Text;
  if (const Value *V = SchemaChecker::lookup(S.Root, "metadata"))
    if (S.C.expectMap(*V, "metadata"))
      checkMetadataMap(S, *V, M);
  checkIncludes(S, M);
  checkNamespace(S, M);
  if (M.MetadataPrefix)
    for (ast::MetadataEntry &E : M.Metadata)
      E.Key = *M.MetadataPrefix + "." + E.Key;
  S.Out.Metadata = std::move(M);
  return S.diags().getNumErrors() == Before;
}

//===----------------------------------------------------------------------===//
// appConfig
//===----------------------------------------------------------------------===//

bool sema::checkAppConfig(SpecState &S) {
  unsigned Before = S.diags().getNumErrors();
  ast::AppConfigSpec A;
  llvm::SMRange Start(S.Root.Range.Start, S.Root.Range.Start);
  if (const Value *V = S.C.require(S.Root, "appName", "", Start))
    if (S.C.expectString(*V, "appName"))
      A.AppName = V->Text;
  if (const Value *V = S.C.require(S.Root, "appFrom", "", Start))
    if (S.C.expectString(*V, "appFrom") &&
        S.C.checkPattern(V->Text, V->Range, patterns::MetadataKey,
                         "metadata key"))
      A.AppFrom = V->Text;
  S.C.getStringMap(S.Root, "appConfig", "", A.AppConfig);
  if (const Value *V = SchemaChecker::lookup(S.Root, "appConfig"))
    collectSecretNames(*V, A.Secrets);
  S.Out.App = std::move(A);
  return S.diags().getNumErrors() == Before;
}
