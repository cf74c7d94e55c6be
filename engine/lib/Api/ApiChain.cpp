//===- ApiChain.cpp - /v1/chain/<path>/... forwarding and /v1/tree -*- C++ -*-===//
//
// Forwarding (overlord-behaviour.md §4.3): `/v1/chain/a.b.c/<rest>` goes to
// child `a` as `/v1/chain/b.c/<rest>`, or as `/v1/<rest>` when `a` is the
// tail, with the child's access token. Each reference endpoint keeps the
// reference handler's semantics:
//
//   Unwrap  GETs: the downstream answer's member (`labels`, `info`, ...) is
//           re-wrapped in this node's envelope.
//   Job     up/down/cancel/vm POST: arguments checked here as the local
//           endpoint checks them, the downstream answer returned.
//   Upsert  POST/PUT metadata and namespaces: HEAD, then PUT or POST
//           downstream (create-or-update), 200 `{"message": ...}`.
//   Delete  DELETE: 204 when the downstream answered 204.
//   Check   HEAD: 200/404 as the downstream answered.
//   Pass    overlordd's own endpoints (plan, jobs, tree): status and body
//           passed through unchanged.
//
// A failed remote call answers the reference's envelope
//   {"status_code": S, "function", "entrypoint", "chain", "error", "message"}
// with S the downstream status (HTTPStatusError) or 503 (transport errors,
// UnavailableChain, unexpected answers), plus `cause`: the downstream error
// body, so the first failing hop's words are not lost on the way up (the
// reference replaces them at every hop). Smart-timeout counters are updated
// as in §5.2: a failure counts when this hop is the tail and the answer is
// not a 4xx; any success through the child drops its counters.
//
// GET /v1/tree (docs/Chains.md): this node's labels, identity and applied
// plan digests plus every enabled child's subtree, asked of all children in
// parallel under a deadline; a child that answers 404 is a reference node
// and is walked the reference way (labels + chains through it); unreachable
// and disabled children, cycles and the depth limit are reported per child.
//
//===----------------------------------------------------------------------===//
#include "ApiImpl.h"

#include "overlord/Engine/Chain.h"
#include "overlord/Engine/Logs.h"
#include "overlord/Engine/MetadataStore.h"
#include "overlord/Engine/Metrics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <atomic>
#include <mutex>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine::api {

using chain::ChainClient;
using chain::OutRequest;
using chain::OutResponse;
using SteadyClock = std::chrono::steady_clock;

namespace {

enum class Sem { Unwrap, Job, Upsert, Delete, Check, Pass };

/// How one chain endpoint forwards.
struct Fwd {
  Sem S;
  std::string Function; ///< the reference client's method name
  std::string Key;      ///< Unwrap: the member re-wrapped
  Value Default = nullptr;
};

/// A failed remote call.
struct Failure {
  unsigned Status = 503;
  std::string Error, Message;
  std::optional<Value> Cause;
  bool HttpStatus = false; ///< an HTTP answer (not a transport error)
};

/// Where a forwarded call goes.
struct Hop {
  std::string Next, Rest; ///< next chain and the path below it
  ChainClient *Client = nullptr;
  bool Tail = false;
  /// "/v1" or "/v1/chain/<rest>": the prefix of downstream paths.
  std::string Prefix;
};

} // namespace

/// The member Name of a JSON object body, if the body is one.
static std::optional<Object> parseObject(llvm::StringRef Body) {
  auto V = llvm::json::parse(Body);
  if (!V) {
    llvm::consumeError(V.takeError());
    return std::nullopt;
  }
  if (auto *O = V->getAsObject())
    return std::move(*O);
  return std::nullopt;
}

/// The failure a non-2xx HTTP answer or a transport error stands for.
static Failure failureOf(const OutResponse &R) {
  Failure F;
  if (R.Transport) {
    F.Error = R.ErrorType;
    F.Message = R.ErrorMessage;
    return F;
  }
  F.HttpStatus = true;
  F.Status = unsigned(R.Status);
  if (F.Status < 200 || F.Status > 599)
    F.Status = 502;
  F.Error = "HTTPStatusError";
  F.Message = chain::httpxStatusMessage(R.Status, R.Url);
  if (auto O = parseObject(R.Body))
    F.Cause = Value(std::move(*O));
  return F;
}

