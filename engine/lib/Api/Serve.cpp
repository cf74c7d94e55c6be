//===- Serve.cpp - overlordd serve: start-up, run, graceful stop -*- C++ -*-===//
//
// Start-up order: secret, job queue (jobs left RUNNING by a crash are
// reconciled against Director before anything else runs), metadata and
// namespace stores (stale temporaries removed), node state (one full scan,
// then the background refresher), executor workers, HTTP (and HTTPS)
// listeners; then "listening" is logged and the port file written. SIGTERM
// or SIGINT stops in the reverse order: no new connections, running jobs
// terminated and recorded, workers joined, queue closed.
//
//===----------------------------------------------------------------------===//
#include "DaemonImpl.h"

#include "overlord/Engine/Api.h"
#include "overlord/Engine/Autoscaler.h"
#include "overlord/Engine/Chain.h"
#include "overlord/Engine/Executor.h"
#include "overlord/Engine/Hooks.h"
#include "overlord/Engine/JobQueue.h"
#include "overlord/Engine/MetadataStore.h"
#include "overlord/Engine/Metrics.h"
#include "overlord/Engine/NamespaceStore.h"
#include "overlord/Engine/NodeState.h"
#include "overlord/Engine/VmBuilder.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <pthread.h>
#include <thread>

namespace overlord::engine::daemon {

/// Writes Text to Path atomically (temporary file + rename), so a test
/// polling for the file never reads half of it.
static llvm::Error writeFileAtomically(llvm::StringRef Path,
                                       llvm::StringRef Text) {
  std::string Tmp = Path.str() + ".tmp";
  {
    std::error_code EC;
    llvm::raw_fd_ostream OS(Tmp, EC);
    if (EC)
      return llvm::createStringError(EC, "cannot write '%s': %s", Tmp.c_str(),
                                     EC.message().c_str());
    OS << Text;
  }
  if (std::error_code EC = llvm::sys::fs::rename(Tmp, Path))
    return llvm::createStringError(EC, "cannot rename '%s': %s", Tmp.c_str(),
                                   EC.message().c_str());
  return llvm::Error::success();
}

/// Refreshes the node state every Interval seconds until stopped (the
/// `overlordd.refresh_interval` override of NodeState's own refresher).
class Refresher {
public:
  Refresher(NodeState &S, std::chrono::seconds Interval)
      : T([this, &S, Interval] {
          std::unique_lock<std::mutex> L(M);
          while (!Stop) {
            if (Cv.wait_for(L, Interval, [this] { return Stop; }))
              break;
            L.unlock();
            S.refreshAll();
            L.lock();
          }
        }) {}
  ~Refresher() {
    {
      std::lock_guard<std::mutex> G(M);
      Stop = true;
    }
    Cv.notify_all();
    T.join();
  }

private:
  std::mutex M;
  std::condition_variable Cv;
  bool Stop = false;
  std::thread T;
};

static void describeApiMetrics(Metrics &M) {
  M.describe("overlord_api_jobs_enqueued_total", "counter",
             "Jobs accepted by the API, by kind.");
  M.describe("overlord_api_auth_failures_total", "counter",
             "Requests refused by authentication, by status.");
  M.describe("overlord_api_internal_errors_total", "counter",
             "Requests answered 500 because the queue or a store failed.");
  M.describe("overlord_node_jails", "gauge", "Jails known to the node.");
  M.describe("overlord_node_projects", "gauge",
             "Director projects known to the node.");
  M.describe("overlord_node_refreshes_total", "counter",
             "Node state refreshes (full and partial).");
}

int serve(const Options &O, llvm::raw_ostream &Err) {
  // Every thread started from here on inherits the blocked set, so the
  // signals are only ever taken by sigwait() below.
  sigset_t Set;
  sigemptyset(&Set);
  sigaddset(&Set, SIGTERM);
  sigaddset(&Set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &Set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto CfgOr = loadConfig(O, Err);
  if (!CfgOr)
    return 1;
  const EngineConfig Cfg = std::move(*CfgOr);
  LogLevel Level = O.Level;
  if (Cfg.Debug && Level == LogLevel::Info)
    Level = LogLevel::Debug;
  Logger Log(Err, Level);
  auto Fail = [&](llvm::StringRef What, llvm::Error E) {
    Log.error(What, {{"error", llvm::toString(std::move(E))}});
    return 1;
  };

  auto Secret = loadServerSecret(Cfg.SecretKey, Cfg.SecretKeyFile);
  if (!Secret)
    return Fail("cannot load the server secret", Secret.takeError());

  ToolPaths Tools;
  Tools.AppJail = Cfg.Overlordd.Appjail;
  Tools.Director = Cfg.Overlordd.AppjailDirector;
  Tools.Rctl = Cfg.Overlordd.Rctl;
  Tools.Sysctl = Cfg.Overlordd.Sysctl;

  Metrics M;
  describeApiMetrics(M);

  llvm::StringRef DbDir = llvm::sys::path::parent_path(Cfg.Overlordd.Database);
  if (!DbDir.empty())
    llvm::sys::fs::create_directories(DbDir);
  JobQueueOptions QO;
  QO.MaxOutputBytes = size_t(Cfg.Overlordd.MaxOutput);
  QO.Reconcile = [&](const Job &J) {
    // Bounded: the API must come up even when another Director still holds
    // the project's lock; the decision then says so (never a silent re-run).
    ReconcileDecision D =
        Executor::reconcile(Cfg, Tools, J, std::chrono::seconds(30));
    Log.warn("reconciled a job interrupted by a crash",
             {{"job", std::to_string(J.Id)},
              {"project", J.Project},
              {"kind", toString(J.Kind).str()},
              {"decision",
               D.Action == ReconcileDecision::Requeue ? "requeue" : "finish"},
              {"note", D.Note}});
    return D;
  };
  auto Q = JobQueue::open(Cfg.Overlordd.Database, std::move(QO));
  if (!Q)
    return Fail("cannot open the job queue", Q.takeError());

  MetadataStore Meta(Cfg.MetadataLocation, uint64_t(Cfg.MetadataSize));
  Meta.removeStaleTemporaries();
  NamespaceStore Ns(Cfg.MetadataNamespaces, Meta);
  Ns.removeStaleTemporaries();

  NodeState State(Cfg, Tools);
  M.addCollector([&State](Metrics &Mx) {
    NodeState::Counters C = State.counters();
    Mx.set("overlord_node_jails", {}, double(C.Jails));
    Mx.set("overlord_node_projects", {}, double(C.Projects));
    Mx.set("overlord_node_refreshes_total", {}, double(C.Refreshes));
  });
  std::unique_ptr<Refresher> OwnRefresher;
  if (Cfg.Overlordd.RefreshInterval > 0) {
    State.refreshAll();
    OwnRefresher = std::make_unique<Refresher>(
        State, std::chrono::seconds(Cfg.Overlordd.RefreshInterval));
  } else {
    State.start();
  }

  HookRunner Hooks(Cfg, Tools);
  VmBuilder Vm(Cfg, Tools, Meta);
  Executor Ex(Cfg, Tools, **Q, State, Meta, &Hooks, &Vm, &M);
  int64_t Workers = Cfg.Overlordd.Workers.value_or(Cfg.MaxWatchCommands);
  Ex.start(unsigned(std::max<int64_t>(1, Workers)));

  // The node's identity in the tree: the reference's server id file.
  auto NodeId = readOrCreateServerId(Cfg.ServerId);
  if (!NodeId) {
    Ex.stop();
    State.stop();
    return Fail("cannot read the server id", NodeId.takeError());
  }
  chain::MonitorOptions MO;
  MO.ProbeInterval = double(Cfg.Overlordd.ChainProbeInterval);
  if (Cfg.Polling.Heartbeat)
    MO.Heartbeat = double(*Cfg.Polling.Heartbeat);
  chain::ClientOptions CO;
  CO.MaxResponseBytes = size_t(Cfg.Overlordd.MaxLogBytes) + (size_t(1) << 20);
  chain::ChainSet Chains(Cfg, MO, {}, CO);
  Chains.addMetrics(M);
  Chains.start();

  // The autoscaler (docs/Autoscale.md): its status records answer
  // GET /v1/project/autoscale/{p}; it starts once the API listens.
  std::string AutoscaleState =
      DbDir.empty() ? std::string("autoscale.json")
                    : (DbDir + "/autoscale.json").str();
  autoscale::Autoscaler Scaler(Cfg, Meta, AutoscaleState);

  ApiContext Ctx;
  Ctx.AutoscaleStatus = [&Scaler](llvm::StringRef P) {
    return Scaler.status(P);
  };
  Ctx.Cfg = &Cfg;
  Ctx.Chains = &Chains;
  Ctx.NodeId = *NodeId;
  Ctx.Queue = Q->get();
  Ctx.State = &State;
  Ctx.Meta = &Meta;
  Ctx.Ns = &Ns;
  Ctx.Verifier = std::make_shared<TokenVerifier>(*Secret);
  Ctx.Metrics = &M;
  if (Log.enabled(LogLevel::Debug))
    Ctx.AccessLog = [&Log](const http::Request &R, unsigned Status,
                           double Ms) {
      Log.debug("request", {{"method", R.Method},
                            {"target", R.Target},
                            {"status", std::to_string(Status)},
                            {"ms", llvm::formatv("{0:f3}", Ms).str()},
                            {"remote", R.Remote}});
    };
  Api A(std::move(Ctx));

  http::ServerOptions SO;
  SO.Address = Cfg.Overlordd.Address;
  SO.Port = O.Port ? *O.Port : uint16_t(Cfg.Port);
  SO.Threads = unsigned(Cfg.Overlordd.IoThreads);
  if (Cfg.Tls.enabled()) {
    http::TlsOptions T;
    T.CertFile = *Cfg.Tls.CertFile;
    T.KeyFile = *Cfg.Tls.KeyFile;
    T.Port = O.TlsPort ? *O.TlsPort : uint16_t(Cfg.Tls.Port);
    SO.Tls = T;
  }
  // The router names each request's route as it dispatches it (Req.Route);
  // the server labels its metrics with that, "unmatched" when empty.
  SO.DefaultHeaders = defaultApiHeaders();
  SO.Log = [&Log](llvm::StringRef Line) { Log.warn("http", {{"detail", Line.str()}}); };
  auto Srv = http::Server::start(
      std::move(SO), [&A](http::Request &R, http::Responder Rp) {
        A.handle(R, std::move(Rp));
      },
      &M);
  if (!Srv) {
    Chains.stop();
    Ex.stop();
    State.stop();
    return Fail("cannot listen", Srv.takeError());
  }
  Logger::KV Fields{{"addr", Cfg.Overlordd.Address + ":" +
                                 std::to_string((*Srv)->port())}};
  if ((*Srv)->tlsPort())
    Fields.emplace_back("tls_addr", Cfg.Overlordd.Address + ":" +
                                        std::to_string((*Srv)->tlsPort()));
  Fields.emplace_back("workers", std::to_string(Workers));
  Fields.emplace_back("database", Cfg.Overlordd.Database);
  const RecoveryReport &Rec = (*Q)->recovery();
  Fields.emplace_back("recovered",
                      std::to_string(Rec.Finished.size() + Rec.Requeued.size()));
  Log.info("listening", Fields);
  if (O.PortFile)
    if (llvm::Error E = writeFileAtomically(*O.PortFile,
                                            std::to_string((*Srv)->port()) +
                                                "\n"))
      Log.error("cannot write the port file",
                {{"error", llvm::toString(std::move(E))}});

  {
    // Loopback to this node, as the reference's poll-autoscale does.
    llvm::StringRef A = Cfg.Overlordd.Address;
    std::string Host = (A == "0.0.0.0" || A.empty()) ? "127.0.0.1"
                       : A == "::"                   ? "::1"
                                                     : A.str();
    Scaler.start(autoscale::makeLoopbackApi(Host, (*Srv)->port(), *Secret));
  }

  int Sig = 0;
  sigwait(&Set, &Sig);
  Log.info("stopping", {{"signal", Sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  Scaler.stop();
  (*Srv)->stop();
  Chains.stop();
  Ex.stop();
  OwnRefresher.reset();
  State.stop();
  Q->reset();
  Log.info("stopped");
  return 0;
}

} // namespace overlord::engine::daemon
