//===- AutoScaleCheck.cpp - directorProject autoScale -----------*- C++ -*-===//
//
// Checks `autoScale` (§2.6): replicas (min/max > 0, max >= min), the scale
// type and its `value`, rctl thresholds in `rules` and `economy` (sizes
// parsed like humanfriendly.parse_size(binary=True): `512m` is 512 MiB),
// labels, metadata keys, and the HAProxy load-balancer trigger. The
// reference's print-spec shows autoScale as written with sizes turned into
// integers; Raw is that JSON.
//
//===----------------------------------------------------------------------===//
#include "SpecCheckerImpl.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace overlord;
using namespace overlord::sema;
using ast::Value;

static constexpr llvm::StringRef AutoScaleKeys[] = {
    "replicas", "type",   "value",    "rules",
    "economy",  "labels", "metadata", "load-balancer"};

static constexpr llvm::StringRef ScaleTypes[] = {
    "any-jail", "any-project", "average", "percent-jail", "percent-project"};

/// rctl resources measured in bytes: strings with units are accepted.
static constexpr llvm::StringRef SizeResources[] = {
    "datasize",   "stacksize", "coredumpsize", "memoryuse", "memorylocked",
    "vmemoryuse", "swapuse",   "shmsize",      "readbps",   "writebps"};

/// rctl resources that are counts: integers only.
static constexpr llvm::StringRef CountResources[] = {
    "cputime",    "maxproc", "openfiles", "pseudoterminals", "nthr",
    "msgqqueued", "nmsgq",   "nsem",      "nsemop",          "nshm",
    "wallclock",  "pcpu",    "readiops",  "writeiops"};

/// humanfriendly.parse_size(Text, binary=True), or nullopt.
static std::optional<int64_t> parseSize(llvm::StringRef Text) {
  Text = Text.trim();
  size_t NumLen = 0;
  while (NumLen < Text.size() &&
         (llvm::isDigit(Text[NumLen]) || Text[NumLen] == '.'))
    ++NumLen;
  double Num = 0;
  if (NumLen == 0 || Text.substr(0, NumLen).getAsDouble(Num))
    return std::nullopt;
  std::string Unit = Text.substr(NumLen).trim().lower();
  double Mult = 1;
  if (!Unit.empty() && Unit != "b" && Unit != "bytes") {
    size_t Pow = llvm::StringRef("kmgtpezy").find(Unit[0]);
    if (Pow == llvm::StringRef::npos)
      return std::nullopt;
    Mult = std::pow(1024.0, double(Pow + 1));
  }
  double Bytes = Num * Mult;
  if (!(Bytes < 9.2e18))
    return std::nullopt;
  return static_cast<int64_t>(Bytes);
}

/// One rctl threshold: int >= 0, or a size string for byte resources.
static bool checkThreshold(SpecState &S, const ast::MapEntry &E,
                           llvm::StringRef Path, ast::RctlThreshold &Out) {
  Out.Resource = E.Key->Text;
  std::string P = SchemaChecker::join(Path, Out.Resource);
  bool IsSize = llvm::is_contained(SizeResources, Out.Resource);
  if (!E.Val || E.Val->isNull())
    return S.C.expectInt(E.Val ? *E.Val : *E.Key, P);
  if (IsSize && E.Val->isString()) {
    std::optional<int64_t> N = parseSize(E.Val->Text);
    if (!N) {
      S.diags().emit(E.Val->Range, diag::SizeNotParsed, P, E.Val->Text);
      return false;
    }
    Out.Amount = *N;
    return true;
  }
  if (IsSize ? !S.C.expectOneOf(
                   *E.Val, {ast::ValueKind::Int, ast::ValueKind::String}, P)
             : !S.C.expectInt(*E.Val, P))
    return false;
  if (!S.C.checkIntRange(*E.Val, P, 0))
    return false;
  Out.Amount = E.Val->IntVal;
  return true;
}

/// autoScale.rules / autoScale.economy.
static void checkThresholds(SpecState &S, const Value &Scale,
                            llvm::StringRef Key,
                            std::vector<ast::RctlThreshold> &Out,
                            llvm::json::Object &Raw) {
  const Value *V = SchemaChecker::lookup(Scale, Key);
  std::string Path = SchemaChecker::join("autoScale", Key);
  if (!V || !S.C.expectMap(*V, Path))
    return;
  std::vector<llvm::StringRef> All(std::begin(SizeResources),
                                   std::end(SizeResources));
  All.insert(All.end(), std::begin(CountResources), std::end(CountResources));
  S.C.checkKeys(*V, All, Path);
  llvm::json::Object *RawRules = Raw.getObject(Key);
  for (const ast::MapEntry &E : V->Entries) {
    if (!E.Key || !E.Key->isString() || !llvm::is_contained(All, E.Key->Text))
      continue;
    ast::RctlThreshold T;
    if (!checkThreshold(S, E, Path, T))
      continue;
    if (RawRules)
      (*RawRules)[T.Resource] = T.Amount;
    Out.push_back(std::move(T));
  }
}

