//===- NamespaceStore.cpp - Directory trees built from metadata -*- C++ -*-===//
//
// A namespace is built in a temporary directory next to its final place
// (`.<name>.new-XXXXXX`, same file system) and renamed into place, so readers
// see the old tree or the new one, never a half-built one. The builder only
// creates what it is told to in a directory it just made, so no symlink can be
// in the way; files are still opened with O_NOFOLLOW.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/NamespaceStore.h"

#include "FileUtil.h"
#include "KeyLocks.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;

namespace {

using Outcome = MetadataStore::Outcome;

/// Default creation umask: what the reference's files get under the usual
/// umask 022 (files 0644, directories 0755).
constexpr uint32_t DefaultUmask = 022;

llvm::Error conflict(size_t Index, const llvm::Twine &Msg) {
  return StoreError::make(
      StoreErrorKind::InvalidMapping,
      llvm::formatv("namespace.mapping[{0}]: ", Index).str() + Msg);
}

/// Swaps two directory entries; false with errno set if the platform or the
/// file system cannot.
bool exchangePaths(const std::string &A, const std::string &B) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
  return ::renameat2(AT_FDCWD, A.c_str(), AT_FDCWD, B.c_str(),
                     RENAME_EXCHANGE) == 0;
#else
  (void)A;
  (void)B;
  errno = ENOSYS;
  return false;
#endif
}

/// Builds the entries of one namespace inside Root (an empty directory).
class TreeBuilder {
public:
  TreeBuilder(std::string Root, MetadataStore &Meta)
      : Root(std::move(Root)), Meta(Meta) {}

  llvm::Error add(const NamespaceEntry &E, size_t Index) {
    uint32_t Umask = E.Umask.value_or(DefaultUmask);
    llvm::StringRef Path(E.Path);
    llvm::StringRef Parent = Path;
    if (E.Kind == NamespaceEntry::File)
      Parent = Path.contains('/') ? Path.rsplit('/').first : "";
    if (llvm::Error Err = makeDirs(Parent, 0777 & ~Umask, Index))
      return Err;
    std::string Full = E.Path.empty() ? Root : fsutil::join(Root, E.Path);
    if (E.Kind == NamespaceEntry::File)
      if (llvm::Error Err = writeFile(E, Full, 0666 & ~Umask, Index))
        return Err;
    if ((E.Owner || E.Group) &&
        ::lchown(Full.c_str(), E.Owner ? E.Owner.value() : uid_t(-1),
                 E.Group ? E.Group.value() : gid_t(-1)) != 0)
      return fsutil::ioError("cannot change the owner of '" + Full + "'",
                             errno);
    // After chown, which may clear set-id bits.
    if (E.Mode && ::chmod(Full.c_str(), *E.Mode) != 0)
      return fsutil::ioError("cannot change the mode of '" + Full + "'", errno);
    return llvm::Error::success();
  }

private:
  /// mkdir -p Rel inside Root; new directories get Mode.
  llvm::Error makeDirs(llvm::StringRef Rel, mode_t Mode, size_t Index) {
    if (Rel.empty())
      return llvm::Error::success();
    llvm::SmallVector<llvm::StringRef, 8> Parts;
    Rel.split(Parts, '/');
    std::string P = Root;
    std::string Sofar;
    for (llvm::StringRef C : Parts) {
      P = fsutil::join(P, C);
      Sofar += (Sofar.empty() ? "" : "/") + C.str();
      struct stat St;
      if (::lstat(P.c_str(), &St) == 0) {
        if (!S_ISDIR(St.st_mode))
          return conflict(Index, "'" + Sofar +
                                     "' is a file of an earlier entry, not a "
                                     "directory");
        continue;
      }
      if (::mkdir(P.c_str(), Mode) != 0 || ::chmod(P.c_str(), Mode) != 0)
        return fsutil::ioError("cannot create directory '" + P + "'", errno);
    }
    return llvm::Error::success();
  }

  llvm::Error writeFile(const NamespaceEntry &E, const std::string &Full,
                        mode_t Mode, size_t Index) {
    struct stat St;
    if (::lstat(Full.c_str(), &St) == 0 && !S_ISREG(St.st_mode))
      return conflict(Index, "'" + E.Path +
                                 "' is a directory of an earlier entry, not a "
                                 "file");
    auto Value = Meta.get(E.Metadata);
    if (!Value)
      return Value.takeError();
    if (!*Value)
      return StoreError::make(StoreErrorKind::MissingMetadata,
                              llvm::formatv("namespace.mapping[{0}].file: "
                                            "metadata '{1}' does not exist",
                                            Index, E.Metadata)
                                  .str());
    // A later entry for the same path overwrites the earlier one's content
    // and keeps its mode, as the reference's open("w") does.
    int Fd =
        ::open(Full.c_str(),
               O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, Mode);
    if (Fd < 0)
      return fsutil::ioError("cannot create '" + Full + "'", errno);
    bool Ok = fsutil::writeAll(Fd, **Value) && ::fsync(Fd) == 0;
    int Err = errno;
    if (::close(Fd) != 0 && Ok) {
      Ok = false;
      Err = errno;
    }
    if (!Ok)
      return fsutil::ioError("cannot write '" + Full + "'", Err);
    return llvm::Error::success();
  }

