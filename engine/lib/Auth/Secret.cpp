//===- Secret.cpp - The server's token signing secret -----------*- C++ -*-===//
//
// `secret_key`, or the keyfile `secret_keyfile` created on first start
// (overlord-behaviour.md §11.2). The file is written with O_EXCL and mode
// 0600 from the start (never chmod'ed after the bytes are on disk) and
// fsync'ed with its directory, so a crash cannot leave a readable or a
// half-written key.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Auth.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;

static llvm::Error fail(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Msg);
}

static llvm::Error failErrno(llvm::StringRef What, llvm::StringRef Path) {
  return fail("cannot " + What + " '" + Path + "': " + std::strerror(errno));
}

/// Writes all of Data to FD.
static bool writeAll(int FD, llvm::StringRef Data) {
  while (!Data.empty()) {
    ssize_t N = ::write(FD, Data.data(), Data.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return false;
    Data = Data.drop_front((size_t)N);
  }
  return true;
}

/// Creates the keyfile; fails with EEXIST when another process won a race.
static llvm::Expected<std::string> createKeyFile(llvm::StringRef Path,
                                                 bool &Raced) {
  llvm::StringRef Dir = llvm::sys::path::parent_path(Path);
  if (!Dir.empty())
    if (std::error_code EC = llvm::sys::fs::create_directories(Dir))
      return fail("cannot create '" + Dir + "': " + EC.message());
  std::optional<std::string> Key = randomBytes(KeyFileSize);
  if (!Key)
    return fail("the random generator failed");
  std::string P = Path.str();
  int FD = ::open(P.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (FD < 0) {
    Raced = errno == EEXIST;
    return failErrno("create", Path);
  }
  // The umask may have removed bits but never adds any; make it exact.
  bool Ok = ::fchmod(FD, 0600) == 0 && writeAll(FD, *Key) && ::fsync(FD) == 0;
  int SavedErrno = errno;
  ::close(FD);
  if (!Ok) {
    ::unlink(P.c_str());
    errno = SavedErrno;
    return failErrno("write", Path);
  }
  std::string D = Dir.empty() ? std::string(".") : Dir.str();
  int DirFD = ::open(D.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (DirFD >= 0) {
    ::fsync(DirFD);
    ::close(DirFD);
  }
  return *Key;
}

/// Reads an existing keyfile, refusing unsafe permissions and wrong sizes.
static llvm::Expected<std::string> readKeyFile(llvm::StringRef Path) {
  std::string P = Path.str();
  int FD = ::open(P.c_str(), O_RDONLY | O_CLOEXEC);
  if (FD < 0)
    return failErrno("open", Path);
  struct stat St;
  if (::fstat(FD, &St) != 0) {
    int E = errno;
    ::close(FD);
    errno = E;
    return failErrno("stat", Path);
  }
  if (!S_ISREG(St.st_mode)) {
    ::close(FD);
    return fail("'" + Path + "' is not a regular file");
  }
  if (St.st_mode & 077) {
    ::close(FD);
    char Mode[8];
    std::snprintf(Mode, sizeof(Mode), "%04o", (unsigned)(St.st_mode & 07777));
    return fail("'" + Path + "' has mode " + Mode +
                "; a keyfile must not be accessible by group or others "
                "(chmod 600)");
  }
  std::string Key(KeyFileSize + 1, '\0');
  size_t Got = 0;
  while (Got < Key.size()) {
    ssize_t N = ::read(FD, &Key[Got], Key.size() - Got);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      break;
    Got += (size_t)N;
  }
  ::close(FD);
  if (Got != KeyFileSize)
    return fail(llvm::formatv(
        "'{0}' holds {1}{2} bytes, not {3}; refusing to regenerate it (every "
        "token would stop working); remove it to create a new key",
        Path, Got > KeyFileSize ? "more than " : "",
        Got > KeyFileSize ? KeyFileSize : Got, KeyFileSize));
  Key.resize(KeyFileSize);
  return Key;
}

llvm::Expected<std::string> engine::loadOrCreateKeyFile(llvm::StringRef Path) {
  if (Path.empty())
    return fail("no keyfile path is configured");
  if (!llvm::sys::fs::exists(Path)) {
    bool Raced = false;
    llvm::Expected<std::string> Key = createKeyFile(Path, Raced);
    if (Key || !Raced)
      return Key;
    // Another process created it first: use theirs.
    llvm::consumeError(Key.takeError());
  }
  return readKeyFile(Path);
}

llvm::Expected<std::string>
engine::loadServerSecret(const std::optional<std::string> &SecretKey,
                         llvm::StringRef KeyFile) {
  if (SecretKey) {
    if (SecretKey->empty())
      return fail("'secret_key' is empty");
    return *SecretKey;
  }
  return loadOrCreateKeyFile(KeyFile);
}
