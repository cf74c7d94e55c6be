//===- StateTestSupport.h - NodeState tests against ajsim -------*- C++ -*-===//
//
// A fixture that gives every test a fresh simulated node: a temporary
// directory with `appjail`, `appjail-director`, `rctl` and `sysctl`
// symlinks to the `ajsim` built next to the test binary, AJSIM_ROOT pointing
// at a fresh state directory, and an EngineConfig/ToolPaths aimed at both.
// Projects are created through the simulator's own Director.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_UNITTESTS_STATE_STATETESTSUPPORT_H
#define OVERLORD_UNITTESTS_STATE_STATETESTSUPPORT_H

#include "overlord/Engine/Config.h"
#include "overlord/Engine/ExecCommands.h"
#include "overlord/Engine/NodeState.h"
#include "overlord/Engine/Process.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <climits>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <unistd.h>

namespace overlord::engine::statetest {

/// ajsim next to this test binary (the build puts both in bin/).
inline std::string ajsimPath() {
  char Self[PATH_MAX];
  ssize_t N = ::readlink("/proc/self/exe", Self, sizeof Self - 1);
  if (N <= 0)
    return "";
  Self[N] = 0;
  return (llvm::sys::path::parent_path(Self) + "/ajsim").str();
}

/// A Makejail that starts the jail, as most real ones do.
inline const char *StartMakejail = "OPTION start\n";

/// A two-service project that exercises every conf/ item the state reads.
inline const char *DemoDirectorFile = R"(options:
  - virtualnet: ':<random> default'
  - nat:
services:
  web:
    name: web1
    makejail: Makejail
    options:
      - expose: 8080
      - label: 'overlord.skydns.group:web'
      - limits: 'memoryuse:deny=512M'
      - healthcheck: 'name:check interval:10'
      - fstab: '/tmp /mnt nullfs ro 0 1'
      - volume: 'data mountpoint:/data'
  db:
    name: db1
    priority: 10
    makejail: Makejail
)";

class StateTest : public ::testing::Test {
protected:
  void SetUp() override {
    Ajsim = ajsimPath();
    ASSERT_TRUE(llvm::sys::fs::can_execute(Ajsim))
        << "ajsim not found at '" << Ajsim << "': build the ajsim target";
    llvm::SmallString<128> P;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("overlord-state", P));
    char Real[PATH_MAX];
    ASSERT_NE(::realpath(P.c_str(), Real), nullptr);
    Dir = Real;
    Root = Dir + "/root";
    Bin = Dir + "/bin";
    ASSERT_FALSE(llvm::sys::fs::create_directories(Root + "/sim"));
    ASSERT_FALSE(llvm::sys::fs::create_directories(Bin));
    for (const char *Tool : {"appjail", "appjail-director", "rctl", "sysctl"})
      ASSERT_EQ(::symlink(Ajsim.c_str(), (Bin + "/" + Tool).c_str()), 0);
    ::setenv("AJSIM_ROOT", Root.c_str(), 1);
    Cfg = defaultConfig(ConfigOptions());
    Cfg.AppjailJails = Root + "/appjail/jails";
    Cfg.Overlordd.DefaultTimeout = 30;
    Tools.AppJail = Bin + "/appjail";
    Tools.Director = Bin + "/appjail-director";
    Tools.Rctl = Bin + "/rctl";
    Tools.Sysctl = Bin + "/sysctl";
  }

  void TearDown() override {
    if (!Dir.empty())
      llvm::sys::fs::remove_directories(Dir);
    ::unsetenv("AJSIM_ROOT");
  }

  /// Runs a simulated tool (`appjail`, `appjail-director`, ...) or an
  /// `ajsim` helper; returns its result (exit code in ExitCode).
  ProcessResult sim(const std::string &Tool, std::vector<std::string> Args,
                    const std::string &Cwd = "") {
    ProcessSpec S;
    S.Program = Tool == "ajsim" ? Ajsim : Bin + "/" + Tool;
    S.Args = std::move(Args);
    S.InheritEnv = true;
    S.Cwd = Cwd;
    S.Timeout = std::chrono::seconds(60);
    llvm::Expected<ProcessResult> R = runProcess(S);
    if (!R) {
      ADD_FAILURE() << llvm::toString(R.takeError());
      return {};
    }
    return std::move(*R);
  }

  /// Writes a file (parents created).
  void write(const std::string &Path, const std::string &Text) {
    llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path));
    std::ofstream(Path, std::ios::binary) << Text;
  }

  /// `appjail-director up -j -f <dir>/appjail-director.yml -p Project`.
  void up(const std::string &Project, const std::string &DirectorFile,
          const std::string &Makejail = StartMakejail) {
    std::string PDir = Dir + "/projects/" + Project;
    write(PDir + "/appjail-director.yml", DirectorFile);
    write(PDir + "/Makejail", Makejail);
    ProcessResult R =
        sim("appjail-director",
            {"up", "-j", "-f", PDir + "/appjail-director.yml", "-p", Project},
            PDir);
    ASSERT_EQ(R.ExitCode, 0) << R.Stdout << R.Stderr;
  }

  /// Appends a rule to sim/faults.
  void fault(const std::string &Rule) {
    std::ofstream(Root + "/sim/faults", std::ios::app) << Rule << "\n";
  }
  void clearFaults() { ::unlink((Root + "/sim/faults").c_str()); }
  void simConfig(const std::string &Line) {
    std::ofstream(Root + "/sim/config", std::ios::app) << Line << "\n";
  }

  /// A NodeState whose log lines are collected in Logs.
  std::unique_ptr<NodeState> makeState() {
    auto S = std::make_unique<NodeState>(Cfg, Tools);
    S->setLogger([this](llvm::StringRef M) {
      std::lock_guard<std::mutex> L(LogM);
      Logs.push_back(M.str());
    });
    return S;
  }
  std::vector<std::string> logs() {
    std::lock_guard<std::mutex> L(LogM);
    return Logs;
  }

  std::string Ajsim, Dir, Root, Bin;
  EngineConfig Cfg;
  ToolPaths Tools;
  std::mutex LogM;
  std::vector<std::string> Logs;
};

/// JSON as canonical text, for comparisons with readable failures.
inline std::string str(const llvm::json::Value &V) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << V;
  return OS.str();
}
inline std::string str(const llvm::json::Object &O) {
  return str(llvm::json::Value(llvm::json::Object(O)));
}
inline std::string str(const llvm::json::Array &A) {
  return str(llvm::json::Value(llvm::json::Array(A)));
}
/// The string field K of O, or "<nullopt>"/"<missing>".
inline std::string field(const std::optional<llvm::json::Object> &O,
                         llvm::StringRef K) {
  if (!O)
    return "<nullopt>";
  if (llvm::Optional<llvm::StringRef> S = O->getString(K))
    return S->str();
  return "<missing>";
}
template <typename T> std::string str(const std::optional<T> &V) {
  return V ? str(*V) : "<nullopt>";
}

} // namespace overlord::engine::statetest

#endif // OVERLORD_UNITTESTS_STATE_STATETESTSUPPORT_H