/// The reference client's APIError for an unexpected status of a HEAD or
/// DELETE ("Error 500: Internal Server Error"), answered 503.
static Failure apiError(const OutResponse &R) {
  if (R.Transport)
    return failureOf(R);
  Failure F;
  F.Error = "APIError";
  F.Message = ("Error " + llvm::Twine(R.Status) + ": " +
               chain::reasonPhrase(R.Status))
                  .str();
  if (auto O = parseObject(R.Body))
    F.Cause = Value(std::move(*O));
  return F;
}

/// A 2xx answer whose body is not a JSON object (the reference's client
/// fails in request.json()).
static Failure notAnObject(const OutResponse &R) {
  Failure F;
  F.Error = "JSONDecodeError";
  F.Message = "the answer of " + R.Url + " is not a JSON object";
  return F;
}

static Reply failureReply(const Fwd &W, const Hop &H, const Failure &F) {
  Fields Fl{{"function", W.Function},
            {"entrypoint", H.Next},
            {"chain", H.Rest},
            {"error", F.Error},
            {"message", F.Message}};
  if (F.Cause)
    Fl.emplace_back("cause", *F.Cause);
  Reply R = Reply::ok(Fl, F.Status);
  // Also visible in answers without a body (HEAD): the hop above must not
  // retry what this hop already retried (chain::ChainClient).
  R.Headers.emplace_back(chain::ChainErrorHeader.str(), F.Error);
  return R;
}

/// Resolves the chain path of C; answers and returns nullopt when it can't
/// be forwarded.
static std::optional<Hop> resolve(Call &C, const Fwd &W, const ReplyFn &Done) {
  llvm::StringRef Chain = C.param("chain");
  auto Split = chain::splitChain(Chain);
  if (!Split) {
    Done(Reply::message(400, "Invalid chain '" + Chain.str() + "'."));
    return std::nullopt;
  }
  Hop H;
  H.Next = Split->first;
  H.Rest = Split->second;
  H.Tail = H.Rest.empty();
  H.Client = C.Ctx.Chains ? C.Ctx.Chains->client(H.Next) : nullptr;
  if (!H.Client) {
    Done(Reply::message(404, "Next entrypoint '" + H.Next +
                                 "' cannot be found."));
    return std::nullopt;
  }
  H.Prefix = H.Tail ? "/v1" : "/v1/chain/" + H.Rest;
  if (H.Tail && C.Ctx.Cfg->Autodisable.Strict &&
      C.Ctx.Chains->health().disabled(H.Next)) {
    C.Ctx.Chains->health().recordRefusal(H.Next);
    Failure F;
    F.Error = "UnavailableChain";
    F.Message = "Chain disabled by smart timeouts";
    Done(failureReply(W, H, F));
    return std::nullopt;
  }
  return H;
}

/// Records the outcome of a remote call in the smart-timeout counters and
/// answers.
static void settle(const ApiContext &Ctx, const Fwd &W, const Hop &H,
                   const ReplyFn &Done, Reply Ok,
                   const std::optional<Failure> &F) {
  chain::ChainHealth &Health = Ctx.Chains->health();
  if (!F) {
    Health.recordSuccess(H.Next);
    if (Ctx.Metrics)
      Ctx.Metrics->inc("overlord_chain_forwarded_total",
                       {{"chain", H.Next}, {"outcome", "ok"}});
    return Done(std::move(Ok));
  }
  bool ClientError = F->HttpStatus && F->Status >= 400 && F->Status < 500;
  if (H.Tail && !ClientError)
    Health.recordFailure(H.Next);
  if (Ctx.Metrics)
    Ctx.Metrics->inc("overlord_chain_forwarded_total",
                     {{"chain", H.Next}, {"outcome", "error"}});
  Done(failureReply(W, H, *F));
}

static std::string jsonText(const Value &V) {
  return llvm::formatv("{0}", V).str();
}

