//===- ApiProject.cpp - Project and VM endpoints ----------------*- C++ -*-===//
//
// POST /v1/project/{up,down,cancel}/{P}, GET|HEAD /v1/project/info/{P},
// GET /v1/project/autoscale/{P}, GET|POST /v1/vm/{VM} (overlord-behaviour.md
// §4.2). Arguments are coerced as the reference's get_json_argument does,
// the job payloads are the contracts of docs/API.md, and a job id is
// returned once the job is durable: the job routes are asynchronous, answered
// from the queue's writer thread after the batch holding the job is
// committed.
//
//===----------------------------------------------------------------------===//
#include "ApiImpl.h"

#include "overlord/Engine/JobQueue.h"
#include "overlord/Engine/MetadataStore.h"
#include "overlord/Engine/NodeState.h"
#include "overlord/Engine/VmBuilder.h"

#include "llvm/Support/raw_ostream.h"

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine::api {

/// The environment after dict(): every name and value must be a string.
static Object checkEnvironment(const PyDict &Env) {
  Object Out;
  for (const auto &KV : Env) {
    if (!KV.first.getAsString() || !KV.second.getAsString())
      throw ApiError{400, "Invalid environment name (" + pyStr(KV.first) +
                              ") or value (" + pyStr(KV.second) + ")."};
    Out[*KV.first.getAsString()] = KV.second;
  }
  return Out;
}

/// reserve_port after dict(): interface -> network or null. The reference
/// answers 500 for a non-string network; this is a 400 with its message.
static Object checkReservePort(const PyDict &Ports) {
  Object Out;
  for (const auto &KV : Ports) {
    if (!KV.first.getAsString())
      throw ApiError{400, "Invalid interface (" + pyStr(KV.first) + ")."};
    if (KV.second.kind() != Value::Null && !KV.second.getAsString())
      throw ApiError{400, "Invalid network address (" + pyStr(KV.second) +
                              ")."};
    Out[*KV.first.getAsString()] = KV.second;
  }
  return Out;
}

/// Ours: a metadata key argument (`director_metadata`,
/// `environ_from_metadata`), which must be a string naming a valid key.
static std::optional<std::string> metadataKeyArg(const Call &C,
                                                 llvm::StringRef Name) {
  const Value *V = rawArg(C, Name);
  if (!V || V->kind() == Value::Null)
    return std::nullopt;
  auto S = V->getAsString();
  if (!S)
    unexpectedType(Name);
  if (!MetadataStore::validKey(*S))
    throw ApiError{400, "'" + Name.str() + "' has an unexpected value."};
  return S->str();
}

Reply internalErrorReply(const ApiContext &Ctx, const http::Request &Req,
                         llvm::Error E) {
  try {
    internalError(Ctx, std::move(E));
  } catch (const ApiError &AE) {
    // As the synchronous routes log a thrown 500 (Api.cpp).
    if (Ctx.AccessLog)
      llvm::errs() << "overlordd: api: " << Req.Method << " " << Req.Path
                   << ": " << AE.Message << "\n";
  }
  return Reply::message(500, "Internal Server Error");
}

/// Enqueues J and answers `{"job_id": N}` once the job is durable (the
/// queue's writer commits it with the other writes pending, one fsync),
/// 500 when the commit fails. The io thread does not wait for the disk.
static void enqueue(Call &C, NewJob J, ReplyFn Done) {
  const ApiContext *Ctx = &C.Ctx;
  const http::Request *Req = &C.Req; // valid until Done sends
  JobKind Kind = J.Kind;
  C.Ctx.Queue->enqueueAsync(
      std::move(J),
      [Ctx, Req, Kind, Done = std::move(Done)](llvm::Expected<JobId> Id) {
        if (!Id)
          return Done(internalErrorReply(*Ctx, *Req, Id.takeError()));
        countJob(*Ctx, Kind);
        Done(Reply::ok({{"job_id", *Id}}));
      });
}

Object upArgs(Call &C) {
  auto DirectorMetadata = metadataKeyArg(C, "director_metadata");
  std::optional<std::string> DirectorFile;
  if (!DirectorMetadata || rawArg(C, "director_file"))
    DirectorFile = strArg(C, "director_file", /*Strip=*/false);
  if (DirectorFile && DirectorMetadata)
    throw ApiError{400, "Only 'director_file' or 'director_metadata' should "
                        "be specified, but not both."};
  PyDict Env = dictArg(C, "environment");
  bool Restart = boolArg(C, "restart", false);
  PyDict Ports = dictArg(C, "reserve_port");
  auto EnvironFromMetadata = metadataKeyArg(C, "environ_from_metadata");
  Object Payload{{"environment", checkEnvironment(Env)},
                 {"restart", Restart},
                 {"reserve_port", checkReservePort(Ports)}};
  if (DirectorFile)
    Payload["director_file"] = *DirectorFile;
  if (DirectorMetadata)
    Payload["director_metadata"] = *DirectorMetadata;
  if (EnvironFromMetadata)
    Payload["environ_from_metadata"] = *EnvironFromMetadata;
  return Payload;
}

static void projectUp(Call &C, ReplyFn Done) {
  Object Payload = upArgs(C);
  NewJob J;
  J.Kind = JobKind::ProjectUp;
  J.Project = C.param("project").str();
  J.Restart = Payload.getBoolean("restart").value_or(false);
  J.Payload = llvm::formatv("{0}", Value(std::move(Payload))).str();
  enqueue(C, std::move(J), std::move(Done));
}

Object downArgs(Call &C) {
  bool Force = boolArg(C, "force", false);
  PyDict Env = dictArg(C, "environment");
  return Object{{"environment", checkEnvironment(Env)}, {"force", Force}};
}

static void projectDown(Call &C, ReplyFn Done) {
  Object Payload = downArgs(C);
  NewJob J;
  J.Kind = JobKind::ProjectDown;
  J.Project = C.param("project").str();
  J.Payload = llvm::formatv("{0}", Value(std::move(Payload))).str();
  enqueue(C, std::move(J), std::move(Done));
}

/// The cancel is answered, like the jobs, once it is durable.
static void projectCancel(Call &C, ReplyFn Done) {
  const ApiContext *Ctx = &C.Ctx;
  const http::Request *Req = &C.Req;
  C.Ctx.Queue->cancelAsync(
      C.param("project").str(), "{}",
      [Ctx, Req, Done = std::move(Done)](llvm::Expected<CancelOutcome> Out) {
        if (!Out)
          return Done(internalErrorReply(*Ctx, *Req, Out.takeError()));
        countJob(*Ctx, JobKind::ProjectCancel);
        Done(Reply::ok({{"job_id", Out->CancelJob}}));
      });
}

/// The latest job behind a status record, as "seconds ago".
static std::optional<Object> latestRecord(Call &C, llvm::StringRef Name,
                                          StatusKey Key) {
  auto J = C.Ctx.Queue->latest(Name, Key);
  if (!J)
    internalError(C.Ctx, J.takeError());
  if (!*J)
    return std::nullopt;
  return statusRecordAgo(**J, C.Ctx.Now());
}

static Reply projectInfo(Call &C) {
  llvm::StringRef Project = C.param("project");
  Object Info;
  if (auto Describe = C.Ctx.State->projectInfo(Project))
    Info = std::move(*Describe);
  if (auto Up = latestRecord(C, Project, StatusKey::Up))
    Info["up"] = std::move(*Up);
  if (auto Down = latestRecord(C, Project, StatusKey::Down))
    Info["down"] = std::move(*Down);
  if (Info.empty())
    return Reply::message(404, "Project '" + Project.str() +
                                   "' cannot be found.");
  return Reply::ok({{"info", std::move(Info)}});
}

static Reply projectAutoscale(Call &C) {
  llvm::StringRef Project = C.param("project");
  std::optional<Object> S;
  if (C.Ctx.AutoscaleStatus)
    S = C.Ctx.AutoscaleStatus(Project);
  if (!S || S->empty())
    return Reply::message(404, "Project '" + Project.str() +
                                   "' cannot be found.");
  if (auto LU = S->getNumber("last_update"))
    (*S)["last_update"] = C.Ctx.Now() - *LU;
  return Reply::ok({{"status", std::move(*S)}});
}

static Reply vmGet(Call &C) {
  llvm::StringRef Name = C.param("vm");
  auto Rec = latestRecord(C, Name, StatusKey::Vm);
  if (!Rec)
    return Reply::message(404, "VM '" + Name.str() + "' cannot be found.");
  return Reply::ok({{"status", std::move(*Rec)}});
}

static Value optString(const std::optional<std::string> &S) {
  return S ? Value(*S) : Value(nullptr);
}

static Value dictValue(const PyDict &D, llvm::StringRef Name) {
  Object O;
  for (const auto &KV : D) {
    // The profile's dicts are YAML maps: string keys only.
    if (!KV.first.getAsString())
      throw ApiError{400, "(exception:InvalidSpec) invalid specification: " +
                              Name.str() + ".<item#0>: requires 'str', given '" +
                              pyTypeName(KV.first).str() + "'."};
    O[KV.first.getAsString()->str()] = KV.second;
  }
  return O;
}

Object vmProfileArgs(Call &C, llvm::StringRef Name) {
  Object P{{"name", Name.str()}};
  P["makejail"] = optString(optStrArg(C, "makejail", false));
  P["makejailFromMetadata"] =
      optString(optStrArg(C, "makejailFromMetadata", false));
  P["datastore"] = optString(optStrArg(C, "datastore", false));
  P["overwrite"] = boolArg(C, "overwrite", false);
  P["poweroff"] = boolArg(C, "poweroff", false);
  P["cloud-init"] = dictValue(dictArg(C, "cloud-init"), "cloud-init");
  P["template"] = dictValue(dictArg(C, "template", true), "template");
  P["diskLayout"] = dictValue(dictArg(C, "diskLayout", true), "diskLayout");
  P["script"] = optString(optStrArg(C, "script", false));
  for (const char *L : {"metadata", "script-environment", "start-environment",
                        "start-arguments", "build-environment",
                        "build-arguments", "options"})
    P[L] = listArg(C, L);
  P["restart"] = boolArg(C, "restart", false);
  std::string Payload = llvm::formatv("{0}", Value(Object(P))).str();
  auto Profile = parseVmProfile(Payload, Name);
  if (!Profile)
    throw ApiError{400, "(exception:InvalidSpec) invalid specification: " +
                            llvm::toString(Profile.takeError())};
  return P;
}

/// POST /v1/vm/{VM}: the reference's VMHandler coercions, then the vmJail
/// checks of parseVmProfile (the validation the VM builder runs).
static void vmPost(Call &C, ReplyFn Done) {
  llvm::StringRef Name = C.param("vm");
  Object P = vmProfileArgs(C, Name);
  bool Restart = P.getBoolean("restart").value_or(false);
  NewJob J;
  J.Kind = JobKind::VmCreate;
  J.Project = Name.str();
  J.Payload = llvm::formatv("{0}", Value(std::move(P))).str();
  J.Restart = Restart;
  enqueue(C, std::move(J), std::move(Done));
}

void addProjectRoutes(RouteTable &T) {
  ParamCheck Project{"project", isProjectName};
  T.add("/v1/project/info/{project}", "project.info",
        {{"GET", projectInfo},
         {"HEAD",
          [](Call &C) {
            return Reply::status(
                C.Ctx.State->hasProject(C.param("project")) ? 200 : 404);
          }}},
        {Project});
  T.addAsync("/v1/project/up/{project}", "project.up",
             {{"POST", projectUp}}, {Project});
  T.addAsync("/v1/project/down/{project}", "project.down",
             {{"POST", projectDown}}, {Project});
  T.addAsync("/v1/project/cancel/{project}", "project.cancel",
             {{"POST", projectCancel}}, {Project});
  T.add("/v1/project/autoscale/{project}", "project.autoscale",
        {{"GET", projectAutoscale}}, {Project});
  T.addAsync("/v1/vm/{vm}", "vm",
             {{"GET", [](Call &C, ReplyFn Done) { Done(vmGet(C)); }},
              {"POST", vmPost}},
             {{"vm", isVmName}});
}

} // namespace overlord::engine::api