static void checkReplicas(SpecState &S, const Value &Scale,
                          ast::AutoScale &Out) {
  const Value *V = SchemaChecker::lookup(Scale, "replicas");
  if (!V || !S.C.expectMap(*V, "autoScale.replicas"))
    return;
  S.C.checkKeys(*V, {"min", "max"}, "autoScale.replicas");
  const Value *Min = SchemaChecker::lookup(*V, "min");
  const Value *Max = SchemaChecker::lookup(*V, "max");
  bool MinOk = Min && S.C.expectInt(*Min, "autoScale.replicas.min") &&
               S.C.checkIntRange(*Min, "autoScale.replicas.min", 1);
  bool MaxOk = Max && S.C.expectInt(*Max, "autoScale.replicas.max") &&
               S.C.checkIntRange(*Max, "autoScale.replicas.max", 1);
  if (MinOk)
    Out.ReplicasMin = Min->IntVal;
  if (MaxOk)
    Out.ReplicasMax = Max->IntVal;
  if (MaxOk && Max->IntVal < Out.ReplicasMin && (MinOk || !Min))
    S.diags()
        .emit(Max->Range, diag::ReplicasMaxBelowMin, Max->IntVal,
              Out.ReplicasMin)
        .note(Min ? Min->Range : V->Range, diag::NoteKeyHere,
              std::string("autoScale.replicas.min"));
}

static void checkScaleType(SpecState &S, const Value &Scale,
                           ast::AutoScale &Out) {
  const Value *T = SchemaChecker::lookup(Scale, "type");
  if (T && S.C.expectString(*T, "autoScale.type") &&
      S.C.checkOneOf(*T, ScaleTypes, "autoScale type"))
    Out.Type = T->Text;
  const Value *V = SchemaChecker::lookup(Scale, "value");
  if (V && S.C.expectInt(*V, "autoScale.value"))
    Out.Value = V->IntVal;
  bool Percent = llvm::StringRef(Out.Type).startswith("percent-");
  if (Percent && !V && T)
    S.diags().emit(T->Range, diag::ScaleValueRequired, Out.Type);
}

//===----------------------------------------------------------------------===//
// load-balancer
//===----------------------------------------------------------------------===//

/// The `value` of a metric rule: int, str, or [begin, end] of ints >= 0.
static bool checkMetricValue(SpecState &S, const Value &V, llvm::StringRef Path,
                             ast::LoadBalancerMetric &M) {
  using K = ast::ValueKind;
  if (!S.C.expectOneOf(V, {K::Int, K::String, K::List}, Path))
    return false;
  if (V.isInt()) {
    M.Kind = ast::LoadBalancerMetric::ValueKind::Int;
    M.IntValue = V.IntVal;
    return true;
  }
  if (V.isString()) {
    M.Kind = ast::LoadBalancerMetric::ValueKind::String;
    M.StringValue = V.Text;
    return true;
  }
  if (V.Items.size() != 2) {
    S.diags().emit(V.Range, diag::ListLengthMismatch, Path.str(),
                   int64_t(V.Items.size()), int64_t(2));
    return false;
  }
  for (size_t I = 0; I < 2; ++I) {
    std::string P = (Path + "[" + llvm::Twine(I) + "]").str();
    if (!V.Items[I] || !S.C.expectInt(*V.Items[I], P) ||
        !S.C.checkIntRange(*V.Items[I], P, 0))
      return false;
  }
  M.Kind = ast::LoadBalancerMetric::ValueKind::Range;
  M.Begin = V.Items[0]->IntVal;
  M.End = V.Items[1]->IntVal;
  if (M.Begin > M.End) {
    S.diags().emit(V.Range, diag::RangeReversed, Path.str(), M.Begin, M.End);
    return false;
  }
  return true;
}

