//===- Api.cpp - Routing, prepare() steps and argument coercion -*- C++ -*-===//
//
// What every reference handler does before its method runs (tornado's
// JSONHandler/JSONAuthHandler.prepare, overlord-behaviour.md §4.1): decode
// the body (invalid JSON 400, non-object 400, both before authentication),
// authenticate the `Authentication` header, answer OPTIONS with the CORS
// methods; and what tornado answers itself: 404 {"message": "Not Found"}
// for unknown paths, 405 for other methods, neither needing a token.
//
//===----------------------------------------------------------------------===//
#include "ApiImpl.h"

#include "overlord/Engine/Chain.h"
#include "overlord/Engine/Logs.h"
#include "overlord/Engine/Metrics.h"
#include "overlord/Engine/NodeState.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine {
namespace api {

[[noreturn]] void internalError(const ApiContext &Ctx, llvm::Error E) {
  std::string Msg = llvm::toString(std::move(E));
  if (Ctx.Metrics)
    Ctx.Metrics->inc("overlord_api_internal_errors_total");
  throw ApiError{500, "Internal Server Error: " + Msg};
}

[[noreturn]] void unexpectedType(llvm::StringRef Name) {
  throw ApiError{400, "'" + Name.str() + "' has an unexpected value type."};
}

const Value *rawArg(const Call &C, llvm::StringRef Name) {
  return C.Body.get(Name);
}

/// Python's str.strip() on ASCII and the common Unicode blanks.
static Value stripped(const Value &V, bool Strip) {
  auto S = V.getAsString();
  if (!Strip || !S)
    return V;
  return Value(S->trim(" \t\n\r\v\f\x1c\x1d\x1e\x1f").str());
}

[[noreturn]] static void required(llvm::StringRef Name) {
  throw ApiError{400, "`" + Name.str() + "` is required but hasn't been specified."};
}

std::string strArg(const Call &C, llvm::StringRef Name, bool Strip,
                   std::optional<std::string> Default) {
  const Value *V = rawArg(C, Name);
  if (!V) {
    if (!Default)
      required(Name);
    return *Default;
  }
  return pyStr(stripped(*V, Strip));
}

std::optional<std::string> optStrArg(const Call &C, llvm::StringRef Name,
                                     bool Strip) {
  const Value *V = rawArg(C, Name);
  if (!V)
    return std::nullopt;
  return pyStr(stripped(*V, Strip));
}

bool boolArg(const Call &C, llvm::StringRef Name, bool Default) {
  const Value *V = rawArg(C, Name);
  if (!V)
    return Default;
  return pyTruth(stripped(*V, true));
}

PyDict dictArg(const Call &C, llvm::StringRef Name, bool Required) {
  const Value *V = rawArg(C, Name);
  if (!V) {
    if (Required)
      required(Name);
    return {};
  }
  auto D = pyDict(stripped(*V, true));
  if (!D)
    unexpectedType(Name);
  return std::move(*D);
}

Array listArg(const Call &C, llvm::StringRef Name, bool Required) {
  const Value *V = rawArg(C, Name);
  if (!V) {
    if (Required)
      required(Name);
    return {};
  }
  auto L = pyList(stripped(*V, true));
  if (!L)
    unexpectedType(Name);
  return std::move(*L);
}

Object statusRecordAgo(const Job &J, double Now) {
  Object O = toStatusRecord(J);
  if (auto LU = O.getNumber("last_update"))
    O["last_update"] = Now - *LU;
  return O;
}

void countJob(const ApiContext &Ctx, JobKind K) {
  if (Ctx.Metrics)
    Ctx.Metrics->inc("overlord_api_jobs_enqueued_total",
                     {{"kind", toString(K).str()}});
}

static bool allOf(llvm::StringRef S, llvm::function_ref<bool(char)> F) {
  for (char C : S)
    if (!F(C))
      return false;
  return true;
}

static bool isAlnum(char C) { return llvm::isAlnum(C); }

bool isJailName(llvm::StringRef S) {
  return !S.empty() && (isAlnum(S[0]) || S[0] == '_') &&
         allOf(S, [](char C) { return isAlnum(C) || C == '_' || C == '-'; });
}

bool isProjectName(llvm::StringRef S) {
  return !S.empty() && allOf(S, [](char C) {
    return isAlnum(C) || C == '.' || C == '_' || C == '-';
  });
}

bool isVmName(llvm::StringRef S) {
  return S.size() >= 2 && S.size() <= 231 && isAlnum(S.front()) &&
         isAlnum(S.back()) && allOf(S, [](char C) {
           return isAlnum(C) || C == '.' || C == '_' || C == '-';
         });
}

//===----------------------------------------------------------------------===//
// The route wrapper
//===----------------------------------------------------------------------===//

static void send(const ApiContext &Ctx, http::Request &Req,
                 const http::Responder &R, Reply Rep,
                 std::chrono::steady_clock::time_point Start) {
  http::Response Resp;
  Resp.Status = Rep.Status;
  if (!Rep.Empty && Req.Method != "HEAD") {
    Resp.Body = std::move(Rep.Body);
  }
  for (auto &H : defaultApiHeaders())
    Resp.setHeader(H.first, H.second);
  // tornado drops the representation headers of a 204.
  if (Rep.Status == 204)
    Resp.Headers.erase(
        std::remove_if(Resp.Headers.begin(), Resp.Headers.end(),
                       [](const auto &H) {
                         return llvm::StringRef(H.first).equals_insensitive(
                             "Content-Type");
                       }),
        Resp.Headers.end());
  for (auto &H : Rep.Headers)
    Resp.setHeader(H.first, H.second);
  if (Ctx.AccessLog) {
    double Ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - Start)
                    .count();
    Ctx.AccessLog(Req, Rep.Status, Ms);
  }
  R.send(std::move(Resp));
}

