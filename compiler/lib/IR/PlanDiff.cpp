//===- PlanDiff.cpp - Typed diff of two plans -------------------*- C++ -*-===//
//
// Matches ops of two plans by (target route, mnemonic, symbol) and compares
// them field by field with forEachFieldPair(). A changed field whose registry
// entry has ForcesReplace turns the entry into a replace and contributes the
// registry's reason. Secrets are compared by digest only when both plans were
// sealed with the same key; otherwise they are "changed (unknown)".
//
//===----------------------------------------------------------------------===//
#include "overlord/IR/Diff.h"

#include "FieldValues.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <set>
#include <tuple>

using namespace overlord;
using namespace overlord::ir;
using namespace overlord::ir::detail;

//===----------------------------------------------------------------------===//
// One-line values
//===----------------------------------------------------------------------===//

static size_t countLines(llvm::StringRef S) {
  if (S.empty())
    return 0;
  return S.count('\n') + (S.endswith("\n") ? 0 : 1);
}

std::string detail::inlineValue(const FieldInfo &F, const std::string &V) {
  switch (F.Type) {
  case FieldType::Secret:
    return "(sensitive)";
  case FieldType::Digest:
    return V;
  case FieldType::Text:
    if (printsAsHeredoc(V))
      return "<text, " + std::to_string(countLines(V)) + " lines>";
    return quoted(V);
  default:
    return quoted(V);
  }
}
std::string detail::inlineValue(const FieldInfo &, int64_t V) {
  return std::to_string(V);
}
std::string detail::inlineValue(const FieldInfo &, uint64_t V) {
  return formatSize(V);
}
std::string detail::inlineValue(const FieldInfo &, bool V) {
  return V ? "true" : "false";
}
std::string detail::inlineValue(const FieldInfo &,
                                const std::vector<std::string> &V) {
  std::string S = "[";
  for (size_t I = 0; I < V.size(); ++I)
    S += (I ? ", " : "") + quoted(V[I]);
  return S + "]";
}
std::string detail::inlineValue(const FieldInfo &F,
                                const std::map<std::string, std::string> &V) {
  std::string S = "{";
  bool First = true;
  for (const auto &[K, Val] : V) {
    S += (First ? "" : ", ") + quoted(K) + ": " +
         (F.Type == FieldType::SecretMap ? "(sensitive)" : quoted(Val));
    First = false;
  }
  return S + "}";
}

llvm::StringRef ir::diffMarker(DiffAction A) {
  switch (A) {
  case DiffAction::Add: return "+";
  case DiffAction::Change: return "~";
  case DiffAction::Replace: return "-/+";
  case DiffAction::Destroy: return "-";
  }
  return "?";
}

llvm::StringRef ir::diffActionName(DiffAction A) {
  switch (A) {
  case DiffAction::Add: return "add";
  case DiffAction::Change: return "change";
  case DiffAction::Replace: return "replace";
  case DiffAction::Destroy: return "destroy";
  }
  return "?";
}

std::string ir::summaryLine(const DiffSummary &S) {
  if (S.empty())
    return "No changes.";
  return "Plan: " + std::to_string(S.Add) + " to add, " +
         std::to_string(S.Change) + " to change, " +
         std::to_string(S.Replace) + " to replace, " +
         std::to_string(S.Destroy) + " to destroy.";
}

//===----------------------------------------------------------------------===//
// Comparing fields
//===----------------------------------------------------------------------===//

namespace {

/// Changed lines of two texts: the common first and last lines trimmed.
std::vector<std::string> textLines(llvm::StringRef A, llvm::StringRef B) {
  llvm::SmallVector<llvm::StringRef, 32> LA, LB;
  A.split(LA, '\n');
  B.split(LB, '\n');
  if (A.empty())
    LA.clear();
  if (B.empty())
    LB.clear();
  size_t Pre = 0;
  while (Pre < LA.size() && Pre < LB.size() && LA[Pre] == LB[Pre])
    ++Pre;
  size_t Suf = 0;
  while (Suf + Pre < LA.size() && Suf + Pre < LB.size() &&
         LA[LA.size() - 1 - Suf] == LB[LB.size() - 1 - Suf])
    ++Suf;
  std::vector<std::string> Out;
  for (size_t I = Pre; I + Suf < LA.size(); ++I)
    Out.push_back("-" + LA[I].str());
  for (size_t I = Pre; I + Suf < LB.size(); ++I)
    Out.push_back("+" + LB[I].str());
  return Out;
}

class Differ {
public:
  Differ(const Plan &Old, const Plan &New) : Old(Old), New(New) {
    D.SameSecretKey = Old.Header.SecretKeyId == New.Header.SecretKeyId;
  }
  PlanDiff run();

private:
  template <typename T> void addAll(DiffEntry &E, const T &Op);
  template <typename T> void compare(DiffEntry &E, const T &A, const T &B);