static void checkMetrics(SpecState &S, const Value &V, llvm::StringRef Path,
                         std::vector<ast::LoadBalancerMetric> &Out) {
  if (!S.C.expectMap(V, Path))
    return;
  for (const ast::MapEntry &E : V.Entries) {
    if (!E.Key || !E.Key->isString())
      continue;
    std::string P = SchemaChecker::join(Path, E.Key->Text);
    if (!E.Val || !S.C.expectMap(*E.Val, P) ||
        !S.C.checkKeys(*E.Val, {"value", "each"}, P))
      continue;
    ast::LoadBalancerMetric M;
    M.Metric = E.Key->Text;
    const Value *Val = S.C.require(*E.Val, "value", P, E.Key->Range);
    if (!Val || !checkMetricValue(S, *Val, SchemaChecker::join(P, "value"), M))
      continue;
    if (!S.C.getInt(*E.Val, "each", P, M.Each))
      continue;
    Out.push_back(std::move(M));
  }
}

static std::optional<ast::LoadBalancerTarget>
checkLBTarget(SpecState &S, const ast::MapEntry &E, llvm::StringRef Path) {
  if (!E.Val || !S.C.expectMap(*E.Val, Path))
    return std::nullopt;
  S.C.checkKeys(*E.Val, {"name", "rules"}, Path);
  ast::LoadBalancerTarget T;
  const Value *Name = S.C.require(*E.Val, "name", Path, E.Key->Range);
  if (Name && S.C.expectString(*Name, SchemaChecker::join(Path, "name")))
    T.Name = Name->Text;
  const Value *Rules = S.C.require(*E.Val, "rules", Path, E.Key->Range);
  std::string RP = SchemaChecker::join(Path, "rules");
  if (!Rules || !S.C.expectMap(*Rules, RP) || !S.C.checkNonEmpty(*Rules, RP))
    return std::nullopt;
  S.C.checkKeys(*Rules, {"or", "and"}, RP);
  if (const Value *Or = SchemaChecker::lookup(*Rules, "or"))
    checkMetrics(S, *Or, SchemaChecker::join(RP, "or"), T.Or);
  if (const Value *And = SchemaChecker::lookup(*Rules, "and"))
    checkMetrics(S, *And, SchemaChecker::join(RP, "and"), T.And);
  return T;
}

static void checkLoadBalancer(SpecState &S, const Value &Scale,
                              ast::AutoScale &Out) {
  const Value *V = SchemaChecker::lookup(Scale, "load-balancer");
  llvm::StringRef Path = "autoScale.load-balancer";
  if (!V || !S.C.expectMap(*V, Path))
    return;
  S.C.checkKeys(*V, {"frontend", "backend"}, Path);
  for (const ast::MapEntry &E : V->Entries) {
    if (!E.Key || !E.Key->isString())
      continue;
    if (E.Key->Text == "frontend")
      Out.Frontend = checkLBTarget(S, E, "autoScale.load-balancer.frontend");
    else if (E.Key->Text == "backend")
      Out.Backend = checkLBTarget(S, E, "autoScale.load-balancer.backend");
  }
}

bool sema::checkAutoScale(SpecState &S, const Value &V, ast::AutoScale &Out,
                          llvm::json::Value &Raw) {
  if (!S.C.expectMap(V, "autoScale"))
    return false;
  unsigned Before = S.diags().getNumErrors();
  Raw = toJson(V);
  Out.Enabled = !V.Entries.empty();
  S.C.checkKeys(V, AutoScaleKeys, "autoScale");
  checkReplicas(S, V, Out);
  checkScaleType(S, V, Out);
  llvm::json::Object *RawObj = Raw.getAsObject();
  llvm::json::Object Dummy;
  checkThresholds(S, V, "rules", Out.Rules, RawObj ? *RawObj : Dummy);
  checkThresholds(S, V, "economy", Out.Economy, RawObj ? *RawObj : Dummy);
  if (const Value *L = SchemaChecker::lookup(V, "labels")) {
    std::vector<std::string> Labels;
    if (S.C.stringList(*L, "autoScale.labels", Labels, /*NonEmpty=*/true)) {
      for (size_t I = 0; I < Labels.size(); ++I)
        S.C.checkPattern(Labels[I], L->Items[I]->Range, patterns::Label,
                         "label");
      Out.Labels = std::move(Labels);
    }
  }
  if (const Value *M = SchemaChecker::lookup(V, "metadata")) {
    std::vector<std::string> Keys;
    if (S.C.stringList(*M, "autoScale.metadata", Keys, /*NonEmpty=*/true)) {
      for (size_t I = 0; I < Keys.size(); ++I)
        S.C.checkPattern(Keys[I], M->Items[I]->Range, patterns::MetadataKey,
                         "metadata key");
      Out.Metadata = std::move(Keys);
    }
  }
  checkLoadBalancer(S, V, Out);
  return S.diags().getNumErrors() == Before;
}