/// tornado's JSONHandler.prepare body step: nullopt when the body is fine.
static std::optional<Reply> decodeBody(const http::Request &Req, Object &Out) {
  if (Req.Body.empty())
    return std::nullopt;
  auto V = llvm::json::parse(Req.Body);
  if (!V) {
    llvm::consumeError(V.takeError());
    return Reply::message(400,
                          "Request has been received with an invalid format.");
  }
  auto *O = V->getAsObject();
  if (!O)
    return Reply::message(
        400, "A dictionary was expected but another value type was given.");
  Out = std::move(*O);
  return std::nullopt;
}

static Reply notFound() { return Reply::message(404, "Not Found"); }

/// What every route does before its method runs: parameter checks, body
/// decoding, authentication, OPTIONS. nullopt: go on with the method.
static std::optional<Reply> prelude(const ApiContext &Ctx, http::Request &Req,
                                    const http::Params &Params,
                                    const std::vector<ParamCheck> &Checks,
                                    bool Auth, Object &Body) {
  for (const auto &Check : Checks)
    if (!Check.second(Params.get(Check.first)))
      return notFound();
  if (auto Bad = decodeBody(Req, Body))
    return Bad;
  if (Auth) {
    AuthResult A = authenticate(Req.header("Authentication"), *Ctx.Verifier);
    if (!A) {
      if (Ctx.Metrics)
        Ctx.Metrics->inc("overlord_api_auth_failures_total",
                         {{"status", std::to_string(A.Status)}});
      return Reply::message(A.Status, A.Message);
    }
  }
  if (Req.Method == "OPTIONS") {
    Reply Rep = Reply::status(200);
    Rep.Headers.emplace_back("Access-Control-Allow-Methods",
                             "POST, GET, PUT, DELETE, OPTIONS");
    return Rep;
  }
  return std::nullopt;
}

