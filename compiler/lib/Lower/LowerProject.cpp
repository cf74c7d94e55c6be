//===- LowerProject.cpp - directorProject lowering --------------*- C++ -*-===//
//
// A directorProject becomes, per target, one `project.up` (the Director
// file, the environment resolved for that target, reserve_port, restart)
// or, with autoScale, one `autoscale` registration carrying the same data
// (apply.py writes it to metadata `overlord.autoscale.<project>` instead of
// calling project/up). The Director file's special service labels become
// hooks the node runs after `up` (overlord-behaviour.md §8):
//
//   overlord.skydns*         skydns.record "<project>:<service>:A" (+ PTR, SRV)
//   overlord.load-balancer*  lb.server "<project>:<service>:<backend>"
//
// Autoscaled projects get no hooks here: their replicas run on nodes the
// autoscaler picks at run time, which run the hooks themselves.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/Lowering.h"
#include "overlord/Lower/TargetEnvironment.h"

#include "llvm/ADT/StringExtras.h"

using namespace overlord;
using namespace overlord::lower;

namespace {

/// Splits a resolved environment into clear and sealed variables: those
/// written `!SECRET` and, as a fallback, those whose name looks secret.
void splitSecrets(const ResolvedEnvironment &Env,
                  std::map<std::string, std::string> &Clear,
                  ir::SecretMapType &Secret, LowerContext &Ctx) {
  for (const auto &[Name, Value] : Env.Vars) {
    if (Env.Secret.count(Name) || isSecretName(Name))
      Secret[Name] = Ctx.seal(Value);
    else
      Clear[Name] = Value;
  }
}

std::map<std::string, std::string>
thresholds(const std::vector<ast::RctlThreshold> &Rules) {
  std::map<std::string, std::string> Out;
  for (const ast::RctlThreshold &R : Rules)
    Out[R.Resource] = std::to_string(R.Amount);
  return Out;
}

std::string metricValue(const ast::LoadBalancerMetric &M) {
  std::string V;
  switch (M.Kind) {
  case ast::LoadBalancerMetric::ValueKind::Int:
    V = std::to_string(M.IntValue);
    break;
  case ast::LoadBalancerMetric::ValueKind::String:
    V = ir::quoted(M.StringValue);
    break;
  case ast::LoadBalancerMetric::ValueKind::Range:
    V = "[" + std::to_string(M.Begin) + ", " + std::to_string(M.End) + "]";
    break;
  }
  if (M.Each)
    V += " each " + std::to_string(*M.Each);
  return V;
}

/// `frontend.name`, `frontend.or.scur`, ... flattened for review.
void flattenLb(const std::optional<ast::LoadBalancerTarget> &T,
               llvm::StringRef Which, std::map<std::string, std::string> &Out) {
  if (!T)
    return;
  Out[(Which + ".name").str()] = T->Name;
  for (const ast::LoadBalancerMetric &M : T->Or)
    Out[(Which + ".or." + M.Metric).str()] = metricValue(M);
  for (const ast::LoadBalancerMetric &M : T->And)
    Out[(Which + ".and." + M.Metric).str()] = metricValue(M);
}

void lowerAutoscale(const ast::DirectorProjectSpec &P,
                    const ResolvedEnvironment &Env, ir::TargetID ID,
                    LowerContext &Ctx) {
  ir::AutoscaleOp &Op = Ctx.Builder.add<ir::AutoscaleOp>(ID, P.ProjectName);
  const ast::AutoScale &S = P.Scale;
  Op.Director = P.ProjectFile.value_or("");
  Op.Economy = thresholds(S.Economy);
  Op.Rules = thresholds(S.Rules);
  splitSecrets(Env, Op.Environment, Op.SecretEnvironment, Ctx);
  Op.Labels = S.Labels;
  flattenLb(S.Frontend, "frontend", Op.LoadBalancer);
  flattenLb(S.Backend, "backend", Op.LoadBalancer);
  Op.Metadata = S.Metadata;
  Op.ReplicasMax = S.ReplicasMax;
  Op.ReplicasMin = S.ReplicasMin;
  Op.ReservePort = reservePortMap(P);
  Op.Type = S.Type;
  Op.Value = S.Value;
}

} // namespace