  std::string Root;
  MetadataStore &Meta;
};

/// fsync of every directory of a tree (files were synced when written).
llvm::Error syncTree(const std::string &Dir) {
  auto Names = fsutil::listDir(Dir);
  if (!Names)
    return Names.takeError();
  if (*Names)
    for (const std::string &N : **Names) {
      std::string P = fsutil::join(Dir, N);
      if (fsutil::isRealDirectory(P))
        if (llvm::Error E = syncTree(P))
          return E;
    }
  return fsutil::syncDir(Dir);
}

/// Depth-first listing of Dir (children sorted) into Out.
llvm::Error walk(const std::string &Dir, llvm::json::Array &Out) {
  auto Names = fsutil::listDir(Dir);
  if (!Names)
    return Names.takeError();
  if (!*Names)
    return llvm::Error::success();
  for (const std::string &N : **Names) {
    std::string P = fsutil::join(Dir, N);
    struct stat St;
    if (::lstat(P.c_str(), &St) != 0)
      continue; // removed meanwhile
    bool IsDir = S_ISDIR(St.st_mode);
    if (!IsDir && !S_ISREG(St.st_mode))
      continue; // symlinks and special files: never followed, not listed
    Out.push_back(
        llvm::json::Object{{IsDir ? "directory" : "file", P},
                           {"owner", static_cast<int64_t>(St.st_uid)},
                           {"group", static_cast<int64_t>(St.st_gid)},
                           {"mode", static_cast<int64_t>(St.st_mode)}});
    if (IsDir)
      if (llvm::Error E = walk(P, Out))
        return E;
  }
  return llvm::Error::success();
}

/// Removes whatever non-directory (a stray file, a symlink) sits where a
/// namespace tree goes: rename() cannot put a directory over it, and a
/// symlink there must not be followed.
void clearNonDirectory(const std::string &Path) {
  struct stat St;
  if (::lstat(Path.c_str(), &St) == 0 && !S_ISDIR(St.st_mode))
    ::unlink(Path.c_str());
}

bool isTemporaryName(llvm::StringRef Name) {
  return Name.startswith(".") &&
         (Name.contains(".new-") || Name.contains(".old-"));
}

} // namespace

NamespaceStore::NamespaceStore(std::string D, MetadataStore &Meta)
    : Meta(Meta), Locks(std::make_unique<KeyLocks>()) {
  llvm::SmallString<256> P(D);
  llvm::sys::fs::make_absolute(P);
  llvm::sys::path::remove_dots(P, /*remove_dot_dot=*/true);
  Dir = std::string(P.str());
}

NamespaceStore::~NamespaceStore() = default;

std::string NamespaceStore::pathOf(llvm::StringRef Name) const {
  return fsutil::join(Dir, Name);
}

bool NamespaceStore::exists(llvm::StringRef Name) const {
  return MetadataStore::validKey(Name) && fsutil::isRealDirectory(pathOf(Name));
}

llvm::Expected<std::vector<std::string>> NamespaceStore::list() const {
  auto Names = fsutil::listDir(Dir);
  if (!Names)
    return Names.takeError();
  std::vector<std::string> Out;
  if (*Names)
    for (std::string &N : **Names)
      if (MetadataStore::validKey(N) && fsutil::isRealDirectory(pathOf(N)))
        Out.push_back(std::move(N));
  return Out;
}

llvm::Expected<std::optional<llvm::json::Array>>
NamespaceStore::get(llvm::StringRef Name) const {
  if (!MetadataStore::validKey(Name))
    return StoreError::make(StoreErrorKind::InvalidName,
                            Name + ": invalid namespace name.");
  std::string Root = pathOf(Name);
  if (!fsutil::isRealDirectory(Root))
    return std::nullopt;
  llvm::json::Array Out;
  if (llvm::Error E = walk(Root, Out))
    return E;
  return Out;
}

llvm::Expected<std::string>
NamespaceStore::build(llvm::StringRef Name,
                      llvm::ArrayRef<NamespaceEntry> Entries) {
  // Every source first: a missing one fails before anything is written.
  for (size_t I = 0; I < Entries.size(); ++I)
    if (Entries[I].Kind == NamespaceEntry::File &&
        !Meta.exists(Entries[I].Metadata))
      return StoreError::make(StoreErrorKind::MissingMetadata,
                              llvm::formatv("namespace.mapping[{0}].file: "
                                            "metadata '{1}' does not exist",
                                            I, Entries[I].Metadata)
                                  .str());
  if (llvm::Error E = fsutil::ensureDir(Dir))
    return E;
  auto Tmp = fsutil::makeTempDir(Dir, "." + Name.str() + ".new-");
  if (!Tmp)
    return Tmp.takeError();
  auto Fail = [&](llvm::Error E) -> llvm::Expected<std::string> {
    llvm::consumeError(fsutil::removeTree(*Tmp));
    return E;
  };
  // The namespace directory itself, as makedirs would create it.
  if (::chmod(Tmp->c_str(), 0755) != 0)
    return Fail(
        fsutil::ioError("cannot change the mode of '" + *Tmp + "'", errno));
  TreeBuilder B(*Tmp, Meta);
  for (size_t I = 0; I < Entries.size(); ++I)
    if (llvm::Error E = B.add(Entries[I], I))
      return Fail(std::move(E));
  if (llvm::Error E = syncTree(*Tmp))
    return Fail(std::move(E));
  return *Tmp;
}

