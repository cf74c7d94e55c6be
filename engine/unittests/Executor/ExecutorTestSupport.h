//===- ExecutorTestSupport.h - A node on the AppJail simulator --*- C++ -*-===//
//
// Each test gets a fresh temporary world: `ajsim` symlinked as appjail,
// appjail-director, rctl and sysctl in <tmp>/bin (first on PATH),
// AJSIM_ROOT=<tmp>/root, an EngineConfig pointing at the simulator's trees,
// a JobQueue in <tmp>/jobs.db, a NodeState and a MetadataStore. ajsim is
// found next to the test binary (same build's bin/), or at $AJSIM.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_UNITTESTS_EXECUTOR_EXECUTORTESTSUPPORT_H
#define OVERLORD_ENGINE_UNITTESTS_EXECUTOR_EXECUTORTESTSUPPORT_H

#include "overlord/Engine/Config.h"
#include "overlord/Engine/Executor.h"
#include "overlord/Engine/JobQueue.h"
#include "overlord/Engine/MetadataStore.h"
#include "overlord/Engine/NodeState.h"
#include "overlord/Engine/Process.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace overlord::engine::test {

template <typename T> T mustGet(llvm::Expected<T> E) {
  if (!E)
    throw std::runtime_error(llvm::toString(E.takeError()));
  return std::move(*E);
}

inline std::string ajsimPath() {
  if (const char *P = std::getenv("AJSIM"))
    return P;
  llvm::SmallString<256> Self;
  char Buf[4096];
  ssize_t N = ::readlink("/proc/self/exe", Buf, sizeof(Buf) - 1);
  if (N > 0)
    Self.assign(Buf, Buf + N);
  llvm::sys::path::remove_filename(Self);
  llvm::sys::path::append(Self, "ajsim");
  return std::string(Self);
}

inline std::string readText(const std::string &Path) {
  auto B = llvm::MemoryBuffer::getFile(Path);
  return B ? (*B)->getBuffer().str() : std::string();
}

inline void writeText(const std::string &Path, llvm::StringRef Text) {
  llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path));
  std::ofstream(Path, std::ios::binary) << Text.str();
}

/// A simple project: one service, a Makejail that resolves to an empty one.
inline const char *SimpleDirector = "services:\n"
                                    "  web:\n"
                                    "    makejail: gh+overlord/hello\n";

/// A node (config, queue, state, metadata, executor) on a fresh simulator.
class SimNode : public ::testing::Test {
protected:
  void SetUp() override {
    Sim = ajsimPath();
    if (!llvm::sys::fs::can_execute(Sim))
      GTEST_SKIP() << "ajsim not found at " << Sim << " (build target ajsim)";
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("overlord-exec", Dir));
    Bin = (Dir + "/bin").str();
    Root = (Dir + "/root").str();
    llvm::sys::fs::create_directories(Bin);
    llvm::sys::fs::create_directories(Root + "/sim");
    for (const char *T : {"appjail", "appjail-director", "rctl", "sysctl"})
      ASSERT_FALSE(llvm::sys::fs::create_link(Sim, Bin + "/" + T));
    // gh+overlord/hello: optional build arguments the tests pass.
    writeText(Root + "/sim/makejails/overlord/hello/Makejail",
              "ARG tag?\nARG a?\nARG b?\n");
    OldPath = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
    ::setenv("PATH", (Bin + ":" + OldPath).c_str(), 1);
    ::setenv("AJSIM_ROOT", Root.c_str(), 1);