/// Forwards C to its chain with W's semantics. Rel is the escaped path
/// below /v1 ("/labels", "/metadata/k"), with its query if any.
static void forward(Call &C, ReplyFn Done, Fwd W, std::string Rel,
                    std::string Body = "", http::HeaderList Extra = {}) {
  auto H = resolve(C, W, Done);
  if (!H)
    return;
  const ApiContext *Ctx = &C.Ctx;
  OutRequest R;
  R.Method = C.Req.Method;
  R.Path = H->Prefix + Rel;
  R.Body = std::move(Body);
  R.Headers = std::move(Extra);

  if (W.S == Sem::Upsert) {
    // metadata_set / namespace_set: HEAD, then PUT (exists) or POST.
    OutRequest Head;
    Head.Method = "HEAD";
    Head.Path = R.Path;
    ChainClient *Cl = H->Client;
    Cl->send(std::move(Head), [Ctx, W, Hp = *H, Done, R = std::move(R),
                               Cl](OutResponse HR) mutable {
      if (HR.Transport || (HR.Status != 200 && HR.Status != 404))
        return settle(*Ctx, W, Hp, Done, Reply(), apiError(HR));
      R.Method = HR.Status == 200 ? "PUT" : "POST";
      Cl->send(std::move(R), [Ctx, W, Hp, Done](OutResponse Out) {
        if (!Out.ok())
          return settle(*Ctx, W, Hp, Done, Reply(), failureOf(Out));
        auto O = parseObject(Out.Body);
        if (!O)
          return settle(*Ctx, W, Hp, Done, Reply(), notAnObject(Out));
        Value Msg = O->get("message") ? *O->get("message") : Value(nullptr);
        settle(*Ctx, W, Hp, Done, Reply::ok({{"message", std::move(Msg)}}),
               std::nullopt);
      });
    });
    return;
  }

  H->Client->send(std::move(R), [Ctx, W, Hp = *H, Done](OutResponse Out) {
    switch (W.S) {
    case Sem::Check:
      if (!Out.Transport && (Out.Status == 200 || Out.Status == 404))
        return settle(*Ctx, W, Hp, Done, Reply::status(unsigned(Out.Status)),
                      std::nullopt);
      return settle(*Ctx, W, Hp, Done, Reply(), apiError(Out));
    case Sem::Delete:
      if (!Out.Transport && Out.Status == 204)
        return settle(*Ctx, W, Hp, Done, Reply::status(204), std::nullopt);
      if (!Out.Transport && Out.Status >= 400)
        return settle(*Ctx, W, Hp, Done, Reply(), failureOf(Out));
      return settle(*Ctx, W, Hp, Done, Reply(), apiError(Out));
    case Sem::Pass: {
      if (Out.Transport)
        return settle(*Ctx, W, Hp, Done, Reply(), failureOf(Out));
      Reply Rep;
      Rep.Status = unsigned(Out.Status);
      Rep.Body = std::move(Out.Body);
      Rep.Empty = Rep.Body.empty();
      if (Out.ok())
        return settle(*Ctx, W, Hp, Done, std::move(Rep), std::nullopt);
      // Passed through as answered; a 5xx from the tail still counts as
      // the failure it is (a 4xx does not, as in §5.2).
      if (Hp.Tail && Out.Status >= 500)
        Ctx->Chains->health().recordFailure(Hp.Next);
      return Done(std::move(Rep));
    }
    case Sem::Unwrap:
    case Sem::Job: {
      if (!Out.ok())
        return settle(*Ctx, W, Hp, Done, Reply(), failureOf(Out));
      auto O = parseObject(Out.Body);
      if (!O)
        return settle(*Ctx, W, Hp, Done, Reply(), notAnObject(Out));
      if (W.S == Sem::Job) {
        Fields Fl;
        for (const auto &KV : *O)
          if (KV.first != "status_code")
            Fl.emplace_back(KV.first.str(), KV.second);
        llvm::sort(Fl, [](const auto &A, const auto &B) {
          return A.first < B.first;
        });
        return settle(*Ctx, W, Hp, Done, Reply::ok(Fl), std::nullopt);
      }
      const Value *V = O->get(W.Key);
      return settle(*Ctx, W, Hp, Done,
                    Reply::ok({{W.Key, V ? *V : W.Default}}), std::nullopt);
    }
    case Sem::Upsert:
      break;
    }
  });
}

