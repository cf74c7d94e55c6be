//===- ReservePort.cpp - reserve_port: a free host port per interface -----===//
//
// The reference's `get_freeport` (overlord-behaviour.md §7.5) with its bugs
// fixed (§12.1 #12): the host ports of the expose rules on the interface are
// really excluded (compared as integers), the range comes from `sysctl -n
// net.inet.ip.portrange.first/last` through the configured sysctl (a
// subprocess, so the simulator answers it), the range is inclusive of
// `last`, a port in use is never retried (each of the three attempts draws
// another port) and a socket error is a clean failure, not a NameError.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Executor.h"

#include "overlord/Engine/Hooks.h"
#include "overlord/Engine/Process.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;

namespace {

/// A `conf/` keyword file as the reference reads it: one trailing newline
/// dropped; missing or empty: "".
std::string readKeyword(const llvm::Twine &Path) {
  auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf)
    return "";
  llvm::StringRef S = (*Buf)->getBuffer();
  if (S.endswith("\n"))
    S = S.drop_back();
  return S.str();
}

llvm::Error rangeError(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "cannot read the port range: " + Msg);
}

/// Binds (and listens on) Address:Port; 0 when it worked, else errno.
int bindTest(llvm::StringRef Address, uint16_t Port) {
  sockaddr_storage SS;
  std::memset(&SS, 0, sizeof(SS));
  socklen_t Len;
  std::string A = Address.str();
  // A link-local IPv6 address may carry a zone ("fe80::1%em0").
  std::string Host = A.substr(0, A.find('%'));
  if (auto *V4 = reinterpret_cast<sockaddr_in *>(&SS);
      inet_pton(AF_INET, Host.c_str(), &V4->sin_addr) == 1) {
    V4->sin_family = AF_INET;
    V4->sin_port = htons(Port);
    Len = sizeof(sockaddr_in);
  } else if (auto *V6 = reinterpret_cast<sockaddr_in6 *>(&SS);
             inet_pton(AF_INET6, Host.c_str(), &V6->sin6_addr) == 1) {
    V6->sin6_family = AF_INET6;
    V6->sin6_port = htons(Port);
    Len = sizeof(sockaddr_in6);
  } else {
    return EINVAL;
  }
  int S = ::socket(SS.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (S < 0)
    return errno;
  int One = 1;
  ::setsockopt(S, SOL_SOCKET, SO_REUSEADDR, &One, sizeof(One));
  int Err = 0;
  if (::bind(S, reinterpret_cast<sockaddr *>(&SS), Len) != 0 ||
      ::listen(S, 1) != 0)
    Err = errno;
  ::close(S);
  return Err;
}

} // namespace

std::set<uint16_t> engine::exposedPorts(llvm::StringRef JailsDir,
                                        llvm::StringRef Iface) {
  std::set<uint16_t> Ports;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator J(JailsDir, EC), End; !EC && J != End;
       J.increment(EC)) {
    llvm::SmallString<256> Expose(J->path());
    llvm::sys::path::append(Expose, "conf", "boot", "expose");
    std::error_code EC2;
    for (llvm::sys::fs::directory_iterator R(Expose, EC2), REnd;
         !EC2 && R != REnd; R.increment(EC2)) {
      if (readKeyword(R->path() + "/on_if") != Iface)
        continue;
      unsigned Port;
      if (!llvm::StringRef(readKeyword(R->path() + "/hport"))
               .trim()
               .getAsInteger(10, Port) &&
          Port > 0 && Port < 65536)
        Ports.insert(static_cast<uint16_t>(Port));
    }
  }
  return Ports;
}

llvm::Expected<std::pair<uint16_t, uint16_t>>
engine::portRange(const ToolPaths &Tools, std::chrono::seconds Timeout) {
  ProcessSpec S;
  S.Program = Tools.Sysctl;
  S.Args = {"-n", "net.inet.ip.portrange.first", "net.inet.ip.portrange.last"};
  S.InheritEnv = true;
  S.Timeout = Timeout;
  S.StdoutLimit = S.StderrLimit = 64 << 10;
  llvm::Expected<ProcessResult> R = runProcess(S);
  if (!R)
    return rangeError(llvm::toString(R.takeError()));
  if (!R->succeeded())
    return rangeError("'" + formatCommandLine(S.Program, S.Args) +
                      "' exited with status " +
                      llvm::Twine(R->shellStatus()) +
                      (R->TimedOut ? " (timed out)" : "") + ": " +
                      llvm::StringRef(R->Stderr).trim());
  llvm::SmallVector<llvm::StringRef, 2> Lines;
  llvm::StringRef(R->Stdout).trim().split(Lines, '\n');
  unsigned V[2];
  if (Lines.size() != 2 || Lines[0].trim().getAsInteger(10, V[0]) ||
      Lines[1].trim().getAsInteger(10, V[1]) || V[0] == 0 || V[0] > 65535 ||
      V[1] > 65535 || V[0] > V[1])
    return rangeError("unexpected output '" +
                      llvm::StringRef(R->Stdout).trim() + "'");
  return std::make_pair(static_cast<uint16_t>(V[0]),
                        static_cast<uint16_t>(V[1]));
}

llvm::Expected<PortSearch>
engine::reservePort(const EngineConfig &Cfg, const ToolPaths &Tools,
                    llvm::StringRef Iface,
                    std::optional<llvm::StringRef> Network,
                    const std::set<uint16_t> &Exclude) {
  std::string NetText = Network ? Network->str() : "None";
  llvm::Expected<std::optional<std::string>> Address =
      interfaceAddress(Iface, Network);
  if (!Address)
    return Address.takeError();
  if (!*Address)
    return PortSearch{std::nullopt,
                      "interface '" + Iface.str() + "' has no address" +
                          (Network ? " in " + NetText : std::string())};
  auto Range = portRange(Tools, std::chrono::seconds(Cfg.timeoutFor("sysctl")));
  if (!Range)
    return Range.takeError();
  std::set<uint16_t> Used = exposedPorts(Cfg.AppjailJails, Iface);
  Used.insert(Exclude.begin(), Exclude.end());
  std::vector<uint16_t> Candidates;
  for (unsigned P = Range->first; P <= Range->second; ++P)
    if (!Used.count(static_cast<uint16_t>(P)))
      Candidates.push_back(static_cast<uint16_t>(P));
  std::random_device Seed;
  std::mt19937 Rng(Seed());
  for (int Attempt = 0; Attempt < 3 && !Candidates.empty(); ++Attempt) {
    std::uniform_int_distribution<size_t> Pick(0, Candidates.size() - 1);
    size_t I = Pick(Rng);
    uint16_t Port = Candidates[I];
    int Err = bindTest(**Address, Port);
    if (Err == 0)
      return PortSearch{Port, ""};
    if (Err != EADDRINUSE && Err != EACCES)
      return llvm::createStringError(
          std::error_code(Err, std::generic_category()),
          "cannot bind %s port %u: %s", (*Address)->c_str(), Port,
          std::strerror(Err));
    // Never draw this port again.
    Candidates[I] = Candidates.back();
    Candidates.pop_back();
  }
  return PortSearch{std::nullopt, "no free port has been found for " +
                                      Iface.str() + " (" + NetText + ")"};
}
