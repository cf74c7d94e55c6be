//===- NodeIdentity.cpp - Server id and interface addresses -----*- C++ -*-===//
//
// What the integrations publish about this node: its server id (the owner
// name of DNS records and the HAProxy server name, §11.3) and the address
// of a network interface, optionally restricted to a network (the
// reference's `util.iface2ip` over ifaddr, here over getifaddrs(3) in the
// same order).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Hooks.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <ifaddrs.h>
#include <mutex>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;

char InterfaceError::ID = 0;

void InterfaceError::log(llvm::raw_ostream &OS) const {
  OS << Type << ": " << Message;
}

std::error_code InterfaceError::convertToErrorCode() const {
  return std::make_error_code(std::errc::invalid_argument);
}

//===----------------------------------------------------------------------===//
// Server id
//===----------------------------------------------------------------------===//

namespace {

/// A random (version 4) UUID in its canonical text form.
std::string uuid4() {
  std::random_device Rd;
  uint8_t B[16];
  for (unsigned I = 0; I < 16; I += 4) {
    uint32_t V = Rd();
    std::memcpy(B + I, &V, 4);
  }
  B[6] = (B[6] & 0x0f) | 0x40;
  B[8] = (B[8] & 0x3f) | 0x80;
  std::string Hex = llvm::toHex(llvm::ArrayRef<uint8_t>(B, 16), true);
  return Hex.substr(0, 8) + "-" + Hex.substr(8, 4) + "-" + Hex.substr(12, 4) +
         "-" + Hex.substr(16, 4) + "-" + Hex.substr(20);
}

bool validServerId(llvm::StringRef Id) {
  return llvm::all_of(Id, [](char C) {
    return llvm::isAlnum(C) || C == '-' || C == '_' || C == '.';
  });
}

/// The stripped contents of Path; "" when it is missing.
llvm::Expected<std::string> readId(llvm::StringRef Path) {
  auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf) {
    if (Buf.getError() == std::errc::no_such_file_or_directory)
      return "";
    return llvm::createStringError(Buf.getError(), "cannot read '%s': %s",
                                   Path.str().c_str(),
                                   Buf.getError().message().c_str());
  }
  if ((*Buf)->getBufferSize() > 4096)
    return llvm::createStringError(std::errc::file_too_large,
                                   "'%s' is not a server id file",
                                   Path.str().c_str());
  return (*Buf)->getBuffer().trim().str();
}

