//===- Fragment.cpp - A verified plan fragment as the node's actions ------===//
//
// planFragment() walks the single target of a verified plan in execution
// order and turns each op into what this node does: a synchronous store
// write (metadata, namespaces, the autoscale registration) or a queued job
// (project.up/down/cancel, vm.create) whose payload is the message the
// reference's client would have sent (brief "Job payloads"). Secrets are
// resolved from their digests here, at the last moment, and only into the
// payload or the store: never into a log line.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Fragment.h"

#include "overlord/Engine/MetadataStore.h"
#include "overlord/Engine/NamespaceStore.h"
#include "overlord/Engine/VmBuilder.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Regex.h"

#include <set>

using namespace overlord;
using namespace overlord::engine;

namespace {

using Secrets = std::map<std::string, std::string>;

llvm::Error fragmentError(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "plan fragment: " + Msg);
}

llvm::Expected<std::string> resolveSecret(const std::string &Digest,
                                          const Secrets &S,
                                          const llvm::Twine &What) {
  auto It = S.find(Digest);
  if (It == S.end())
    return fragmentError("no value was given for the secret " + What + " (" +
                         Digest + ")");
  return It->second;
}

/// Clear variables plus the sealed ones, resolved.
llvm::Expected<std::map<std::string, std::string>>
mergeEnvironment(const std::map<std::string, std::string> &Clear,
                 const ir::SecretMapType &Sealed, const Secrets &S,
                 llvm::StringRef Op, llvm::StringRef Symbol) {
  std::map<std::string, std::string> Env = Clear;
  for (const auto &[Name, Digest] : Sealed) {
    llvm::Expected<std::string> V = resolveSecret(
        Digest, S, "environment variable '" + Name + "' of " + Op + " '" +
                       Symbol + "'");
    if (!V)
      return V.takeError();
    Env[Name] = std::move(*V);
  }
  return Env;
}

//===----------------------------------------------------------------------===//
// Op fields as JSON (the informational "hooks" of a project.up payload)
//===----------------------------------------------------------------------===//

[[maybe_unused]] llvm::json::Value fieldJson(const std::string &V) { return V; }
[[maybe_unused]] llvm::json::Value fieldJson(int64_t V) { return V; }
[[maybe_unused]] llvm::json::Value fieldJson(uint64_t V) { return static_cast<int64_t>(V); }
[[maybe_unused]] llvm::json::Value fieldJson(bool V) { return V; }
[[maybe_unused]] llvm::json::Value fieldJson(const std::vector<std::string> &V) {
  llvm::json::Array A;
  for (const std::string &S : V)
    A.push_back(S);
  return A;
}
[[maybe_unused]] llvm::json::Value fieldJson(const std::map<std::string, std::string> &V) {
  llvm::json::Object O;
  for (const auto &[K, S] : V)
    O[K] = S;
  return O;
}
template <typename T> llvm::json::Value fieldJson(const std::optional<T> &V) {
  return V ? fieldJson(*V) : llvm::json::Value(nullptr);
}

template <typename OpT> llvm::json::Object hookJson(const OpT &Op) {
  llvm::json::Object O;
  O["op"] = ir::getOpInfo(OpT::Kind).Mnemonic;
  O["symbol"] = Op.Symbol;
  ir::forEachField(Op, [&](const ir::FieldInfo &F, const auto &V) {
    O[F.Name] = fieldJson(V);
  });
  return O;
}

//===----------------------------------------------------------------------===//
// Python's json.dumps(indent=4), in a given key order
//===----------------------------------------------------------------------===//

/// A JSON value whose objects keep their insertion order.
struct PyValue {
  enum Kind { Null, Bool, Int, Str, Arr, Obj } K = Null;
  bool B = false;
  int64_t I = 0;
  std::string S;
  std::vector<PyValue> A;
  std::vector<std::pair<std::string, PyValue>> O;

  static PyValue str(std::string V) {
    PyValue P;
    P.K = Str;
    P.S = std::move(V);
    return P;
  }
  static PyValue integer(int64_t V) {
    PyValue P;
    P.K = Int;
    P.I = V;
    return P;
  }
  static PyValue array() {
    PyValue P;
    P.K = Arr;
    return P;
  }
  static PyValue object() {
    PyValue P;
    P.K = Obj;
    return P;
  }
  PyValue &set(std::string Key, PyValue V) {
    O.emplace_back(std::move(Key), std::move(V));
    return O.back().second;
  }
};