/// The answer to an ApiError thrown by a handler.
static Reply errorReply(const ApiContext &Ctx, const http::Request &Req,
                        const ApiError &E) {
  if (E.Status == 500 && Ctx.AccessLog)
    llvm::errs() << "overlordd: api: " << Req.Method << " " << Req.Path << ": "
                 << E.Message << "\n";
  return Reply::message(E.Status,
                        E.Status == 500 ? "Internal Server Error" : E.Message);
}

/// "OPTIONS|GET|POST": the router's method list of a route.
template <typename H>
static std::string methodList(const std::vector<std::pair<std::string, H>> &M) {
  std::string L = "OPTIONS";
  for (const auto &KV : M)
    L += "|" + KV.first;
  return L;
}

/// The router function of a route: prelude(), then RunMethod for the
/// handler of the request's method, or 405.
template <typename H, typename RunFn>
static http::RouteFn
routeFn(const ApiContext *CtxP, std::vector<std::pair<std::string, H>> Methods,
        std::vector<ParamCheck> Checks, bool Auth, RunFn RunMethod) {
  return [CtxP, Methods = std::move(Methods), Checks = std::move(Checks), Auth,
          RunMethod](http::Request &Req, const http::Params &Params,
                     http::Responder R) {
    auto Start = std::chrono::steady_clock::now();
    const ApiContext &Ctx = *CtxP;
    Call C{Req, Params, Object(), Ctx};
    if (auto Early = prelude(Ctx, Req, Params, Checks, Auth, C.Body))
      return send(Ctx, Req, R, std::move(*Early), Start);
    for (const auto &M : Methods)
      if (M.first == Req.Method)
        return RunMethod(M.second, C, R, Start);
    send(Ctx, Req, R, Reply::message(405, "Method Not Allowed"), Start);
  };
}

void RouteTable::add(llvm::StringRef Pattern, std::string Name,
                     std::vector<std::pair<std::string, Handler>> Methods,
                     std::vector<ParamCheck> Checks, bool Auth) {
  std::string MethodList = methodList(Methods);
  const ApiContext *CtxP = &Ctx;
  auto Run = [CtxP](const Handler &H, Call &C, const http::Responder &R,
                    std::chrono::steady_clock::time_point Start) {
    Reply Rep;
    try {
      Rep = H(C);
    } catch (const ApiError &E) {
      Rep = errorReply(*CtxP, C.Req, E);
    }
    send(*CtxP, C.Req, R, std::move(Rep), Start);
  };
  R.add(MethodList, Pattern,
        routeFn(CtxP, std::move(Methods), std::move(Checks), Auth, Run),
        std::move(Name));
}

void RouteTable::addAsync(
    llvm::StringRef Pattern, std::string Name,
    std::vector<std::pair<std::string, AsyncHandler>> Methods,
    std::vector<ParamCheck> Checks, bool Auth) {
  std::string MethodList = methodList(Methods);
  const ApiContext *CtxP = &Ctx;
  auto Run = [CtxP](const AsyncHandler &H, Call &C, const http::Responder &R,
                    std::chrono::steady_clock::time_point Start) {
    // Req stays valid until the response is sent (Http.h).
    http::Request *ReqP = &C.Req;
    ReplyFn Done = [CtxP, ReqP, R, Start](Reply Rep) {
      send(*CtxP, *ReqP, R, std::move(Rep), Start);
    };
    try {
      H(C, Done);
    } catch (const ApiError &E) {
      Done(errorReply(*CtxP, C.Req, E));
    }
  };
  R.add(MethodList, Pattern,
        routeFn(CtxP, std::move(Methods), std::move(Checks), Auth, Run),
        std::move(Name));
}

//===----------------------------------------------------------------------===//
// Reads: ping, labels, chains, jails, stats, logs, projects
//===----------------------------------------------------------------------===//

static Value strings(const std::vector<std::string> &V) {
  Array A;
  for (const auto &S : V)
    A.push_back(S);
  return A;
}

static ParamCheck jailParam() { return {"jail", isJailName}; }