  void field(DiffEntry &E, const FieldInfo &F, const std::string &A,
             const std::string &B);
  void field(DiffEntry &E, const FieldInfo &F,
             const std::map<std::string, std::string> &A,
             const std::map<std::string, std::string> &B);
  template <typename V>
  void field(DiffEntry &E, const FieldInfo &F, const V &A, const V &B) {
    if (A == B)
      return;
    push(E, F, F.Name.str(), DiffAction::Change, inlineValue(F, A),
         inlineValue(F, B));
  }
  template <typename V>
  void field(DiffEntry &E, const FieldInfo &F, const std::optional<V> &A,
             const std::optional<V> &B) {
    if (A && B)
      return field(E, F, *A, *B);
    if (A.has_value() == B.has_value())
      return;
    FieldChange &C = push(E, F, F.Name.str(),
                          A ? DiffAction::Destroy : DiffAction::Add,
                          inlineValue(F, A), inlineValue(F, B));
    C.Sensitive = F.Type == FieldType::Secret;
  }
  FieldChange &push(DiffEntry &E, const FieldInfo &F, std::string Name,
                    DiffAction A, std::string OldV, std::string NewV);

  void diffTarget(const std::string &Route, const Plan *OP, TargetID OT,
                  const Plan *NP, TargetID NT);
  void finish();

