//===- ApiJobs.cpp - Plan fragments, jobs and metrics -----------*- C++ -*-===//
//
// overlordd's additions to the reference API (docs/API.md):
//   POST /v1/plan       a verified single-target .oplan fragment: metadata
//                       and namespace ops applied at once, cancels and
//                       queue ops written in one transaction, answered
//                       once it is durable
//   GET  /v1/jobs/{id}  one job and its status record
//   GET  /v1/jobs       jobs by project, paged by id
//   GET  /metrics       Prometheus text
//
//===----------------------------------------------------------------------===//
#include "ApiImpl.h"

#include "overlord/Engine/Fragment.h"
#include "overlord/Engine/JobQueue.h"
#include "overlord/Engine/Metrics.h"
#include "overlord/IR/Plan.h"
#include "overlord/Support/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <set>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine::api {

static llvm::StringRef severityName(Severity S) {
  switch (S) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Note:
    return "note";
  }
  return "error";
}

/// The 400 answer of a rejected plan, with every diagnostic.
static Reply rejected(llvm::SourceMgr &SM, const DiagnosticEngine &Diags,
                      llvm::StringRef Message) {
  Array Out;
  for (const Diagnostic &D : Diags.getDiagnostics()) {
    Object O{{"severity", severityName(D.Sev)},
             {"kind", getDiagInfo(D.ID).Name},
             {"message", D.Message}};
    if (D.Range.Start.isValid()) {
      auto LC = SM.getLineAndColumn(D.Range.Start);
      O["line"] = int64_t(LC.first);
      O["column"] = int64_t(LC.second);
    }
    Out.push_back(std::move(O));
  }
  return Reply::ok({{"message", Message.str()}, {"diagnostics", std::move(Out)}},
                   400);
}

static std::string joinList(const std::vector<std::string> &V) {
  return "[" + llvm::join(V, ", ") + "]";
}

/// The `secrets` argument: digest -> value, strings only.
static std::map<std::string, std::string> secretsArg(const Call &C) {
  std::map<std::string, std::string> Out;
  const Value *V = rawArg(C, "secrets");
  if (!V || V->kind() == Value::Null)
    return Out;
  const Object *O = V->getAsObject();
  if (!O)
    unexpectedType("secrets");
  for (const auto &KV : *O) {
    auto S = KV.second.getAsString();
    if (!S)
      throw ApiError{400, "Invalid secret value for '" + KV.first.str() + "'."};
    Out[KV.first.str()] = S->str();
  }
  return Out;
}

/// POST /v1/plan. Checks and the synchronous ops (metadata, namespaces) run
/// on the io thread, answered at once when they fail; the fragment's
/// cancels and jobs then go to the queue as one asynchronous write (all or
/// none, one transaction shared with the other writes pending) and the
/// answer with their job ids is sent once that write is durable.
static void postPlan(Call &C, ReplyFn Done) {
  const Value *Text = rawArg(C, "plan");
  if (!Text)
    throw ApiError{400, "`plan` is required but hasn't been specified."};
  if (!Text->getAsString())
    unexpectedType("plan");
  auto Secrets = secretsArg(C);

  llvm::SourceMgr SM;
  unsigned Buf = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(*Text->getAsString(), "plan.oplan"),
      llvm::SMLoc());
  DiagnosticEngine Diags(SM);
  std::optional<ir::Plan> P = ir::parsePlan(Buf, Diags);
  if (!P || Diags.hasErrors())
    return Done(rejected(SM, Diags, "The plan cannot be parsed."));
  if (!ir::verifyPlan(*P, Diags) || Diags.hasErrors())
    return Done(rejected(SM, Diags, "The plan does not verify."));
  if (P->Targets.size() != 1)
    return Done(Reply::message(400,
                               "A plan fragment must have exactly one target, "
                               "but it has " +
                                   std::to_string(P->Targets.size()) + "."));
  const ir::TargetOp &Target = P->Targets.front();
  std::set<std::string> Want(Target.Labels.begin(), Target.Labels.end());
  std::set<std::string> Have(C.Ctx.Cfg->Labels.begin(),
                             C.Ctx.Cfg->Labels.end());
  if (Want != Have)
    return Done(Reply::message(
        409, "The fragment for target '" + Target.Symbol + "' has labels " +
                 joinList({Want.begin(), Want.end()}) +
                 " but this node has labels " +
                 joinList({Have.begin(), Have.end()}) + "."));
  std::vector<std::string> Missing;
  for (const std::string &D : fragmentSecrets(*P))
    if (!Secrets.count(D))
      Missing.push_back(D);
  if (!Missing.empty())
    return Done(Reply::message(400, "Missing values for secrets: " +
                                        llvm::join(Missing, ", ") + "."));

  auto Actions = planFragment(*P, Secrets, *C.Ctx.Meta, *C.Ctx.Ns);
  if (!Actions)
    return Done(Reply::message(400, llvm::toString(Actions.takeError())));

  // Synchronous ops first, in order; then every cancel and queued op in
  // one asynchronous write (cancels first, as cancel() calls did).
  auto Results = std::make_shared<Array>();
  QueueWrite W;
  std::vector<size_t> CancelSlot, JobSlot;
  for (FragmentAction &A : *Actions) {
    Object R{{"op", A.Op}, {"symbol", A.Symbol}};
    if (A.Apply) {
      auto Applied = A.Apply();
      if (!Applied) {
        std::string Msg = llvm::toString(Applied.takeError());
        R["error"] = Msg;
        Results->push_back(std::move(R));
        return Done(Reply::ok({{"message", "'" + A.Op + " " + A.Symbol +
                                               "' failed: " + Msg},
                               {"results", std::move(*Results)}},
                              400));
      }
      R["result"] = *Applied;
    } else if (A.Job && A.Job->Kind == JobKind::ProjectCancel) {
      CancelSlot.push_back(Results->size());
      W.Cancels.emplace_back(A.Job->Project, A.Job->Payload);
    } else if (A.Job) {
      JobSlot.push_back(Results->size());
      W.Jobs.push_back(*A.Job);
    }
    Results->push_back(std::move(R));
  }
  std::string Symbol = Target.Symbol;
  if (W.Cancels.empty() && W.Jobs.empty())
    return Done(Reply::ok({{"target", Symbol}, {"results", std::move(*Results)}}));
  std::vector<JobKind> Kinds;
  for (const NewJob &J : W.Jobs)
    Kinds.push_back(J.Kind);
  const ApiContext *Ctx = &C.Ctx;
  const http::Request *Req = &C.Req; // valid until Done sends
  C.Ctx.Queue->submit(
      std::move(W),
      [Ctx, Req, Done = std::move(Done), Results, Symbol = std::move(Symbol),
       CancelSlot = std::move(CancelSlot), JobSlot = std::move(JobSlot),
       Kinds = std::move(Kinds)](llvm::Expected<QueueWriteResult> Out) {
        if (!Out)
          return Done(internalErrorReply(*Ctx, *Req, Out.takeError()));
        for (size_t I = 0; I < CancelSlot.size(); ++I) {
          (*(*Results)[CancelSlot[I]].getAsObject())["job_id"] =
              Out->Cancels[I].CancelJob;
          countJob(*Ctx, JobKind::ProjectCancel);
        }
        for (size_t I = 0; I < JobSlot.size(); ++I) {
          (*(*Results)[JobSlot[I]].getAsObject())["job_id"] = Out->Ids[I];
          countJob(*Ctx, Kinds[I]);
        }
        Done(Reply::ok({{"target", Symbol}, {"results", std::move(*Results)}}));
      });
}