/// The jail-not-found answer, or nullopt when the jail is known.
static std::optional<Reply> checkJail(Call &C) {
  if (C.Ctx.State->hasJail(C.param("jail")))
    return std::nullopt;
  return Reply::message(404, "Jail '" + C.param("jail").str() +
                                 "' cannot be found.");
}

static void addJailItem(RouteTable &T, llvm::StringRef Name, JailItem Item) {
  T.add("/v1/jail/" + Name.str() + "/{jail}", "jail." + Name.str(),
        {{"GET",
          [Name = Name.str(), Item](Call &C) {
            if (auto NF = checkJail(C))
              return *NF;
            auto Items = C.Ctx.State->jailItems(Item, C.param("jail"));
            return Reply::ok({{Name, Items ? Value(std::move(*Items))
                                           : Value(Array())}});
          }}},
        {jailParam()});
}

void addReadRoutes(RouteTable &T) {
  T.add("/v1/ping", "ping",
        {{"GET", [](Call &) { return Reply::ok({{"status", "OK"}}); }}});
  T.add("/v1/labels", "labels", {{"GET", [](Call &C) {
          return Reply::ok({{"labels", strings(C.Ctx.Cfg->Labels)}});
        }}});
  T.add("/v1/chains", "chains", {{"GET", [](Call &C) {
          Array A;
          // Chains disabled by smart timeouts (or the heartbeat) are
          // hidden when `autodisable.enabled` (§5.4).
          bool Hide = C.Ctx.Chains && C.Ctx.Cfg->Autodisable.Enabled;
          for (const ChainConfig &Ch : C.Ctx.Cfg->Chains)
            if (!Ch.Disable &&
                !(Hide && C.Ctx.Chains->health().disabled(Ch.Name)))
              A.push_back(Ch.Name);
          return Reply::ok({{"chains", std::move(A)}});
        }}});
  T.add("/v1/jails", "jails", {{"GET", [](Call &C) {
          return Reply::ok({{"jails", strings(C.Ctx.State->jails())}});
        }}});
  T.add("/v1/jails/logs", "jails.logs", {{"GET", [](Call &C) {
          return Reply::ok(
              {{"logs", listJailLogs(C.Ctx.Cfg->AppjailLogs)}});
        }}});
  T.add("/v1/jail/log/{type}/{entity}/{subtype}/{log}", "jail.log",
        {{"GET", [](Call &C) {
            auto Text = readJailLog(
                C.Ctx.Cfg->AppjailLogs, C.param("type"), C.param("entity"),
                C.param("subtype"), C.param("log"),
                uint64_t(C.Ctx.Cfg->Overlordd.MaxLogBytes));
            if (!Text)
              return Reply::message(404, "Log cannot be found.");
            return Reply::ok({{"log_content", std::move(*Text)}});
          }}});
  T.add("/v1/stats", "stats", {{"GET", [](Call &C) {
          return Reply::ok({{"stats", C.Ctx.State->totalStats()}});
        }}});
  T.add("/v1/jail/stats/{jail}", "jail.stats",
        {{"GET",
          [](Call &C) {
            if (auto NF = checkJail(C))
              return *NF;
            auto S = C.Ctx.State->jailStats(C.param("jail"));
            return Reply::ok({{"stats", S ? Value(std::move(*S)) : Object()}});
          }}},
        {jailParam()});
  T.add("/v1/jail/info/{jail}", "jail.info",
        {{"GET",
          [](Call &C) {
            if (auto NF = checkJail(C))
              return *NF;
            auto I = C.Ctx.State->jailInfo(C.param("jail"));
            return Reply::ok({{"info", I ? Value(std::move(*I)) : Object()}});
          }},
         {"HEAD",
          [](Call &C) {
            return Reply::status(
                C.Ctx.State->hasJail(C.param("jail")) ? 200 : 404);
          }}},
        {jailParam()});
  T.add("/v1/jail/cpuset/{jail}", "jail.cpuset",
        {{"GET",
          [](Call &C) {
            if (auto NF = checkJail(C))
              return *NF;
            auto S = C.Ctx.State->jailCpuset(C.param("jail"));
            return Reply::ok({{"cpuset", S ? std::move(*S) : Value(nullptr)}});
          }}},
        {jailParam()});
  addJailItem(T, "devfs", JailItem::Devfs);
  addJailItem(T, "expose", JailItem::Expose);
  addJailItem(T, "healthcheck", JailItem::Healthcheck);
  addJailItem(T, "limits", JailItem::Limits);
  addJailItem(T, "fstab", JailItem::Fstab);
  addJailItem(T, "labels", JailItem::Labels);
  addJailItem(T, "nat", JailItem::Nat);
  addJailItem(T, "volumes", JailItem::Volumes);
  T.add("/v1/projects", "projects", {{"GET", [](Call &C) {
          return Reply::ok({{"projects", strings(C.Ctx.State->projects())}});
        }}});
  T.add("/v1/projects/logs", "projects.logs", {{"GET", [](Call &C) {
          return Reply::ok(
              {{"logs", listProjectLogs(C.Ctx.Cfg->DirectorLogs)}});
        }}});
  T.add("/v1/projects/log/{date}/{service}/{log}", "projects.log",
        {{"GET",
          [](Call &C) {
            auto Text = readProjectLog(
                C.Ctx.Cfg->DirectorLogs, C.param("date"), C.param("service"),
                C.param("log"), uint64_t(C.Ctx.Cfg->Overlordd.MaxLogBytes));
            if (!Text)
              return Reply::message(404, "Log cannot be found.");
            return Reply::ok({{"log_content", std::move(*Text)}});
          }}},
        {{"date", isLogDate}, {"service", isLogService}, {"log", isLogName}});
}

} // namespace api