/// Decodes one UTF-8 sequence at S[I]; invalid bytes decode as U+FFFD.
uint32_t nextCodePoint(llvm::StringRef S, size_t &I) {
  unsigned char C = S[I];
  unsigned Len = C < 0x80 ? 1 : (C >> 5) == 6 ? 2 : (C >> 4) == 14 ? 3
                                : (C >> 3) == 30                 ? 4
                                                                  : 0;
  if (Len == 0 || I + Len > S.size()) {
    ++I;
    return 0xFFFD;
  }
  uint32_t CP = Len == 1 ? C : C & (0x7F >> Len);
  for (unsigned K = 1; K < Len; ++K) {
    unsigned char D = S[I + K];
    if ((D & 0xC0) != 0x80) {
      ++I;
      return 0xFFFD;
    }
    CP = (CP << 6) | (D & 0x3F);
  }
  I += Len;
  return CP;
}

void pyString(llvm::StringRef S, std::string &Out) {
  auto Hex4 = [&](uint32_t U) {
    Out += llvm::formatv("\\u{0:x-4}", U).str();
  };
  Out += '"';
  for (size_t I = 0; I < S.size();) {
    uint32_t CP = nextCodePoint(S, I);
    switch (CP) {
    case '"': Out += "\\\""; continue;
    case '\\': Out += "\\\\"; continue;
    case '\n': Out += "\\n"; continue;
    case '\r': Out += "\\r"; continue;
    case '\t': Out += "\\t"; continue;
    case '\b': Out += "\\b"; continue;
    case '\f': Out += "\\f"; continue;
    default:
      break;
    }
    if (CP >= 0x20 && CP <= 0x7E) {
      Out += static_cast<char>(CP);
    } else if (CP > 0xFFFF) {
      uint32_t V = CP - 0x10000;
      Hex4(0xD800 | (V >> 10));
      Hex4(0xDC00 | (V & 0x3FF));
    } else {
      Hex4(CP);
    }
  }
  Out += '"';
}

void pyDump(const PyValue &V, unsigned Indent, unsigned Level,
            std::string &Out) {
  std::string Pad(Indent * (Level + 1), ' '), Close(Indent * Level, ' ');
  switch (V.K) {
  case PyValue::Null: Out += "null"; return;
  case PyValue::Bool: Out += V.B ? "true" : "false"; return;
  case PyValue::Int: Out += std::to_string(V.I); return;
  case PyValue::Str: pyString(V.S, Out); return;
  case PyValue::Arr:
    if (V.A.empty()) {
      Out += "[]";
      return;
    }
    Out += "[\n";
    for (size_t I = 0; I < V.A.size(); ++I) {
      Out += Pad;
      pyDump(V.A[I], Indent, Level + 1, Out);
      Out += I + 1 < V.A.size() ? ",\n" : "\n";
    }
    Out += Close + "]";
    return;
  case PyValue::Obj:
    if (V.O.empty()) {
      Out += "{}";
      return;
    }
    Out += "{\n";
    for (size_t I = 0; I < V.O.size(); ++I) {
      Out += Pad;
      pyString(V.O[I].first, Out);
      Out += ": ";
      pyDump(V.O[I].second, Indent, Level + 1, Out);
      Out += I + 1 < V.O.size() ? ",\n" : "\n";
    }
    Out += Close + "}";
    return;
  }
}

//===----------------------------------------------------------------------===//
// autoScale, rebuilt from the flattened plan fields
//===----------------------------------------------------------------------===//

/// `"UP"` as ir::quoted() prints it, back to the text.
std::optional<std::string> unquote(llvm::StringRef Q) {
  if (Q.size() < 2 || Q.front() != '"' || Q.back() != '"')
    return std::nullopt;
  Q = Q.drop_front().drop_back();
  std::string Out;
  for (size_t I = 0; I < Q.size(); ++I) {
    if (Q[I] != '\\') {
      Out += Q[I];
      continue;
    }
    if (++I >= Q.size())
      return std::nullopt;
    switch (Q[I]) {
    case '"': Out += '"'; break;
    case '\\': Out += '\\'; break;
    case 'n': Out += '\n'; break;
    case 't': Out += '\t'; break;
    case 'r': Out += '\r'; break;
    case 'x': {
      unsigned V;
      if (I + 2 >= Q.size() || Q.substr(I + 1, 2).getAsInteger(16, V))
        return std::nullopt;
      Out += static_cast<char>(V);
      I += 2;
      break;
    }
    default:
      return std::nullopt;
    }
  }
  return Out;
}

