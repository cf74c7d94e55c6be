//===- Eval.cpp - DSL evaluator ---------------------------------*- C++ -*-===//
//
// Expressions to ast::Values. Evaluation is deterministic: maps keep the
// order written, nothing reads the clock, the network or files other than
// imports and env files. Type errors are reported where the offending value
// is used, with a note at the declaration that asked for the type.
//
//===----------------------------------------------------------------------===//
#include "Eval.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace overlord;
using namespace overlord::dsl;
using ast::Value;
using ast::ValueKind;

Evaluator::Evaluator(DiagnosticEngine &Diags, const CompileOptions &Opts,
                     ast::Document &Doc)
    : Diags(Diags), Opts(Opts), Doc(Doc) {
  StdlibDirs = Opts.StdlibDirs.empty() ? defaultStdlibDirs() : Opts.StdlibDirs;
}

ast::Value *Evaluator::newString(std::string Text, llvm::SMRange R) {
  Value *V = Doc.create(ValueKind::String, R);
  V->Text = std::move(Text);
  V->Origin.Start = R.Start;
  return V;
}

ast::Value *Evaluator::newInt(int64_t I, llvm::SMRange R) {
  Value *V = Doc.create(ValueKind::Int, R);
  V->IntVal = I;
  V->Text = std::to_string(I);
  V->Origin.Start = R.Start;
  return V;
}

ast::Value *Evaluator::newBool(bool B, llvm::SMRange R) {
  Value *V = Doc.create(ValueKind::Bool, R);
  V->BoolVal = B;
  V->Text = B ? "true" : "false";
  V->Origin.Start = R.Start;
  return V;
}

const std::string *Evaluator::templateOf(const ast::Value *V) const {
  const EnvTemplates &T = Opts.Templates ? *Opts.Templates : LocalTemplates;
  auto It = T.find(V);
  return It == T.end() ? nullptr : &It->second;
}

void Evaluator::setTemplate(const ast::Value *V, std::string T) {
  (Opts.Templates ? *Opts.Templates : LocalTemplates)[V] = std::move(T);
}

std::string Evaluator::describe(const Val &V) {
  switch (V.Kind) {
  case Val::K::Poison:
    return "an error";
  case Val::K::Fn:
  case Val::K::Builtin:
    return "a function";
  case Val::K::Module:
    return "a module";
  case Val::K::Data:
    break;
  }
  if (V.S == Val::Sub::Size)
    return "a size";
  if (V.S == Val::Sub::Duration)
    return "a duration";
  switch (V.V->Kind) {
  case ValueKind::Null:
    return "null";
  case ValueKind::Bool:
    return "a bool";
  case ValueKind::Int:
    return "an integer";
  case ValueKind::Float:
    return "a float";
  case ValueKind::String:
    return "a string";
  case ValueKind::List:
    return "a list";
  case ValueKind::Map:
    return "a map";
  }
  return "a value";
}

bool Evaluator::scalarText(const Value &V, std::string &Out) {
  switch (V.Kind) {
  case ValueKind::String:
  case ValueKind::Float:
    Out = V.Text;
    return true;
  case ValueKind::Int:
    Out = std::to_string(V.IntVal);
    return true;
  case ValueKind::Bool:
    Out = V.BoolVal ? "true" : "false";
    return true;
  default:
    return false;
  }
}

bool Evaluator::equal(const Value &A, const Value &B) {
  if (A.Kind != B.Kind) {
    if ((A.isInt() || A.Kind == ValueKind::Float) &&
        (B.isInt() || B.Kind == ValueKind::Float))
      return (A.isInt() ? double(A.IntVal) : A.FloatVal) ==
             (B.isInt() ? double(B.IntVal) : B.FloatVal);
    return false;
  }
  switch (A.Kind) {
  case ValueKind::Null:
    return true;
  case ValueKind::Bool:
    return A.BoolVal == B.BoolVal;
  case ValueKind::Int:
    return A.IntVal == B.IntVal;
  case ValueKind::Float:
    return A.FloatVal == B.FloatVal;
  case ValueKind::String:
    return A.Text == B.Text;
  case ValueKind::List:
    if (A.Items.size() != B.Items.size())
      return false;
    for (size_t I = 0; I < A.Items.size(); ++I)
      if (!equal(*A.Items[I], *B.Items[I]))
        return false;
    return true;
  case ValueKind::Map:
    if (A.Entries.size() != B.Entries.size())
      return false;
    for (size_t I = 0; I < A.Entries.size(); ++I)
      if (A.Entries[I].Key->Text != B.Entries[I].Key->Text ||
          !equal(*A.Entries[I].Val, *B.Entries[I].Val))
        return false;
    return true;
  }
  return false;
}