/// Escapes one path segment for a downstream URL.
static std::string seg(llvm::StringRef S) { return chain::escapeSegment(S); }

static std::string withQuery(std::string Rel, const http::Request &Req) {
  if (!Req.Query.empty())
    Rel += "?" + Req.Query;
  return Rel;
}

//===----------------------------------------------------------------------===//
// GET /v1/tree
//===----------------------------------------------------------------------===//

namespace {

constexpr int64_t MaxTreeDepth = 32;
constexpr int64_t DefaultTreeDeadlineMs = 5000;
constexpr int64_t MaxTreeDeadlineMs = 60000;
constexpr llvm::StringLiteral TrailHeader = "X-Overlord-Trail";

/// Collects N results and calls Done with them once all arrived.
class Gather {
public:
  Gather(size_t N, std::function<void(std::vector<Value>)> Done)
      : Slots(N, nullptr), Left(N), Done(std::move(Done)) {}
  void set(size_t I, Value V) {
    std::unique_lock<std::mutex> L(M);
    Slots[I] = std::move(V);
    if (--Left == 0) {
      std::vector<Value> Out = std::move(Slots);
      L.unlock();
      Done(std::move(Out));
    }
  }

private:
  std::mutex M;
  std::vector<Value> Slots;
  size_t Left;
  std::function<void(std::vector<Value>)> Done;
};

struct TreeCtx {
  const ApiContext *Ctx;
  SteadyClock::time_point Deadline;
  std::string Trail; ///< comma-separated node ids, this node's included
};

} // namespace

static Object errorEntry(llvm::StringRef Name, unsigned Status,
                         llvm::StringRef Error, llvm::StringRef Message) {
  return Object{{"name", Name.str()},
                {"error", Object{{"status", int64_t(Status)},
                                 {"error", Error.str()},
                                 {"message", Message.str()}}}};
}

/// The deadline a child gets: most of what is left, so this node still has
/// time to answer with whatever arrived.
static SteadyClock::time_point childDeadline(SteadyClock::time_point D) {
  auto Left = D - SteadyClock::now();
  auto Margin = std::max<SteadyClock::duration>(
      Left / 8, std::chrono::milliseconds(10));
  return SteadyClock::now() + std::max<SteadyClock::duration>(
                                  Left - Margin, std::chrono::milliseconds(5));
}

static int64_t msUntil(SteadyClock::time_point T) {
  return std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::milliseconds>(
             T - SteadyClock::now())
             .count());
}

