//===- ApplyCommand.cpp - overlordc apply -----------------------*- C++ -*-===//
//
// `overlordc apply -f FILE [-e ENV]... [--restart] [--wait] [--timeout S]`:
// load and check the file, take the live cluster snapshot (the tree of
// chains of each datacenter, ClusterWalk.h), route and lower it into a
// verified plan exactly as `overlordc plan` does, then send each target its
// fragment — the plan with that target alone, printed as `.oplan` text —
// with the clear values of the secrets the fragment seals:
// `POST /v1/plan {"plan", "secrets"}` on the root, `POST
// /v1/chain/<path>/plan` below it. The node verifies the fragment again,
// runs metadata/namespace writes at once and queues the jobs; their ids are
// printed per target. With `--wait` the jobs are followed until they end
// (JobWait.h). Targets are sent and followed in parallel (at most
// ParallelTargets at once), and printed in plan order once all are done.
//
// `overlordc apply PLAN.oplan -f FILE [-e ENV]...` applies exactly a
// reviewed plan. The plan seals its secrets (access tokens, `!SECRET`
// values) with a keyed digest and does not name the file it came from, so
// the entry points and the secret values come from the deployment file
// again: FILE must be the deployment the plan records as its one source
// (same specification digest); it is compiled again, on the live snapshot,
// with the plan's key (`--key-file` or OVERLORD_PLAN_KEY), and must give
// the very same plan (so a changed secret is caught too). The plan is refused, with what changed,
// when the live snapshot's digest is not the one the plan was computed
// against.
//
// Unlike the reference, which always exits 0, apply exits 1 when any target
// failed; one target's failure never stops the others.
//
//===----------------------------------------------------------------------===//
#include "JobWait.h"

#include "overlord/Client/ClientCommands.h"
#include "overlord/Client/ClusterWalk.h"
#include "overlord/Client/Session.h"
#include "overlord/Driver/PlanSource.h"
#include "overlord/IR/Diff.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace overlord;
using namespace overlord::client;
namespace cl = llvm::cl;