void overlord::lower::lowerProject(const ast::DirectorProjectSpec &P,
                                   const RouteTarget &T, ir::TargetID ID,
                                   LowerContext &Ctx) {
  ResolvedEnvironment Env = resolveEnvironment(P, T);
  if (P.Scale.Enabled) {
    lowerAutoscale(P, Env, ID, Ctx);
    return;
  }
  ir::ProjectUpOp &Op = Ctx.Builder.add<ir::ProjectUpOp>(ID, P.ProjectName);
  if (P.ProjectFromMetadata)
    Op.DirectorMetadata = *P.ProjectFromMetadata;
  else
    Op.Director = P.ProjectFile.value_or("");
  Op.EnvironFromMetadata = Env.DeferredMetadata;
  splitSecrets(Env, Op.Environment, Op.SecretEnvironment, Ctx);
  Op.ReservePort = reservePortMap(P);
  Op.Restart = Ctx.Restart;
  lowerHooks(P, ID, Ctx);
}

//===----------------------------------------------------------------------===//
// Hooks
//===----------------------------------------------------------------------===//

namespace {

using LabelMap = std::map<std::string, std::string>;

std::optional<int64_t> toInt(const LabelMap &L, const std::string &K) {
  auto It = L.find(K);
  int64_t V;
  if (It == L.end() || llvm::StringRef(It->second).trim().getAsInteger(10, V))
    return std::nullopt;
  return V;
}

std::optional<std::string> get(const LabelMap &L, const std::string &K) {
  auto It = L.find(K);
  if (It == L.end())
    return std::nullopt;
  return It->second;
}

void lowerSkydns(const std::string &Base, const LabelMap &L, ir::TargetID ID,
                 LowerContext &Ctx) {
  std::string Group = llvm::StringRef(get(L, "overlord.skydns.group")
                                          .value_or(""))
                          .lower();
  std::optional<std::string> Iface = get(L, "overlord.skydns.interface");
  std::optional<std::string> Addr =
      get(L, "overlord.skydns.interface.address");
  int64_t Ttl = toInt(L, "overlord.skydns.ttl").value_or(60);
  // The address family is the interface's; a v6 network selects AAAA.
  std::string AType =
      Addr && llvm::StringRef(*Addr).contains(':') ? "AAAA" : "A";
  auto Add = [&](llvm::StringRef Type) -> ir::SkydnsRecordOp & {
    ir::SkydnsRecordOp &R =
        Ctx.Builder.add<ir::SkydnsRecordOp>(ID, Base + ":" + Type.str());
    R.Type = Type.str();
    R.Name = Group;
    R.Group = Group;
    R.Interface = Iface;
    R.Address = Addr;
    R.Ttl = Ttl;
    return R;
  };
  Add(AType);
  if (L.count("overlord.skydns.ptr"))
    Add("PTR");
  if (!L.count("overlord.skydns.srv"))
    return;
  ir::SkydnsRecordOp &Srv = Add("SRV");
  Srv.Port = toInt(L, "overlord.skydns.srv.port");
  Srv.Proto = get(L, "overlord.skydns.srv.proto");
  Srv.Service = get(L, "overlord.skydns.srv.service");
  Srv.Priority = toInt(L, "overlord.skydns.srv.priority").value_or(10);
  Srv.Weight = toInt(L, "overlord.skydns.srv.weight").value_or(100);
  Srv.Ttl = toInt(L, "overlord.skydns.srv.ttl").value_or(60);
}

void lowerLb(const std::string &Base, const LabelMap &L, ir::TargetID ID,
             LowerContext &Ctx) {
  std::string Backend = get(L, "overlord.load-balancer.backend").value_or("");
  ir::LbServerOp &S =
      Ctx.Builder.add<ir::LbServerOp>(ID, Base + ":" + Backend);
  S.Backend = Backend;
  S.Interface = get(L, "overlord.load-balancer.interface");
  S.Address = get(L, "overlord.load-balancer.interface.address");
  S.Port = toInt(L, "overlord.load-balancer.interface.port").value_or(0);
  llvm::StringRef Prefix = "overlord.load-balancer.set.";
  for (const auto &[K, V] : L)
    if (llvm::StringRef(K).startswith(Prefix))
      S.Set[K.substr(Prefix.size())] = V;
}

} // namespace

void overlord::lower::lowerHooks(const ast::DirectorProjectSpec &P,
                                 ir::TargetID ID, LowerContext &Ctx) {
  if (!P.Director)
    return;
  for (const appjail::DirectorService &S : P.Director->Services) {
    LabelMap L;
    for (const appjail::KeyValue &KV : S.Labels)
      L.emplace(KV.Key, KV.Value.value_or("")); // first wins, as checked
    std::string Base = P.ProjectName + ":" + S.Name;
    if (L.count("overlord.skydns"))
      lowerSkydns(Base, L, ID, Ctx);
    if (L.count("overlord.load-balancer"))
      lowerLb(Base, L, ID, Ctx);
  }
}