/// The reference walk of the node at Below (a path below child Cl; "" for
/// the child itself): labels and chains, then each chain recursively.
static void referenceWalk(std::shared_ptr<TreeCtx> T, ChainClient *Cl,
                          std::string Below, int64_t Depth,
                          std::function<void(Value)> Done) {
  std::string Prefix = Below.empty() ? "/v1" : "/v1/chain/" + Below;
  auto G = std::make_shared<Gather>(
      2, [T, Cl, Below, Depth, Done](std::vector<Value> R) {
        const Object *Labels = R[0].getAsObject();
        const Object *Chains = R[1].getAsObject();
        for (const Object *O : {Labels, Chains})
          if (O && O->get("error")) {
            Done(Value(Object(*O)));
            return;
          }
        Object Node{{"reference", true}};
        Node["labels"] = Labels && Labels->get("labels") ? *Labels->get("labels")
                                                         : Value(Array());
        std::vector<std::string> Names;
        if (const Array *A = Chains ? Chains->getArray("chains") : nullptr)
          for (const Value &V : *A)
            if (auto S = V.getAsString())
              if (chain::splitChain(*S) && !S->contains('.'))
                Names.push_back(S->str());
        if (Names.empty()) {
          Node["chains"] = Array();
          return Done(Object{{"tree", std::move(Node)}});
        }
        auto Kids = std::make_shared<Gather>(
            Names.size(), [Node, Names, Done](std::vector<Value> K) mutable {
              Array Out;
              for (size_t I = 0; I < K.size(); ++I) {
                Object E{{"name", Names[I]}};
                if (Object *O = K[I].getAsObject())
                  for (auto &KV : *O)
                    E[KV.first] = KV.second;
                Out.push_back(std::move(E));
              }
              Node["chains"] = std::move(Out);
              Done(Object{{"tree", std::move(Node)}});
            });
        for (size_t I = 0; I < Names.size(); ++I) {
          if (Depth <= 0) {
            Kids->set(I, Object{{"truncated", true}});
            continue;
          }
          std::string Sub = Below.empty() ? Names[I] : Below + "." + Names[I];
          referenceWalk(T, Cl, Sub, Depth - 1,
                        [Kids, I](Value V) { Kids->set(I, std::move(V)); });
        }
      });
  auto Ask = [&](size_t I, const char *What) {
    OutRequest R;
    R.Path = Prefix + "/" + What;
    R.Deadline = childDeadline(T->Deadline);
    Cl->send(std::move(R), [G, I, What](OutResponse Out) {
      if (!Out.ok()) {
        Failure F = failureOf(Out);
        G->set(I, Object{{"error", Object{{"status", int64_t(F.Status)},
                                          {"error", F.Error},
                                          {"message", F.Message}}}});
        return;
      }
      auto O = parseObject(Out.Body);
      if (!O) {
        G->set(I, Object{{"error",
                          Object{{"status", int64_t(503)},
                                 {"error", "JSONDecodeError"},
                                 {"message", std::string("the answer to ") +
                                                 What +
                                                 " is not a JSON object"}}}});
        return;
      }
      G->set(I, Value(std::move(*O)));
    });
  };
  Ask(0, "labels");
  Ask(1, "chains");
}

/// One child's entry of the tree.
static void childEntry(std::shared_ptr<TreeCtx> T, const std::string &Name,
                       int64_t Depth, std::function<void(Value)> Done) {
  const ApiContext &Ctx = *T->Ctx;
  chain::ChainSet &CS = *Ctx.Chains;
  if (Depth <= 0)
    return Done(Object{{"name", Name}, {"truncated", true}});
  if (CS.health().disabled(Name)) {
    CS.health().recordRefusal(Name);
    return Done(errorEntry(Name, 503, "UnavailableChain",
                           "Chain disabled by smart timeouts"));
  }
  ChainClient *Cl = CS.client(Name);
  auto D = childDeadline(T->Deadline);
  OutRequest R;
  R.Path = llvm::formatv("/v1/tree?depth={0}&deadline_ms={1}", Depth - 1,
                         msUntil(D))
               .str();
  R.Deadline = D;
  R.Headers.emplace_back(TrailHeader.str(), T->Trail);
  Cl->send(std::move(R), [T, Name, Depth, Cl, Done](OutResponse Out) {
    chain::ChainHealth &Health = T->Ctx->Chains->health();
    if (Out.ok()) {
      auto O = parseObject(Out.Body);
      const Object *Tree = O ? O->getObject("tree") : nullptr;
      if (!Tree)
        return Done(errorEntry(Name, 503, "JSONDecodeError",
                               "the answer of " + Out.Url +
                                   " has no `tree` object"));
      Health.recordSuccess(Name);
      return Done(Object{{"name", Name}, {"tree", Object(*Tree)}});
    }
    if (!Out.Transport && Out.Status == 404) {
      // A reference node: walk it the reference way.
      Health.recordSuccess(Name);
      return referenceWalk(T, Cl, "", Depth - 1, [Name, Done](Value V) {
        Object E{{"name", Name}};
        if (Object *O = V.getAsObject())
          for (auto &KV : *O)
            E[KV.first] = KV.second;
        Done(std::move(E));
      });
    }
    if (!Out.Transport && Out.Status == 508) {
      auto O = parseObject(Out.Body);
      std::string Msg = O && O->getString("message")
                            ? O->getString("message")->str()
                            : "a node appears twice on this path";
      return Done(errorEntry(Name, 508, "ChainCycle", Msg));
    }
    Failure F = failureOf(Out);
    if (!(F.HttpStatus && F.Status >= 400 && F.Status < 500))
      Health.recordFailure(Name);
    Done(errorEntry(Name, F.Status, F.Error, F.Message));
  });
}

