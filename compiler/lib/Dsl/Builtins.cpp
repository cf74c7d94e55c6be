//===- Builtins.cpp - DSL builtin functions ---------------------*- C++ -*-===//
//
// The functions every module sees (Builtins.def, docs/LangRef.md). env()
// reads the compiler's environment (process variables, -e files and
// env_file statements) and nothing else; the others are pure.
//
//===----------------------------------------------------------------------===//
#include "Eval.h"

#include "overlord/Support/Suggest.h"

using namespace overlord;
using namespace overlord::dsl;
using ast::Value;
using ast::ValueKind;

namespace {
struct BuiltinInfo {
  BuiltinID ID;
  llvm::StringRef Name;
  unsigned Min, Max;
  llvm::StringRef Params;
};
const BuiltinInfo Builtins[] = {
#define OVERLORD_DSL_BUILTIN(ID, NAME, MIN, MAX, PARAMS)                       \
  {BuiltinID::ID, NAME, MIN, MAX, PARAMS},
#include "Builtins.def"
};

const BuiltinInfo &info(BuiltinID B) {
  for (const BuiltinInfo &I : Builtins)
    if (I.ID == B)
      return I;
  return Builtins[0];
}
} // namespace

BuiltinID dsl::findBuiltin(llvm::StringRef Name) {
  for (const BuiltinInfo &I : Builtins)
    if (I.Name == Name)
      return I.ID;
  return BuiltinID::None;
}

std::vector<llvm::StringRef> dsl::builtinNames() {
  std::vector<llvm::StringRef> N;
  for (const BuiltinInfo &I : Builtins)
    N.push_back(I.Name);
  return N;
}

