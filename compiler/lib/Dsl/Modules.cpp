//===- Modules.cpp - Imports, env files, name checking ----------*- C++ -*-===//
//
// Loading a module: parse it, read its env files, load its imports (relative
// to the importing file, or `std/...` from the stdlib folders), then check
// every name it uses before anything is evaluated, so an unknown name in a
// function nobody calls is still an error. Also the deployment root: the
// `deploy <kind> {...}` map with `kind` first, and typed `projectFile`
// blocks rendered to the Director file text Sema and the plan expect.
//
//===----------------------------------------------------------------------===//
#include "Eval.h"
#include "Parse.h"

#include "overlord/Support/Suggest.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace overlord;
using namespace overlord::dsl;
using ast::Value;
using ast::ValueKind;

namespace overlord::dsl {

/// Walks a module's expressions with the local names in scope and reports
/// unknown names, unknown module members and unknown type names.
class NameChecker {
public:
  NameChecker(Evaluator &E, ModuleInst &M) : E(E), M(M) {}

  void decl(const Decl &D) {
    if (D.K == Decl::Kind::Let) {
      type(D.Ty);
      expr(D.Val);
    } else if (D.K == Decl::Kind::Fn) {
      size_t Mark = Locals.size();
      for (const Param &P : D.Params) {
        type(P.Ty);
        if (P.Default)
          expr(P.Default);
        Locals.push_back({P.Name, P.Range});
      }
      type(D.Ty);
      expr(D.Val);
      Locals.resize(Mark);
    }
  }
  void expr(const Expr *X);
  bool Ok = true;

private:
  struct Local {
    llvm::StringRef Name;
    llvm::SMRange Range;
  };
  const Local *local(llvm::StringRef N) const {
    for (auto It = Locals.rbegin(); It != Locals.rend(); ++It)
      if (It->Name == N)
        return &*It;
    return nullptr;
  }
  void type(const TypeRef *T) {
    static const char *Known[] = {"string", "int",      "float", "bool",
                                  "size",   "duration", "list",  "map",
                                  "any",    "function", "null"};
    for (; T; T = T->Elem) {
      if (std::find(std::begin(Known), std::end(Known), T->Name) ==
          std::end(Known)) {
        E.Diags.emit(T->Range, diag::DslUnknownType, T->Name);
        Ok = false;
      }
    }
  }
  void name(const Expr *X) {
    if (local(X->Text) || M.Globals.count(X->Text) ||
        findBuiltin(X->Text) != BuiltinID::None)
      return;
    std::vector<llvm::StringRef> Cands = builtinNames();
    for (const Local &L : Locals)
      Cands.push_back(L.Name);
    for (const auto &G : M.Globals)
      Cands.push_back(G.getKey());
    std::string Best = suggestClosest(X->Text, Cands);
    auto B = E.Diags.emit(X->Range, diag::DslUnknownName, X->Text,
                          didYouMean(Best));
    if (!Best.empty()) {
      if (const Local *L = local(Best))
        B.note(L->Range, diag::DslDeclaredHere, Best);
      else if (auto It = M.Globals.find(Best); It != M.Globals.end())
        B.note(It->second.D->NameRange, diag::DslDeclaredHere, Best);
    }
    Ok = false;
  }
  /// `mod.member` where mod names an import: the member must exist.
  void member(const Expr *X) {
    const Expr *Base = X->A;
    if (Base->Kind != ExprKind::Name || local(Base->Text))
      return;
    auto It = M.Globals.find(Base->Text);
    if (It == M.Globals.end() || It->second.D->K != Decl::Kind::Import ||
        It->second.V.Kind != Val::K::Module)
      return;
    ModuleInst &Target = *It->second.V.Mod;
    auto T = Target.Globals.find(X->Text);
    if (T != Target.Globals.end() && T->second.D->K != Decl::Kind::EnvFile)
      return;
    std::vector<llvm::StringRef> Cands;
    for (const auto &G : Target.Globals)
      Cands.push_back(G.getKey());
    E.Diags
        .emit(X->TextRange, diag::DslUnknownMember,
              "module '" + Base->Text + "'", X->Text,
              didYouMean(suggestClosest(X->Text, Cands)))
        .note(It->second.D->NameRange, diag::DslDeclaredHere, Base->Text);
    Ok = false;
  }