/// One `load-balancer` metric: `10`, `"UP"` or `[1, 2]`, then ` each N`.
llvm::Expected<PyValue> lbMetric(llvm::StringRef Text, llvm::StringRef Key) {
  PyValue M = PyValue::object();
  llvm::StringRef V = Text.trim();
  std::optional<int64_t> Each;
  llvm::SmallVector<llvm::StringRef, 3> G;
  static const llvm::Regex EachRe("^(.*[^ ]) each (-?[0-9]+)$");
  if (!V.endswith("\"")) {
    if (EachRe.match(V, &G)) {
      int64_t N;
      if (!G[2].getAsInteger(10, N)) {
        Each = N;
        V = G[1];
      }
    }
  }
  auto Bad = [&] {
    return fragmentError("autoscale load_balancer '" + Key +
                         "': cannot read '" + Text + "'");
  };
  int64_t N;
  if (V.startswith("\"")) {
    std::optional<std::string> S = unquote(V);
    if (!S)
      return Bad();
    M.set("value", PyValue::str(*S));
  } else if (V.startswith("[") && V.endswith("]")) {
    llvm::StringRef Begin, End;
    std::tie(Begin, End) = V.drop_front().drop_back().split(',');
    int64_t A, B;
    if (Begin.trim().getAsInteger(10, A) || End.trim().getAsInteger(10, B))
      return Bad();
    PyValue L = PyValue::array();
    L.A.push_back(PyValue::integer(A));
    L.A.push_back(PyValue::integer(B));
    M.set("value", std::move(L));
  } else if (!V.getAsInteger(10, N)) {
    M.set("value", PyValue::integer(N));
  } else {
    return Bad();
  }
  if (Each)
    M.set("each", PyValue::integer(*Each));
  return M;
}

llvm::Expected<PyValue>
loadBalancer(const std::map<std::string, std::string> &Flat) {
  PyValue LB = PyValue::object();
  for (llvm::StringRef Which : {"frontend", "backend"}) {
    PyValue T = PyValue::object();
    PyValue Rules = PyValue::object();
    std::optional<std::string> Name;
    for (llvm::StringRef Group : {"or", "and"}) {
      PyValue G = PyValue::object();
      std::string Prefix = (Which + "." + Group + ".").str();
      for (const auto &[K, V] : Flat) {
        if (!llvm::StringRef(K).startswith(Prefix))
          continue;
        llvm::Expected<PyValue> M = lbMetric(V, K);
        if (!M)
          return M.takeError();
        G.set(K.substr(Prefix.size()), std::move(*M));
      }
      if (!G.O.empty())
        Rules.set(Group.str(), std::move(G));
    }
    auto NameIt = Flat.find((Which + ".name").str());
    if (NameIt == Flat.end() && Rules.O.empty())
      continue;
    if (NameIt == Flat.end())
      return fragmentError("autoscale load_balancer: '" + Which +
                           ".name' is missing");
    T.set("name", PyValue::str(NameIt->second));
    T.set("rules", std::move(Rules));
    LB.set(Which.str(), std::move(T));
  }
  return LB;
}

llvm::Expected<PyValue> thresholds(const std::map<std::string, std::string> &M,
                                   llvm::StringRef What) {
  PyValue O = PyValue::object();
  for (const auto &[K, V] : M) {
    int64_t N;
    if (llvm::StringRef(V).trim().getAsInteger(10, N))
      return fragmentError("autoscale " + What + " '" + K +
                           "' is not an integer: '" + V + "'");
    O.set(K, PyValue::integer(N));
  }
  return O;
}

PyValue stringList(const std::vector<std::string> &L) {
  PyValue A = PyValue::array();
  for (const std::string &S : L)
    A.A.push_back(PyValue::str(S));
  return A;
}

