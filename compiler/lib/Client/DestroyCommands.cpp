//===- DestroyCommands.cpp - overlordc destroy / cancel ---------*- C++ -*-===//
//
// Both route and lower the deployment like apply (same live snapshot, same
// label matching, same per-target environment), then turn each target's
// ops into the reference's requests (overlord-behaviour.md §1.4, §1.5):
//
//   destroy  project.up P    HEAD metadata/overlord.autoscale.P: present ->
//                            metadata overlord.autoscale-cleanup.P =
//                            {"force": F} (the autoscaler destroys it);
//                            else POST project/down/P {environment, force}
//            autoscale P     the same
//            vm.create V     POST project/down/V {environment: {}, force}
//            metadata.put K  DELETE metadata/K
//            namespace.* N   DELETE namespace/N
//   cancel   project.up P    POST project/cancel/P
//            vm.create V     POST project/cancel/V
//            autoscale P     refused: scale options set
//
// `--filter-chain C` keeps the targets whose relative chain path is C; the
// root (the datacenter itself) is then kept only with `--filter-root-chain`
// (destroy), never for cancel — as the reference. Targets below the root
// are reached through their chain (`/v1/chain/<path>/...`); targets are
// handled in parallel and printed in plan order.
//
//===----------------------------------------------------------------------===//
#include "JobWait.h"

#include "overlord/Client/ClientCommands.h"
#include "overlord/Client/ClusterWalk.h"
#include "overlord/Client/Session.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"

using namespace overlord;
using namespace overlord::client;
namespace cl = llvm::cl;

namespace {

/// The options destroy and cancel share.
struct TeardownOptions {
  cl::SubCommand &Sub;
  cl::opt<std::string> File;
  cl::alias FileLong;
  cl::list<std::string> EnvFiles;
  cl::alias EnvFileLong;
  cl::list<std::string> FilterChain;
  cl::opt<bool> Wait;
  cl::opt<double> Timeout;
  driver::DiagOptions Diag;

  explicit TeardownOptions(cl::SubCommand &S)
      : Sub(S), File("f", cl::desc("Deployment file"), cl::value_desc("file"),
                     cl::sub(S)),
        FileLong("file", cl::aliasopt(File)),
        EnvFiles("e", cl::desc("Load variables from this .env file "
                               "(repeatable; default ./.env)"),
                 cl::value_desc("envfile"), cl::sub(S)),
        EnvFileLong("env-file", cl::aliasopt(EnvFiles)),
        FilterChain("filter-chain",
                    cl::desc("Only this relative chain path (repeatable)"),
                    cl::value_desc("chain"), cl::sub(S)),
        Wait("wait", cl::desc("Follow the queued jobs until they end"),
             cl::sub(S)),
        Timeout("timeout",
                cl::desc("With --wait: give up after this many seconds "
                         "(default 3600; 0: never)"),
                cl::init(3600), cl::sub(S)),
        Diag(S) {}
};

cl::SubCommand DestroyCmd("destroy", "Destroy what a deployment file "
                                     "deployed");
cl::SubCommand CancelCmd("cancel", "Cancel the running jobs of a "
                                   "deployment file's project or VM");
TeardownOptions DestroyOpts(DestroyCmd);
TeardownOptions CancelOpts(CancelCmd);
cl::opt<bool> Force("force", cl::desc("Destroy even when the project is not "
                                      "in a final state"),
                    cl::sub(DestroyCmd));
cl::alias ForceShort("F", cl::aliasopt(Force));
cl::opt<bool> FilterRoot("filter-root-chain",
                         cl::desc("With --filter-chain: keep the root too"),
                         cl::sub(DestroyCmd));

/// Whether the target with this route passes the chain filters.
bool chainSelected(const TeardownOptions &O, llvm::StringRef Route,
                   bool KeepRoot) {
  if (O.FilterChain.empty())
    return true;
  llvm::StringRef Chain = chainOf(Route);
  if (Chain.empty())
    return KeepRoot;
  return llvm::is_contained(O.FilterChain, Chain.str());
}

/// The environment a project.up op carries, secrets in clear.
llvm::json::Object environmentOf(const ir::ProjectUpOp &Op,
                                 const BuiltPlan &B) {
  llvm::json::Object Env;
  for (const auto &[K, V] : Op.Environment)
    Env[K] = V;
  for (const auto &[K, Digest] : Op.SecretEnvironment) {
    auto It = B.Secrets.find(Digest);
    if (It != B.Secrets.end())
      Env[K] = It->second;
  }
  return Env;
}

/// The requests of one target, on a worker thread with its own client.
class Teardown {
public:
  Teardown(TargetOutput &S, HttpClient &C, const BuiltPlan &B, bool IsCancel)
      : S(S), B(B), IsCancel(IsCancel), C(&C) {}