  Evaluator &E;
  ModuleInst &M;
  std::vector<Local> Locals;
};

} // namespace overlord::dsl

void NameChecker::expr(const Expr *X) {
  if (!X)
    return;
  switch (X->Kind) {
  case ExprKind::Name:
    return name(X);
  case ExprKind::Str:
  case ExprKind::Block:
    for (const StrPart &P : X->Parts)
      expr(P.Interp);
    return;
  case ExprKind::List:
    for (const Expr *I : X->Items)
      expr(I);
    return;
  case ExprKind::Map:
    for (const Entry &En : X->Entries) {
      expr(En.Key);
      expr(En.Val);
    }
    return;
  case ExprKind::ListComp:
  case ExprKind::MapComp: {
    expr(X->A);
    size_t Mark = Locals.size();
    Locals.push_back({X->Text, X->TextRange});
    if (!X->Var2.empty())
      Locals.push_back({X->Var2, X->Var2Range});
    expr(X->B);
    expr(X->C);
    expr(X->D);
    Locals.resize(Mark);
    return;
  }
  case ExprKind::Member:
    expr(X->A);
    member(X);
    return;
  case ExprKind::Call:
    expr(X->A);
    for (const Arg &A : X->Args)
      expr(A.Val);
    return;
  case ExprKind::Let: {
    type(X->Ty);
    expr(X->A);
    Locals.push_back({X->Text, X->TextRange});
    expr(X->B);
    Locals.pop_back();
    return;
  }
  default:
    expr(X->A);
    expr(X->B);
    expr(X->C);
    return;
  }
}

std::string Evaluator::findModule(const Decl &I, const ModuleInst &From,
                                  std::string &Searched) {
  llvm::StringRef P = I.Path;
  auto WithExt = [](llvm::SmallString<256> S) {
    if (!llvm::StringRef(S).endswith(".ovl"))
      S += ".ovl";
    return S;
  };
  if (P.startswith("std/")) {
    for (const std::string &Dir : StdlibDirs) {
      llvm::SmallString<256> S(Dir);
      llvm::sys::path::append(S, P.drop_front(4));
      S = WithExt(S);
      if (llvm::sys::fs::is_regular_file(S))
        return std::string(S);
      if (!Searched.empty())
        Searched += ", ";
      Searched += Dir;
    }
    return "";
  }
  llvm::SmallString<256> S;
  if (llvm::sys::path::is_absolute(P))
    S = P;
  else {
    S = From.Dir;
    llvm::sys::path::append(S, P);
  }
  S = WithExt(S);
  if (llvm::sys::fs::is_regular_file(S))
    return std::string(S);
  Searched = std::string(S);
  return "";
}

bool Evaluator::loadEnvFile(const Decl &D, const ModuleInst &M) {
  llvm::SmallString<256> S;
  if (llvm::sys::path::is_absolute(D.Path))
    S = D.Path;
  else {
    S = M.Dir;
    llvm::sys::path::append(S, D.Path);
  }
  if (!Opts.ReadFile || !Opts.Env)
    return true;
  unsigned Buf = Opts.ReadFile(S, D.PathRange);
  return Buf && yaml::loadEnvFile(Buf, Diags, *Opts.Env);
}

