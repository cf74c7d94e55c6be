//===- Options.cpp - The overlord.autoscale.<p> document --------*- C++ -*-===//
//
// get_options (overlord-behaviour.md §9.2) with the spec's validation of
// autoScale (§2.6): the metadata may have been written by hand through
// POST /v1/metadata, so nothing in it is trusted.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Autoscaler.h"
#include "overlord/Engine/MetadataStore.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine::autoscale {

NodeApi::~NodeApi() = default;

static const char *const SizeResources[] = {
    "datasize", "stacksize", "coredumpsize", "memoryuse", "memorylocked",
    "vmemoryuse", "swapuse", "shmsize", "readbps", "writebps"};
static const char *const CountResources[] = {
    "cputime", "maxproc", "openfiles", "pseudoterminals", "nthr",
    "msgqqueued", "nmsgq", "nsem", "nsemop", "nshm", "wallclock", "pcpu",
    "readiops", "writeiops"};

std::optional<double> parseSize(llvm::StringRef V) {
  V = V.trim();
  size_t I = 0;
  while (I < V.size() && (llvm::isDigit(V[I]) || V[I] == '.'))
    ++I;
  llvm::StringRef Num = V.take_front(I), Unit = V.drop_front(I).trim();
  double N;
  if (Num.empty() || Num.getAsDouble(N) || N < 0)
    return std::nullopt;
  std::string U = Unit.lower();
  if (llvm::StringRef(U).endswith("ib"))
    U.erase(U.size() - 2);
  else if (U.size() > 1 && U.back() == 'b')
    U.pop_back();
  const char *Units = "kmgtpezy";
  double Mul = 1;
  if (U == "b" || U.empty())
    Mul = 1;
  else if (U.size() == 1 && std::strchr(Units, U[0]))
    Mul = std::pow(1024.0, double(std::strchr(Units, U[0]) - Units + 1));
  else
    return std::nullopt;
  return std::floor(N * Mul);
}

