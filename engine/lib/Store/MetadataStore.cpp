//===- MetadataStore.cpp - The node's metadata key/value store -*- C++ -*-===//
//
// One file per key; every write replaces the file atomically (FileUtil's
// replaceFile) under the key's mutex, so the compare-then-write of update()
// and the exists-then-write of create() are not raced by another writer.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/MetadataStore.h"

#include "FileUtil.h"
#include "KeyLocks.h"

#include "overlord/Support/MetadataKey.h"

#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;

//===----------------------------------------------------------------------===//
// StoreError
//===----------------------------------------------------------------------===//

char StoreError::ID = 0;

void StoreError::log(llvm::raw_ostream &OS) const { OS << Message; }

std::error_code StoreError::convertToErrorCode() const {
  return Kind == StoreErrorKind::Io
             ? std::make_error_code(std::errc::io_error)
             : std::make_error_code(std::errc::invalid_argument);
}

llvm::Error StoreError::make(StoreErrorKind Kind, const llvm::Twine &Message) {
  return llvm::make_error<StoreError>(Kind, Message.str());
}

std::pair<StoreErrorKind, std::string> engine::takeStoreError(llvm::Error E) {
  std::pair<StoreErrorKind, std::string> Out{StoreErrorKind::Io, ""};
  llvm::handleAllErrors(
      std::move(E),
      [&](const StoreError &SE) {
        Out = {SE.kind(), SE.message()};
      },
      [&](const llvm::ErrorInfoBase &Other) { Out.second = Other.message(); });
  return Out;
}

//===----------------------------------------------------------------------===//
// MetadataStore
//===----------------------------------------------------------------------===//

namespace {
/// Files are world-readable as with the reference (umask 022): Director and
/// the Makejails it runs read them.
constexpr mode_t ValueMode = 0644;

bool isTemporaryName(llvm::StringRef Name) {
  return Name.startswith(".") && Name.contains(".tmp-");
}
} // namespace

MetadataStore::MetadataStore(std::string Dir, uint64_t MaxSize)
    : Dir(std::move(Dir)), MaxSize(MaxSize),
      Locks(std::make_unique<KeyLocks>()) {}

MetadataStore::~MetadataStore() = default;

bool MetadataStore::validKey(llvm::StringRef Key) {
  return Key.size() <= MaxKeyLength && isMetadataKey(Key);
}

llvm::StringRef MetadataStore::outcomeName(Outcome O) {
  switch (O) {
  case Outcome::Created:
    return "created";
  case Outcome::Updated:
    return "updated";
  case Outcome::Unchanged:
    return "unchanged";
  case Outcome::Deleted:
    return "deleted";
  case Outcome::NotFound:
    return "not-found";
  case Outcome::TooLong:
    return "too-long";
  case Outcome::InvalidKey:
    return "invalid-key";
  }
  return "unknown";
}

uint64_t MetadataStore::characterCount(llvm::StringRef Value) {
  uint64_t Count = 0;
  size_t I = 0, N = Value.size();
  while (I < N) {
    unsigned char C = static_cast<unsigned char>(Value[I]);
    size_t Len = C < 0x80           ? 1
                 : (C >> 5) == 0x6  ? 2
                 : (C >> 4) == 0xE  ? 3
                 : (C >> 3) == 0x1E ? 4
                                    : 0;
    bool Ok = Len != 0 && I + Len <= N;
    for (size_t J = 1; Ok && J < Len; ++J)
      Ok = (static_cast<unsigned char>(Value[I + J]) & 0xC0) == 0x80;
    I += Ok ? Len : 1;
    ++Count;
  }
  return Count;
}

std::string MetadataStore::tooLongMessage(llvm::StringRef Key,
                                          llvm::StringRef Value) const {
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << Key << ": metadata too long - " << characterCount(Value) << " > "
     << MaxSize;
  return OS.str();
}

std::string MetadataStore::pathOf(llvm::StringRef Key) const {
  return fsutil::join(Dir, Key);
}

llvm::Expected<std::vector<std::string>> MetadataStore::list() const {
  auto Names = fsutil::listDir(Dir);
  if (!Names)
    return Names.takeError();
  std::vector<std::string> Keys;
  if (!*Names)
    return Keys;
  for (std::string &N : **Names)
    if (validKey(N) && fsutil::isRegularFile(pathOf(N)))
      Keys.push_back(std::move(N));
  return Keys;
}

llvm::Expected<std::optional<std::string>>
MetadataStore::get(llvm::StringRef Key) const {
  if (!validKey(Key))
    return StoreError::make(StoreErrorKind::InvalidName,
                            Key + ": invalid key name.");
  return fsutil::readRegularFile(pathOf(Key));
}

bool MetadataStore::exists(llvm::StringRef Key) const {
  return validKey(Key) && fsutil::isRegularFile(pathOf(Key));
}

llvm::Expected<MetadataStore::Outcome>
MetadataStore::writeLocked(llvm::StringRef Key, llvm::StringRef Value,
                           bool MayCreate, bool MayReplace) {
  if (!validKey(Key))
    return Outcome::InvalidKey;
  KeyLocks::Guard G = Locks->lock(Key);
  auto Current = fsutil::readRegularFile(pathOf(Key));
  if (!Current)
    return Current.takeError();
  if (*Current) {
    // The reference compares before it checks the size: an unchanged value
    // over a since-lowered limit stays Unchanged.
    if (!MayReplace || **Current == Value)
      return Outcome::Unchanged;
  } else if (!MayCreate) {
    return Outcome::NotFound;
  }
  if (characterCount(Value) > MaxSize)
    return Outcome::TooLong;
  if (llvm::Error E = fsutil::ensureDir(Dir))
    return E;
  if (llvm::Error E = fsutil::replaceFile(Dir, Key, Value, ValueMode))
    return E;
  return *Current ? Outcome::Updated : Outcome::Created;
}

llvm::Expected<MetadataStore::Outcome>
MetadataStore::create(llvm::StringRef Key, llvm::StringRef Value) {
  return writeLocked(Key, Value, /*MayCreate=*/true, /*MayReplace=*/false);
}

llvm::Expected<MetadataStore::Outcome>
MetadataStore::update(llvm::StringRef Key, llvm::StringRef Value) {
  return writeLocked(Key, Value, /*MayCreate=*/false, /*MayReplace=*/true);
}

llvm::Expected<MetadataStore::Outcome>
MetadataStore::put(llvm::StringRef Key, llvm::StringRef Value) {
  return writeLocked(Key, Value, /*MayCreate=*/true, /*MayReplace=*/true);
}

llvm::Expected<MetadataStore::Outcome>
MetadataStore::remove(llvm::StringRef Key) {
  if (!validKey(Key))
    return Outcome::InvalidKey;
  KeyLocks::Guard G = Locks->lock(Key);
  std::string P = pathOf(Key);
  if (!fsutil::isRegularFile(P))
    return Outcome::NotFound;
  if (::unlink(P.c_str()) != 0) {
    if (errno == ENOENT)
      return Outcome::NotFound;
    return fsutil::ioError("cannot remove '" + P + "'", errno);
  }
  if (llvm::Error E = fsutil::syncDir(Dir))
    return E;
  return Outcome::Deleted;
}

void MetadataStore::removeStaleTemporaries() const {
  auto Names = fsutil::listDir(Dir);
  if (!Names) {
    llvm::consumeError(Names.takeError());
    return;
  }
  if (*Names)
    for (const std::string &N : **Names)
      if (isTemporaryName(N))
        ::unlink(pathOf(N).c_str());
}
