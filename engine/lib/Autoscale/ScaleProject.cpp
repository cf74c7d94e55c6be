//===- ScaleProject.cpp - scale_project: classify, then decide --*- C++ -*-===//
//
// overlord-behaviour.md §9.3-§9.5. The nodes are the autoscaler itself and
// every node below it (one GET /v1/tree); those whose labels match
// autoScale.labels are classified by check_project into good (healthy
// replica), bad (no replica or a broken one) and, ours, unhealthy (a
// replica whose healthchecker says so: the reference puts it in neither
// list and so never redeploys or destroys it). Then the first matching
// branch of §9.4 acts and returns.
//
// Every request goes through NodeApi: `/v1/<rest>` for the autoscaler,
// `/v1/chain/<a.b>/<rest>` for a node below it.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Autoscaler.h"

#include "overlord/Engine/Chain.h"
#include "overlord/Engine/MetadataStore.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <set>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine::autoscale {

namespace {

/// A node of the subtree: Chain is empty for the autoscaler itself.
struct Node {
  std::string Chain;
  std::vector<std::string> Labels;
  bool Reference = false;
};

std::string escape(llvm::StringRef S) { return chain::escapeSegment(S); }

class Scaler {
public:
  Scaler(NodeApi &Api, MetadataStore &Meta, llvm::StringRef Project,
         const ScaleOptions &O, bool Force, LoadBalancerTest *LB, Array &Logs)
      : Api(Api), Meta(Meta), Project(Project.str()), O(O), Force(Force),
        LB(LB), Logs(Logs) {}

  void run();

private:
  // -- HTTP --------------------------------------------------------------
  std::string path(const Node &N, llvm::StringRef Rest) const {
    if (N.Chain.empty())
      return "/v1/" + Rest.str();
    return "/v1/chain/" + N.Chain + "/" + Rest.str();
  }
  [[noreturn]] void fail(const ApiAnswer &A, llvm::StringRef Method,
                         llvm::StringRef Path) const;
  Value getMember(const Node &N, llvm::StringRef Rest,
                  llvm::StringRef Member);
  bool head(const Node &N, llvm::StringRef Rest);
  Value post(const Node &N, llvm::StringRef Rest, Object Body);

  // -- nodes -------------------------------------------------------------
  std::vector<Node> enumerate();
  void walk(const Object &Tree, const std::string &Prefix,
            std::vector<Node> &Out);
  std::pair<std::string, bool> checkProject(const Node &N);
  std::set<std::string> pendingKinds(const Node &N);

  // -- actions -----------------------------------------------------------
  void pushMetadata(const Node &N);
  void up(const Node &N);
  void down(const Node &N, std::optional<bool> CleanupForce);
  bool testRctl(const Node &N);
  bool testEconomy(const Node &N);

  Value chainValue(const Node &N) const {
    return N.Chain.empty() ? Value(nullptr) : Value(N.Chain);
  }
  void logException(const Node *N, const ScaleError &E) {
    Object X{{"project", Project},
             {"exception", Object{{"type", E.Type}, {"message", E.Message}}}};
    X["chain"] = N ? chainValue(*N) : Value(nullptr);
    Logs.push_back(std::move(X));
  }
  void logTest(const Node &N, llvm::StringRef Context, bool Pass) {
    Logs.push_back(Object{{"project", Project},
                          {"chain", chainValue(N)},
                          {"context", Context.str()},
                          {"response", Pass}});
  }