//===----------------------------------------------------------------------===//
// Api
//===----------------------------------------------------------------------===//

http::HeaderList defaultApiHeaders() {
  return {{"Content-Type", "application/json"},
          {"Access-Control-Allow-Origin", "*"},
          {"Access-Control-Allow-Headers", "*"}};
}

struct Api::Impl {
  ApiContext Ctx;
  http::Router Router;
  http::RouteFn NotFound, MethodNotAllowed;
};

Api::Api(ApiContext Ctx) : P(std::make_unique<Impl>()) {
  P->Ctx = std::move(Ctx);
  if (!P->Ctx.Now)
    P->Ctx.Now = [] {
      return std::chrono::duration<double>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  api::RouteTable T(P->Router, P->Ctx);
  // "/" and "/v1": RequiredResourceHandler, no authentication.
  auto Missing = [](api::Call &) {
    return api::Reply::message(
        400, "API resource must be specified but is missing.");
  };
  for (const char *Pat : {"/", "/v1"})
    T.add(Pat, "resource-missing",
          {{"GET", Missing},
           {"POST", Missing},
           {"PUT", Missing},
           {"DELETE", Missing}},
          {}, /*Auth=*/false);
  api::addReadRoutes(T);
  api::addProjectRoutes(T);
  api::addStoreRoutes(T);
  api::addJobRoutes(T);
  api::addChainRoutes(T);
  const ApiContext *C = &P->Ctx;
  P->NotFound = [C](http::Request &Req, const http::Params &,
                    http::Responder R) {
    api::send(*C, Req, R, api::notFound(), std::chrono::steady_clock::now());
  };
  P->MethodNotAllowed = [C](http::Request &Req, const http::Params &,
                            http::Responder R) {
    api::send(*C, Req, R, api::Reply::message(405, "Method Not Allowed"),
              std::chrono::steady_clock::now());
  };
}

Api::~Api() = default;

void Api::handle(http::Request &Req, http::Responder R) const {
  P->Router.dispatch(Req, std::move(R), P->NotFound, P->MethodNotAllowed);
}

std::string Api::routeName(const http::Request &Req) const {
  return P->Router.routeName(Req.Method, Req.Path);
}

} // namespace overlord::engine