PyValue reservePortValue(const std::map<std::string, std::string> &RP) {
  PyValue O = PyValue::object();
  for (const auto &[Iface, Net] : RP)
    O.set(Iface, Net.empty() ? PyValue() : PyValue::str(Net));
  return O;
}

llvm::json::Object reservePortJson(const std::map<std::string, std::string> &RP) {
  llvm::json::Object O;
  for (const auto &[Iface, Net] : RP)
    O[Iface] = Net.empty() ? llvm::json::Value(nullptr) : llvm::json::Value(Net);
  return O;
}

std::string jsonText(llvm::json::Value V) {
  return llvm::formatv("{0}", V).str();
}

//===----------------------------------------------------------------------===//
// Store actions
//===----------------------------------------------------------------------===//

llvm::Expected<std::string> outcomeText(llvm::Expected<MetadataStore::Outcome> O,
                                        llvm::StringRef What,
                                        llvm::StringRef Name) {
  if (!O)
    return O.takeError();
  if (*O == MetadataStore::Outcome::InvalidKey)
    return fragmentError(What + " '" + Name + "': invalid name");
  if (*O == MetadataStore::Outcome::TooLong)
    return fragmentError(What + " '" + Name + "': value too long");
  return MetadataStore::outcomeName(*O).str();
}

llvm::Expected<llvm::json::Array>
mappingArray(const std::vector<std::string> &Lines, llvm::StringRef Name) {
  llvm::json::Array A;
  for (const std::string &L : Lines) {
    llvm::Expected<llvm::json::Object> O = namespaceMappingFromLine(L);
    if (!O)
      return fragmentError("namespace '" + Name + "': " +
                           llvm::toString(O.takeError()));
    A.push_back(std::move(*O));
  }
  return A;
}

/// namespace.create / namespace.update: both upsert, as apply.py does
/// (HEAD, then PUT or POST).
FragmentAction namespacePut(llvm::StringRef Op, const std::string &Name,
                            llvm::json::Array Mapping, NamespaceStore &Ns) {
  FragmentAction A;
  A.Op = Op.str();
  A.Symbol = Name;
  auto Shared = std::make_shared<llvm::json::Array>(std::move(Mapping));
  A.Apply = [&Ns, Name, Shared]() -> llvm::Expected<std::string> {
    return outcomeText(Ns.exists(Name) ? Ns.update(Name, *Shared)
                                       : Ns.create(Name, *Shared),
                       "namespace", Name);
  };
  return A;
}

} // namespace

llvm::Expected<std::string>
engine::projectUpPayload(const ir::ProjectUpOp &Op, const Secrets &S,
                         const llvm::json::Array &Hooks) {
  llvm::Expected<std::map<std::string, std::string>> Env = mergeEnvironment(
      Op.Environment, Op.SecretEnvironment, S, "project.up", Op.Symbol);
  if (!Env)
    return Env.takeError();
  llvm::json::Object O;
  if (Op.DirectorMetadata)
    O["director_metadata"] = *Op.DirectorMetadata;
  else
    O["director_file"] = Op.Director.value_or("");
  llvm::json::Object E;
  for (const auto &[K, V] : *Env)
    E[K] = V;
  O["environment"] = std::move(E);
  O["restart"] = Op.Restart;
  O["reserve_port"] = reservePortJson(Op.ReservePort);
  if (Op.EnvironFromMetadata)
    O["environ_from_metadata"] = *Op.EnvironFromMetadata;
  if (!Hooks.empty())
    O["hooks"] = llvm::json::Array(Hooks);
  return jsonText(std::move(O));
}