static std::optional<int64_t> parseId(llvm::StringRef S) {
  int64_t V;
  if (S.empty() || S.size() > 18 || S.getAsInteger(10, V) || V < 0)
    return std::nullopt;
  return V;
}

static Reply getJob(Call &C) {
  llvm::StringRef IdText = C.param("id");
  auto NotFound = Reply::message(404, "Job '" + IdText.str() +
                                          "' cannot be found.");
  auto Id = parseId(IdText);
  if (!Id)
    return NotFound;
  auto J = C.Ctx.Queue->get(*Id);
  if (!J)
    internalError(C.Ctx, J.takeError());
  if (!*J)
    return NotFound;
  return Reply::ok({{"job", toJSON(**J)}, {"status", toStatusRecord(**J)}});
}

static Reply listJobs(Call &C) {
  JobFilter F;
  if (auto P = C.Req.queryParam("project"))
    F.Project = *P;
  if (auto S = C.Req.queryParam("status")) {
    F.Status = parseJobStatus(*S);
    if (!F.Status)
      unexpectedType("status");
  }
  if (auto A = C.Req.queryParam("after")) {
    auto V = parseId(*A);
    if (!V)
      unexpectedType("after");
    F.AfterId = *V;
  }
  if (auto L = C.Req.queryParam("limit")) {
    auto V = parseId(*L);
    if (!V || *V < 1 || *V > 1000)
      unexpectedType("limit");
    F.Limit = unsigned(*V);
  }
  auto Jobs = C.Ctx.Queue->list(F);
  if (!Jobs)
    internalError(C.Ctx, Jobs.takeError());
  Array Out;
  for (const Job &J : *Jobs)
    Out.push_back(toJSON(J));
  return Reply::ok({{"jobs", std::move(Out)}});
}

void addJobRoutes(RouteTable &T) {
  T.addAsync("/v1/plan", "plan", {{"POST", postPlan}});
  T.add("/v1/jobs", "jobs", {{"GET", listJobs}});
  T.add("/v1/jobs/{id}", "job", {{"GET", getJob}},
        {{"id", [](llvm::StringRef S) {
            return !S.empty() && llvm::all_of(S, llvm::isDigit);
          }}});
  T.add("/metrics", "metrics", {{"GET", [](Call &C) {
          if (!C.Ctx.Metrics)
            return Reply::message(404, "Not Found");
          Reply R{200, C.Ctx.Metrics->render(), {}, false};
          R.Headers.emplace_back("Content-Type", http::Metrics::ContentType);
          return R;
        }}});
}

} // namespace overlord::engine::api