static void treeHandler(Call &C, ReplyFn Done) {
  const ApiContext &Ctx = C.Ctx;
  auto IntParam = [&](llvm::StringRef Name, int64_t Def, int64_t Min,
                      int64_t Max) {
    auto V = C.Req.queryParam(Name);
    if (!V)
      return Def;
    int64_t N;
    if (llvm::StringRef(*V).getAsInteger(10, N) || N < Min)
      throw ApiError{400, "'" + Name.str() + "' has an unexpected value."};
    return std::min(N, Max);
  };
  int64_t Depth = IntParam("depth", MaxTreeDepth, 0, MaxTreeDepth);
  int64_t DeadlineMs =
      IntParam("deadline_ms", DefaultTreeDeadlineMs, 1, MaxTreeDeadlineMs);
  std::string Trail = C.Req.header(TrailHeader).value_or("").str();
  llvm::SmallVector<llvm::StringRef, 8> Seen;
  llvm::StringRef(Trail).split(Seen, ',', -1, false);
  if (!Ctx.NodeId.empty() && llvm::is_contained(Seen, Ctx.NodeId))
    return Done(Reply::message(
        508, "Chain cycle: node " + Ctx.NodeId +
                 " is already on the path being walked (" + Trail + ")."));
  if (Seen.size() >= size_t(MaxTreeDepth) + 1)
    return Done(Reply::message(508, "Chain path deeper than " +
                                        std::to_string(MaxTreeDepth) +
                                        " nodes."));

  Object Node;
  Node["node_id"] = Ctx.NodeId;
  Array Labels;
  for (const std::string &L : Ctx.Cfg->Labels)
    Labels.push_back(L);
  Node["labels"] = std::move(Labels);
  Node["applied"] = Ctx.Applied ? Ctx.Applied() : Object();

  std::vector<std::string> Names;
  if (Ctx.Chains)
    Names = Ctx.Chains->names();
  if (Names.empty()) {
    Node["chains"] = Array();
    return Done(Reply::ok({{"tree", std::move(Node)}}));
  }
  auto T = std::make_shared<TreeCtx>();
  T->Ctx = &Ctx;
  T->Deadline = SteadyClock::now() + std::chrono::milliseconds(DeadlineMs);
  T->Trail = Trail.empty() ? Ctx.NodeId : Trail + "," + Ctx.NodeId;
  auto G = std::make_shared<Gather>(
      Names.size(), [Node = std::move(Node), Done](std::vector<Value> K) mutable {
        Array Out;
        for (Value &V : K)
          Out.push_back(std::move(V));
        Node["chains"] = std::move(Out);
        Done(Reply::ok({{"tree", std::move(Node)}}));
      });
  for (size_t I = 0; I < Names.size(); ++I)
    childEntry(T, Names[I], Depth, [G, I](Value V) { G->set(I, std::move(V)); });
}

//===----------------------------------------------------------------------===//
// Routes
//===----------------------------------------------------------------------===//

static Fwd unwrap(std::string Function, std::string Key, Value Default) {
  return Fwd{Sem::Unwrap, std::move(Function), std::move(Key),
             std::move(Default)};
}