llvm::Expected<std::string>
engine::autoscaleMetadata(const ir::AutoscaleOp &Op, const Secrets &S) {
  llvm::Expected<std::map<std::string, std::string>> Env = mergeEnvironment(
      Op.Environment, Op.SecretEnvironment, S, "autoscale", Op.Symbol);
  if (!Env)
    return Env.takeError();
  PyValue Root = PyValue::object();
  Root.set("projectFile", PyValue::str(Op.Director));
  PyValue &E = Root.set("environment", PyValue::object());
  for (const auto &[K, V] : *Env)
    E.set(K, PyValue::str(V));
  PyValue A = PyValue::object();
  PyValue Replicas = PyValue::object();
  Replicas.set("min", PyValue::integer(Op.ReplicasMin));
  if (Op.ReplicasMax)
    Replicas.set("max", PyValue::integer(*Op.ReplicasMax));
  A.set("replicas", std::move(Replicas));
  A.set("type", PyValue::str(Op.Type));
  if (Op.Value)
    A.set("value", PyValue::integer(*Op.Value));
  if (!Op.Rules.empty()) {
    llvm::Expected<PyValue> R = thresholds(Op.Rules, "rule");
    if (!R)
      return R.takeError();
    A.set("rules", std::move(*R));
  }
  if (!Op.Economy.empty()) {
    llvm::Expected<PyValue> R = thresholds(Op.Economy, "economy");
    if (!R)
      return R.takeError();
    A.set("economy", std::move(*R));
  }
  A.set("labels", stringList(Op.Labels));
  if (!Op.Metadata.empty())
    A.set("metadata", stringList(Op.Metadata));
  if (!Op.LoadBalancer.empty()) {
    llvm::Expected<PyValue> LB = loadBalancer(Op.LoadBalancer);
    if (!LB)
      return LB.takeError();
    A.set("load-balancer", std::move(*LB));
  }
  Root.set("autoScale", std::move(A));
  Root.set("reserve_port", reservePortValue(Op.ReservePort));
  std::string Out;
  pyDump(Root, 4, 0, Out);
  return Out;
}

std::vector<std::string> engine::fragmentSecrets(const ir::Plan &P) {
  static const llvm::Regex Digest("secret:hmac-sha256:[0-9a-f]{64}");
  std::set<std::string> Found;
  auto Scan = [&](llvm::StringRef Text) {
    llvm::SmallVector<llvm::StringRef, 1> M;
    while (Digest.match(Text, &M)) {
      Found.insert(M[0].str());
      Text = Text.substr(M[0].data() - Text.data() + M[0].size());
    }
  };
  auto ScanField = [&](const auto &V) {
    using T = std::decay_t<decltype(V)>;
    if constexpr (std::is_same_v<T, std::string>) {
      Scan(V);
    } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
      if (V)
        Scan(*V);
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      for (const std::string &S : V)
        Scan(S);
    } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
      for (const auto &KV : V)
        Scan(KV.second);
    }
  };
  for (const std::vector<ir::OpRef> &Ops : P.TargetOps)
    for (ir::OpRef R : Ops)
      ir::visitOp(P, R, [&](const auto &Op) {
        ir::forEachField(Op, [&](const ir::FieldInfo &F, const auto &V) {
          if (F.Type == ir::FieldType::Secret ||
              F.Type == ir::FieldType::SecretMap ||
              F.Type == ir::FieldType::StringList)
            ScanField(V);
        });
      });
  return std::vector<std::string>(Found.begin(), Found.end());
}