llvm::Expected<Outcome> NamespaceStore::create(llvm::StringRef Name,
                                               const llvm::json::Array &Map) {
  if (!MetadataStore::validKey(Name))
    return Outcome::InvalidKey;
  auto Entries = parseNamespaceMapping(Map, pathOf(Name));
  if (!Entries)
    return Entries.takeError();
  KeyLocks::Guard G = Locks->lock(Name);
  std::string Final = pathOf(Name);
  if (fsutil::isRealDirectory(Final))
    return Outcome::Unchanged;
  auto Tmp = build(Name, *Entries);
  if (!Tmp)
    return Tmp.takeError();
  clearNonDirectory(Final);
  if (::rename(Tmp->c_str(), Final.c_str()) != 0) {
    int Err = errno;
    llvm::consumeError(fsutil::removeTree(*Tmp));
    return fsutil::ioError("cannot rename '" + *Tmp + "' to '" + Final + "'",
                           Err);
  }
  if (llvm::Error E = fsutil::syncDir(Dir))
    return E;
  return Outcome::Created;
}

llvm::Expected<Outcome> NamespaceStore::update(llvm::StringRef Name,
                                               const llvm::json::Array &Map) {
  if (!MetadataStore::validKey(Name))
    return Outcome::InvalidKey;
  auto Entries = parseNamespaceMapping(Map, pathOf(Name));
  if (!Entries)
    return Entries.takeError();
  KeyLocks::Guard G = Locks->lock(Name);
  std::string Final = pathOf(Name);
  bool Existed = fsutil::isRealDirectory(Final);
  auto Tmp = build(Name, *Entries);
  if (!Tmp)
    return Tmp.takeError();
  auto Cleanup = [&](const std::string &P) {
    llvm::consumeError(fsutil::removeTree(P));
  };
  if (!Existed) {
    clearNonDirectory(Final);
    if (::rename(Tmp->c_str(), Final.c_str()) != 0) {
      int Err = errno;
      Cleanup(*Tmp);
      return fsutil::ioError("cannot rename '" + *Tmp + "' to '" + Final + "'",
                             Err);
    }
  } else if (exchangePaths(*Tmp, Final)) {
    Cleanup(*Tmp); // now holds the old tree
  } else {
    // No atomic exchange here: move the old tree aside (over an empty
    // directory reserved for it), then the new one in.
    auto Old = fsutil::makeTempDir(Dir, "." + Name.str() + ".old-");
    if (!Old) {
      Cleanup(*Tmp);
      return Old.takeError();
    }
    if (::rename(Final.c_str(), Old->c_str()) != 0) {
      int Err = errno;
      Cleanup(*Tmp);
      ::rmdir(Old->c_str());
      return fsutil::ioError("cannot replace '" + Final + "'", Err);
    }
    if (::rename(Tmp->c_str(), Final.c_str()) != 0) {
      int Err = errno;
      // Put the old tree back rather than leave the name empty.
      ::rename(Old->c_str(), Final.c_str());
      Cleanup(*Tmp);
      return fsutil::ioError("cannot replace '" + Final + "'", Err);
    }
    Cleanup(*Old);
  }
  if (llvm::Error E = fsutil::syncDir(Dir))
    return E;
  return Existed ? Outcome::Updated : Outcome::Created;
}

llvm::Expected<Outcome> NamespaceStore::remove(llvm::StringRef Name) {
  if (!MetadataStore::validKey(Name))
    return Outcome::InvalidKey;
  KeyLocks::Guard G = Locks->lock(Name);
  std::string Final = pathOf(Name);
  if (!fsutil::isRealDirectory(Final))
    return Outcome::NotFound;
  // Rename first so the name disappears at once, then delete at leisure.
  auto Old = fsutil::makeTempDir(Dir, "." + Name.str() + ".old-");
  if (!Old)
    return Old.takeError();
  if (::rename(Final.c_str(), Old->c_str()) != 0) {
    int Err = errno;
    ::rmdir(Old->c_str());
    return fsutil::ioError("cannot remove '" + Final + "'", Err);
  }
  if (llvm::Error E = fsutil::syncDir(Dir))
    return E;
  if (llvm::Error E = fsutil::removeTree(*Old))
    return E;
  return Outcome::Deleted;
}

void NamespaceStore::removeStaleTemporaries() const {
  auto Names = fsutil::listDir(Dir);
  if (!Names) {
    llvm::consumeError(Names.takeError());
    return;
  }
  if (*Names)
    for (const std::string &N : **Names)
      if (isTemporaryName(N))
        llvm::consumeError(fsutil::removeTree(pathOf(N)));
}