namespace {

[[noreturn]] void invalid(const llvm::Twine &Msg) {
  throw ScaleError{"InvalidSpec", Msg.str()};
}

std::optional<int64_t> intOf(const Value &V) {
  if (V.kind() == Value::Boolean)
    return std::nullopt;
  if (auto I = V.getAsInteger())
    return *I;
  return std::nullopt;
}

std::vector<std::pair<std::string, double>> resources(const Value &V,
                                                      llvm::StringRef Where) {
  const Object *O = V.getAsObject();
  if (!O)
    invalid("autoScale." + Where + ": a dictionary was expected.");
  std::vector<std::pair<std::string, double>> Out;
  // Sorted by name: llvm::json::Object has no order of its own.
  std::vector<std::string> Keys;
  for (const auto &KV : *O)
    Keys.push_back(KV.first.str());
  llvm::sort(Keys);
  for (const std::string &K : Keys) {
    const Value &X = *O->get(K);
    bool Size = llvm::is_contained(SizeResources, K);
    bool Count = llvm::is_contained(CountResources, K);
    if (!Size && !Count)
      invalid("autoScale." + Where + "." + K + ": invalid resource.");
    std::optional<double> N;
    if (auto I = intOf(X); I && *I >= 0)
      N = double(*I);
    else if (auto S = X.getAsString(); S && Size)
      N = parseSize(*S);
    if (!N)
      invalid("autoScale." + Where + "." + K + ": invalid value.");
    Out.emplace_back(K, *N);
  }
  return Out;
}

void lbRules(const Value &V, llvm::StringRef Where,
             std::vector<std::pair<std::string, Object>> &Out) {
  const Object *O = V.getAsObject();
  if (!O)
    invalid(Where + ": a dictionary was expected.");
  std::vector<std::string> Keys;
  for (const auto &KV : *O)
    Keys.push_back(KV.first.str());
  llvm::sort(Keys);
  for (const std::string &K : Keys) {
    const Object *M = O->get(K)->getAsObject();
    if (!M)
      invalid(Where + "." + K + ": a dictionary was expected.");
    const Value *Val = M->get("value");
    if (!Val)
      invalid(Where + "." + K + ".value: required.");
    bool Ok = intOf(*Val) || Val->getAsString();
    if (const Array *A = Val->getAsArray()) {
      auto B = A->size() == 2 ? intOf((*A)[0]) : std::nullopt;
      auto E = A->size() == 2 ? intOf((*A)[1]) : std::nullopt;
      Ok = B && E && *B >= 0 && *E >= 0 && *B <= *E;
    }
    if (!Ok)
      invalid(Where + "." + K + ".value: an integer, a string or a range "
                                "[begin, end] was expected.");
    // `each` is validated here (the reference looks in the wrong dict).
    if (const Value *Each = M->get("each")) {
      auto N = intOf(*Each);
      if (!N || *N <= 0)
        invalid(Where + "." + K + ".each: a positive integer was expected.");
    }
    Out.emplace_back(K, *M);
  }
}

LbSection lbSection(const Value &V, llvm::StringRef Which) {
  std::string Where = "autoScale.load-balancer." + Which.str();
  const Object *O = V.getAsObject();
  if (!O)
    invalid(Where + ": a dictionary was expected.");
  LbSection S;
  for (const auto &KV : *O)
    if (KV.first != "name" && KV.first != "rules")
      invalid(Where + "." + KV.first.str() + ": unknown key.");
  auto Name = O->getString("name");
  if (!Name || Name->empty())
    invalid(Where + ".name: required.");
  S.Name = Name->str();
  const Object *R = O->getObject("rules");
  if (!R || R->empty())
    invalid(Where + ".rules: a non-empty dictionary is required.");
  for (const auto &KV : *R) {
    if (KV.first == "or") {
      S.HasOr = true;
      lbRules(KV.second, Where + ".rules.or", S.Or);
    } else if (KV.first == "and") {
      S.HasAnd = true;
      lbRules(KV.second, Where + ".rules.and", S.And);
    } else {
      invalid(Where + ".rules." + KV.first.str() + ": unknown key.");
    }
  }
  return S;
}

std::vector<std::string> stringList(const Value &V, llvm::StringRef Where) {
  const Array *A = V.getAsArray();
  if (!A || A->empty())
    invalid(Where + ": a non-empty list was expected.");
  std::vector<std::string> Out;
  for (const Value &X : *A) {
    auto S = X.getAsString();
    if (!S || S->empty())
      invalid(Where + ": strings were expected.");
    Out.push_back(S->str());
  }
  return Out;
}

ScaleOptions parse(const Object &Doc) {
  ScaleOptions O;
  auto File = Doc.getString("projectFile");
  if (!File)
    invalid("'projectFile' is required but hasn't been specified.");
  O.ProjectFile = File->str();
  if (const Value *E = Doc.get("environment");
      E && E->kind() != Value::Null) {
    const Object *EO = E->getAsObject();
    if (!EO)
      invalid("environment: a dictionary was expected.");
    for (const auto &KV : *EO)
      if (!KV.second.getAsString())
        invalid("environment." + KV.first.str() + ": a string was expected.");
    O.Environment = *EO;
  }
  if (const Value *R = Doc.get("reserve_port");
      R && R->kind() != Value::Null) {
    const Object *RO = R->getAsObject();
    if (!RO)
      invalid("reserve_port: a dictionary was expected.");
    for (const auto &KV : *RO)
      if (KV.second.kind() != Value::Null && !KV.second.getAsString())
        invalid("reserve_port." + KV.first.str() +
                ": a string or null was expected.");
    O.ReservePort = *RO;
  }
  const Value *ASV = Doc.get("autoScale");
  if (!ASV || ASV->kind() == Value::Null)
    invalid("'autoScale' is required but hasn't been specified.");
  const Object *AS = ASV->getAsObject();
  if (!AS)
    invalid("autoScale: a dictionary was expected.");
  static const char *const Allowed[] = {"replicas", "type",   "value",
                                        "rules",    "economy", "labels",
                                        "metadata", "load-balancer"};
  for (const auto &KV : *AS)
    if (!llvm::is_contained(Allowed, KV.first.str()))
      invalid("autoScale." + KV.first.str() + ": unknown key.");
  if (const Value *RV = AS->get("replicas"); RV && RV->kind() != Value::Null) {
    const Object *R = RV->getAsObject();
    if (!R)
      invalid("autoScale.replicas: a dictionary was expected.");
    if (const Value *Min = R->get("min"); Min && Min->kind() != Value::Null) {
      auto N = intOf(*Min);
      if (!N || *N <= 0)
        invalid("autoScale.replicas.min: an integer > 0 was expected.");
      O.Min = *N;
    }
    if (const Value *Max = R->get("max"); Max && Max->kind() != Value::Null) {
      auto N = intOf(*Max);
      if (!N || *N <= 0)
        invalid("autoScale.replicas.max: an integer > 0 was expected.");
      O.Max = *N;
    }
  }
  if (O.Max && *O.Max < O.Min)
    invalid(llvm::formatv("The maximum number of replicates is less than the "
                          "minimum: {0} < {1}",
                          *O.Max, O.Min));
  if (const Value *T = AS->get("type"); T && T->kind() != Value::Null) {
    auto S = T->getAsString();
    static const char *const Types[] = {"any-jail", "any-project", "average",
                                        "percent-jail", "percent-project"};
    if (!S || !llvm::is_contained(Types, S->str()))
      invalid("autoScale.type: invalid type.");
    O.Type = S->str();
  }
  if (const Value *V = AS->get("value"); V && V->kind() != Value::Null) {
    auto N = intOf(*V);
    if (!N)
      invalid("autoScale.value: an integer was expected.");
    O.Value = *N;
  }
  if (llvm::StringRef(O.Type).startswith("percent-") && !O.Value)
    invalid("autoScale.value: required when the type is '" + O.Type + "'.");
  if (const Value *R = AS->get("rules"); R && R->kind() != Value::Null) {
    O.Rules = resources(*R, "rules");
    O.HasRules = true;
  }
  if (const Value *E = AS->get("economy"); E && E->kind() != Value::Null) {
    O.Economy = resources(*E, "economy");
    O.HasEconomy = true;
  }
  if (const Value *L = AS->get("labels"); L && L->kind() != Value::Null)
    O.Labels = stringList(*L, "autoScale.labels");
  if (const Value *M = AS->get("metadata"); M && M->kind() != Value::Null) {
    O.Metadata = stringList(*M, "autoScale.metadata");
    for (const std::string &K : O.Metadata)
      if (!MetadataStore::validKey(K))
        invalid("autoScale.metadata: '" + K + "': invalid metadata name.");
  }
  if (const Value *LB = AS->get("load-balancer");
      LB && LB->kind() != Value::Null) {
    const Object *LO = LB->getAsObject();
    if (!LO || LO->empty())
      invalid("autoScale.load-balancer: a non-empty dictionary was expected.");
    for (const auto &KV : *LO) {
      if (KV.first == "frontend")
        O.Frontend = lbSection(KV.second, "frontend");
      else if (KV.first == "backend")
        O.Backend = lbSection(KV.second, "backend");
      else
        invalid("autoScale.load-balancer." + KV.first.str() +
                ": unknown key.");
    }
  }
  return O;
}

} // namespace

llvm::Expected<ScaleOptions> parseScaleOptions(llvm::StringRef Text) {
  llvm::Expected<Value> V = llvm::json::parse(Text);
  if (!V)
    return llvm::createStringError(
        std::errc::invalid_argument, "JSONDecodeError: %s",
        llvm::toString(V.takeError()).c_str());
  const Object *Doc = V->getAsObject();
  if (!Doc)
    return llvm::createStringError(std::errc::invalid_argument,
                                   "InvalidSpec: a dictionary was expected.");
  try {
    return parse(*Doc);
  } catch (const ScaleError &E) {
    return llvm::createStringError(std::errc::invalid_argument, "%s: %s",
                                   E.Type.c_str(), E.Message.c_str());
  }
}

} // namespace overlord::engine::autoscale