  const Plan &Old, &New;
  PlanDiff D;
};

FieldChange &Differ::push(DiffEntry &E, const FieldInfo &F, std::string Name,
                          DiffAction A, std::string OldV, std::string NewV) {
  FieldChange C;
  C.Name = std::move(Name);
  C.Action = A;
  C.Old = std::move(OldV);
  C.New = std::move(NewV);
  if (F.forcesReplace() && E.Action != DiffAction::Add) {
    C.ForcesReplace = true;
    C.Reason = F.Reason.str();
  }
  E.Fields.push_back(std::move(C));
  return E.Fields.back();
}

void Differ::field(DiffEntry &E, const FieldInfo &F, const std::string &A,
                   const std::string &B) {
  if (F.Type == FieldType::Secret) {
    if (D.SameSecretKey && A == B)
      return;
    FieldChange &C = push(E, F, F.Name.str(), DiffAction::Change,
                          "(sensitive)", "(sensitive)");
    C.Sensitive = true;
    C.Unknown = !D.SameSecretKey;
    return;
  }
  if (A == B)
    return;
  FieldChange &C = push(E, F, F.Name.str(), DiffAction::Change,
                        inlineValue(F, A), inlineValue(F, B));
  if (F.Type == FieldType::Text)
    C.TextLines = textLines(A, B);
}

void Differ::field(DiffEntry &E, const FieldInfo &F,
                   const std::map<std::string, std::string> &A,
                   const std::map<std::string, std::string> &B) {
  bool Secret = F.Type == FieldType::SecretMap;
  auto Show = [&](const std::string &V) {
    return Secret ? std::string("(sensitive)") : quoted(V);
  };
  auto Name = [&](const std::string &K) {
    return F.Name.str() + "[" + quoted(K) + "]";
  };
  for (const auto &[K, V] : A) {
    auto It = B.find(K);
    if (It == B.end()) {
      push(E, F, Name(K), DiffAction::Destroy, Show(V), "").Sensitive = Secret;
      continue;
    }
    if (It->second == V && (!Secret || D.SameSecretKey))
      continue;
    FieldChange &C =
        push(E, F, Name(K), DiffAction::Change, Show(V), Show(It->second));
    C.Sensitive = Secret;
    C.Unknown = Secret && !D.SameSecretKey;
  }
  for (const auto &[K, V] : B)
    if (!A.count(K))
      push(E, F, Name(K), DiffAction::Add, "", Show(V)).Sensitive = Secret;
}

template <typename T> void Differ::addAll(DiffEntry &E, const T &Op) {
  forEachField(Op, [&](const FieldInfo &F, const auto &V) {
    FieldChange &C =
        push(E, F, F.Name.str(), DiffAction::Add, "", inlineValue(F, V));
    C.Sensitive = F.Type == FieldType::Secret;
    if constexpr (std::is_same_v<std::decay_t<decltype(V)>, std::string>)
      if (F.Type == FieldType::Text && printsAsHeredoc(V))
        C.TextLines = textLines("", V);
  });
}

template <typename T>
void Differ::compare(DiffEntry &E, const T &A, const T &B) {
  forEachFieldPair(A, B, [&](const FieldInfo &F, const auto &VA,
                             const auto &VB) { field(E, F, VA, VB); });
}

void Differ::diffTarget(const std::string &Route, const Plan *OP,
                        TargetID OT, const Plan *NP, TargetID NT) {
  auto Entry = [&](DiffAction A, OpKind K, const std::string &Sym) {
    DiffEntry E;
    E.Action = A;
    E.Route = Route;
    E.Mnemonic = getOpInfo(K).Mnemonic.str();
    E.Symbol = Sym;
    return E;
  };
  // The target itself.
  if (!OP || !NP) {
    const Plan &Only = OP ? *OP : *NP;
    TargetID T = OP ? OT : NT;
    DiffAction A = OP ? DiffAction::Destroy : DiffAction::Add;
    DiffEntry E = Entry(A, OpKind::Target, Route);
    if (!OP)
      addAll(E, Only.Targets[T]);
    D.Entries.push_back(std::move(E));
    for (OpRef R : Only.TargetOps[T])
      visitOp(Only, R, [&](const auto &Op) {
        DiffEntry OE = Entry(A, R.Kind, Op.Symbol);
        if (!OP)
          addAll(OE, Op);
        D.Entries.push_back(std::move(OE));
      });
    return;
  }
  DiffEntry TE = Entry(DiffAction::Change, OpKind::Target, Route);
  compare(TE, OP->Targets[OT], NP->Targets[NT]);
  if (!TE.Fields.empty())
    D.Entries.push_back(std::move(TE));

  llvm::StringMap<OpRef> OldOps;
  for (OpRef R : OP->TargetOps[OT])
    OldOps[getOpInfo(R.Kind).Mnemonic.str() + '\0' + OP->base(R).Symbol] = R;
  for (OpRef R : NP->TargetOps[NT]) {
    const OpBase &NB = NP->base(R);
    auto It = OldOps.find(getOpInfo(R.Kind).Mnemonic.str() + '\0' + NB.Symbol);
    if (It == OldOps.end()) {
      DiffEntry E = Entry(DiffAction::Add, R.Kind, NB.Symbol);
      visitOp(*NP, R, [&](const auto &Op) { addAll(E, Op); });
      D.Entries.push_back(std::move(E));
      continue;
    }
    OpRef OR = It->second;
    OldOps.erase(It);
    DiffEntry E = Entry(DiffAction::Change, R.Kind, NB.Symbol);
    visitOp(*NP, R, [&](const auto &NOp) {
      using T = std::decay_t<decltype(NOp)>;
      compare(E, OP->get<T>(OR), NOp);
    });
    if (!E.Fields.empty())
      D.Entries.push_back(std::move(E));
  }
  for (OpRef R : OP->TargetOps[OT]) {
    const OpBase &OB = OP->base(R);
    if (OldOps.count(getOpInfo(R.Kind).Mnemonic.str() + '\0' + OB.Symbol))
      D.Entries.push_back(Entry(DiffAction::Destroy, R.Kind, OB.Symbol));
  }
}

void Differ::finish() {
  for (DiffEntry &E : D.Entries) {
    std::set<std::string> Reasons;
    for (const FieldChange &C : E.Fields)
      if (C.ForcesReplace)
        Reasons.insert(C.Reason);
    E.Reasons.assign(Reasons.begin(), Reasons.end());
    if (E.Action == DiffAction::Change && !E.Reasons.empty())
      E.Action = DiffAction::Replace;
    switch (E.Action) {
    case DiffAction::Add: ++D.Summary.Add; break;
    case DiffAction::Change: ++D.Summary.Change; break;
    case DiffAction::Replace: ++D.Summary.Replace; break;
    case DiffAction::Destroy: ++D.Summary.Destroy; break;
    }
  }
  // Route, then the target before its ops, then execution order.
  auto Key = [](const DiffEntry &E) {
    OpKind K = lookupMnemonic(E.Mnemonic).value_or(OpKind::Target);
    return std::make_tuple(llvm::StringRef(E.Route), K != OpKind::Target,
                           getOpInfo(K).Category,
                           orderGroupOf(K, E.Symbol), K,
                           llvm::StringRef(E.Symbol));
  };
  std::stable_sort(D.Entries.begin(), D.Entries.end(),
                   [&](const DiffEntry &A, const DiffEntry &B) {
                     return Key(A) < Key(B);
                   });
}

PlanDiff Differ::run() {
  std::map<std::string, std::pair<int64_t, int64_t>> Routes;
  for (TargetID T = 0; T < Old.Targets.size(); ++T)
    Routes[Old.Targets[T].Symbol] = {T, -1};
  for (TargetID T = 0; T < New.Targets.size(); ++T) {
    auto It = Routes.find(New.Targets[T].Symbol);
    if (It == Routes.end())
      Routes[New.Targets[T].Symbol] = {-1, T};
    else
      It->second.second = T;
  }
  for (const auto &[Route, IDs] : Routes)
    diffTarget(Route, IDs.first >= 0 ? &Old : nullptr,
               static_cast<TargetID>(std::max<int64_t>(IDs.first, 0)),
               IDs.second >= 0 ? &New : nullptr,
               static_cast<TargetID>(std::max<int64_t>(IDs.second, 0)));
  finish();
  return std::move(D);
}

} // namespace

PlanDiff ir::diffPlans(const Plan &Old, const Plan &New) {
  return Differ(Old, New).run();
}