  NodeApi &Api;
  MetadataStore &Meta;
  std::string Project;
  const ScaleOptions &O;
  bool Force;
  LoadBalancerTest *LB;
  Array &Logs;
  unsigned Fails = 0;
  std::vector<std::pair<std::string, std::string>> Replication;
  std::optional<bool> LbResult; ///< the load-balancer test, once per cycle
};

void Scaler::fail(const ApiAnswer &A, llvm::StringRef Method,
                  llvm::StringRef Path) const {
  if (A.Transport)
    throw ScaleError{A.ErrorType.empty() ? "TransportError" : A.ErrorType,
                     A.ErrorMessage};
  // A chain error envelope names the failure; keep its words.
  if (auto V = llvm::json::parse(A.Body)) {
    if (const Object *E = V->getAsObject()) {
      if (auto T = E->getString("error"))
        throw ScaleError{T->str(), E->getString("message").value_or("").str()};
      if (auto M = E->getString("message"))
        throw ScaleError{"HTTPStatusError",
                         llvm::formatv("{0} {1}: {2} {3}", Method, Path,
                                       A.Status, *M)
                             .str()};
    }
  } else {
    llvm::consumeError(V.takeError());
  }
  throw ScaleError{"HTTPStatusError",
                   llvm::formatv("{0} {1}: {2} {3}", Method, Path, A.Status,
                                 chain::reasonPhrase(A.Status))
                       .str()};
}

Value Scaler::getMember(const Node &N, llvm::StringRef Rest,
                        llvm::StringRef Member) {
  std::string P = path(N, Rest);
  ApiAnswer A = Api.call("GET", P, "");
  if (A.Transport || A.Status != 200)
    fail(A, "GET", P);
  auto V = llvm::json::parse(A.Body);
  if (!V)
    throw ScaleError{"JSONDecodeError", "GET " + P + ": " +
                                            llvm::toString(V.takeError())};
  const Object *Obj = V->getAsObject();
  const Value *M = Obj ? Obj->get(Member) : nullptr;
  if (!M)
    throw ScaleError{"KeyError", "GET " + P + ": no '" + Member.str() + "'"};
  return *M;
}

bool Scaler::head(const Node &N, llvm::StringRef Rest) {
  std::string P = path(N, Rest);
  ApiAnswer A = Api.call("HEAD", P, "");
  if (!A.Transport && A.Status == 200)
    return true;
  if (!A.Transport && A.Status == 404)
    return false;
  fail(A, "HEAD", P);
}

Value Scaler::post(const Node &N, llvm::StringRef Rest, Object Body) {
  std::string P = path(N, Rest);
  std::string Text = llvm::formatv("{0}", Value(std::move(Body))).str();
  ApiAnswer A = Api.call("POST", P, Text);
  if (A.Transport || A.Status < 200 || A.Status >= 300)
    fail(A, "POST", P);
  auto V = llvm::json::parse(A.Body);
  if (!V) {
    llvm::consumeError(V.takeError());
    return Value(nullptr);
  }
  return std::move(*V);
}

void Scaler::walk(const Object &Tree, const std::string &Prefix,
                  std::vector<Node> &Out) {
  Node N;
  N.Chain = Prefix;
  N.Reference = Tree.getBoolean("reference").value_or(false);
  if (const Array *L = Tree.getArray("labels"))
    for (const Value &X : *L)
      if (auto S = X.getAsString())
        N.Labels.push_back(S->str());
  Out.push_back(std::move(N));
  const Array *Chains = Tree.getArray("chains");
  if (!Chains)
    return;
  for (const Value &C : *Chains) {
    const Object *CO = C.getAsObject();
    if (!CO)
      continue;
    std::string Name = CO->getString("name").value_or("").str();
    std::string P = Prefix.empty() ? Name : Prefix + "." + Name;
    Node Failed;
    Failed.Chain = P;
    if (const Object *Sub = CO->getObject("tree")) {
      walk(*Sub, P, Out);
    } else if (const Object *E = CO->getObject("error")) {
      ++Fails;
      logException(&Failed,
                   {E->getString("error").value_or("ChainError").str(),
                    E->getString("message").value_or("").str()});
    } else {
      // Truncated by the depth limit: unknown, so it counts as a failure.
      ++Fails;
      logException(&Failed, {"ChainTruncated",
                             "the subtree is beyond the depth limit"});
    }
  }
}

std::vector<Node> Scaler::enumerate() {
  Node Self;
  Value Tree = getMember(Self, "tree", "tree");
  const Object *T = Tree.getAsObject();
  if (!T)
    throw ScaleError{"KeyError", "GET /v1/tree: 'tree' is not an object"};
  std::vector<Node> Out;
  walk(*T, "", Out);
  return Out;
}

std::set<std::string> Scaler::pendingKinds(const Node &N) {
  std::set<std::string> Kinds;
  if (N.Reference)
    return Kinds;
  for (const char *St : {"queued", "running"}) {
    std::string P = path(N, "jobs?project=" + escape(Project) +
                                "&status=" + St + "&limit=1000");
    ApiAnswer A = Api.call("GET", P, "");
    if (A.Transport || A.Status != 200)
      return Kinds; // not an overlordd node, or unreachable: unknown
    auto V = llvm::json::parse(A.Body);
    if (!V) {
      llvm::consumeError(V.takeError());
      return Kinds;
    }
    const Object *Obj = V->getAsObject();
    const Array *Jobs = Obj ? Obj->getArray("jobs") : nullptr;
    if (!Jobs)
      return Kinds;
    for (const Value &J : *Jobs)
      if (const Object *JO = J.getAsObject())
        if (auto K = JO->getString("kind"))
          Kinds.insert(K->str());
  }
  return Kinds;
}

std::pair<std::string, bool> Scaler::checkProject(const Node &N) {
  std::string PI = "project/info/" + escape(Project);
  if (!head(N, PI)) {
    // Ours: an `up` still queued or running on the node is a replica
    // being created (the reference redeploys it every cycle until the
    // project shows up).
    if (pendingKinds(N).count("project.up"))
      return {"pending", true};
    return {"existence", false};
  }
  Value Info = getMember(N, PI, "info");
  const Object *I = Info.getAsObject();
  llvm::StringRef State =
      I ? I->getString("state").value_or("") : llvm::StringRef();
  if (State == "UNFINISHED")
    return {"state", true};
  if (State != "DONE")
    return {"state", false};
  if (const Array *Services = I->getArray("services")) {
    for (const Value &S : *Services) {
      const Object *SO = S.getAsObject();
      if (!SO)
        continue;
      auto Status = SO->getInteger("status");
      if (!Status || *Status != 0)
        return {"service-status", false};
      std::string Jail = SO->getString("jail").value_or("").str();
      if (Jail.empty() || !head(N, "jail/info/" + escape(Jail)))
        return {"service-existence", false};
      Value JI = getMember(N, "jail/info/" + escape(Jail), "info");
      if (const Object *JO = JI.getAsObject())
        if (JO->getString("dirty") == llvm::StringRef("1"))
          return {"service-dirty", false};
      Value HC = getMember(N, "jail/healthcheck/" + escape(Jail),
                           "healthcheck");
      if (const Array *HA = HC.getAsArray())
        for (const Value &H : *HA)
          if (const Object *HO = H.getAsObject())
            if (HO->getString("status") == llvm::StringRef("unhealthy"))
              return {"healthcheckers", false};
    }
  }
  return {"health", true};
}

void Scaler::pushMetadata(const Node &N) {
  // The sources are the autoscaler's own metadata: nothing to copy there.
  if (N.Chain.empty())
    return;
  for (const auto &KV : Replication) {
    Value R = post(N, "metadata/" + escape(KV.first),
                   Object{{"value", KV.second}});
    Logs.push_back(Object{{"project", Project},
                          {"chain", chainValue(N)},
                          {"context", "metadata"},
                          {"key", KV.first},
                          {"length", int64_t(KV.second.size())},
                          {"response", std::move(R)}});
  }
}

void Scaler::up(const Node &N) {
  Object Body{{"director_file", O.ProjectFile},
              {"environment", Object(O.Environment)},
              {"reserve_port", Object(O.ReservePort)}};
  Value R = post(N, "project/up/" + escape(Project), std::move(Body));
  Logs.push_back(Object{{"project", Project},
                        {"chain", chainValue(N)},
                        {"context", "up"},
                        {"response", std::move(R)}});
}

void Scaler::down(const Node &N, std::optional<bool> CleanupForce) {
  Object Body{{"environment", Object(O.Environment)}};
  if (CleanupForce)
    Body["force"] = *CleanupForce;
  Value R = post(N, "project/down/" + escape(Project), std::move(Body));
  Object E{{"project", Project},
           {"chain", chainValue(N)},
           {"context", "down"},
           {"response", std::move(R)}};
  if (CleanupForce)
    E["force"] = *CleanupForce;
  Logs.push_back(std::move(E));
}

/// The metric, or nullopt when the node did not report it.
std::optional<double> metric(const Object &Stats, llvm::StringRef Name) {
  const Value *V = Stats.get(Name);
  if (!V || V->kind() == Value::Boolean)
    return std::nullopt;
  if (auto N = V->getAsNumber())
    return *N;
  if (auto S = V->getAsString()) {
    double D;
    if (!S->trim().getAsDouble(D))
      return D;
  }
  return std::nullopt;
}

bool Scaler::testRctl(const Node &N) {
  std::string PI = "project/info/" + escape(Project);
  if (!head(N, PI))
    return false;
  Value Info = getMember(N, PI, "info");
  const Object *I = Info.getAsObject();
  llvm::StringRef State =
      I ? I->getString("state").value_or("") : llvm::StringRef();
  if (State == "UNFINISHED")
    return true;
  if (State != "DONE")
    return false;
  const Array *Services = I->getArray("services");
  std::map<std::string, double> Total;
  size_t Count = Services ? Services->size() : 0;
  double Percent = double(O.Value.value_or(0));
  for (size_t K = 0; K < Count; ++K) {
    const Object *SO = (*Services)[K].getAsObject();
    if (!SO)
      return false;
    auto Status = SO->getInteger("status");
    if (!Status || *Status != 0)
      return false;
    std::string Jail = SO->getString("jail").value_or("").str();
    if (Jail.empty() || !head(N, "jail/info/" + escape(Jail)))
      return false;
    Value SV = getMember(N, "jail/stats/" + escape(Jail), "stats");
    const Object *Stats = SV.getAsObject();
    if (!Stats || Stats->empty())
      return false;
    for (const auto &R : O.Rules) {
      // Ours: a metric the node does not report is skipped (the
      // reference's None >= int raises and fails the whole cycle).
      std::optional<double> Cur = metric(*Stats, R.first);
      if (!Cur)
        continue;
      if (O.Type == "any-jail" && *Cur >= R.second)
        return false;
      if (O.Type == "percent-jail" && *Cur >= R.second * Percent / 100)
        return false;
      Total[R.first] += *Cur;
    }
  }
  for (const auto &R : O.Rules) {
    auto It = Total.find(R.first);
    if (It == Total.end())
      continue;
    double T = It->second;
    if (O.Type == "any-project" && T >= R.second)
      return false;
    if (O.Type == "percent-project" && T >= R.second * Percent / 100)
      return false;
    if (O.Type == "average" && Count && T / double(Count) >= R.second)
      return false;
  }
  return true;
}

bool Scaler::testEconomy(const Node &N) {
  Value SV = getMember(N, "stats", "stats");
  const Object *Stats = SV.getAsObject();
  if (!Stats || Stats->empty())
    return false;
  for (const auto &R : O.Economy) {
    std::optional<double> Cur = metric(*Stats, R.first);
    if (Cur && *Cur >= R.second)
      return false;
  }
  return true;
}

void Scaler::run() {
  // autoScale.metadata is read from the autoscaler's own store first: a
  // missing key fails the cycle (MetadataNotFound), as in the reference.
  for (const std::string &K : O.Metadata) {
    auto V = Meta.get(K);
    if (!V)
      throw ScaleError{"MetadataError", llvm::toString(V.takeError())};
    if (!*V)
      throw ScaleError{"MetadataNotFound", K};
    Replication.emplace_back(K, **V);
  }

  std::vector<Node> Good, Bad, Unhealthy;
  for (const Node &N : enumerate()) {
    bool Match = llvm::any_of(N.Labels, [&](const std::string &L) {
      return llvm::is_contained(O.Labels, L);
    });
    if (!Match)
      continue;
    try {
      auto [Context, Healthy] = checkProject(N);
      if (Healthy)
        Good.push_back(N);
      else if (Context == "healthcheckers")
        Unhealthy.push_back(N);
      else
        Bad.push_back(N);
    } catch (const ScaleError &E) {
      ++Fails;
      logException(&N, E);
    }
  }

  std::string CleanupKey = "overlord.autoscale-cleanup." + Project;
  std::string RegistrationKey = "overlord.autoscale." + Project;

  // 1. Redeploy on change (replicas with an unhealthy healthchecker too).
  std::vector<Node> Replicas = Good;
  Replicas.insert(Replicas.end(), Unhealthy.begin(), Unhealthy.end());
  if (Force && !Replicas.empty()) {
    if (Meta.exists(CleanupKey)) {
      // A changed spec cancels a pending destroy request.
      if (auto R = Meta.remove(CleanupKey); !R)
        throw ScaleError{"MetadataError", llvm::toString(R.takeError())};
    }
    for (const Node &N : Replicas) {
      try {
        pushMetadata(N);
        up(N);
      } catch (const ScaleError &E) {
        logException(&N, E);
      }
    }
    return;
  }

  // 2. Cleanup requested by `destroy`.
  if (Meta.exists(CleanupKey)) {
    bool CleanupForce = false;
    if (auto V = Meta.get(CleanupKey); V && *V) {
      if (auto J = llvm::json::parse(**V)) {
        if (const Object *JO = J->getAsObject())
          CleanupForce = JO->getBoolean("force").value_or(false);
      } else {
        llvm::consumeError(J.takeError());
      }
    } else if (!V) {
      llvm::consumeError(V.takeError());
    }
    std::vector<Node> All = Good;
    All.insert(All.end(), Bad.begin(), Bad.end());
    All.insert(All.end(), Unhealthy.begin(), Unhealthy.end());
    bool StillDeployed = false;
    for (const Node &N : All) {
      try {
        bool Exists = head(N, "project/info/" + escape(Project));
        std::set<std::string> Pending = pendingKinds(N);
        if (Exists && Pending.count("project.down") &&
            !Pending.count("project.up")) {
          // Ours: a destroy is already on its way; don't queue another.
          StillDeployed = true;
          continue;
        }
        if (Exists || Pending.count("project.up")) {
          down(N, CleanupForce);
          StillDeployed = true;
        }
      } catch (const ScaleError &E) {
        // Ours: a node that cannot be inspected may still hold a replica.
        ++Fails;
        logException(&N, E);
      }
    }
    if (StillDeployed)
      return;
    if (Fails > 0) {
      Logs.push_back(Object{
          {"project", Project},
          {"fails", int64_t(Fails)},
          {"context", "destroy"},
          {"response",
           llvm::formatv("(project:{0}, fails:{1}) metadata cannot be "
                         "destroyed because there is a likelihood that a "
                         "project has been deployed in a failed chain.",
                         Project, Fails)
               .str()}});
      return;
    }
    for (const std::string &K : {RegistrationKey, CleanupKey})
      if (auto R = Meta.remove(K); !R)
        throw ScaleError{"MetadataError", llvm::toString(R.takeError())};
    Logs.push_back(Object{
        {"project", Project},
        {"context", "destroy"},
        {"response", "There are no more nodes to destroy the project."}});
    return;
  }

  // 3. max defaults to every candidate node.
  int64_t Max = O.Max.value_or(int64_t(Good.size() + Bad.size()));
  int64_t GoodCount = int64_t(Good.size());

  // 4. Minimum replicas (counted optimistically: an accepted `up`).
  if (GoodCount < O.Min) {
    for (const Node &N : Bad) {
      try {
        pushMetadata(N);
        up(N);
      } catch (const ScaleError &E) {
        logException(&N, E);
        continue;
      }
      if (++GoodCount >= O.Min)
        break;
    }
    if (GoodCount < O.Min)
      Logs.push_back(Object{
          {"project", Project},
          {"nodes", GoodCount},
          {"min", O.Min},
          {"response", llvm::formatv("Insufficient nodes to replicate the "
                                     "project ({0}/{1})",
                                     GoodCount, O.Min)
                           .str()}});
    return;
  }

  // 5. Tests: one scale-up per cycle when a replica fails one.
  bool Destroy = true;
  if (O.HasRules || O.HasEconomy || O.hasLoadBalancer()) {
    size_t Index = 0;
    for (const Node &N : Good) {
      bool Pass = true;
      try {
        if (O.HasRules) {
          Pass = testRctl(N);
          logTest(N, "rctl", Pass);
        }
        if (Pass && O.HasEconomy) {
          Pass = testEconomy(N);
          logTest(N, "economy", Pass);
        }
        if (Pass && O.hasLoadBalancer()) {
          // Global, not per node: evaluated once per cycle (the reference
          // fetches and smooths the stats again for every replica).
          if (!LbResult) {
            if (!LB)
              throw ScaleError{"ConfigError",
                               "'haproxy_stats' is not configured"};
            auto R = LB->run(O);
            if (!R) {
              std::string M = llvm::toString(R.takeError());
              auto [T, Msg] = llvm::StringRef(M).split(": ");
              throw ScaleError{Msg.empty() ? "LoadBalancerError" : T.str(),
                               Msg.empty() ? M : Msg.str()};
            }
            LbResult = *R;
          }
          Pass = *LbResult;
          logTest(N, "load-balancer", Pass);
        }
      } catch (const ScaleError &E) {
        logException(&N, E);
        continue;
      }
      if (Pass)
        continue;
      Destroy = false;
      if (GoodCount >= Max)
        continue;
      if (Index >= Bad.size())
        break;
      const Node &Target = Bad[Index++];
      try {
        // Fixed: the metadata goes to the new node (the reference pushes it
        // to the failing replica).
        pushMetadata(Target);
        up(Target);
      } catch (const ScaleError &E) {
        logException(&Target, E);
        continue;
      }
      return;
    }
  }

  // 6. Scale down: everything passed and there are more than min.
  if (Destroy && GoodCount > O.Min) {
    for (const Node &N : Good) {
      try {
        down(N, std::nullopt);
      } catch (const ScaleError &E) {
        logException(&N, E);
        continue;
      }
      return;
    }
  }
}

} // namespace

ScaleResult scaleProject(NodeApi &Api, MetadataStore &Meta,
                         llvm::StringRef Project, const ScaleOptions &O,
                         bool Force, LoadBalancerTest *LB) {
  ScaleResult R;
  try {
    Scaler(Api, Meta, Project, O, Force, LB, R.Logs).run();
  } catch (const ScaleError &E) {
    R.Error = E;
    R.Logs.push_back(
        Object{{"project", Project.str()},
               {"exception", Object{{"type", E.Type}, {"message", E.Message}}}});
  }
  return R;
}

} // namespace overlord::engine::autoscale