Val Evaluator::callBuiltin(BuiltinID B, const Expr *Call,
                           std::vector<std::pair<const Arg *, Val>> &Args) {
  const BuiltinInfo &BI = info(B);
  std::string Name = BI.Name.str();
  for (auto &[A, V] : Args)
    if (!A->Name.empty()) {
      Diags.emit(A->NameRange, diag::DslUnknownArgument, Name, A->Name,
                 std::string("; builtins take positional arguments"));
      return error();
    }
  if (Args.size() < BI.Min || Args.size() > BI.Max) {
    std::string Count = BI.Min == BI.Max
                            ? std::to_string(BI.Min)
                            : std::to_string(BI.Min) + " to " +
                                  std::to_string(BI.Max);
    Diags.emit(Call->Range, diag::DslArgumentCount, Name,
               Count + " (" + BI.Params.str() + ")", unsigned(Args.size()));
    return error();
  }
  auto Arg = [&](size_t I) -> const Val & { return Args[I].second; };
  auto At = [&](size_t I) { return Args[I].first->Val->Range; };
  auto What = [&](size_t I) {
    llvm::SmallVector<llvm::StringRef, 4> P;
    BI.Params.split(P, ", ");
    return "argument '" + (I < P.size() ? P[I] : P.back()).str() + "' of " +
           Name;
  };
  llvm::SMRange R = Call->Range;
  auto Fail = [&](const std::string &Msg) {
    Diags.emit(R, diag::DslBuiltinError, Msg);
    return error();
  };

  switch (B) {
  case BuiltinID::None:
    return error();
  case BuiltinID::Env: {
    if (!expectString(Arg(0), What(0), At(0)))
      return Val();
    const std::string &Var = Arg(0).V->Text;
    std::optional<std::string> Got = Opts.Env ? Opts.Env->lookup(Var)
                                              : std::nullopt;
    std::string Template = "${" + Var + "}";
    if (!Got) {
      if (Args.size() < 2) {
        Diags.emit(R, diag::DslEnvUnset, Var);
        return error();
      }
      if (!expectString(Arg(1), What(1), At(1)))
        return Val();
      Got = Arg(1).V->Text;
      Template = "${" + Var + ":" + *Got + "}";
    } else if (Args.size() == 2) {
      if (!expectString(Arg(1), What(1), At(1)))
        return Val();
      Template = "${" + Var + ":" + Arg(1).V->Text + "}";
    }
    Value *V = newString(std::move(*Got), R);
    V->FromEnv = true;
    V->Tag = "!ENV";
    setTemplate(V, std::move(Template));
    return Val::data(V);
  }
  case BuiltinID::Secret: {
    const Val &A = Arg(0);
    if (!A.isData() || !A.V->isScalar() || A.V->isNull()) {
      Diags.emit(At(0), diag::DslTypeMismatch, What(0),
                 std::string("a string"), describe(A));
      return error();
    }
    Value *V = newValue(A.V->Kind, A.V->Range);
    *V = *A.V;
    V->Secret = true;
    if (const std::string *T = templateOf(A.V))
      setTemplate(V, *T);
    return Val::data(V);
  }
  case BuiltinID::DirectorEnv: {
    if (!expectString(Arg(0), What(0), At(0)))
      return Val();
    Value *V = newString(Arg(0).V->Text, R);
    V->Tag = "!ENV"; // expanded by Director on the node, not here
    return Val::data(V);
  }
  case BuiltinID::Len: {
    const Val &A = Arg(0);
    if (A.isData() && A.V->isString())
      return Val::data(newInt(int64_t(A.V->Text.size()), R));
    if (A.isData() && A.V->isList())
      return Val::data(newInt(int64_t(A.V->Items.size()), R));
    if (A.isData() && A.V->isMap())
      return Val::data(newInt(int64_t(A.V->Entries.size()), R));
    Diags.emit(At(0), diag::DslTypeMismatch, What(0),
               std::string("a string, list or map"), describe(A));
    return error();
  }
  case BuiltinID::Join:
  case BuiltinID::Lines: {
    if (!expectKind(Arg(0), ValueKind::List, What(0), At(0)))
      return Val();
    std::string Sep = B == BuiltinID::Lines ? "\n" : "";
    if (Args.size() == 2) {
      if (!expectString(Arg(1), What(1), At(1)))
        return Val();
      Sep = Arg(1).V->Text;
    }
    std::string Out;
    bool Secret = false;
    for (size_t I = 0; I < Arg(0).V->Items.size(); ++I) {
      const Value *Item = Arg(0).V->Items[I];
      std::string Piece;
      if (!scalarText(*Item, Piece)) {
        Diags.emit(Item->Range, diag::DslTypeMismatch,
                   "item " + std::to_string(I) + " of " + What(0),
                   std::string("a string, number or bool"),
                   describe(Val::data(Item)));
        return error();
      }
      Secret |= Item->Secret;
      if (I && B == BuiltinID::Join)
        Out += Sep;
      Out += Piece;
      if (B == BuiltinID::Lines)
        Out += Sep;
      if (Out.size() > (16u << 20))
        return Fail("the joined string is longer than 16 MiB");
    }
    Value *V = newString(std::move(Out), R);
    V->Secret = Secret;
    return Val::data(V);
  }
  case BuiltinID::Split: {
    if (!expectString(Arg(0), What(0), At(0)) ||
        !expectString(Arg(1), What(1), At(1)))
      return Val();
    if (Arg(1).V->Text.empty())
      return Fail("split() needs a non-empty separator");
    Value *L = newValue(ValueKind::List, R);
    llvm::SmallVector<llvm::StringRef, 8> Parts;
    llvm::StringRef(Arg(0).V->Text).split(Parts, Arg(1).V->Text);
    for (llvm::StringRef P : Parts)
      L->Items.push_back(newString(P.str(), R));
    return Val::data(L);
  }
  case BuiltinID::Replace: {
    for (size_t I = 0; I < 3; ++I)
      if (!expectString(Arg(I), What(I), At(I)))
        return Val();
    const std::string &Old = Arg(1).V->Text, &New = Arg(2).V->Text;
    if (Old.empty())
      return Fail("replace() needs a non-empty string to replace");
    std::string S = Arg(0).V->Text;
    size_t P = 0;
    while ((P = S.find(Old, P)) != std::string::npos) {
      S.replace(P, Old.size(), New);
      P += New.size();
      if (S.size() > (16u << 20))
        return Fail("the result is longer than 16 MiB");
    }
    Value *V = newString(std::move(S), R);
    V->Secret = Arg(0).V->Secret || Arg(2).V->Secret;
    return Val::data(V);
  }
  case BuiltinID::Lower:
  case BuiltinID::Upper: {
    if (!expectString(Arg(0), What(0), At(0)))
      return Val();
    std::string S = Arg(0).V->Text;
    for (char &C : S)
      C = B == BuiltinID::Lower ? llvm::toLower(C) : llvm::toUpper(C);
    return Val::data(newString(std::move(S), R));
  }
  case BuiltinID::Str: {
    std::string S;
    if (!Arg(0).isData() || !scalarText(*Arg(0).V, S)) {
      Diags.emit(At(0), diag::DslTypeMismatch, What(0),
                 std::string("a string, number or bool"), describe(Arg(0)));
      return error();
    }
    Value *V = newString(std::move(S), R);
    V->Secret = Arg(0).V->Secret;
    return Val::data(V);
  }
  case BuiltinID::Int: {
    const Val &A = Arg(0);
    if (A.isData() && A.V->isInt())
      return Val::data(newInt(A.V->IntVal, R));
    int64_t I;
    if (A.isData() && A.V->isString() &&
        !llvm::StringRef(A.V->Text).getAsInteger(10, I))
      return Val::data(newInt(I, R));
    if (A.isData() && A.V->isString())
      return Fail("'" + A.V->Text + "' is not an integer");
    Diags.emit(At(0), diag::DslTypeMismatch, What(0),
               std::string("a string or an integer"), describe(A));
    return error();
  }
  case BuiltinID::Keys:
  case BuiltinID::Values: {
    if (!expectKind(Arg(0), ValueKind::Map, What(0), At(0)))
      return Val();
    Value *L = newValue(ValueKind::List, R);
    for (const ast::MapEntry &E : Arg(0).V->Entries)
      L->Items.push_back(B == BuiltinID::Keys ? E.Key : E.Val);
    return Val::data(L);
  }
  case BuiltinID::Has:
  case BuiltinID::Get: {
    if (!expectKind(Arg(0), ValueKind::Map, What(0), At(0)) ||
        !expectString(Arg(1), What(1), At(1)))
      return Val();
    const Value *Found = Arg(0).V->get(Arg(1).V->Text);
    if (B == BuiltinID::Has)
      return Val::data(newBool(Found != nullptr, R));
    return Found ? Val::data(Found) : Arg(2);
  }
  case BuiltinID::Contains: {
    const Val &C = Arg(0), &X = Arg(1);
    if (!X.isData())
      return Fail("contains() looks for data, not " + describe(X));
    if (C.isData() && C.V->isList()) {
      for (const Value *I : C.V->Items)
        if (equal(*I, *X.V))
          return Val::data(newBool(true, R));
      return Val::data(newBool(false, R));
    }
    if (C.isData() && C.V->isString() && X.V->isString())
      return Val::data(newBool(
          C.V->Text.find(X.V->Text) != std::string::npos, R));
    if (C.isData() && C.V->isMap() && X.V->isString())
      return Val::data(newBool(C.V->get(X.V->Text) != nullptr, R));
    Diags.emit(At(0), diag::DslTypeMismatch, What(0),
               std::string("a list, string or map"), describe(C));
    return error();
  }
  case BuiltinID::Range: {
    for (size_t I = 0; I < Args.size(); ++I)
      if (!expectInt(Arg(I), What(I), At(I)))
        return Val();
    int64_t Lo = Args.size() == 2 ? Arg(0).V->IntVal : 0;
    int64_t Hi = Args.size() == 2 ? Arg(1).V->IntVal : Arg(0).V->IntVal;
    if (Hi > Lo && uint64_t(Hi - Lo) > 1'000'000)
      return Fail("range() of more than 1000000 numbers");
    Value *L = newValue(ValueKind::List, R);
    for (int64_t I = Lo; I < Hi; ++I)
      L->Items.push_back(newInt(I, R));
    return Val::data(L);
  }
  case BuiltinID::Flatten: {
    if (!expectKind(Arg(0), ValueKind::List, What(0), At(0)))
      return Val();
    Value *L = newValue(ValueKind::List, R);
    for (const Value *I : Arg(0).V->Items) {
      if (I->isList())
        L->Items.insert(L->Items.end(), I->Items.begin(), I->Items.end());
      else
        L->Items.push_back(I);
    }
    return Val::data(L);
  }
  case BuiltinID::Merge: {
    Value *M = newValue(ValueKind::Map, R);
    for (size_t I = 0; I < Args.size(); ++I) {
      if (!expectKind(Arg(I), ValueKind::Map, What(I), At(I)))
        return Val();
      for (const ast::MapEntry &E : Arg(I).V->Entries) {
        auto It = std::find_if(M->Entries.begin(), M->Entries.end(),
                               [&](const ast::MapEntry &X) {
                                 return X.Key->Text == E.Key->Text;
                               });
        if (It != M->Entries.end())
          It->Val = E.Val;
        else
          M->Entries.push_back(E);
      }
    }
    return Val::data(M);
  }
  }
  return error();
}