llvm::Expected<std::vector<FragmentAction>>
engine::planFragment(const ir::Plan &P, const Secrets &S, MetadataStore &Meta,
                     NamespaceStore &Ns) {
  if (P.Targets.size() != 1 || P.TargetOps.size() != 1)
    return fragmentError(llvm::formatv("a fragment has exactly one target, "
                                       "this plan has {0}",
                                       P.Targets.size())
                             .str());
  const std::string &Route = P.Targets[0].Symbol;
  // Hooks ride along in their project's up payload.
  std::map<std::string, llvm::json::Array> Hooks;
  for (ir::OpRef R : P.TargetOps[0]) {
    if (R.Kind == ir::OpKind::SkydnsRecord) {
      const auto &Op = P.get<ir::SkydnsRecordOp>(R);
      Hooks[ir::vmNameOf(Op.Symbol).str()].push_back(hookJson(Op));
    } else if (R.Kind == ir::OpKind::LbServer) {
      const auto &Op = P.get<ir::LbServerOp>(R);
      Hooks[ir::vmNameOf(Op.Symbol).str()].push_back(hookJson(Op));
    }
  }

  std::vector<FragmentAction> Out;
  auto Queue = [&](JobKind K, const std::string &Symbol, std::string Payload,
                   bool Restart) {
    FragmentAction A;
    A.Op = toString(K).str();
    A.Symbol = Symbol;
    A.Job = NewJob{K, Symbol, Route, std::move(Payload), Restart};
    Out.push_back(std::move(A));
  };
  for (ir::OpRef R : P.TargetOps[0]) {
    FragmentAction A;
    A.Op = ir::getOpInfo(R.Kind).Mnemonic.str();
    A.Symbol = P.base(R).Symbol;
    switch (R.Kind) {
    case ir::OpKind::MetadataPut: {
      const auto &Op = P.get<ir::MetadataPutOp>(R);
      std::string Value;
      if (Op.ValueSecret) {
        llvm::Expected<std::string> V =
            resolveSecret(*Op.ValueSecret, S, "value of metadata '" +
                                                  Op.Symbol + "'");
        if (!V)
          return V.takeError();
        Value = std::move(*V);
      } else {
        Value = Op.Value.value_or("");
      }
      std::string Key = Op.Symbol;
      A.Apply = [&Meta, Key, Value]() -> llvm::Expected<std::string> {
        return outcomeText(Meta.put(Key, Value), "metadata", Key);
      };
      break;
    }
    case ir::OpKind::MetadataDelete: {
      std::string Key = A.Symbol;
      A.Apply = [&Meta, Key]() -> llvm::Expected<std::string> {
        return outcomeText(Meta.remove(Key), "metadata", Key);
      };
      break;
    }
    case ir::OpKind::NamespaceCreate:
    case ir::OpKind::NamespaceUpdate: {
      const std::vector<std::string> &Lines =
          R.Kind == ir::OpKind::NamespaceCreate
              ? P.get<ir::NamespaceCreateOp>(R).Mapping
              : P.get<ir::NamespaceUpdateOp>(R).Mapping;
      llvm::Expected<llvm::json::Array> M = mappingArray(Lines, A.Symbol);
      if (!M)
        return M.takeError();
      Out.push_back(namespacePut(A.Op, A.Symbol, std::move(*M), Ns));
      continue;
    }
    case ir::OpKind::NamespaceDelete: {
      std::string Name = A.Symbol;
      A.Apply = [&Ns, Name]() -> llvm::Expected<std::string> {
        return outcomeText(Ns.remove(Name), "namespace", Name);
      };
      break;
    }
    case ir::OpKind::ProjectUp: {
      const auto &Op = P.get<ir::ProjectUpOp>(R);
      llvm::Expected<std::string> Payload =
          projectUpPayload(Op, S, Hooks[Op.Symbol]);
      if (!Payload)
        return Payload.takeError();
      Queue(JobKind::ProjectUp, Op.Symbol, std::move(*Payload), Op.Restart);
      continue;
    }
    case ir::OpKind::ProjectDown: {
      const auto &Op = P.get<ir::ProjectDownOp>(R);
      llvm::json::Object O{{"environment", llvm::json::Object()},
                           {"force", Op.Force}};
      Queue(JobKind::ProjectDown, Op.Symbol, jsonText(std::move(O)), false);
      continue;
    }
    case ir::OpKind::ProjectCancel:
      Queue(JobKind::ProjectCancel, A.Symbol, "{}", false);
      continue;
    case ir::OpKind::VmCreate: {
      const auto &Op = P.get<ir::VmCreateOp>(R);
      llvm::Expected<llvm::json::Object> Profile =
          vmProfileFromPlan(P, 0, Op.Symbol, S);
      if (!Profile)
        return fragmentError("vm.create '" + Op.Symbol +
                             "': " + llvm::toString(Profile.takeError()));
      Queue(JobKind::VmCreate, Op.Symbol, jsonText(std::move(*Profile)),
            Op.Restart);
      continue;
    }
    case ir::OpKind::Autoscale: {
      const auto &Op = P.get<ir::AutoscaleOp>(R);
      llvm::Expected<std::string> Text = autoscaleMetadata(Op, S);
      if (!Text)
        return Text.takeError();
      std::string Key = "overlord.autoscale." + Op.Symbol;
      std::string Value = std::move(*Text);
      A.Apply = [&Meta, Key, Value]() -> llvm::Expected<std::string> {
        return outcomeText(Meta.put(Key, Value), "metadata", Key);
      };
      break;
    }
    default:
      // The target itself, the VM steps (part of the vm.create payload)
      // and the hooks (part of the project.up payload).
      continue;
    }
    Out.push_back(std::move(A));
  }
  return Out;
}
