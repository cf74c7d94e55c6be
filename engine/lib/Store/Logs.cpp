//===- Logs.cpp - Listing and reading Director and AppJail logs -*- C++ -*-===//
//
// Confinement is checked twice: syntactically (each URL component on its
// own, so nothing like "..", "a/b" or NUL reaches the file system) and after
// resolution (realpath of the file must lie under realpath of the base, so a
// symlink placed in the log tree cannot point the reader elsewhere).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Logs.h"

#include "overlord/Engine/AppJailOutput.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace overlord;
using namespace overlord::engine;

namespace {

std::string joinPath(llvm::StringRef Dir, llvm::StringRef Name) {
  std::string P = Dir.str();
  if (P.empty() || P.back() != '/')
    P += '/';
  return P + Name.str();
}

/// realpath(3), or nullopt.
std::optional<std::string> realPath(llvm::StringRef P) {
  char Buf[PATH_MAX];
  if (!::realpath(P.str().c_str(), Buf))
    return std::nullopt;
  return std::string(Buf);
}

bool isUnder(llvm::StringRef Path, llvm::StringRef Base) {
  if (Base == "/")
    return true;
  return Path == Base || (Path.startswith(Base) && Path.size() > Base.size() &&
                          Path[Base.size()] == '/');
}

enum class EntryType { Dir, File };

/// The entries of Dir (already inside RealBase) of the given type, sorted.
/// Symlinks count only when they resolve inside RealBase.
std::vector<std::string> entries(const std::string &Dir,
                                 const std::string &RealBase, EntryType T) {
  std::vector<std::string> Out;
  DIR *D = ::opendir(Dir.c_str());
  if (!D)
    return Out;
  while (struct dirent *E = ::readdir(D)) {
    llvm::StringRef N(E->d_name);
    if (N == "." || N == "..")
      continue;
    std::string P = joinPath(Dir, N);
    struct stat St;
    if (::lstat(P.c_str(), &St) != 0)
      continue;
    if (S_ISLNK(St.st_mode)) {
      std::optional<std::string> R = realPath(P);
      if (!R || !isUnder(*R, RealBase) || ::stat(R->c_str(), &St) != 0)
        continue;
    }
    if (T == EntryType::Dir ? S_ISDIR(St.st_mode) : S_ISREG(St.st_mode))
      Out.push_back(N.str());
  }
  ::closedir(D);
  std::sort(Out.begin(), Out.end());
  return Out;
}

/// Reads [Offset, Size) of Fd.
bool readRange(int Fd, uint64_t Offset, uint64_t Size, std::string &Out) {
  Out.resize(Size);
  uint64_t Done = 0;
  while (Done < Size) {
    ssize_t N = ::pread(Fd, Out.data() + Done, Size - Done,
                        static_cast<off_t>(Offset + Done));
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0)
      return false;
    if (N == 0)
      break; // truncated meanwhile
    Done += static_cast<uint64_t>(N);
  }
  Out.resize(Done);
  return true;
}

/// Where a tail read starts: after the first line break, so no line (and no
/// escape sequence) is cut in half; or, in one long line, at the next UTF-8
/// character boundary.
size_t tailStart(llvm::StringRef Chunk) {
  size_t NL = Chunk.find('\n');
  if (NL != llvm::StringRef::npos && NL + 1 < Chunk.size())
    return NL + 1;
  size_t I = 0;
  while (I < Chunk.size() && I < 3 &&
         (static_cast<unsigned char>(Chunk[I]) & 0xC0) == 0x80)
    ++I;
  return I;
}

/// Every component must be usable as one file name, never a way out.
bool safeComponent(llvm::StringRef S) {
  return !S.empty() && S != "." && S != ".." && !S.contains('/') &&
         !S.contains('\0');
}

} // namespace

bool engine::isLogDate(llvm::StringRef S) {
  // \d{4}-\d{2}-\d{2}_\d{2}h\d{2}m\d{2}s
  static constexpr llvm::StringRef Shape = "0000-00-00_00h00m00s";
  if (S.size() != Shape.size())
    return false;
  for (size_t I = 0; I < S.size(); ++I)
    if (Shape[I] == '0' ? !llvm::isDigit(S[I]) : S[I] != Shape[I])
      return false;
  return true;
}

bool engine::isLogService(llvm::StringRef S) {
  return safeComponent(S) && llvm::all_of(S, [](char C) {
           return llvm::isAlnum(C) || C == '.' || C == '_' || C == '-';
         });
}

