//===- NamespaceStore.h - Directory trees built from metadata ---*- C++ -*-===//
//
// A namespace (overlord-behaviour §11.6, commit 8737c83) is a directory tree
// `<metadata.namespaces>/<name>/` assembled on the node from a mapping: `file`
// entries copy a metadata value to a path, `directory` entries create a
// directory, each with an optional owner, group, mode and umask. AppJail's
// `copydir` then copies it into a jail.
//
// The mapping is the JSON the reference's client sends (`{"mapping": [...]}`
// of `PUT /v1/namespace/<name>`), after the client resolved `prefix`:
//
//   {"file": "<metadata>:<path>" | ["<metadata>", "<path>"]}
//   {"directory": "<path>"}
//   + optional "owner"/"group": uid/gid or a user/group name,
//     "mode": int (0..07777), "umask": int (0..0777),
//     "prefix": str|bool (accepted and ignored, as on the reference's node)
//
// Paths are relative to the namespace (a leading '/' is stripped, as the
// reference does); `..` may not leave it: `'<p>' is not a path of '<base>'`.
//
// Unlike the reference: the mapping is validated completely and every
// referenced metadata key checked before anything is written (typed
// StoreErrors instead of 500s); a tree is built in a temporary directory and
// renamed into place, so create() and update() are all-or-nothing and update()
// swaps the old tree for the new one (atomically on Linux, with
// renameat2(RENAME_EXCHANGE)); `umask` works (it sets the creation mode of the
// entry's file and directories) without touching the process umask; GET lists
// in sorted depth-first order and never follows symlinks.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_NAMESPACESTORE_H
#define OVERLORD_ENGINE_NAMESPACESTORE_H

#include "overlord/Engine/MetadataStore.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/JSON.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace overlord {
namespace engine {

/// One validated mapping entry.
struct NamespaceEntry {
  enum EntryKind { File, Directory };
  EntryKind Kind = Directory;
  /// File: the metadata key whose value is written.
  std::string Metadata;
  /// The path inside the namespace, normalised: no leading '/', no '.' or
  /// '..' components; "" is the namespace directory itself (Directory only).
  std::string Path;
  /// Numeric ids after name lookup.
  std::optional<uint32_t> Owner, Group;
  std::optional<uint32_t> Mode, Umask;
};

/// Validates a whole mapping (the JSON array of the wire format). Errors are
/// StoreErrors (InvalidMapping, OutsideBase, UnknownOwner) naming the item:
/// `namespace.mapping[2].mode: ...`. Base is only used in messages.
llvm::Expected<std::vector<NamespaceEntry>>
parseNamespaceMapping(const llvm::json::Array &Mapping, llvm::StringRef Base);

/// The wire-format object of one mapping line of a `namespace.create` /
/// `namespace.update` plan op, the text Lower prints for an entry:
/// `file <metadata>:<path>` or `directory <path>`, followed by optional
/// ` owner=<id|name>`, ` group=<id|name>`, ` mode=0<octal>`, ` umask=0<octal>`
/// in that order.
llvm::Expected<llvm::json::Object>
namespaceMappingFromLine(llvm::StringRef Line);

/// The namespaces of one node.
class NamespaceStore {
public:
  /// Dir is `metadata.namespaces` (made absolute against the current
  /// directory, since GET reports absolute paths); Meta supplies `file`
  /// contents.
  NamespaceStore(std::string Dir, MetadataStore &Meta);
  ~NamespaceStore();
  NamespaceStore(const NamespaceStore &) = delete;
  NamespaceStore &operator=(const NamespaceStore &) = delete;

  /// The namespaces, sorted: directories named like metadata keys. Empty if
  /// the directory does not exist.
  llvm::Expected<std::vector<std::string>> list() const;

  /// The tree of Name, depth-first with sorted children, without the root:
  /// `[{"directory"|"file": <absolute path>, "owner": uid, "group": gid,
  /// "mode": st_mode}]`. nullopt if Name does not exist; symlinks and special
  /// files are skipped, never followed. An invalid name is a StoreError.
  llvm::Expected<std::optional<llvm::json::Array>>
  get(llvm::StringRef Name) const;

  /// Builds Name from Mapping if it does not exist (Created); an existing
  /// namespace is left alone (Unchanged), as the reference's POST does.
  /// InvalidKey for a bad name; a bad mapping is an error and writes nothing.
  llvm::Expected<MetadataStore::Outcome>
  create(llvm::StringRef Name, const llvm::json::Array &Mapping);

  /// Rebuilds Name from Mapping and swaps it in: Updated, or Created if it
  /// did not exist (the reference's PUT works on a missing namespace too).
  llvm::Expected<MetadataStore::Outcome>
  update(llvm::StringRef Name, const llvm::json::Array &Mapping);

  /// Removes Name's tree: Deleted, NotFound or InvalidKey.
  llvm::Expected<MetadataStore::Outcome> remove(llvm::StringRef Name);

  /// True if Name is valid and its directory exists.
  bool exists(llvm::StringRef Name) const;

  /// `<dir>/<name>`.
  std::string pathOf(llvm::StringRef Name) const;

  /// The absolute namespaces directory.
  const std::string &dir() const { return Dir; }

  /// Removes temporary trees a crash left behind (`.<name>.new-*`,
  /// `.<name>.old-*`). Call at start-up only.
  void removeStaleTemporaries() const;

private:
  llvm::Expected<std::string> build(llvm::StringRef Name,
                                    llvm::ArrayRef<NamespaceEntry> Entries);

  std::string Dir;
  MetadataStore &Meta;
  std::unique_ptr<KeyLocks> Locks;
};

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_NAMESPACESTORE_H
