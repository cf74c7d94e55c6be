//===- ApplyCommand.cpp - overlordc apply -----------------------*- C++ -*-===//
//
// `overlordc apply -f FILE [-e ENV]... [--restart] [--wait] [--timeout S]`:
// load and check the file, take a live cluster snapshot (each datacenter's
// `GET /v1/labels`), route and lower it into a verified plan exactly as
// `overlordc plan` does, then send each target its fragment — the plan with
// that target alone, printed as `.oplan` text — with the clear values of the
// secrets the fragment seals: `POST /v1/plan {"plan", "secrets"}`. The node
// verifies the fragment again, runs metadata/namespace writes at once and
// queues the jobs; their ids are printed per target. With `--wait` the jobs
// are followed until they end (JobWait.h).
//
// Unlike the reference, which always exits 0, apply exits 1 when any target
// failed; one target's failure never stops the others.
//
//===----------------------------------------------------------------------===//
#include "JobWait.h"

#include "overlord/Client/ClientCommands.h"
#include "overlord/Client/Session.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"

using namespace overlord;
using namespace overlord::client;
namespace cl = llvm::cl;

namespace {

cl::SubCommand ApplyCmd("apply", "Compile a deployment file and deploy it "
                                 "on the nodes it routes to");
cl::opt<std::string> File("f", cl::desc("Deployment file"),
                          cl::value_desc("file"), cl::sub(ApplyCmd));
cl::alias FileLong("file", cl::aliasopt(File));
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
driver::DiagOptions Diag(ApplyCmd);

/// Prints a rejected fragment's diagnostics under the error line.
void printRejection(Session &S, llvm::StringRef Route, llvm::StringRef Url,
                    const JsonResponse &R) {
  std::string Msg = stringMember(R.Body, "message");
  S.error(Route, llvm::formatv("POST {0}: HTTP {1}: {2}", Url, R.Status,
                               Msg.empty() ? "the plan was rejected" : Msg)
                     .str());
  if (const llvm::json::Array *Ds = R.Body.getArray("diagnostics"))
    for (const llvm::json::Value &V : *Ds)
      if (const llvm::json::Object *D = V.getAsObject())
        llvm::errs() << llvm::formatv(
            "  <fragment>:{0}:{1}: {2}: {3} [{4}]\n",
            D->getInteger("line").value_or(0),
            D->getInteger("column").value_or(0),
            D->getString("severity").value_or("error"),
            D->getString("message").value_or(""),
            D->getString("kind").value_or(""));
}

/// Sends target T's fragment; appends the jobs it queued.
void sendFragment(Session &S, const BuiltPlan &B, ir::TargetID T,
                  std::vector<QueuedJob> &Jobs) {
  const ir::TargetOp &Target = B.Plan.Targets[T];
  const std::string &Route = Target.Symbol;
  HttpClient *C = S.client(Target.Datacenter);
  if (!C)
    return;
  ir::Plan F = fragmentOf(B.Plan, T);
  llvm::json::Object Secrets;
  for (const std::string &Digest : secretDigests(F)) {
    auto It = B.Secrets.find(Digest);
    if (It == B.Secrets.end()) {
      S.error(Route, "the plan seals a value apply does not know (" + Digest +
                         "); nothing was sent");
      return;
    }
    Secrets[Digest] = It->second;
  }
  llvm::json::Object Body{{"plan", ir::printPlanToString(F)},
                          {"secrets", std::move(Secrets)}};
  llvm::Expected<JsonResponse> R =
      C->call("POST", "/v1/plan", llvm::json::Value(std::move(Body)),
              {400, 409});
  if (!R)
    return S.error(Route, R.takeError());
  if (R->Status == 400 || R->Status == 409)
    return printRejection(S, Route, C->url("/v1/plan"), *R);
  const llvm::json::Array *Results = R->Body.getArray("results");
  if (!Results)
    return S.error(Route, "POST " + C->url("/v1/plan") +
                              ": the answer has no 'results' list");
  for (const llvm::json::Value &V : *Results) {
    const llvm::json::Object *O = V.getAsObject();
    if (!O)
      continue;
    std::string Op = stringMember(*O, "op"), Sym = stringMember(*O, "symbol");
    if (auto Id = O->getInteger("job_id")) {
      Jobs.push_back({Route, Target.Datacenter, Op, Sym, *Id});
      printQueued(S, Jobs.back());
    } else {
      S.print(Route + ": " + Op + " " + Sym + ": " +
              stringMember(*O, "result"));
    }
  }
}

int run() {
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
  std::vector<QueuedJob> Jobs;
  for (ir::TargetID T = 0; T < B->Plan.Targets.size(); ++T)
    sendFragment(S, *B, T, Jobs);
  if (Wait && !Jobs.empty())
    waitForJobs(S, Jobs, Timeout);
  return S.exitCode();
}

} // namespace

int overlord::client::runApply() {
  if (!ApplyCmd)
    return -1;
  return run();
}
