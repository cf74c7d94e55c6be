//===- MetadataStore.h - The node's metadata key/value store ----*- C++ -*-===//
//
// Metadata is the reference's plain-file key/value store (overlord-behaviour
// §11.5): one file `<metadata.location>/<key>` per key, the key matching
// REGEX_KEY, the value limited to `metadata.size` characters (Unicode code
// points). Director files, environments, Makejails, appConfig templates and
// namespace sources are read from it.
//
// Differences from the reference, all deliberate (docs/MetadataStore.md):
//  - writes are atomic: a temporary file in the same directory is written,
//    fsync'ed and renamed over the key, then the directory is fsync'ed, so a
//    reader or a crash never sees half a value;
//  - list() is sorted and lists only regular files named like keys; a
//    missing directory lists as empty (the reference answers 500);
//  - writers of one key are serialised by a per-key mutex (the reference
//    uses asyncio locks per key); reads take no lock (renames are atomic).
//
// Threading: every method may be called from any thread. The per-key locks
// live in the instance: use one MetadataStore (and one NamespaceStore) per
// directory in a process.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_METADATASTORE_H
#define OVERLORD_ENGINE_METADATASTORE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace overlord {
namespace engine {

class KeyLocks;

/// What went wrong in a store, so the API can pick the HTTP status.
enum class StoreErrorKind {
  Io,              ///< The file system failed (500).
  InvalidName,     ///< A key/namespace/log name that does not match (400).
  InvalidMapping,  ///< A namespace mapping that does not validate (400).
  MissingMetadata, ///< A namespace `file` names metadata that is absent (400).
  OutsideBase,     ///< A path escapes its base directory (400).
  UnknownOwner,    ///< A user or group name that does not exist (400).
};

/// An error of the stores: a kind and a message in the reference's wording
/// where the reference has one (e.g. `'<p>' is not a path of '<base>'`).
class StoreError : public llvm::ErrorInfo<StoreError> {
public:
  static char ID;
  StoreError(StoreErrorKind Kind, std::string Message)
      : Kind(Kind), Message(std::move(Message)) {}

  StoreErrorKind kind() const { return Kind; }
  std::string message() const override { return Message; }
  /// True for errors caused by the request (everything but Io).
  bool isClientError() const { return Kind != StoreErrorKind::Io; }

  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

  /// Makes an llvm::Error of this class.
  static llvm::Error make(StoreErrorKind Kind, const llvm::Twine &Message);

private:
  StoreErrorKind Kind;
  std::string Message;
};

/// Consumes E (which must be an error): its kind and message; errors of
/// other classes count as Io.
std::pair<StoreErrorKind, std::string> takeStoreError(llvm::Error E);

/// The metadata store of one node.
class MetadataStore {
public:
  /// Dir is `metadata.location`, MaxSize `metadata.size` (characters). The
  /// directory need not exist: the first write creates it.
  MetadataStore(std::string Dir, uint64_t MaxSize);
  ~MetadataStore();
  MetadataStore(const MetadataStore &) = delete;
  MetadataStore &operator=(const MetadataStore &) = delete;

  /// The longest key: a key is a file name, and its temporary file
  /// `.<key>.tmp-XXXXXX` must stay under NAME_MAX (255) as well.
  static constexpr size_t MaxKeyLength = 240;

  /// True if Key matches the reference's REGEX_KEY in full and has at most
  /// MaxKeyLength characters (the reference has no limit and fails with a
  /// 500 on the file system's).
  static bool validKey(llvm::StringRef Key);

  /// How a write or delete ended. Errors of the file system are
  /// llvm::Errors (StoreError with kind Io) instead.
  enum class Outcome {
    Created,   ///< The key did not exist and was written.
    Updated,   ///< The key existed with other content and was rewritten.
    Unchanged, ///< Nothing written: create() of an existing key, or the
               ///< same content given to update()/put().
    Deleted,   ///< remove() removed the key.
    NotFound,  ///< update()/remove() of a missing key.
    TooLong,   ///< The value has more than MaxSize characters.
    InvalidKey ///< The key does not match REGEX_KEY.
  };

  /// "created", "updated", "unchanged", "deleted", "not-found", "too-long",
  /// "invalid-key" (the `result` strings of `POST /v1/plan`).
  static llvm::StringRef outcomeName(Outcome O);

  /// Number of Unicode code points in Value (what the size limit counts);
  /// a byte that is not valid UTF-8 counts as one.
  static uint64_t characterCount(llvm::StringRef Value);

  /// The reference's message for a value over the limit:
  /// `<key>: metadata too long - <len> > <size>`.
  std::string tooLongMessage(llvm::StringRef Key, llvm::StringRef Value) const;

  /// The keys, sorted; regular files named like keys only (temporary files
  /// and anything else in the directory are skipped). Empty if the
  /// directory does not exist.
  llvm::Expected<std::vector<std::string>> list() const;

  /// The value of Key, or nullopt if it does not exist. An invalid key is a
  /// StoreError (InvalidName) `<key>: invalid key name.`.
  llvm::Expected<std::optional<std::string>> get(llvm::StringRef Key) const;

  /// True if Key is valid and its file exists.
  bool exists(llvm::StringRef Key) const;

  /// Writes Key if it does not exist yet; an existing key is left alone
  /// (Unchanged, no write, no size check), as the reference's POST does.
  llvm::Expected<Outcome> create(llvm::StringRef Key, llvm::StringRef Value);

  /// Rewrites an existing Key when Value differs (Updated), else Unchanged;
  /// NotFound if the key is missing. The size limit is checked only when
  /// something would be written.
  llvm::Expected<Outcome> update(llvm::StringRef Key, llvm::StringRef Value);

  /// create() when Key is missing, update() when it exists (one step under
  /// the key's lock): Created, Updated or Unchanged.
  llvm::Expected<Outcome> put(llvm::StringRef Key, llvm::StringRef Value);

  /// Removes Key: Deleted, or NotFound.
  llvm::Expected<Outcome> remove(llvm::StringRef Key);

  /// `<dir>/<key>` (no check that it exists). Director and appjail are given
  /// this path for `makejailFromMetadata` and friends.
  std::string pathOf(llvm::StringRef Key) const;

  /// `metadata.location` as given.
  const std::string &dir() const { return Dir; }

  /// The size limit in characters.
  uint64_t maxSize() const { return MaxSize; }

  /// Removes temporary files a crash left behind (`.<key>.tmp-*`). Call at
  /// start-up only, before any write is in flight.
  void removeStaleTemporaries() const;

private:
  llvm::Expected<Outcome> writeLocked(llvm::StringRef Key,
                                      llvm::StringRef Value, bool MayCreate,
                                      bool MayReplace);

  std::string Dir;
  uint64_t MaxSize;
  std::unique_ptr<KeyLocks> Locks;
};

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_METADATASTORE_H