static bool looksLikeSize(llvm::StringRef S) {
  llvm::StringRef Digits = S.take_while([](char C) { return llvm::isDigit(C); });
  if (Digits.empty())
    return false;
  llvm::StringRef Unit = S.drop_front(Digits.size());
  return Unit.empty() ||
         (Unit.size() == 1 && llvm::StringRef("kKmMgGtTpP").contains(Unit[0]));
}

bool Evaluator::checkType(const Val &V, const TypeRef *T,
                          const std::string &What, llvm::SMRange At,
                          llvm::SMRange DeclRange) {
  if (!T || V.poison() || T->Name == "any")
    return true;
  auto Fail = [&](llvm::StringRef Want) {
    auto B = Diags.emit(At, diag::DslTypeMismatch, What, Want.str(),
                        describe(V));
    // The note names what was declared: 'port' in "'port' item 2".
    size_t Q = What.find('\''), Q2 = What.find('\'', Q + 1);
    if (DeclRange.isValid() && Q != std::string::npos && Q2 != std::string::npos)
      B.note(DeclRange, diag::DslDeclaredHere, What.substr(Q + 1, Q2 - Q - 1));
    Failed = true;
    return false;
  };
  const std::string &N = T->Name;
  if (N == "function")
    return V.Kind == Val::K::Fn || V.Kind == Val::K::Builtin ? true
                                                             : Fail("a function");
  if (!V.isData())
    return Fail(N == "list" || N == "int" ? "an " + N : "a " + N);
  ValueKind K = V.V->Kind;
  if (N == "string")
    return K == ValueKind::String || Fail("a string");
  if (N == "int")
    return K == ValueKind::Int || Fail("an integer");
  if (N == "duration")
    return K == ValueKind::Int || Fail("a duration");
  if (N == "float")
    return K == ValueKind::Float || K == ValueKind::Int || Fail("a float");
  if (N == "bool")
    return K == ValueKind::Bool || Fail("a bool");
  if (N == "null")
    return K == ValueKind::Null || Fail("null");
  if (N == "size") {
    if (K != ValueKind::String)
      return Fail("a size");
    if (V.S == Val::Sub::Size || looksLikeSize(V.V->Text) ||
        (V.V->FromEnv && V.V->Text.empty()))
      return true;
    Diags.emit(At, diag::DslSizeMalformed, V.V->Text);
    Failed = true;
    return false;
  }
  if (N == "list") {
    if (K != ValueKind::List)
      return Fail("a list");
    for (size_t I = 0; I < V.V->Items.size(); ++I)
      if (!checkType(Val::data(V.V->Items[I]), T->Elem,
                     What + " item " + std::to_string(I), V.V->Items[I]->Range,
                     DeclRange))
        return false;
    return true;
  }
  if (N == "map") {
    if (K != ValueKind::Map)
      return Fail("a map");
    for (const ast::MapEntry &E : V.V->Entries)
      if (!checkType(Val::data(E.Val), T->Elem,
                     What + " entry '" + E.Key->Text + "'", E.Val->Range,
                     DeclRange))
        return false;
    return true;
  }
  return true; // unknown names were reported by the name checker
}

bool Evaluator::expectKind(const Val &V, ValueKind K, const std::string &What,
                           llvm::SMRange At) {
  if (V.poison())
    return false;
  if (V.isData() && V.V->Kind == K)
    return true;
  Diags.emit(At, diag::DslTypeMismatch, What, ast::kindNoun(K).str(),
             describe(V));
  Failed = true;
  return false;
}

bool Evaluator::expectString(const Val &V, const std::string &What,
                             llvm::SMRange At) {
  return expectKind(V, ValueKind::String, What, At);
}

bool Evaluator::expectInt(const Val &V, const std::string &What,
                          llvm::SMRange At) {
  return expectKind(V, ValueKind::Int, What, At);
}