ModuleInst *Evaluator::loadModule(unsigned BufferID, const std::string &Path,
                                  llvm::SMRange From) {
  if (auto It = Modules.find(Path); It != Modules.end())
    return It->second.get();
  if (!BufferID) {
    if (!Opts.ReadFile)
      return nullptr;
    BufferID = Opts.ReadFile(Path, From);
    if (!BufferID)
      return nullptr;
  }
  std::unique_ptr<Module> Syn = parseModule(BufferID, Diags);
  if (!Syn) {
    Failed = true;
    return nullptr;
  }
  auto Inst = std::make_unique<ModuleInst>();
  Inst->Syn = std::move(Syn);
  Inst->Path = Path;
  Inst->Dir = std::string(llvm::sys::path::parent_path(Path));
  ModuleInst &M = *Inst;
  Modules[Path] = std::move(Inst);
  Loading.insert(Path);

  bool Ok = true;
  for (const Decl &D : M.Syn->Decls) {
    if (D.K == Decl::Kind::EnvFile) {
      Ok &= loadEnvFile(D, M);
      continue;
    }
    auto Ins = M.Globals.try_emplace(D.Name);
    if (!Ins.second) {
      Diags.emit(D.NameRange, diag::DslRedefinition, D.Name)
          .note(Ins.first->second.D->NameRange, diag::DslDeclaredHere, D.Name);
      Ok = false;
      continue;
    }
    Ins.first->second.D = &D;
    if (D.K != Decl::Kind::Import)
      continue;
    std::string Searched;
    std::string Target = findModule(D, M, Searched);
    if (Target.empty()) {
      Diags.emit(D.PathRange, diag::DslModuleNotFound, D.Path,
                 Searched.empty() ? std::string()
                                  : " (looked in " + Searched + ")");
      Ok = false;
      continue;
    }
    llvm::SmallString<256> Real;
    if (!llvm::sys::fs::real_path(Target, Real))
      Target = std::string(Real);
    if (Loading.count(Target)) {
      Diags.emit(D.PathRange, diag::DslImportCycle, D.Path);
      Ok = false;
      continue;
    }
    ModuleInst *Imported = loadModule(0, Target, D.PathRange);
    if (!Imported) {
      Ok = false;
      continue;
    }
    if (Imported->Syn->Deploy) {
      Diags.emit(D.PathRange, diag::DslDeployInModule, D.Path);
      Ok = false;
    }
    GlobalSlot &G = Ins.first->second;
    G.St = GlobalSlot::State::Done;
    G.V.Kind = Val::K::Module;
    G.V.Mod = Imported;
  }
  Loading.erase(Path);
  NameChecker NC(*this, M);
  for (const Decl &D : M.Syn->Decls)
    NC.decl(D);
  if (M.Syn->Deploy)
    NC.expr(M.Syn->Deploy->Body);
  if (!Ok || !NC.Ok) {
    Failed = true;
    return nullptr;
  }
  return &M;
}

void Evaluator::evalAllGlobals(ModuleInst &M) {
  for (const Decl &D : M.Syn->Decls)
    if (D.K == Decl::Kind::Let)
      global(M.Globals[D.Name], M, D.NameRange);
}

/// Reports director_env() values outside typed projectFile blocks.
static void checkDirectorEnv(const Value &V, DiagnosticEngine &Diags,
                             bool &Ok) {
  if (V.isString() && V.Tag == "!ENV" && !V.FromEnv) {
    Diags.emit(V.Range, diag::DslDirectorEnvOutsideFile);
    Ok = false;
  }
  for (const Value *I : V.Items)
    checkDirectorEnv(*I, Diags, Ok);
  for (const ast::MapEntry &E : V.Entries)
    checkDirectorEnv(*E.Val, Diags, Ok);
}

const ast::Value *Evaluator::evalDeployment(ModuleInst &M) {
  const Deployment &D = *M.Syn->Deploy;
  Val Body = eval(D.Body, nullptr, M);
  if (Body.poison() || Failed)
    return nullptr;
  if (!expectKind(Body, ValueKind::Map, "the deployment", D.Body->Range))
    return nullptr;
  Value *Root = newValue(ValueKind::Map, D.Body->Range);
  if (!D.Kind.empty()) {
    if (const ast::MapEntry *K = Body.V->getEntry("kind")) {
      Diags.emit(K->Key->Range, diag::DslKindTwice);
      return error(), nullptr;
    }
    Value *Key = newString("kind", D.Range);
    Key->Style = ast::ScalarStyle::Plain;
    Value *Kind = newString(D.Kind, D.KindRange);
    Kind->Style = ast::ScalarStyle::Plain;
    Root->Entries.push_back({Key, Kind});
  }
  bool Ok = true;
  for (const ast::MapEntry &E : Body.V->Entries) {
    if (E.Key->Text == "projectFile" && E.Val->isMap()) {
      // A typed Director file: the plan carries its YAML text.
      Value *Text = newString(valueToYaml(*E.Val, EnvTemplates()),
                              E.Val->Range);
      Text->Style = ast::ScalarStyle::Literal;
      Root->Entries.push_back({E.Key, Text});
      continue;
    }
    checkDirectorEnv(*E.Val, Diags, Ok);
    Root->Entries.push_back(E);
  }
  if (!Ok)
    return error(), nullptr;
  return Root;
}
