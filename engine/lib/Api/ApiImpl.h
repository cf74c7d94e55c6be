//===- ApiImpl.h - Internals shared by the API's source files ---*- C++ -*-===//
//
// The request context handlers see (Call), what they return (Reply), the
// tornado-style HTTP error they may throw (ApiError, caught by the route
// wrapper), the argument readers that emulate tornado's get_json_argument,
// and the registration functions of each group of endpoints.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LIB_API_APIIMPL_H
#define OVERLORD_ENGINE_LIB_API_APIIMPL_H

#include "overlord/Engine/Api.h"
#include "overlord/Engine/ApiJson.h"
#include "overlord/Engine/Job.h"

#include "llvm/Support/JSON.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace overlord::engine::api {

/// A request being handled: the request, its route parameters and its
/// decoded body (empty when there was none).
struct Call {
  http::Request &Req;
  const http::Params &Params;
  llvm::json::Object Body;
  const ApiContext &Ctx;
  llvm::StringRef param(llvm::StringRef Name) const { return Params.get(Name); }
};

/// A response: status, body (already serialised) and extra headers.
struct Reply {
  unsigned Status = 200;
  std::string Body;
  http::HeaderList Headers;
  /// No body and no Content-Type (204, HEAD).
  bool Empty = false;

  /// write_template(Fields, Status).
  static Reply ok(const Fields &F, unsigned Status = 200) {
    return {Status, envelope(Status, F), {}, false};
  }
  /// write_template({"message": Message}, Status).
  static Reply message(unsigned Status, llvm::StringRef Message) {
    return {Status, messageBody(Status, Message), {}, false};
  }
  /// A status with no body (HEAD answers, 204).
  static Reply status(unsigned Status) { return {Status, "", {}, true}; }
};

/// tornado.web.HTTPError: answered as `{"status_code", "message"}`.
struct ApiError {
  unsigned Status;
  std::string Message;
};

/// An internal failure (queue, file system): logged, answered 500.
[[noreturn]] void internalError(const ApiContext &Ctx, llvm::Error E);
/// internalError() for asynchronous handlers: counted, logged, and the 500
/// answer returned instead of thrown.
Reply internalErrorReply(const ApiContext &Ctx, const http::Request &Req,
                         llvm::Error E);

//===----------------------------------------------------------------------===//
// get_json_argument emulation
//===----------------------------------------------------------------------===//

/// The raw value of body key Name, or null when absent.
const llvm::json::Value *rawArg(const Call &C, llvm::StringRef Name);
/// `value_type=str`: str(value) after the optional strip. Absent: Default,
/// or 400 "`Name` is required but hasn't been specified.".
std::string strArg(const Call &C, llvm::StringRef Name, bool Strip,
                   std::optional<std::string> Default = std::nullopt);
/// `value_type=str` with a None default: nullopt when absent.
std::optional<std::string> optStrArg(const Call &C, llvm::StringRef Name,
                                     bool Strip);
/// `value_type=bool`.
bool boolArg(const Call &C, llvm::StringRef Name, bool Default);
/// `value_type=dict` with default {} (Required: no default).
PyDict dictArg(const Call &C, llvm::StringRef Name, bool Required = false);
/// `value_type=list` with default [] (Required: no default).
llvm::json::Array listArg(const Call &C, llvm::StringRef Name,
                          bool Required = false);
/// "'Name' has an unexpected value type." (400).
[[noreturn]] void unexpectedType(llvm::StringRef Name);

//===----------------------------------------------------------------------===//
// Routes
//===----------------------------------------------------------------------===//

using Handler = std::function<Reply(Call &)>;
/// Sends the answer of an asynchronous handler (once, from any thread).
using ReplyFn = std::function<void(Reply)>;
/// A handler that answers later through its ReplyFn. It must copy what it
/// needs from the Call before returning; it may throw ApiError before it
/// hands the ReplyFn on.
using AsyncHandler = std::function<void(Call &, ReplyFn)>;
/// A predicate on one route parameter; a value it refuses makes the route
/// not match (404 "Not Found", as a tornado regex would).
using ParamCheck = std::pair<std::string, std::function<bool(llvm::StringRef)>>;

/// Registers routes on the router with the reference's prepare() steps.
class RouteTable {
public:
  RouteTable(http::Router &R, const ApiContext &Ctx) : R(R), Ctx(Ctx) {}
  /// Methods maps "GET", "POST", ... to handlers; OPTIONS is added. Auth:
  /// whether a token is required.
  void add(llvm::StringRef Pattern, std::string Name,
           std::vector<std::pair<std::string, Handler>> Methods,
           std::vector<ParamCheck> Checks = {}, bool Auth = true);
  /// The same for handlers that answer later (chain forwarding).
  void addAsync(llvm::StringRef Pattern, std::string Name,
                std::vector<std::pair<std::string, AsyncHandler>> Methods,
                std::vector<ParamCheck> Checks = {}, bool Auth = true);

private:
  http::Router &R;
  const ApiContext &Ctx;
};

/// The jail, project, log, label and chain reads.
void addReadRoutes(RouteTable &T);
/// project up/down/cancel/info/autoscale and vm.
void addProjectRoutes(RouteTable &T);
/// metadata and namespaces.
void addStoreRoutes(RouteTable &T);
/// POST /v1/plan, GET /v1/jobs, GET /v1/jobs/{id}, GET /metrics.
void addJobRoutes(RouteTable &T);
/// /v1/chain/<path>/... forwarding and GET /v1/tree.
void addChainRoutes(RouteTable &T);

/// POST /v1/vm/{VM}'s argument coercions and vmJail checks: the profile
/// (with "name"), or ApiError 400.
llvm::json::Object vmProfileArgs(Call &C, llvm::StringRef Name);
/// POST /v1/project/up's checked arguments (the job payload), or ApiError.
llvm::json::Object upArgs(Call &C);
/// POST /v1/project/down's checked arguments, or ApiError.
llvm::json::Object downArgs(Call &C);

/// A job's status record with `last_update` as seconds ago (the reference
/// converts it at request time).
llvm::json::Object statusRecordAgo(const Job &J, double Now);

/// Counts an enqueued job in the API's metrics.
void countJob(const ApiContext &Ctx, JobKind K);

/// Name checks of the reference's route regexes.
bool isJailName(llvm::StringRef S);    ///< [a-zA-Z0-9_][a-zA-Z0-9_-]*
bool isProjectName(llvm::StringRef S); ///< [a-zA-Z0-9._-]+
bool isVmName(llvm::StringRef S); ///< [a-zA-Z0-9][.a-zA-Z0-9_-]{0,229}[a-zA-Z0-9]

} // namespace overlord::engine::api

#endif // OVERLORD_ENGINE_LIB_API_APIIMPL_H
