//===- HooksTestSupport.h - Real etcd/haproxy and ajsim for tests -*- C++ -*-//
//
// Fixtures of the label-hook tests: a temporary directory, child processes
// that are always stopped (their whole process group), a real etcd and a
// real haproxy on free loopback ports, the test-only Data Plane API
// (engine/sim/dpapi/dpapi-sim.py) in front of that haproxy, and the ajsim
// AppJail/Director simulator with projects brought up from Director files.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_UNITTESTS_HOOKS_HOOKSTESTSUPPORT_H
#define OVERLORD_ENGINE_UNITTESTS_HOOKS_HOOKSTESTSUPPORT_H

#include "../../lib/Hooks/HttpClient.h"

#include "overlord/Engine/DirectorOutput.h"
#include "overlord/Engine/Process.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <netinet/in.h>
#include <optional>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace overlord::engine::hookstest {

/// A fresh directory, removed with its contents at the end.
class TempDir {
public:
  TempDir() {
    llvm::SmallString<128> P;
    if (!llvm::sys::fs::createUniqueDirectory("overlord-hooks", P))
      Path = std::string(P);
  }
  ~TempDir() {
    // std::filesystem also removes the sockets haproxy leaves behind.
    std::error_code EC;
    if (!Path.empty())
      std::filesystem::remove_all(Path, EC);
  }
  std::string path(llvm::StringRef Rel = "") const {
    return Rel.empty() ? Path : Path + "/" + Rel.str();
  }

private:
  std::string Path;
};

inline bool writeFile(const std::string &Path, llvm::StringRef Text) {
  llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path));
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  if (EC)
    return false;
  OS << Text;
  return true;
}

inline std::string readFile(const std::string &Path) {
  auto B = llvm::MemoryBuffer::getFile(Path, false, false);
  return B ? (*B)->getBuffer().str() : std::string();
}

/// A loopback TCP port that was free a moment ago.
inline unsigned freePort() {
  int S = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in A{};
  A.sin_family = AF_INET;
  A.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(S, reinterpret_cast<sockaddr *>(&A), sizeof(A));
  socklen_t L = sizeof(A);
  ::getsockname(S, reinterpret_cast<sockaddr *>(&A), &L);
  ::close(S);
  return ntohs(A.sin_port);
}

