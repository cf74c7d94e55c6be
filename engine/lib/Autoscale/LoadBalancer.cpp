//===- LoadBalancer.cpp - autoScale.load-balancer test ----------*- C++ -*-===//
//
// test_load_balancer (overlord-behaviour.md §9.5): HAProxy's typed JSON
// stats (`GET <haproxy_stats.entrypoint>/;json`), the section of the named
// frontend/backend, its Metric fields smoothed across reloads (a Max or
// Counter value lower than the previous one is added to it), then the
// `and` and `or` rules. Frontend before backend; any failure asks for a
// new replica.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Autoscaler.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine::autoscale {

static llvm::Error lbError(const llvm::Twine &Msg) {
  return llvm::createStringError(std::errc::invalid_argument, "%s",
                                 Msg.str().c_str());
}

static std::optional<double> numberOf(const Value &V) {
  if (V.kind() == Value::Boolean)
    return std::nullopt;
  if (auto N = V.getAsNumber())
    return *N;
  return std::nullopt;
}

llvm::Expected<bool> LoadBalancerTest::rulePass(const Value *Current,
                                                const Object &Rule) {
  if (!Current || Current->kind() == Value::Null)
    return true;
  const Value *Want = Rule.get("value");
  if (!Want)
    return lbError("ValueError: a rule without 'value'");
  if (auto S = Current->getAsString()) {
    auto W = Want->getAsString();
    if (!W)
      return lbError("ValueError: the metric is a string; the rule's value "
                     "must be one");
    return *S == *W;
  }
  std::optional<double> Cur = numberOf(*Current);
  if (!Cur)
    return lbError("ValueError: the metric is neither a number nor a string");
  if (const Value *Each = Rule.get("each")) {
    std::optional<double> E = numberOf(*Each);
    if (!E || *E == 0)
      return lbError("ValueError: 'each' must be a non-zero number");
    // Python's % (the sign of the divisor).
    *Cur = *Cur - *E * std::floor(*Cur / *E);
  }
  if (const Array *Range = Want->getAsArray()) {
    if (Range->size() != 2 || !numberOf((*Range)[0]) ||
        !numberOf((*Range)[1]))
      return lbError("ValueError: a range must be [begin, end]");
    double B = *numberOf((*Range)[0]), E = *numberOf((*Range)[1]);
    return !(B <= *Cur && *Cur <= E);
  }
  std::optional<double> Limit = numberOf(*Want);
  if (!Limit) {
    int64_t N;
    auto S = Want->getAsString();
    if (!S || S->trim().getAsInteger(10, N))
      return lbError("ValueError: invalid literal for int(): '" +
                     (S ? *S : llvm::StringRef("?")) + "'");
    Limit = double(N);
  }
  return !(*Cur >= std::trunc(*Limit));
}

/// A field's `field.name`, `tags.origin`, `tags.nature` and `value.value`.
struct Field {
  llvm::StringRef Name, Origin, Nature, ObjType;
  const Value *V = nullptr;
};

static std::optional<Field> field(const Value &X) {
  const Object *O = X.getAsObject();
  if (!O)
    return std::nullopt;
  Field F;
  if (const Object *Fd = O->getObject("field"))
    F.Name = Fd->getString("name").value_or("");
  if (const Object *T = O->getObject("tags")) {
    F.Origin = T->getString("origin").value_or("");
    F.Nature = T->getString("nature").value_or("");
  }
  F.ObjType = O->getString("objType").value_or("");
  if (const Object *V = O->getObject("value"))
    F.V = V->get("value");
  if (F.Name.empty())
    return std::nullopt;
  return F;
}

llvm::Expected<bool> LoadBalancerTest::section(const Array &Stats,
                                               llvm::StringRef Type,
                                               const LbSection &S) {
  const Array *Found = nullptr;
  for (const Value &Sec : Stats) {
    const Array *Fields = Sec.getAsArray();
    if (!Fields)
      continue;
    for (const Value &X : *Fields) {
      auto F = field(X);
      if (F && F->Name == "pxname" && F->ObjType == Type && F->V &&
          F->V->getAsString() == llvm::StringRef(S.Name)) {
        Found = Fields;
        break;
      }
    }
    if (Found)
      break;
  }
  // The reference compares against an empty stats set: every rule then
  // sees a missing metric and passes.
  Object Current;
  std::map<std::string, double> &Prev =
      Cache[Type.str() + "_" + S.Name];
  if (Found) {
    for (const Value &X : *Found) {
      auto F = field(X);
      if (!F || F->Origin != "Metric" || !F->V)
        continue;
      Value V = *F->V;
      if ((F->Nature == "Max" || F->Nature == "Counter") && numberOf(V)) {
        double Now = *numberOf(V);
        auto It = Prev.find(F->Name.str());
        if (It != Prev.end() && Now < It->second)
          Now = It->second + Now;
        Prev[F->Name.str()] = Now;
        V = Now;
      }
      Current[F->Name] = std::move(V);
    }
  }
  for (const auto &R : S.And) {
    const Value *Cur = Current.get(R.first);
    if (!Cur)
      continue; // missing metrics are skipped
    auto P = rulePass(Cur, R.second);
    if (!P)
      return P.takeError();
    if (!*P)
      return false;
  }
  if (S.Or.empty())
    return true;
  for (const auto &R : S.Or) {
    auto P = rulePass(Current.get(R.first), R.second);
    if (!P)
      return P.takeError();
    if (*P)
      return true;
  }
  return false;
}

llvm::Expected<bool> LoadBalancerTest::run(const ScaleOptions &O) {
  llvm::Expected<std::string> Body = Fetch();
  if (!Body)
    return Body.takeError();
  llvm::Expected<Value> V = llvm::json::parse(*Body);
  if (!V)
    return lbError("JSONDecodeError: haproxy stats: " +
                   llvm::toString(V.takeError()));
  const Array *Stats = V->getAsArray();
  if (!Stats)
    return lbError("ValueError: haproxy stats: a list was expected");
  if (O.Frontend) {
    auto P = section(*Stats, "Frontend", *O.Frontend);
    if (!P || !*P)
      return P;
  }
  if (O.Backend)
    return section(*Stats, "Backend", *O.Backend);
  return true;
}

} // namespace overlord::engine::autoscale