  void target(ir::TargetID T);
  std::vector<QueuedJob> Jobs;

private:
  /// POST that queues a job; prints it.
  void queue(llvm::StringRef Op, llvm::StringRef Symbol, llvm::StringRef Path,
             llvm::json::Value Body);
  void projectDown(llvm::StringRef Project, llvm::json::Object Env);
  void remove(llvm::StringRef What, llvm::StringRef Name);
  /// Rest (`/v1/...`) on this target's node.
  std::string at(const std::string &Rest) const {
    return chainPath(Chain, Rest);
  }

  TargetOutput &S;
  const BuiltPlan &B;
  bool IsCancel;
  std::string Route, Dc, Chain;
  HttpClient *C = nullptr;
};

void Teardown::queue(llvm::StringRef Op, llvm::StringRef Symbol,
                     llvm::StringRef Path, llvm::json::Value Body) {
  std::string P = at(Path.str());
  llvm::Expected<JsonResponse> R = C->call("POST", P, std::move(Body));
  if (!R)
    return S.error(Route, R.takeError());
  auto Id = R->Body.getInteger("job_id");
  if (!Id)
    return S.error(Route, "POST " + C->url(P) +
                              ": the answer has no 'job_id'");
  Jobs.push_back({Route, Dc, Chain, Op.str(), Symbol.str(), *Id});
  printQueued(S, Jobs.back());
}

void Teardown::projectDown(llvm::StringRef Project, llvm::json::Object Env) {
  std::string Key = "overlord.autoscale." + Project.str();
  llvm::Expected<HttpResponse> Head =
      C->send("HEAD", at("/v1/metadata/" + escapeSegment(Key)));
  if (!Head)
    return S.error(Route, Head.takeError());
  if (Head->Status == 200) {
    // An autoscaled project: the autoscaler destroys it (§9).
    std::string Cleanup = "overlord.autoscale-cleanup." + Project.str();
    std::string Path = at("/v1/metadata/" + escapeSegment(Cleanup));
    llvm::Expected<HttpResponse> Exists = C->send("HEAD", Path);
    if (!Exists)
      return S.error(Route, Exists.takeError());
    llvm::json::Object Body{
        {"value", pythonJsonDumps(llvm::json::Object{{"force", bool(Force)}})}};
    llvm::Expected<JsonResponse> R =
        C->call(Exists->Status == 200 ? "PUT" : "POST", Path,
                llvm::json::Value(std::move(Body)));
    if (!R)
      return S.error(Route, R.takeError());
    return S.print(Route + ": autoscale " + Project + ": cleanup requested");
  }
  if (Head->Status != 404)
    return S.error(Route, llvm::formatv("HEAD {0}: HTTP {1}",
                                        C->url(at("/v1/metadata/" + Key)),
                                        Head->Status)
                              .str());
  queue("project.down", Project, "/v1/project/down/" + escapeSegment(Project),
        llvm::json::Object{{"environment", std::move(Env)},
                           {"force", bool(Force)}});
}

void Teardown::remove(llvm::StringRef What, llvm::StringRef Name) {
  std::string Path = at("/v1/" + What.str() + "/" + escapeSegment(Name));
  llvm::Expected<JsonResponse> R = C->call("DELETE", Path);
  if (!R)
    return S.error(Route, R.takeError());
  S.print(Route + ": " + What + ".delete " + Name + ": deleted");
}

void Teardown::target(ir::TargetID T) {
  const ir::TargetOp &Target = B.Plan.Targets[T];
  Route = Target.Symbol;
  Dc = Target.Datacenter;
  Chain = chainOf(Route).str();
  for (ir::OpRef R : B.Plan.TargetOps[T]) {
    llvm::StringRef Sym = B.Plan.base(R).Symbol;
    switch (R.Kind) {
    case ir::OpKind::ProjectUp:
      if (IsCancel)
        queue("project.cancel", Sym, "/v1/project/cancel/" + escapeSegment(Sym),
              llvm::json::Object{});
      else
        projectDown(Sym, environmentOf(B.Plan.get<ir::ProjectUpOp>(R), B));
      break;
    case ir::OpKind::Autoscale:
      if (IsCancel)
        S.error(Route, "'" + Sym + "' has autoScale set; a scaled "
                                   "deployment cannot be cancelled");
      else
        projectDown(Sym, {});
      break;
    case ir::OpKind::VmCreate:
      if (IsCancel)
        queue("project.cancel", Sym, "/v1/project/cancel/" + escapeSegment(Sym),
              llvm::json::Object{});
      else
        queue("project.down", Sym, "/v1/project/down/" + escapeSegment(Sym),
              llvm::json::Object{{"environment", llvm::json::Object{}},
                                 {"force", bool(Force)}});
      break;
    case ir::OpKind::MetadataPut:
      if (!IsCancel)
        remove("metadata", Sym);
      break;
    case ir::OpKind::NamespaceCreate:
    case ir::OpKind::NamespaceUpdate:
      if (!IsCancel)
        remove("namespace", Sym);
      break;
    default:
      break; // VM steps and hooks go with their project or VM
    }
  }
}

int run(TeardownOptions &O, bool IsCancel) {
  Session S(O.Sub.getName());
  if (int RC = S.load(O.File, {O.EnvFiles.begin(), O.EnvFiles.end()}, O.Diag))
    return RC;
  ast::DeploymentKind K = S.deployment().Kind;
  if (K == ast::DeploymentKind::ReadOnly ||
      (IsCancel && K == ast::DeploymentKind::Metadata)) {
    llvm::errs() << "overlordc " << O.Sub.getName() << ": error: a '"
                 << ast::kindName(K) << "' deployment cannot be "
                 << (IsCancel ? "cancelled" : "destroyed") << "\n";
    return ClientUsage;
  }
  if (IsCancel && S.deployment().Project &&
      S.deployment().Project->Scale.Enabled) {
    llvm::errs() << "overlordc cancel: error: project '"
                 << S.deployment().Project->ProjectName
                 << "' has autoScale set; a scaled deployment cannot be "
                    "cancelled\n";
    return ClientUsage;
  }
  lower::ClusterSnapshot Snap = S.liveSnapshot();
  std::optional<BuiltPlan> B = S.buildPlan(Snap, false);
  if (!B)
    return ClientUsage;
  bool KeepRoot = !IsCancel && FilterRoot;
  std::vector<ir::TargetID> Selected;
  for (ir::TargetID T = 0; T < B->Plan.Targets.size(); ++T)
    if (chainSelected(O, B->Plan.Targets[T].Symbol, KeepRoot))
      Selected.push_back(T);
  size_t N = Selected.size();
  std::vector<TargetOutput> Out(N);
  std::vector<std::unique_ptr<HttpClient>> Clients(N);
  for (size_t I = 0; I < N; ++I)
    Clients[I] = S.newClient(B->Plan.Targets[Selected[I]].Datacenter);
  forEachParallel(N, ParallelTargets, [&](size_t I) {
    if (!Clients[I])
      return;
    Teardown TD(Out[I], *Clients[I], *B, IsCancel);
    TD.target(Selected[I]);
    if (O.Wait && !TD.Jobs.empty())
      waitForJobs(Out[I], *Clients[I], TD.Jobs, O.Timeout);
  });
  for (TargetOutput &X : Out)
    S.flush(X);
  return S.exitCode();
}

} // namespace

int overlord::client::runDestroy() {
  if (!DestroyCmd)
    return -1;
  return run(DestroyOpts, /*IsCancel=*/false);
}

int overlord::client::runCancel() {
  if (!CancelCmd)
    return -1;
  return run(CancelOpts, /*IsCancel=*/true);
}