llvm::Error writeFileSynced(const std::string &Path, llvm::StringRef Data) {
  int Fd = ::open(Path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (Fd < 0)
    return llvm::errorCodeToError(
        std::error_code(errno, std::generic_category()));
  bool Ok = ::write(Fd, Data.data(), Data.size()) ==
                static_cast<ssize_t>(Data.size()) &&
            ::fsync(Fd) == 0;
  int Err = errno;
  ::close(Fd);
  if (!Ok)
    return llvm::errorCodeToError(
        std::error_code(Err, std::generic_category()));
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::string> engine::readOrCreateServerId(llvm::StringRef Path) {
  // Threads of one process serialise here; processes through link(2).
  static std::mutex Lock;
  std::lock_guard<std::mutex> Guard(Lock);
  auto Check = [&](std::string Id) -> llvm::Expected<std::string> {
    if (!validServerId(Id))
      return llvm::createStringError(
          std::errc::invalid_argument,
          "server id '%s' in '%s' has characters outside [A-Za-z0-9._-]",
          Id.c_str(), Path.str().c_str());
    return Id;
  };
  llvm::Expected<std::string> Id = readId(Path);
  if (!Id || !Id->empty())
    return Id ? Check(std::move(*Id)) : Id.takeError();

  llvm::StringRef Dir = llvm::sys::path::parent_path(Path);
  if (!Dir.empty())
    if (std::error_code EC = llvm::sys::fs::create_directories(Dir))
      return llvm::createStringError(EC, "cannot create '%s': %s",
                                     Dir.str().c_str(), EC.message().c_str());
  std::string Fresh = uuid4();
  std::string Tmp = (Path + ".tmp." + llvm::Twine(::getpid())).str();
  ::unlink(Tmp.c_str());
  if (llvm::Error E = writeFileSynced(Tmp, Fresh))
    return llvm::createStringError(std::errc::io_error, "cannot write '%s': %s",
                                   Tmp.c_str(),
                                   llvm::toString(std::move(E)).c_str());
  std::string Target = Path.str();
  // link(2) fails if another process created the file meanwhile: its id
  // wins. A blank file that exists is replaced, as the reference does.
  int Rc = ::link(Tmp.c_str(), Target.c_str());
  if (Rc != 0 && errno == EEXIST) {
    llvm::Expected<std::string> Other = readId(Path);
    if (!Other || !Other->empty()) {
      ::unlink(Tmp.c_str());
      return Other ? Check(std::move(*Other)) : Other.takeError();
    }
    Rc = ::rename(Tmp.c_str(), Target.c_str());
  }
  int Err = errno;
  ::unlink(Tmp.c_str());
  if (Rc != 0)
    return llvm::createStringError(
        std::error_code(Err, std::generic_category()), "cannot create '%s': %s",
        Target.c_str(), std::strerror(Err));
  return Fresh;
}

//===----------------------------------------------------------------------===//
// Interface addresses
//===----------------------------------------------------------------------===//

namespace {

/// An IPv4 or IPv6 address as bytes (4 or 16 of them).
struct IpBytes {
  int Family = AF_INET;
  uint8_t B[16] = {0};
  unsigned size() const { return Family == AF_INET ? 4 : 16; }
};

std::optional<IpBytes> parseIp(llvm::StringRef Text) {
  IpBytes Ip;
  std::string S = Text.str();
  if (inet_pton(AF_INET, S.c_str(), Ip.B) == 1)
    return Ip;
  Ip.Family = AF_INET6;
  if (inet_pton(AF_INET6, S.c_str(), Ip.B) == 1)
    return Ip;
  return std::nullopt;
}

/// A network "addr", "addr/len" or "a.b.c.d/m.m.m.m" (Python's
/// ip_network(strict=False)).
struct Network {
  IpBytes Base;
  unsigned Prefix = 0;
  bool contains(const IpBytes &Ip) const {
    if (Ip.Family != Base.Family)
      return false;
    for (unsigned Bit = 0; Bit < Prefix; ++Bit) {
      uint8_t Mask = 0x80 >> (Bit % 8);
      if ((Ip.B[Bit / 8] & Mask) != (Base.B[Bit / 8] & Mask))
        return false;
    }
    return true;
  }
};

/// The prefix length of a contiguous IPv4 netmask, if it is one.
std::optional<unsigned> netmaskPrefix(const IpBytes &Mask) {
  uint32_t M = (uint32_t(Mask.B[0]) << 24) | (uint32_t(Mask.B[1]) << 16) |
               (uint32_t(Mask.B[2]) << 8) | uint32_t(Mask.B[3]);
  unsigned Len = 0;
  while (Len < 32 && (M & (0x80000000u >> Len)))
    ++Len;
  if (Len < 32 && (M << Len) != 0)
    return std::nullopt;
  return Len;
}

llvm::Expected<Network> parseNetwork(llvm::StringRef Text) {
  auto Fail = [&] {
    return llvm::make_error<InterfaceError>(
        "ValueError",
        ("'" + Text + "' does not appear to be an IPv4 or IPv6 network").str());
  };
  auto [Addr, Len] = Text.split('/');
  std::optional<IpBytes> Base = parseIp(Addr);
  if (!Base)
    return Fail();
  Network N{*Base, Base->size() * 8};
  if (!Text.contains('/'))
    return N;
  unsigned Prefix = 0;
  if (!Len.empty() && llvm::all_of(Len, llvm::isDigit) && Len.size() <= 3 &&
      !Len.getAsInteger(10, Prefix) && Prefix <= N.Base.size() * 8) {
    N.Prefix = Prefix;
    return N;
  }
  if (Base->Family == AF_INET)
    if (std::optional<IpBytes> Mask = parseIp(Len))
      if (Mask->Family == AF_INET)
        if (std::optional<unsigned> P = netmaskPrefix(*Mask)) {
          N.Prefix = *P;
          return N;
        }
  return Fail();
}

} // namespace

llvm::Expected<std::optional<std::string>>
engine::interfaceAddress(llvm::StringRef Iface,
                         std::optional<llvm::StringRef> NetworkText) {
  std::optional<Network> Net;
  if (NetworkText) {
    llvm::Expected<Network> N = parseNetwork(*NetworkText);
    if (!N)
      return N.takeError();
    Net = *N;
  }
  struct ifaddrs *List = nullptr;
  if (getifaddrs(&List) != 0)
    return llvm::make_error<InterfaceError>(
        "OSError", std::string("getifaddrs: ") + std::strerror(errno));
  bool Found = false;
  std::optional<std::string> Result;
  for (struct ifaddrs *I = List; I && !Result; I = I->ifa_next) {
    if (!I->ifa_name || Iface != I->ifa_name)
      continue;
    Found = true;
    if (!I->ifa_addr)
      continue;
    IpBytes Ip;
    Ip.Family = I->ifa_addr->sa_family;
    if (Ip.Family == AF_INET)
      std::memcpy(Ip.B, &reinterpret_cast<sockaddr_in *>(I->ifa_addr)->sin_addr,
                  4);
    else if (Ip.Family == AF_INET6)
      std::memcpy(
          Ip.B, &reinterpret_cast<sockaddr_in6 *>(I->ifa_addr)->sin6_addr, 16);
    else
      continue;
    if (Net && !Net->contains(Ip))
      continue;
    char Buf[INET6_ADDRSTRLEN] = {0};
    if (inet_ntop(Ip.Family, Ip.B, Buf, sizeof(Buf)))
      Result = std::string(Buf);
  }
  freeifaddrs(List);
  if (!Found)
    return llvm::make_error<InterfaceError>(
        "InterfaceNotFound", (Iface + ": Interface not found.").str());
  return Result;
}