bool Evaluator::step(llvm::SMRange At) {
  if (Aborted)
    return false;
  if (Doc.size() > Opts.MaxValues) {
    Diags.emit(At, diag::DslBuiltinError,
               "evaluation builds more than " + std::to_string(Opts.MaxValues) +
                   " values; the file builds too much");
    Failed = Aborted = true;
    return false;
  }
  if (++Steps <= Opts.MaxSteps)
    return true;
  Diags.emit(At, diag::DslTooMuchWork, Opts.MaxSteps);
  Failed = Aborted = true;
  return false;
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

Val Evaluator::global(GlobalSlot &G, ModuleInst &M, llvm::SMRange At) {
  if (G.St == GlobalSlot::State::Done)
    return G.V;
  const Decl &D = *G.D;
  if (G.St == GlobalSlot::State::Busy) {
    Diags.emit(At, diag::DslCyclicDefinition, D.Name)
        .note(D.NameRange, diag::DslDeclaredHere, D.Name);
    G.St = GlobalSlot::State::Done;
    G.V = Val();
    return error();
  }
  Val V;
  switch (D.K) {
  case Decl::Kind::Fn:
    V.Kind = Val::K::Fn;
    V.Fn = &D;
    V.Mod = &M;
    break;
  case Decl::Kind::Let:
    G.St = GlobalSlot::State::Busy;
    V = eval(D.Val, nullptr, M);
    if (!V.poison() &&
        !checkType(V, D.Ty, "'" + D.Name + "'", D.Val->Range,
                   D.Ty ? D.Ty->Range : llvm::SMRange()))
      V = Val();
    break;
  case Decl::Kind::Import:
  case Decl::Kind::EnvFile:
    break; // imports are bound when loaded
  }
  if (G.St != GlobalSlot::State::Done) {
    G.St = GlobalSlot::State::Done;
    G.V = V;
  }
  return G.V;
}

Val Evaluator::lookup(llvm::StringRef Name, llvm::SMRange At, const Scope *S,
                      ModuleInst &M) {
  for (; S; S = S->Parent)
    if (S->Name == Name)
      return S->V;
  auto It = M.Globals.find(Name);
  if (It != M.Globals.end())
    return global(It->second, M, At);
  if (BuiltinID B = findBuiltin(Name); B != BuiltinID::None) {
    Val V;
    V.Kind = Val::K::Builtin;
    V.B = B;
    return V;
  }
  // The name checker reported it before evaluation started.
  return error();
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

Val Evaluator::eval(const Expr *E, const Scope *S, ModuleInst &M) {
  if (!step(E->Range))
    return Val();
  if (EvalDepth >= Opts.MaxEvalDepth) {
    Diags.emit(E->Range, diag::DslCallTooDeep, Opts.MaxEvalDepth,
               CurrentFn ? CurrentFn->Name : std::string("?"));
    Failed = Aborted = true;
    return Val();
  }
  ++EvalDepth;
  Val R = evalNode(E, S, M);
  --EvalDepth;
  return R;
}

Val Evaluator::evalNode(const Expr *E, const Scope *S, ModuleInst &M) {
  switch (E->Kind) {
  case ExprKind::Int:
  case ExprKind::Duration:
    return Val::data(newInt(E->Int, E->Range), E->Kind == ExprKind::Duration
                                                   ? Val::Sub::Duration
                                                   : Val::Sub::None);
  case ExprKind::Float: {
    Value *V = newValue(ValueKind::Float, E->Range);
    V->FloatVal = E->Float;
    V->Text = E->Text;
    V->Origin.Start = E->Range.Start;
    return Val::data(V);
  }
  case ExprKind::Size:
    return Val::data(newString(E->Text, E->Range), Val::Sub::Size);
  case ExprKind::Bool:
    return Val::data(newBool(E->Bool, E->Range));
  case ExprKind::Null:
    return Val::data(newValue(ValueKind::Null, E->Range));
  case ExprKind::Str:
    return evalStr(E, S, M);
  case ExprKind::Block: {
    Value *V = newString(E->Parts[0].Text, E->Range);
    V->Style = ast::ScalarStyle::Literal;
    V->Origin.LineStarts = E->LineStarts;
    return Val::data(V);
  }
  case ExprKind::Name:
    return lookup(E->Text, E->Range, S, M);
  case ExprKind::List: {
    Value *L = newValue(ValueKind::List, E->Range);
    bool Poison = false;
    for (const Expr *I : E->Items) {
      Val V = eval(I, S, M);
      if (!V.isData()) {
        if (!V.poison()) {
          Diags.emit(I->Range, diag::DslTypeMismatch,
                     std::string("a list item"), std::string("data"),
                     describe(V));
          Failed = true;
        }
        Poison = true;
        continue;
      }
      L->Items.push_back(V.V);
    }
    return Poison ? Val() : Val::data(L);
  }
  case ExprKind::Map:
    return evalMap(E, S, M);
  case ExprKind::ListComp:
  case ExprKind::MapComp:
    return evalComp(E, S, M);
  case ExprKind::Member:
    return evalMember(E, S, M);
  case ExprKind::Index:
    return evalIndex(E, S, M);
  case ExprKind::Call:
    return evalCall(E, S, M);
  case ExprKind::Unary: {
    Val A = eval(E->A, S, M);
    if (A.poison())
      return A;
    if (E->Text == "not") {
      if (!expectKind(A, ValueKind::Bool, "the operand of 'not'", E->A->Range))
        return Val();
      return Val::data(newBool(!A.V->BoolVal, E->Range));
    }
    if (A.isData() && A.V->isInt()) {
      if (A.V->IntVal == INT64_MIN) {
        Diags.emit(E->Range, diag::DslIntegerOverflow, std::string("-"));
        return error();
      }
      return Val::data(newInt(-A.V->IntVal, E->Range), A.S);
    }
    if (A.isData() && A.V->Kind == ValueKind::Float) {
      Value *V = newValue(ValueKind::Float, E->Range);
      V->FloatVal = -A.V->FloatVal;
      V->Text = "-" + A.V->Text;
      return Val::data(V);
    }
    Diags.emit(E->A->Range, diag::DslTypeMismatch,
               std::string("the operand of '-'"), std::string("a number"),
               describe(A));
    return error();
  }
  case ExprKind::Binary:
    return evalBinary(E, S, M);
  case ExprKind::If: {
    Val C = eval(E->A, S, M);
    if (!expectKind(C, ValueKind::Bool, "the condition of 'if'", E->A->Range))
      return Val();
    return eval(C.V->BoolVal ? E->B : E->C, S, M);
  }
  case ExprKind::Let: {
    Val V = eval(E->A, S, M);
    if (V.poison())
      return V;
    if (!checkType(V, E->Ty, "'" + E->Text + "'", E->A->Range,
                   E->Ty ? E->Ty->Range : llvm::SMRange()))
      return Val();
    Scope Inner{S, E->Text, V, E->TextRange};
    return eval(E->B, &Inner, M);
  }
  }
  return Val();
}

Val Evaluator::evalStr(const Expr *E, const Scope *S, ModuleInst &M) {
  if (E->Parts.size() == 1 && !E->Parts[0].Interp) {
    Value *V = newString(E->Parts[0].Text, E->Range);
    V->Style = E->BareKey ? ast::ScalarStyle::Plain
                          : ast::ScalarStyle::DoubleQuoted;
    return Val::data(V);
  }
  std::string Text, Template;
  bool FromEnv = false, Secret = false;
  for (const StrPart &P : E->Parts) {
    if (!P.Interp) {
      Text += P.Text;
      Template += P.Text;
      continue;
    }
    Val V = eval(P.Interp, S, M);
    if (V.poison())
      return V;
    std::string Piece;
    if (!V.isData() || !scalarText(*V.V, Piece)) {
      Diags.emit(P.Interp->Range, diag::DslTypeMismatch,
                 std::string("an interpolated value"),
                 std::string("a string, number or bool"), describe(V));
      return error();
    }
    Text += Piece;
    if (const std::string *T = templateOf(V.V))
      Template += *T;
    else
      Template += Piece;
    FromEnv |= V.V->FromEnv;
    Secret |= V.V->Secret;
    if (Text.size() > (16u << 20)) {
      Diags.emit(E->Range, diag::DslBuiltinError,
                 std::string("the string built here is longer than 16 MiB"));
      Aborted = true;
      return error();
    }
  }
  Value *R = newString(std::move(Text), E->Range);
  R->FromEnv = FromEnv;
  R->Secret = Secret;
  if (FromEnv) {
    R->Tag = "!ENV";
    setTemplate(R, std::move(Template));
  }
  return Val::data(R);
}

Val Evaluator::evalMap(const Expr *E, const Scope *S, ModuleInst &M) {
  Value *Map = newValue(ValueKind::Map, E->Range);
  bool Poison = false;
  llvm::StringMap<const Value *> Seen;
  for (const Entry &En : E->Entries) {
    Val K = eval(En.Key, S, M);
    Val V = eval(En.Val, S, M);
    if (K.poison() || V.poison()) {
      Poison = true;
      continue;
    }
    if (!V.isData()) {
      Diags.emit(En.Val->Range, diag::DslTypeMismatch,
                 std::string("a map value"), std::string("data"), describe(V));
      Failed = Poison = true;
      continue;
    }
    auto Ins = Seen.try_emplace(K.V->Text, K.V);
    if (!Ins.second) {
      Diags.emit(En.Key->Range, diag::DslDuplicateKey, K.V->Text)
          .note(Ins.first->second->Range, diag::DslPreviousKey, K.V->Text);
      Failed = Poison = true;
      continue;
    }
    Map->Entries.push_back({K.V, V.V});
  }
  return Poison ? Val() : Val::data(Map);
}

Val Evaluator::evalMember(const Expr *E, const Scope *S, ModuleInst &M) {
  Val A = eval(E->A, S, M);
  if (A.poison())
    return A;
  if (A.Kind == Val::K::Module) {
    ModuleInst &Target = *A.Mod;
    auto It = Target.Globals.find(E->Text);
    if (It != Target.Globals.end() &&
        It->second.D->K != Decl::Kind::EnvFile)
      return global(It->second, Target, E->TextRange);
    // Reported by the name checker.
    return error();
  }
  if (A.isData() && A.V->isMap()) {
    if (const Value *V = A.V->get(E->Text))
      return Val::data(V);
    std::vector<llvm::StringRef> Keys;
    for (const ast::MapEntry &En : A.V->Entries)
      Keys.push_back(En.Key->Text);
    Diags.emit(E->TextRange, diag::DslMissingKey, E->Text,
               didYouMean(suggestClosest(E->Text, Keys)));
    return error();
  }
  Diags.emit(E->TextRange, diag::DslUnknownMember, describe(A), E->Text,
             std::string());
  return error();
}

Val Evaluator::evalIndex(const Expr *E, const Scope *S, ModuleInst &M) {
  Val A = eval(E->A, S, M);
  Val I = eval(E->B, S, M);
  if (A.poison() || I.poison())
    return Val();
  if (A.isData() && A.V->isList()) {
    if (!expectInt(I, "a list index", E->B->Range))
      return Val();
    int64_t N = I.V->IntVal;
    if (N < 0 || uint64_t(N) >= A.V->Items.size()) {
      Diags.emit(E->B->Range, diag::DslIndexOutOfRange, N,
                 uint64_t(A.V->Items.size()));
      return error();
    }
    return Val::data(A.V->Items[size_t(N)]);
  }
  if (A.isData() && A.V->isMap()) {
    if (!expectString(I, "a map key", E->B->Range))
      return Val();
    if (const Value *V = A.V->get(I.V->Text))
      return Val::data(V);
    std::vector<llvm::StringRef> Keys;
    for (const ast::MapEntry &En : A.V->Entries)
      Keys.push_back(En.Key->Text);
    Diags.emit(E->B->Range, diag::DslMissingKey, I.V->Text,
               didYouMean(suggestClosest(I.V->Text, Keys)));
    return error();
  }
  Diags.emit(E->A->Range, diag::DslTypeMismatch,
             std::string("an indexed value"), std::string("a list or a map"),
             describe(A));
  return error();
}

Val Evaluator::evalComp(const Expr *E, const Scope *S, ModuleInst &M) {
  Val Coll = eval(E->A, S, M);
  if (Coll.poison())
    return Coll;
  if (!Coll.isData() || (!Coll.V->isList() && !Coll.V->isMap())) {
    Diags.emit(E->A->Range, diag::DslTypeMismatch,
               std::string("the collection of 'for'"),
               std::string("a list or a map"), describe(Coll));
    return error();
  }
  bool IsMapComp = E->Kind == ExprKind::MapComp;
  const Expr *Cond = IsMapComp ? E->D : E->C;
  Value *Out = newValue(IsMapComp ? ValueKind::Map : ValueKind::List, E->Range);
  llvm::StringMap<const Value *> Seen;
  size_t N = Coll.V->isList() ? Coll.V->Items.size() : Coll.V->Entries.size();
  for (size_t I = 0; I < N; ++I) {
    // One variable: the item (list) or the key (map). Two: index/key, item.
    const Value *First, *Second = nullptr;
    if (Coll.V->isList()) {
      First = E->Var2.empty() ? Coll.V->Items[I] : newInt(int64_t(I), E->A->Range);
      if (!E->Var2.empty())
        Second = Coll.V->Items[I];
    } else {
      First = Coll.V->Entries[I].Key;
      Second = Coll.V->Entries[I].Val;
    }
    Scope S1{S, E->Text, Val::data(First), E->TextRange};
    Scope S2{&S1, E->Var2, Second ? Val::data(Second) : Val(), E->Var2Range};
    const Scope *Inner = E->Var2.empty() ? &S1 : &S2;
    if (Cond) {
      Val C = eval(Cond, Inner, M);
      if (!expectKind(C, ValueKind::Bool, "the condition of 'for'",
                      Cond->Range))
        return Val();
      if (!C.V->BoolVal)
        continue;
    }
    if (!IsMapComp) {
      Val V = eval(E->B, Inner, M);
      if (V.poison())
        return V;
      if (!V.isData()) {
        Diags.emit(E->B->Range, diag::DslTypeMismatch,
                   std::string("a list item"), std::string("data"),
                   describe(V));
        return error();
      }
      Out->Items.push_back(V.V);
      continue;
    }
    Val K = eval(E->B, Inner, M);
    Val V = eval(E->C, Inner, M);
    if (K.poison() || V.poison())
      return Val();
    if (!expectString(K, "a map key", E->B->Range))
      return Val();
    if (!V.isData()) {
      Diags.emit(E->C->Range, diag::DslTypeMismatch,
                 std::string("a map value"), std::string("data"), describe(V));
      return error();
    }
    if (!Seen.try_emplace(K.V->Text, K.V).second) {
      Diags.emit(E->B->Range, diag::DslDuplicateKey, K.V->Text);
      return error();
    }
    Out->Entries.push_back({K.V, V.V});
  }
  return Val::data(Out);
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

static bool isNum(const Val &V) {
  return V.isData() && (V.V->isInt() || V.V->Kind == ValueKind::Float);
}

Val Evaluator::arith(const Expr *E, const Val &A, const Val &B) {
  llvm::StringRef Op = E->Text;
  if (A.V->isInt() && B.V->isInt()) {
    int64_t X = A.V->IntVal, Y = B.V->IntVal, R = 0;
    bool Overflow = false;
    if (Op == "+")
      Overflow = __builtin_add_overflow(X, Y, &R);
    else if (Op == "-")
      Overflow = __builtin_sub_overflow(X, Y, &R);
    else if (Op == "*")
      Overflow = __builtin_mul_overflow(X, Y, &R);
    else {
      if (Y == 0) {
        Diags.emit(E->Range, diag::DslDivisionByZero);
        return error();
      }
      if (X == INT64_MIN && Y == -1)
        Overflow = true;
      else
        R = Op == "/" ? X / Y : X % Y;
    }
    if (Overflow) {
      Diags.emit(E->Range, diag::DslIntegerOverflow, Op.str());
      return error();
    }
    Val::Sub Sub = A.S == Val::Sub::Duration && B.S == Val::Sub::Duration &&
                           (Op == "+" || Op == "-")
                       ? Val::Sub::Duration
                       : Val::Sub::None;
    return Val::data(newInt(R, E->Range), Sub);
  }
  double X = A.V->isInt() ? double(A.V->IntVal) : A.V->FloatVal;
  double Y = B.V->isInt() ? double(B.V->IntVal) : B.V->FloatVal;
  double R = Op == "+" ? X + Y : Op == "-" ? X - Y : Op == "*" ? X * Y
           : Op == "/" ? (Y == 0 ? NAN : X / Y) : std::fmod(X, Y);
  if (Y == 0 && (Op == "/" || Op == "%")) {
    Diags.emit(E->Range, diag::DslDivisionByZero);
    return error();
  }
  Value *V = newValue(ValueKind::Float, E->Range);
  V->FloatVal = R;
  V->Text = llvm::formatv("{0}", R).str();
  return Val::data(V);
}

Val Evaluator::evalBinary(const Expr *E, const Scope *S, ModuleInst &M) {
  llvm::StringRef Op = E->Text;
  if (Op == "and" || Op == "or") {
    Val A = eval(E->A, S, M);
    if (!expectKind(A, ValueKind::Bool, "the left operand of '" + Op.str() + "'",
                    E->A->Range))
      return Val();
    if (A.V->BoolVal == (Op == "or"))
      return A;
    Val B = eval(E->B, S, M);
    if (!expectKind(B, ValueKind::Bool,
                    "the right operand of '" + Op.str() + "'", E->B->Range))
      return Val();
    return B;
  }
  Val A = eval(E->A, S, M);
  Val B = eval(E->B, S, M);
  if (A.poison() || B.poison())
    return Val();
  auto Mismatch = [&]() {
    Diags.emit(E->TextRange, diag::DslOperandTypes, Op.str(), describe(A),
               describe(B));
    return error();
  };
  if (!A.isData() || !B.isData())
    return Mismatch();
  if (Op == "==" || Op == "!=")
    return Val::data(newBool(equal(*A.V, *B.V) == (Op == "=="), E->Range));
  if (Op == "<" || Op == "<=" || Op == ">" || Op == ">=") {
    int Cmp;
    if (isNum(A) && isNum(B)) {
      double X = A.V->isInt() ? double(A.V->IntVal) : A.V->FloatVal;
      double Y = B.V->isInt() ? double(B.V->IntVal) : B.V->FloatVal;
      if (A.V->isInt() && B.V->isInt())
        Cmp = A.V->IntVal < B.V->IntVal ? -1 : A.V->IntVal > B.V->IntVal;
      else
        Cmp = X < Y ? -1 : X > Y;
    } else if (A.V->isString() && B.V->isString()) {
      Cmp = A.V->Text.compare(B.V->Text);
    } else {
      return Mismatch();
    }
    bool R = Op == "<" ? Cmp < 0 : Op == "<=" ? Cmp <= 0 : Op == ">" ? Cmp > 0
                                                                      : Cmp >= 0;
    return Val::data(newBool(R, E->Range));
  }
  if (isNum(A) && isNum(B))
    return arith(E, A, B);
  if (Op != "+")
    return Mismatch();
  ValueKind K = A.V->Kind;
  if (K != B.V->Kind)
    return Mismatch();
  if (K == ValueKind::String) {
    if (A.V->Text.size() + B.V->Text.size() > (16u << 20)) {
      Diags.emit(E->Range, diag::DslBuiltinError,
                 std::string("the string built here is longer than 16 MiB"));
      Aborted = true;
      return error();
    }
    Value *V = newString(A.V->Text + B.V->Text, E->Range);
    V->Secret = A.V->Secret || B.V->Secret;
    V->FromEnv = A.V->FromEnv || B.V->FromEnv;
    if (A.V->Style == ast::ScalarStyle::Literal &&
        B.V->Style == ast::ScalarStyle::Literal)
      V->Style = ast::ScalarStyle::Literal; // still text; no line map
    if (V->FromEnv) {
      V->Tag = "!ENV";
      const std::string *TA = templateOf(A.V), *TB = templateOf(B.V);
      setTemplate(V, (TA ? *TA : A.V->Text) + (TB ? *TB : B.V->Text));
    }
    return Val::data(V);
  }
  if (K == ValueKind::List) {
    if (A.V->Items.size() + B.V->Items.size() > 1'000'000) {
      Diags.emit(E->Range, diag::DslBuiltinError,
                 std::string("the list built here has more than 1000000 items"));
      Aborted = true;
      return error();
    }
    Value *V = newValue(ValueKind::List, E->Range);
    V->Items = A.V->Items;
    V->Items.insert(V->Items.end(), B.V->Items.begin(), B.V->Items.end());
    return Val::data(V);
  }
  if (K == ValueKind::Map) {
    // Right wins; keys keep the position they first had.
    Value *V = newValue(ValueKind::Map, E->Range);
    V->Entries = A.V->Entries;
    for (const ast::MapEntry &En : B.V->Entries) {
      auto It = std::find_if(V->Entries.begin(), V->Entries.end(),
                             [&](const ast::MapEntry &X) {
                               return X.Key->Text == En.Key->Text;
                             });
      if (It != V->Entries.end())
        It->Val = En.Val;
      else
        V->Entries.push_back(En);
    }
    return Val::data(V);
  }
  return Mismatch();
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

Val Evaluator::evalCall(const Expr *E, const Scope *S, ModuleInst &M) {
  Val Callee = eval(E->A, S, M);
  std::vector<std::pair<const Arg *, Val>> Args;
  bool Poison = Callee.poison();
  for (const Arg &A : E->Args) {
    Val V = eval(A.Val, S, M);
    Poison |= V.poison();
    Args.push_back({&A, V});
  }
  if (Poison)
    return Val();
  if (Callee.Kind == Val::K::Builtin)
    return callBuiltin(Callee.B, E, Args);
  if (Callee.Kind != Val::K::Fn) {
    Diags.emit(E->A->Range, diag::DslNotCallable, describe(Callee));
    return error();
  }
  return callFunction(*Callee.Fn, *Callee.Mod, E, Args);
}

Val Evaluator::callFunction(const Decl &F, ModuleInst &FM, const Expr *Call,
                            std::vector<std::pair<const Arg *, Val>> &Args) {
  std::string Name = F.Name;
  size_t NP = F.Params.size();
  std::vector<Val> Bound(NP);
  std::vector<bool> Given(NP, false);
  size_t Pos = 0;
  for (auto &[A, V] : Args) {
    size_t Index = NP;
    if (A->Name.empty()) {
      Index = Pos++;
      if (Index >= NP) {
        std::string Count = std::to_string(NP);
        Diags.emit(A->Val->Range, diag::DslArgumentCount, Name, Count,
                   unsigned(Args.size()))
            .note(F.NameRange, diag::DslDeclaredHere, Name);
        return error();
      }
    } else {
      for (size_t I = 0; I < NP; ++I)
        if (F.Params[I].Name == A->Name)
          Index = I;
      if (Index == NP || Given[Index]) {
        std::vector<llvm::StringRef> Names;
        for (const Param &P : F.Params)
          Names.push_back(P.Name);
        Diags.emit(A->NameRange, diag::DslUnknownArgument, Name, A->Name,
                   Index == NP ? didYouMean(suggestClosest(A->Name, Names))
                               : std::string("; it is given twice"))
            .note(F.NameRange, diag::DslDeclaredHere, Name);
        return error();
      }
    }
    Given[Index] = true;
    Bound[Index] = V;
  }
  if (Depth >= Opts.MaxCallDepth) {
    Diags.emit(Call->Range, diag::DslCallTooDeep, Opts.MaxCallDepth, Name);
    Aborted = true;
    return error();
  }
  ++Depth;
  // Parameters are bound left to right; a default sees earlier parameters.
  std::vector<Scope> Frames(NP);
  const Scope *Top = nullptr;
  bool Ok = true;
  for (size_t I = 0; I < NP && Ok; ++I) {
    const Param &P = F.Params[I];
    Val V = Bound[I];
    llvm::SMRange At;
    if (Given[I]) {
      for (auto &[A, AV] : Args)
        if ((A->Name.empty() ? false : A->Name == P.Name))
          At = A->Val->Range;
      if (!At.isValid()) {
        size_t K = 0;
        for (auto &[A, AV] : Args)
          if (A->Name.empty() && K++ == I)
            At = A->Val->Range;
      }
    } else if (P.Default) {
      V = eval(P.Default, Top, FM);
      At = P.Default->Range;
    } else {
      Diags.emit(Call->Range, diag::DslMissingArgument, P.Name, Name)
          .note(P.Range, diag::DslDeclaredHere, P.Name);
      Failed = true;
      Ok = false;
      break;
    }
    if (V.poison() ||
        !checkType(V, P.Ty, "'" + P.Name + "'", At, P.Range)) {
      Ok = false;
      break;
    }
    Frames[I] = Scope{Top, P.Name, V, P.Range};
    Top = &Frames[I];
  }
  const Decl *Caller = CurrentFn;
  CurrentFn = &F;
  Val R = Ok ? eval(F.Val, Top, FM) : Val();
  CurrentFn = Caller;
  --Depth;
  if (!R.poison() && F.Ty &&
      !checkType(R, F.Ty, "the result of '" + Name + "'", Call->Range,
                 F.Ty->Range))
    return Val();
  if (!Ok)
    Failed = true;
  return R;
}
