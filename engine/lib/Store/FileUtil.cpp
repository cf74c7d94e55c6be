//===- FileUtil.cpp - POSIX file helpers of the stores ---------*- C++ -*-===//
//
// Plain POSIX calls: LLVM's FileSystem has no fsync of directories, no
// no-follow tree removal and no mkstemp in a chosen directory with a chosen
// name shape, and the stores need all three.
//
//===----------------------------------------------------------------------===//
#include "FileUtil.h"

#include "overlord/Engine/MetadataStore.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;

llvm::Error fsutil::ioError(const llvm::Twine &What, int Errno) {
  return StoreError::make(StoreErrorKind::Io,
                          What + ": " + std::strerror(Errno));
}

std::string fsutil::join(llvm::StringRef Dir, llvm::StringRef Name) {
  std::string P = Dir.str();
  if (P.empty() || P.back() != '/')
    P += '/';
  P += Name.str();
  return P;
}

llvm::Error fsutil::ensureDir(llvm::StringRef Dir) {
  std::string P = Dir.str();
  struct stat St;
  if (::stat(P.c_str(), &St) == 0) {
    if (S_ISDIR(St.st_mode))
      return llvm::Error::success();
    return ioError("cannot create directory '" + P + "'", ENOTDIR);
  }
  // Create the missing ancestors first, then this one.
  size_t Slash = Dir.rtrim('/').rfind('/');
  if (Slash != llvm::StringRef::npos && Slash > 0)
    if (llvm::Error E = ensureDir(Dir.take_front(Slash)))
      return E;
  if (::mkdir(P.c_str(), 0755) != 0 && errno != EEXIST)
    return ioError("cannot create directory '" + P + "'", errno);
  return llvm::Error::success();
}

llvm::Error fsutil::syncDir(llvm::StringRef Dir) {
  std::string P = Dir.str();
  int Fd = ::open(P.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (Fd < 0)
    return ioError("cannot open directory '" + P + "'", errno);
  int Rc = ::fsync(Fd);
  int Err = errno;
  ::close(Fd);
  // Some file systems refuse fsync on directories; the data is still there.
  if (Rc != 0 && Err != EINVAL && Err != ENOTSUP)
    return ioError("cannot sync directory '" + P + "'", Err);
  return llvm::Error::success();
}

bool fsutil::writeAll(int Fd, llvm::StringRef Data) {
  const char *P = Data.data();
  size_t Left = Data.size();
  while (Left > 0) {
    ssize_t N = ::write(Fd, P, Left);
    if (N < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    P += N;
    Left -= static_cast<size_t>(N);
  }
  return true;
}

llvm::Error fsutil::replaceFile(llvm::StringRef Dir, llvm::StringRef Name,
                                llvm::StringRef Content, mode_t Mode) {
  std::string Tmp = join(Dir, "." + Name.str() + ".tmp-XXXXXX");
  int Fd = ::mkostemp(Tmp.data(), O_CLOEXEC);
  if (Fd < 0)
    return ioError("cannot create a temporary file in '" + Dir + "'", errno);
  auto Fail = [&](const llvm::Twine &What) {
    int Err = errno;
    ::close(Fd);
    ::unlink(Tmp.c_str());
    return ioError(What, Err);
  };
  if (::fchmod(Fd, Mode) != 0)
    return Fail("cannot set the mode of '" + Tmp + "'");
  if (!writeAll(Fd, Content))
    return Fail("cannot write '" + Tmp + "'");
  if (::fsync(Fd) != 0)
    return Fail("cannot sync '" + Tmp + "'");
  if (::close(Fd) != 0) {
    int Err = errno;
    ::unlink(Tmp.c_str());
    return ioError("cannot close '" + Tmp + "'", Err);
  }
  std::string Final = join(Dir, Name);
  if (::rename(Tmp.c_str(), Final.c_str()) != 0) {
    int Err = errno;
    ::unlink(Tmp.c_str());
    return ioError("cannot rename '" + Tmp + "' to '" + Final + "'", Err);
  }
  return syncDir(Dir);
}

llvm::Expected<std::optional<std::string>>
fsutil::readRegularFile(llvm::StringRef Path) {
  std::string P = Path.str();
  int Fd = ::open(P.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (Fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return std::nullopt;
    return ioError("cannot open '" + P + "'", errno);
  }
  struct stat St;
  if (::fstat(Fd, &St) != 0 || !S_ISREG(St.st_mode)) {
    ::close(Fd);
    return std::nullopt;
  }
  std::string Out;
  Out.reserve(static_cast<size_t>(St.st_size));
  char Buf[65536];
  while (true) {
    ssize_t N = ::read(Fd, Buf, sizeof Buf);
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0) {
      int Err = errno;
      ::close(Fd);
      return ioError("cannot read '" + P + "'", Err);
    }
    if (N == 0)
      break;
    Out.append(Buf, static_cast<size_t>(N));
  }
  ::close(Fd);
  return Out;
}

bool fsutil::isRegularFile(llvm::StringRef Path) {
  struct stat St;
  return ::stat(Path.str().c_str(), &St) == 0 && S_ISREG(St.st_mode);
}

bool fsutil::isRealDirectory(llvm::StringRef Path) {
  struct stat St;
  return ::lstat(Path.str().c_str(), &St) == 0 && S_ISDIR(St.st_mode);
}

llvm::Expected<std::optional<std::vector<std::string>>>
fsutil::listDir(llvm::StringRef Dir) {
  std::string P = Dir.str();
  DIR *D = ::opendir(P.c_str());
  if (!D) {
    if (errno == ENOENT)
      return std::nullopt;
    return ioError("cannot list '" + P + "'", errno);
  }
  std::vector<std::string> Names;
  errno = 0;
  while (struct dirent *E = ::readdir(D)) {
    llvm::StringRef N(E->d_name);
    if (N != "." && N != "..")
      Names.push_back(N.str());
  }
  ::closedir(D);
  std::sort(Names.begin(), Names.end());
  return Names;
}

llvm::Error fsutil::removeTree(llvm::StringRef Path) {
  std::string P = Path.str();
  struct stat St;
  if (::lstat(P.c_str(), &St) != 0)
    return errno == ENOENT ? llvm::Error::success()
                           : ioError("cannot remove '" + P + "'", errno);
  if (S_ISDIR(St.st_mode)) {
    auto Names = listDir(P);
    if (!Names)
      return Names.takeError();
    if (*Names)
      for (const std::string &N : **Names)
        if (llvm::Error E = removeTree(join(P, N)))
          return E;
    if (::rmdir(P.c_str()) != 0 && errno != ENOENT)
      return ioError("cannot remove '" + P + "'", errno);
    return llvm::Error::success();
  }
  if (::unlink(P.c_str()) != 0 && errno != ENOENT)
    return ioError("cannot remove '" + P + "'", errno);
  return llvm::Error::success();
}

llvm::Expected<std::string> fsutil::makeTempDir(llvm::StringRef Dir,
                                                llvm::StringRef Prefix) {
  std::string T = join(Dir, Prefix.str() + "XXXXXX");
  if (!::mkdtemp(T.data()))
    return ioError("cannot create a temporary directory in '" + Dir + "'",
                   errno);
  return T;
}