bool engine::isLogName(llvm::StringRef S) {
  llvm::StringRef Stem = S;
  if (!Stem.consume_back(".log") || Stem.empty())
    return false;
  return llvm::all_of(
      Stem, [](char C) { return (C >= 'a' && C <= 'z') || C == '-'; });
}

bool engine::isLogComponent(llvm::StringRef S) { return safeComponent(S); }

std::optional<std::string> engine::readLogFile(llvm::StringRef Base,
                                               llvm::StringRef Path,
                                               uint64_t MaxBytes) {
  std::optional<std::string> RealBase = realPath(Base);
  std::optional<std::string> Real = realPath(Path);
  if (!RealBase || !Real || !isUnder(*Real, *RealBase) || *Real == *RealBase)
    return std::nullopt;
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int Fd =
      ::open(Real->c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (Fd < 0)
    return std::nullopt;
  struct stat St;
  if (::fstat(Fd, &St) != 0 || !S_ISREG(St.st_mode)) {
    ::close(Fd);
    return std::nullopt;
  }
  uint64_t Size = static_cast<uint64_t>(St.st_size);
  uint64_t Offset = MaxBytes && Size > MaxBytes ? Size - MaxBytes : 0;
  std::string Raw;
  bool Ok = readRange(Fd, Offset, Size - Offset, Raw);
  ::close(Fd);
  if (!Ok)
    return std::nullopt;
  std::string Note;
  if (Offset > 0) {
    size_t Skip = tailStart(Raw);
    Raw.erase(0, Skip);
    Note = "[overlord: " + std::to_string(Offset + Skip) +
           " bytes cut from the start of this log]\n";
  }
  std::string Text = stripAnsi(Raw);
  if (!llvm::json::isUTF8(Text))
    Text = llvm::json::fixUTF8(Text);
  return Note + Text;
}

std::optional<std::string> engine::readProjectLog(llvm::StringRef Dir,
                                                  llvm::StringRef Date,
                                                  llvm::StringRef Service,
                                                  llvm::StringRef Log,
                                                  uint64_t MaxBytes) {
  if (!isLogDate(Date) || !isLogService(Service) || !isLogName(Log))
    return std::nullopt;
  return readLogFile(Dir, joinPath(joinPath(joinPath(Dir, Date), Service), Log),
                     MaxBytes);
}

std::optional<std::string>
engine::readJailLog(llvm::StringRef Dir, llvm::StringRef Type,
                    llvm::StringRef Entity, llvm::StringRef Subtype,
                    llvm::StringRef Log, uint64_t MaxBytes) {
  if (!isLogComponent(Type) || !isLogComponent(Entity) ||
      !isLogComponent(Subtype) || !isLogComponent(Log))
    return std::nullopt;
  std::string P =
      joinPath(joinPath(joinPath(joinPath(Dir, Type), Entity), Subtype), Log);
  return readLogFile(Dir, P, MaxBytes);
}

llvm::json::Object engine::listProjectLogs(llvm::StringRef DirectorLogsDir) {
  llvm::json::Object Out;
  std::optional<std::string> Base = realPath(DirectorLogsDir);
  if (!Base)
    return Out;
  for (const std::string &Date : entries(*Base, *Base, EntryType::Dir)) {
    std::string DateDir = joinPath(*Base, Date);
    llvm::json::Object Services;
    for (const std::string &Svc : entries(DateDir, *Base, EntryType::Dir)) {
      llvm::json::Array Files;
      for (std::string &F :
           entries(joinPath(DateDir, Svc), *Base, EntryType::File))
        Files.push_back(std::move(F));
      Services[Svc] = std::move(Files);
    }
    Out[Date] = std::move(Services);
  }
  return Out;
}

llvm::json::Object engine::listJailLogs(llvm::StringRef AppjailLogsDir) {
  llvm::json::Object Out;
  std::optional<std::string> Base = realPath(AppjailLogsDir);
  if (!Base)
    return Out;
  for (const std::string &Type : entries(*Base, *Base, EntryType::Dir)) {
    std::string TypeDir = joinPath(*Base, Type);
    llvm::json::Object Entities;
    for (const std::string &Ent : entries(TypeDir, *Base, EntryType::Dir)) {
      std::string EntDir = joinPath(TypeDir, Ent);
      llvm::json::Object Subtypes;
      for (const std::string &Sub : entries(EntDir, *Base, EntryType::Dir)) {
        llvm::json::Array Files;
        for (std::string &F :
             entries(joinPath(EntDir, Sub), *Base, EntryType::File))
          Files.push_back(std::move(F));
        Subtypes[Sub] = std::move(Files);
      }
      Entities[Ent] = std::move(Subtypes);
    }
    Out[Type] = std::move(Entities);
  }
  return Out;
}