void addChainRoutes(RouteTable &T) {
  const std::string P = "/v1/chain/{chain:[a-zA-Z0-9_][a-zA-Z0-9._-]*}";
  ParamCheck Jail{"jail", isJailName};
  ParamCheck Project{"project", isProjectName};
  ParamCheck Key{"key", MetadataStore::validKey};

  // Plain GETs whose answer is one member.
  auto Get = [&](const std::string &Rel, const std::string &Name,
                 const std::string &Function, const std::string &Member,
                 Value Default, std::vector<ParamCheck> Checks = {}) {
    Fwd W = unwrap(Function, Member, Default);
    T.addAsync(P + Rel, "chain." + Name,
               {{"GET",
                 [W, Rel](Call &C, ReplyFn Done) {
                   // Rebuild the path from the (decoded) parameters.
                   std::string Out;
                   llvm::SmallVector<llvm::StringRef, 8> Parts;
                   llvm::StringRef(Rel).split(Parts, '/', -1, false);
                   for (llvm::StringRef S : Parts) {
                     Out += "/";
                     if (S.startswith("{")) {
                       llvm::StringRef Name = S.drop_front().take_until(
                           [](char Ch) { return Ch == ':' || Ch == '}'; });
                       Out += seg(C.param(Name));
                     } else {
                       Out += S.str();
                     }
                   }
                   forward(C, std::move(Done), W, Out);
                 }}},
               std::move(Checks));
  };
  Get("/ping", "ping", "ping", "status", "OK");
  Get("/labels", "labels", "get_api_labels", "labels", Array());
  Get("/chains", "chains", "get_chains", "chains", Array());
  Get("/jails", "jails", "get_jails", "jails", Array());
  Get("/jails/logs", "jails.logs", "get_jails_logs", "logs", Object());
  Get("/stats", "stats", "get_server_stats", "stats", Object());
  Get("/jail/log/{type}/{entity}/{subtype}/{log}", "jail.log", "get_jail_log",
      "log_content", nullptr);
  Get("/jail/stats/{jail}", "jail.stats", "get_stats", "stats", Object(),
      {Jail});
  Get("/jail/cpuset/{jail}", "jail.cpuset", "get_cpuset", "cpuset", nullptr,
      {Jail});
  for (const char *Item : {"devfs", "expose", "healthcheck", "limits", "fstab",
                           "labels", "nat", "volumes"})
    Get(std::string("/jail/") + Item + "/{jail}", std::string("jail.") + Item,
        std::string("get_") + Item, Item, Array(), {Jail});
  Get("/projects", "projects", "get_projects", "projects", Array());
  Get("/projects/logs", "projects.logs", "get_projects_logs", "logs",
      Object());
  Get("/projects/log/{date}/{service}/{log}", "projects.log",
      "get_project_log", "log_content", nullptr,
      {{"date", isLogDate}, {"service", isLogService}, {"log", isLogName}});
  Get("/project/autoscale/{project}", "project.autoscale",
      "get_status_autoscale", "status", Object(), {Project});
  Get("/metadata", "metadata.list", "metadata_list", "metadata", Array());
  Get("/namespace", "namespace.list", "namespaces_list", "namespaces",
      Array());

  // Entities with GET + HEAD.
  auto InfoHead = [](const std::string &Entity, const std::string &Param) {
    return std::vector<std::pair<std::string, AsyncHandler>>{
        {"GET",
         [Entity, Param](Call &C, ReplyFn Done) {
           forward(C, std::move(Done), unwrap("get_info", "info", Object()),
                   "/" + Entity + "/info/" + seg(C.param(Param)));
         }},
        {"HEAD", [Entity, Param](Call &C, ReplyFn Done) {
           forward(C, std::move(Done), Fwd{Sem::Check, "check", "", nullptr},
                   "/" + Entity + "/info/" + seg(C.param(Param)));
         }}};
  };
  T.addAsync(P + "/jail/info/{jail}", "chain.jail.info",
             InfoHead("jail", "jail"), {Jail});
  T.addAsync(P + "/project/info/{project}", "chain.project.info",
             InfoHead("project", "project"), {Project});

  // Jobs.
  T.addAsync(P + "/project/up/{project}", "chain.project.up",
             {{"POST", [](Call &C, ReplyFn Done) {
                 Object Args = upArgs(C);
                 forward(C, std::move(Done), Fwd{Sem::Job, "up", "", nullptr},
                         "/project/up/" + seg(C.param("project")),
                         jsonText(Value(std::move(Args))));
               }}},
             {Project});
  T.addAsync(P + "/project/down/{project}", "chain.project.down",
             {{"POST", [](Call &C, ReplyFn Done) {
                 Object Args = downArgs(C);
                 forward(C, std::move(Done),
                         Fwd{Sem::Job, "down", "", nullptr},
                         "/project/down/" + seg(C.param("project")),
                         jsonText(Value(std::move(Args))));
               }}},
             {Project});
  T.addAsync(P + "/project/cancel/{project}", "chain.project.cancel",
             {{"POST", [](Call &C, ReplyFn Done) {
                 forward(C, std::move(Done),
                         Fwd{Sem::Job, "cancel", "", nullptr},
                         "/project/cancel/" + seg(C.param("project")));
               }}},
             {Project});
  T.addAsync(P + "/vm/{vm}", "chain.vm",
             {{"GET",
               [](Call &C, ReplyFn Done) {
                 forward(C, std::move(Done),
                         unwrap("get_status_vm", "status", Object()),
                         "/vm/" + seg(C.param("vm")));
               }},
              {"POST", [](Call &C, ReplyFn Done) {
                 Object Profile = vmProfileArgs(C, C.param("vm"));
                 Profile.erase("name");
                 forward(C, std::move(Done),
                         Fwd{Sem::Job, "create_vm", "", nullptr},
                         "/vm/" + seg(C.param("vm")),
                         jsonText(Value(std::move(Profile))));
               }}},
             {{"vm", isVmName}});

  // Metadata and namespaces.
  auto Store = [&](const std::string &Entity, const std::string &Prefix,
                   const std::string &Member) {
    auto Path = [Entity](Call &C) {
      return "/" + Entity + "/" + seg(C.param("key"));
    };
    auto Upsert = [Entity, Path, Prefix](Call &C, ReplyFn Done) {
      Object Body;
      if (Entity == "metadata")
        Body["value"] = strArg(C, "value", /*Strip=*/false);
      else
        Body["mapping"] = rawArg(C, "mapping") ? Value(listArg(C, "mapping"))
                                               : Value(nullptr);
      forward(C, std::move(Done),
              Fwd{Sem::Upsert, Prefix + "_set", "", nullptr}, Path(C),
              jsonText(Value(std::move(Body))));
    };
    T.addAsync(
        P + "/" + Entity + "/{key}", "chain." + Entity,
        {{"GET",
          [Path, Prefix, Member](Call &C, ReplyFn Done) {
            forward(C, std::move(Done), unwrap(Prefix + "_get", Member, nullptr),
                    Path(C));
          }},
         {"POST", Upsert},
         {"PUT", Upsert},
         {"DELETE",
          [Path, Prefix](Call &C, ReplyFn Done) {
            forward(C, std::move(Done),
                    Fwd{Sem::Delete, Prefix + "_delete", "", nullptr}, Path(C));
          }},
         {"HEAD",
          [Path, Prefix](Call &C, ReplyFn Done) {
            forward(C, std::move(Done),
                    Fwd{Sem::Check, Prefix + "_check", "", nullptr}, Path(C));
          }}},
        {Key});
  };
  Store("metadata", "metadata", "metadata");
  Store("namespace", "namespace", "namespace");

  // overlordd's own endpoints, passed through.
  auto Pass = [](std::string Function) {
    return [Function](Call &C, ReplyFn Done) {
      // Path below the chain: everything after "/v1/chain/<chain>".
      llvm::StringRef Path = C.Req.Target;
      Path = Path.take_until([](char Ch) { return Ch == '?'; });
      size_t At = Path.find('/', llvm::StringRef("/v1/chain/").size());
      std::string Rel = At == llvm::StringRef::npos ? "" : Path.substr(At).str();
      http::HeaderList Extra;
      if (auto Tr = C.Req.header(TrailHeader))
        Extra.emplace_back(TrailHeader.str(), Tr->str());
      forward(C, std::move(Done), Fwd{Sem::Pass, Function, "", nullptr},
              withQuery(Rel, C.Req), C.Req.Body, std::move(Extra));
    };
  };
  T.addAsync(P + "/plan", "chain.plan", {{"POST", Pass("plan")}});
  T.addAsync(P + "/jobs", "chain.jobs", {{"GET", Pass("get_jobs")}});
  T.addAsync(P + "/jobs/{id}", "chain.job", {{"GET", Pass("get_job")}});
  T.addAsync(P + "/tree", "chain.tree", {{"GET", Pass("get_tree")}});

  T.addAsync("/v1/tree", "tree", {{"GET", treeHandler}});
}

} // namespace overlord::engine::api