namespace {

cl::SubCommand ApplyCmd("apply", "Compile a deployment file (or take a "
                                 "reviewed plan) and deploy it on the nodes "
                                 "it routes to");
cl::opt<std::string> File("f", cl::desc("Deployment file"),
                          cl::value_desc("file"), cl::sub(ApplyCmd));
cl::alias FileLong("file", cl::aliasopt(File));
cl::opt<std::string> PlanFile(cl::Positional,
                              cl::desc("[PLAN.oplan: apply exactly this "
                                       "reviewed plan]"),
                              cl::sub(ApplyCmd));
cl::list<std::string> EnvFiles("e", cl::desc("Load variables from this .env "
                                             "file (repeatable; default "
                                             "./.env)"),
                               cl::value_desc("envfile"), cl::sub(ApplyCmd));
cl::alias EnvFileLong("env-file", cl::aliasopt(EnvFiles));
cl::opt<bool> Restart("restart", cl::desc("Restart projects and VMs"),
                      cl::sub(ApplyCmd));
cl::opt<bool> Wait("wait", cl::desc("Follow the queued jobs until they end"),
                   cl::sub(ApplyCmd));
cl::opt<double> Timeout("timeout",
                        cl::desc("With --wait: give up after this many "
                                 "seconds (default 3600; 0: never)"),
                        cl::init(3600), cl::sub(ApplyCmd));
cl::opt<std::string> KeyFile("key-file",
                             cl::desc("With PLAN.oplan: the key its secrets "
                                      "were sealed with (default "
                                      "OVERLORD_PLAN_KEY)"),
                             cl::value_desc("file"), cl::sub(ApplyCmd));
driver::DiagOptions Diag(ApplyCmd);

/// Prints a rejected fragment's diagnostics under the error line.
void printRejection(TargetOutput &S, llvm::StringRef Route,
                    llvm::StringRef Url, const JsonResponse &R) {
  std::string Msg = stringMember(R.Body, "message");
  S.error(Route, llvm::formatv("POST {0}: HTTP {1}: {2}", Url, R.Status,
                               Msg.empty() ? "the plan was rejected" : Msg)
                     .str());
  if (const llvm::json::Array *Ds = R.Body.getArray("diagnostics"))
    for (const llvm::json::Value &V : *Ds)
      if (const llvm::json::Object *D = V.getAsObject())
        S.note(llvm::formatv("  <fragment>:{0}:{1}: {2}: {3} [{4}]",
                             D->getInteger("line").value_or(0),
                             D->getInteger("column").value_or(0),
                             D->getString("severity").value_or("error"),
                             D->getString("message").value_or(""),
                             D->getString("kind").value_or(""))
                   .str());
}

/// Sends target T's fragment; appends the jobs it queued.
void sendFragment(TargetOutput &S, HttpClient &C, const BuiltPlan &B,
                  ir::TargetID T, std::vector<QueuedJob> &Jobs) {
  const ir::TargetOp &Target = B.Plan.Targets[T];
  const std::string &Route = Target.Symbol;
  std::string Chain = chainOf(Route).str();
  ir::Plan F = fragmentOf(B.Plan, T);
  llvm::json::Object Secrets;
  for (const std::string &Digest : secretDigests(F)) {
    auto It = B.Secrets.find(Digest);
    if (It == B.Secrets.end())
      return S.error(Route, "the plan seals a value apply does not know (" +
                                Digest + "); nothing was sent");
    Secrets[Digest] = It->second;
  }
  llvm::json::Object Body{{"plan", ir::printPlanToString(F)},
                          {"secrets", std::move(Secrets)}};
  std::string Path = chainPath(Chain, "/v1/plan");
  llvm::Expected<JsonResponse> R =
      C.call("POST", Path, llvm::json::Value(std::move(Body)), {400, 409});
  if (!R)
    return S.error(Route, R.takeError());
  if (R->Status == 400 || R->Status == 409)
    return printRejection(S, Route, C.url(Path), *R);
  const llvm::json::Array *Results = R->Body.getArray("results");
  if (!Results)
    return S.error(Route, "POST " + C.url(Path) +
                              ": the answer has no 'results' list");
  for (const llvm::json::Value &V : *Results) {
    const llvm::json::Object *O = V.getAsObject();
    if (!O)
      continue;
    std::string Op = stringMember(*O, "op"), Sym = stringMember(*O, "symbol");
    if (auto Id = O->getInteger("job_id")) {
      Jobs.push_back({Route, Target.Datacenter, Chain, Op, Sym, *Id});
      printQueued(S, Jobs.back());
    } else {
      S.print(Route + ": " + Op + " " + Sym + ": " +
              stringMember(*O, "result"));
    }
  }
}

/// Sends every target its fragment, in parallel, and follows the jobs.
int deploy(Session &S, const BuiltPlan &B) {
  size_t N = B.Plan.Targets.size();
  std::vector<TargetOutput> Out(N);
  std::vector<std::unique_ptr<HttpClient>> Clients(N);
  for (size_t T = 0; T < N; ++T)
    Clients[T] = S.newClient(B.Plan.Targets[T].Datacenter);
  forEachParallel(N, ParallelTargets, [&](size_t T) {
    if (!Clients[T])
      return;
    std::vector<QueuedJob> Jobs;
    sendFragment(Out[T], *Clients[T], B, ir::TargetID(T), Jobs);
    if (Wait && !Jobs.empty())
      waitForJobs(Out[T], *Clients[T], Jobs, Timeout);
  });
  for (TargetOutput &O : Out)
    S.flush(O);
  return S.exitCode();
}

std::string listText(const std::vector<std::string> &L) {
  return "[" + llvm::join(L, ", ") + "]";
}

/// What differs between the cluster P was planned on and Snap, as far as
/// the plan's targets tell.
std::vector<std::string> describeDrift(const ir::Plan &P,
                                       const lower::ClusterSnapshot &Snap) {
  std::vector<std::string> Out;
  llvm::StringSet<> Targets;
  for (const ir::TargetOp &T : P.Targets) {
    Targets.insert(T.Symbol);
    std::optional<lower::NodeID> N = findRoute(Snap, T.Symbol);
    if (!N) {
      Out.push_back("target '" + T.Symbol +
                    "' is no longer in the cluster (removed or unreachable)");
      continue;
    }
    const std::vector<std::string> &Live = Snap.Nodes[*N].Labels;
    if (Live != T.Labels)
      Out.push_back("the labels of target '" + T.Symbol + "' changed: " +
                    listText(T.Labels) + " -> " + listText(Live));
  }
  return Out;
}

/// The key PLAN's secrets were sealed with, or nullopt after an error.
std::optional<ir::SecretKey> planKey(const ir::Plan &P) {
  llvm::StringRef Id = P.Header.SecretKeyId;
  if (Id.startswith("ephemeral:")) {
    llvm::errs() << "overlordc apply: error: '" << PlanFile
                 << "' was sealed with an ephemeral key, so its secrets "
                    "cannot be matched to their values; make the plan with "
                    "OVERLORD_PLAN_KEY or '--key-file' and apply it with the "
                    "same key\n";
    return std::nullopt;
  }
  std::optional<ir::SecretKey> K;
  if (KeyFile.empty()) {
    K = ir::SecretKey::fromEnvironment();
  } else {
    std::string Error;
    K = ir::SecretKey::fromFile(KeyFile, Error);
    if (!K) {
      llvm::errs() << "overlordc apply: error: cannot read the key file '"
                   << KeyFile << "': " << Error << "\n";
      return std::nullopt;
    }
  }
  if (K->id() != Id) {
    llvm::errs() << "overlordc apply: error: '" << PlanFile
                 << "' was sealed with key " << Id << " but the key given is "
                 << (K->isEphemeral() ? std::string("none")
                                      : K->id())
                 << "; set OVERLORD_PLAN_KEY or '--key-file' to the key the "
                    "plan was made with\n";
    return std::nullopt;
  }
  return K;
}

/// Checks that the loaded deployment is the one plan P records as its one
/// source (same canonical specification digest); false after an error.
bool sameSource(const ir::Plan &P, const ast::Deployment &D) {
  const std::vector<ir::SourceDigest> &Srcs = P.Header.Sources;
  if (Srcs.size() != 1) {
    llvm::errs() << "overlordc apply: error: '" << PlanFile << "' records "
                 << Srcs.size()
                 << " deployments; apply PLAN.oplan takes plans compiled "
                    "from one deployment file\n";
    return false;
  }
  std::string Digest = driver::planSourceDigest(D);
  if (Digest == Srcs.front().Digest)
    return true;
  llvm::errs() << "overlordc apply: error: '" << File
               << "' is not the deployment '" << PlanFile
               << "' was compiled from (its specification is " << Digest
               << ", the plan records '" << Srcs.front().Path << "' "
               << Srcs.front().Digest << "); make the plan again\n";
  return false;
}

/// Whether any op of P restarts.
bool plansRestart(const ir::Plan &P) {
  return llvm::any_of(P.ops<ir::ProjectUpOp>(),
                      [](const ir::ProjectUpOp &O) { return O.Restart; }) ||
         llvm::any_of(P.ops<ir::VmCreateOp>(),
                      [](const ir::VmCreateOp &O) { return O.Restart; });
}

/// `overlordc apply PLAN.oplan`.
int applyPlanFile() {
  Session S("apply");
  // Diagnostics options first: readPlan() reports on the session's engine.
  std::optional<ir::Plan> P;
  {
    Session Probe("apply");
    P = Probe.readPlan(PlanFile);
  }
  if (!P)
    return ClientUsage;
  if (Restart) {
    llvm::errs() << "overlordc apply: error: '--restart' is decided when the "
                    "plan is made ('overlordc plan --restart'), not when it "
                    "is applied\n";
    return ClientUsage;
  }
  if (File.empty()) {
    llvm::errs() << "overlordc apply: error: applying '" << PlanFile
                 << "' needs the deployment file it was made from, for the "
                    "entry points and the values of the secrets the plan "
                    "seals: add '-f FILE'\n";
    return ClientUsage;
  }
  std::optional<ir::SecretKey> Key = planKey(*P);
  if (!Key)
    return ClientUsage;
  if (int RC = S.load(File, {EnvFiles.begin(), EnvFiles.end()}, Diag))
    return RC;
  if (!sameSource(*P, S.deployment()))
    return ClientUsage;
  if (!P->Header.Cluster) {
    llvm::errs() << "overlordc apply: error: '" << PlanFile
                 << "' records no cluster digest; it cannot be checked "
                    "against the live cluster\n";
    return ClientUsage;
  }
  lower::ClusterSnapshot Snap = S.liveSnapshot();
  if (S.failed()) {
    llvm::errs() << "overlordc apply: error: the live cluster could not be "
                    "read whole; nothing was applied\n";
    return ClientTargetFailed;
  }
  std::string Live = Snap.digest();
  if (Live != *P->Header.Cluster) {
    llvm::errs() << "overlordc apply: error: the cluster changed since '"
                 << PlanFile << "' was made (planned against "
                 << *P->Header.Cluster << ", live " << Live
                 << "); nothing was applied\n";
    std::vector<std::string> Why = describeDrift(*P, Snap);
    for (const std::string &W : Why)
      llvm::errs() << "  " << W << "\n";
    if (Why.empty())
      llvm::errs() << "  every target still has its labels: a node was "
                      "added, a node that is not a target changed, or a "
                      "project was applied since\n";
    llvm::errs() << "  make the plan again ('overlordc plan') and review it\n";
    return ClientTargetFailed;
  }
  std::optional<BuiltPlan> B = S.buildPlan(Snap, plansRestart(*P), *Key);
  if (!B)
    return ClientUsage;
  B->Plan.Header.Compiler = P->Header.Compiler;
  if (ir::printPlanToString(B->Plan) != ir::printPlanToString(*P)) {
    llvm::errs() << "overlordc apply: error: '" << File
                 << "' no longer compiles to '" << PlanFile
                 << "' (an .env file or the environment changed?); nothing "
                    "was applied. The difference:\n";
    ir::renderDiffText(ir::diffPlans(*P, B->Plan), llvm::errs());
    return ClientTargetFailed;
  }
  B->Plan = std::move(*P);
  return deploy(S, *B);
}

int run() {
  if (!PlanFile.empty())
    return applyPlanFile();
  Session S("apply");
  if (int RC = S.load(File, {EnvFiles.begin(), EnvFiles.end()}, Diag))
    return RC;
  if (S.deployment().Kind == ast::DeploymentKind::ReadOnly) {
    llvm::errs() << "overlordc apply: error: a 'readOnly' deployment cannot "
                    "be applied; it only scopes get-info\n";
    return ClientUsage;
  }
  lower::ClusterSnapshot Snap = S.liveSnapshot();
  std::optional<BuiltPlan> B = S.buildPlan(Snap, Restart);
  if (!B)
    return ClientUsage;
  return deploy(S, *B);
}

} // namespace

int overlord::client::runApply() {
  if (!ApplyCmd)
    return -1;
  return run();
}