    ConfigOptions Opts;
    Opts.Prefix = (Dir + "/prefix").str();
    Cfg = defaultConfig(Opts);
    Cfg.AppjailJails = Root + "/appjail/jails";
    Cfg.DirectorLogs = Root + "/director/logs";
    Cfg.MetadataLocation = (Dir + "/metadata").str();
    Cfg.MetadataNamespaces = (Dir + "/namespaces").str();
    Cfg.Overlordd.Timeouts["director-up"] = 20;
    Cfg.Overlordd.Timeouts["director-down"] = 20;
    Tools.AppJail = Bin + "/appjail";
    Tools.Director = Bin + "/appjail-director";
    Tools.Rctl = Bin + "/rctl";
    Tools.Sysctl = Bin + "/sysctl";
    openQueue();
    State = std::make_unique<NodeState>(Cfg, Tools);
    Meta = std::make_unique<MetadataStore>(Cfg.MetadataLocation, 1 << 20);
  }

  void TearDown() override {
    Exec.reset();
    State.reset();
    Q.reset();
    if (!OldPath.empty())
      ::setenv("PATH", OldPath.c_str(), 1);
    if (!Dir.empty())
      llvm::sys::fs::remove_directories(Dir);
  }

  void openQueue(ReconcileFn Reconcile = nullptr) {
    JobQueueOptions O;
    O.Reconcile = std::move(Reconcile);
    Q = mustGet(JobQueue::open((Dir + "/jobs.db").str(), O));
  }

  /// The executor, created on first use with the given hooks/VM/metrics.
  Executor &executor(HookRunner *Hooks = nullptr, VmBuilder *Vm = nullptr,
                     http::Metrics *M = nullptr) {
    if (!Exec) {
      Exec = std::make_unique<Executor>(Cfg, Tools, *Q, *State, *Meta, Hooks,
                                        Vm, M);
      ExecutorTuning T;
      T.BusyWait = std::chrono::milliseconds(1500);
      T.BusyPollMin = std::chrono::milliseconds(50);
      T.BusyPollMax = std::chrono::milliseconds(200);
      T.ClaimSlice = std::chrono::milliseconds(100);
      Exec->setTuning(T);
    }
    return *Exec;
  }

  /// Enqueues, claims and runs one job on this thread; returns it finished.
  Job run(const NewJob &NJ) {
    JobId Id = mustGet(Q->enqueue(NJ));
    std::optional<Job> J = mustGet(Q->claimNext());
    EXPECT_TRUE(J && J->Id == Id);
    if (!J)
      throw std::runtime_error("nothing claimed");
    executor().runClaimed(*J);
    return *mustGet(Q->get(Id));
  }

  /// A project.up payload; Extra (the members of a JSON object, without
  /// braces) adds or replaces members.
  static std::string upPayload(llvm::StringRef Director,
                               llvm::StringRef Extra = "") {
    llvm::json::Object O{{"director_file", Director},
                         {"environment", llvm::json::Object()},
                         {"restart", false},
                         {"reserve_port", llvm::json::Object()}};
    if (!Extra.empty()) {
      llvm::json::Value More = mustGet(llvm::json::parse("{" + Extra.str() + "}"));
      for (auto &[K, V] : *More.getAsObject())
        O[K] = V;
    }
    return llvm::formatv("{0}", llvm::json::Value(std::move(O)));
  }

  Job up(llvm::StringRef Project, llvm::StringRef Director = SimpleDirector,
         llvm::StringRef Extra = "") {
    return run({JobKind::ProjectUp, Project.str(), "main",
                upPayload(Director, Extra), false});
  }
  Job down(llvm::StringRef Project, bool Force = false) {
    return run({JobKind::ProjectDown, Project.str(), "main",
                Force ? R"({"environment": {}, "force": true})"
                      : R"({"environment": {}, "force": false})",
                false});
  }

  /// Runs `ajsim ARGS...` (helpers, or a tool through the simulator).
  ProcessResult sim(std::vector<std::string> Args) {
    ProcessSpec S;
    S.Program = Sim;
    S.Args = std::move(Args);
    S.InheritEnv = true;
    S.Timeout = std::chrono::seconds(30);
    return mustGet(runProcess(S));
  }
  void fault(llvm::StringRef Rule) {
    std::string Faults = readText(Root + "/sim/faults");
    writeText(Root + "/sim/faults", Faults + Rule.str() + "\n");
  }
  void simConfig(llvm::StringRef Line) {
    std::string C = readText(Root + "/sim/config");
    writeText(Root + "/sim/config", C + Line.str() + "\n");
  }
  std::string journal() { return readText(Root + "/sim/calls.jsonl"); }
  int checkRc(llvm::StringRef Project) {
    return sim({"appjail-director", "check", "-p", Project.str()}).shellStatus();
  }

  llvm::SmallString<128> Dir;
  std::string Sim, Bin, Root, OldPath;
  EngineConfig Cfg;
  ToolPaths Tools;
  std::unique_ptr<JobQueue> Q;
  std::unique_ptr<NodeState> State;
  std::unique_ptr<MetadataStore> Meta;
  std::unique_ptr<Executor> Exec;
};

/// Polls Pred every 20 ms until it holds or Timeout passes.
template <typename F>
bool eventually(F Pred, std::chrono::milliseconds Timeout =
                            std::chrono::milliseconds(10000)) {
  auto End = std::chrono::steady_clock::now() + Timeout;
  while (std::chrono::steady_clock::now() < End) {
    if (Pred())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Pred();
}

} // namespace overlord::engine::test

#endif // OVERLORD_ENGINE_UNITTESTS_EXECUTOR_EXECUTORTESTSUPPORT_H