/// Polls Pred every 20 ms until it holds or Limit passes.
template <typename Fn> bool waitFor(Fn Pred, std::chrono::milliseconds Limit) {
  auto End = std::chrono::steady_clock::now() + Limit;
  while (std::chrono::steady_clock::now() < End) {
    if (Pred())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Pred();
}

/// A background child in its own process group, output to LogFile;
/// SIGTERM (then SIGKILL) to the group on destruction.
class Child {
public:
  Child() = default;
  Child(const Child &) = delete;
  Child &operator=(const Child &) = delete;
  ~Child() { stop(); }

  bool start(const std::vector<std::string> &Argv, const std::string &LogFile) {
    posix_spawn_file_actions_t Fa;
    posix_spawnattr_t At;
    posix_spawn_file_actions_init(&Fa);
    posix_spawn_file_actions_addopen(&Fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&Fa, 1, LogFile.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&Fa, 1, 2);
    posix_spawnattr_init(&At);
    posix_spawnattr_setflags(&At, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&At, 0);
    std::vector<char *> A;
    for (const std::string &S : Argv)
      A.push_back(const_cast<char *>(S.c_str()));
    A.push_back(nullptr);
    int Rc = posix_spawnp(&Pid, A[0], &Fa, &At, A.data(), environ);
    posix_spawn_file_actions_destroy(&Fa);
    posix_spawnattr_destroy(&At);
    if (Rc != 0)
      Pid = 0;
    return Rc == 0;
  }
  bool running() {
    if (Pid <= 0)
      return false;
    int St;
    if (::waitpid(Pid, &St, WNOHANG) == Pid) {
      Pid = 0;
      return false;
    }
    return true;
  }
  void stop() {
    if (Pid <= 0)
      return;
    ::kill(-Pid, SIGTERM);
    int St;
    bool Gone = waitFor([&] { return ::waitpid(Pid, &St, WNOHANG) == Pid; },
                        std::chrono::milliseconds(3000));
    if (!Gone) {
      ::kill(-Pid, SIGKILL);
      ::waitpid(Pid, &St, 0);
    }
    Pid = 0;
  }
  pid_t pid() const { return Pid; }

private:
  pid_t Pid = 0;
};

inline std::string findProgram(llvm::StringRef Name,
                               llvm::StringRef Fallback = "") {
  for (const char *Dir : {"/usr/bin", "/usr/sbin", "/usr/local/bin"}) {
    std::string P = std::string(Dir) + "/" + Name.str();
    if (::access(P.c_str(), X_OK) == 0)
      return P;
  }
  return Fallback.str();
}

/// A real etcd on free loopback ports.
class EtcdServer {
public:
  /// Empty when /usr/bin/etcd is missing (tests then skip).
  static std::string binary() { return findProgram("etcd"); }

  bool start(const std::string &Dir) {
    for (int Attempt = 0; Attempt < 3; ++Attempt) {
      Port = freePort();
      unsigned Peer = freePort();
      std::string Client = "http://127.0.0.1:" + std::to_string(Port);
      std::string PeerUrl = "http://127.0.0.1:" + std::to_string(Peer);
      std::string Data = Dir + "/etcd-data-" + std::to_string(Attempt);
      Proc.start({binary(), "--name", "t", "--data-dir", Data,
                  "--listen-client-urls", Client, "--advertise-client-urls",
                  Client, "--listen-peer-urls", PeerUrl,
                  "--initial-advertise-peer-urls", PeerUrl, "--initial-cluster",
                  "t=" + PeerUrl},
                 Dir + "/etcd.log");
      if (waitFor([&] { return !Proc.running() || healthy(); },
                  std::chrono::milliseconds(15000)) &&
          Proc.running())
        return true;
      Proc.stop();
    }
    return false;
  }
  bool healthy() const {
    hooks::HttpRequest R;
    R.Url = "http://127.0.0.1:" + std::to_string(Port) + "/health";
    R.Timeout = std::chrono::milliseconds(1000);
    auto Resp = hooks::httpRequest(R);
    if (!Resp) {
      llvm::consumeError(Resp.takeError());
      return false;
    }
    return Resp->Status == 200 &&
           llvm::StringRef(Resp->Body).contains("\"true\"");
  }
  unsigned port() const { return Port; }
  void stop() { Proc.stop(); }

private:
  Child Proc;
  unsigned Port = 0;
};

/// Sends one command to a haproxy stats socket and returns the answer.
inline std::string haproxyCommand(const std::string &Socket,
                                  const std::string &Line) {
  int S = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un A{};
  A.sun_family = AF_UNIX;
  std::snprintf(A.sun_path, sizeof(A.sun_path), "%s", Socket.c_str());
  std::string Out;
  if (::connect(S, reinterpret_cast<sockaddr *>(&A), sizeof(A)) == 0) {
    std::string L = Line + "\n";
    if (::write(S, L.data(), L.size()) == static_cast<ssize_t>(L.size())) {
      char Buf[4096];
      ssize_t N;
      while ((N = ::read(S, Buf, sizeof(Buf))) > 0)
        Out.append(Buf, N);
    }
  }
  ::close(S);
  return Out;
}

/// A real haproxy with backends "web" and "api" (no servers) and an admin
/// stats socket, plus the test Data Plane API in front of it.
class HAProxyWithApi {
public:
  static std::string haproxyBinary() { return findProgram("haproxy"); }
  static std::string simScript() {
    if (const char *E = std::getenv("OVERLORD_DPAPI_SIM"))
      return E;
    llvm::SmallString<256> P(__FILE__);
    llvm::sys::path::remove_filename(P); // .../engine/unittests/Hooks
    llvm::sys::path::append(P, "..", "..", "sim", "dpapi/dpapi-sim.py");
    return std::string(P);
  }

  bool start(const std::string &Dir) {
    Socket = Dir + "/haproxy.sock";
    std::string Cfg = Dir + "/haproxy.cfg";
    writeFile(Cfg, "global\n"
                   "  stats socket " +
                       Socket +
                       " mode 600 level admin\n"
                       "defaults\n"
                       "  mode http\n"
                       "  timeout connect 1s\n"
                       "  timeout client 5s\n"
                       "  timeout server 5s\n"
                       "backend web\n"
                       "  balance roundrobin\n"
                       "backend api\n"
                       "  balance roundrobin\n");
    if (!Haproxy.start({haproxyBinary(), "-db", "-f", Cfg},
                       Dir + "/haproxy.log"))
      return false;
    if (!waitFor(
            [&] {
              return llvm::StringRef(haproxyCommand(Socket, "show backend"))
                  .contains("web");
            },
            std::chrono::milliseconds(5000)))
      return false;
    std::string PortFile = Dir + "/dpapi.port";
    LogFile = Dir + "/dpapi.log";
    if (!Api.start({findProgram("python3", "python3"), simScript(), "--socket",
                    Socket, "--user", "admin", "--password", "s3cret",
                    "--port-file", PortFile, "--log", LogFile},
                   Dir + "/dpapi.out"))
      return false;
    if (!waitFor([&] { return llvm::sys::fs::exists(PortFile); },
                 std::chrono::milliseconds(10000)))
      return false;
    Port = std::atoi(readFile(PortFile).c_str());
    return Port != 0;
  }
  std::string entrypoint() const {
    return "http://127.0.0.1:" + std::to_string(Port);
  }
  std::string serversState(const std::string &Backend) const {
    return haproxyCommand(Socket, "show servers state " + Backend);
  }
  /// The request log of the Data Plane API, cleared after reading.
  std::string takeLog() const {
    std::string L = readFile(LogFile);
    llvm::sys::fs::remove(LogFile);
    return L;
  }
  const std::string &socket() const { return Socket; }

private:
  Child Haproxy, Api;
  std::string Socket, LogFile;
  unsigned Port = 0;
};

/// The directory of the running test binary (ajsim is built next to it).
inline std::string selfDir() {
  char Buf[4096];
  ssize_t N = ::readlink("/proc/self/exe", Buf, sizeof(Buf) - 1);
  if (N <= 0)
    return ".";
  Buf[N] = 0;
  return std::string(llvm::sys::path::parent_path(Buf));
}

/// ajsim installed as appjail/appjail-director in Dir/bin, state in
/// Dir/root (AJSIM_ROOT is set for this process).
class AjSim {
public:
  AjSim() = default;
  AjSim(const AjSim &) = delete;
  AjSim &operator=(const AjSim &) = delete;
  static std::string binary() {
    if (const char *E = std::getenv("OVERLORD_AJSIM"))
      return E;
    return selfDir() + "/ajsim";
  }
  bool setUp(const std::string &Dir) {
    Root = Dir + "/root";
    Bin = Dir + "/bin";
    llvm::sys::fs::create_directories(Root);
    llvm::sys::fs::create_directories(Bin);
    if (const char *Old = std::getenv("AJSIM_ROOT"))
      SavedRoot = Old;
    Saved = true;
    ::setenv("AJSIM_ROOT", Root.c_str(), 1);
    auto R = run(binary(), {"install", Bin});
    return R && R->succeeded();
  }
  std::string director() const { return Bin + "/appjail-director"; }
  std::string appjail() const { return Bin + "/appjail"; }
  std::string jailsDir() const { return Root + "/appjail/jails"; }

  llvm::Expected<ProcessResult> run(const std::string &Program,
                                    std::vector<std::string> Args) const {
    ProcessSpec S;
    S.Program = Program;
    S.Args = std::move(Args);
    S.InheritEnv = true;
    S.Env["PATH"] =
        Bin + ":" + (std::getenv("PATH") ? std::getenv("PATH") : "");
    S.Timeout = std::chrono::seconds(30);
    return runProcess(S);
  }
  /// `appjail-director up -j -f File -p Project`; true on errlevel 0.
  bool up(const std::string &File, const std::string &Project,
          std::string *Output = nullptr) const {
    auto R = run(director(), {"up", "-j", "-f", File, "-p", Project});
    if (!R) {
      if (Output)
        *Output = llvm::toString(R.takeError());
      else
        llvm::consumeError(R.takeError());
      return false;
    }
    if (Output)
      *Output = R->Stdout + R->Stderr;
    return R->succeeded();
  }
  /// The jail of Service in Project (from describe), or "".
  std::string jailOf(const std::string &Project,
                     const std::string &Service) const {
    auto R = run(director(), {"describe", "-p", Project});
    if (!R) {
      llvm::consumeError(R.takeError());
      return "";
    }
    auto D = parseDirectorDescription(R->Stdout);
    if (!D) {
      llvm::consumeError(D.takeError());
      return "";
    }
    const DirectorService *S = D->service(Service);
    return S ? S->Jail : "";
  }

  /// Puts back the AJSIM_ROOT the process had, so later tests do not see
  /// a directory that is gone.
  ~AjSim() {
    if (!Saved)
      return;
    if (SavedRoot)
      ::setenv("AJSIM_ROOT", SavedRoot->c_str(), 1);
    else
      ::unsetenv("AJSIM_ROOT");
  }

private:
  std::string Root, Bin;
  std::optional<std::string> SavedRoot;
  bool Saved = false;
};

} // namespace overlord::engine::hookstest

#endif // OVERLORD_ENGINE_UNITTESTS_HOOKS_HOOKSTESTSUPPORT_H
