//===- VmJailChecker.h - kind: vmJail checking ------------------*- C++ -*-===//
//
// The vmJail kind checker (overlord-spec(5) "vmJail"), built on the
// SchemaChecker toolkit. The spec checker calls checkVmJail after the global
// keys; print-spec calls vmJailToJson for the per-kind keys.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_SEMA_VMJAILCHECKER_H
#define OVERLORD_LIB_SEMA_VMJAILCHECKER_H

#include "overlord/AST/Value.h"
#include "overlord/AST/VmJailSpec.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>

namespace overlord::sema {

class SchemaChecker;

/// Checks the vmJail keys of Root and fills Out. The spec checker has
/// already checked the global keys and which top-level keys are allowed
/// (§2.7's list); checkVmJail checks the values of the vmJail keys. Returns
/// false when an error was reported.
bool checkVmJail(const ast::Value &Root, SchemaChecker &C,
                 ast::VmJailSpec &Out);

/// The vmJail keys of the reference's print-spec output. Values written
/// `!SECRET` are masked unless ShowSecrets.
llvm::json::Object vmJailToJson(const ast::VmJailSpec &V,
                                bool ShowSecrets = false);

/// The parts of the vmJail checker, shared by its source files
/// (VmJailChecker.cpp, VmJailDisk.cpp, VmJailLayout.cpp, VmJailJson.cpp).
namespace vmjail {

/// Sizes in bytes of a gpart(8) / truncate(1) size: digits with an optional
/// expand_number(3) unit (b, k, m, g, t, p, e; any case). Without a unit,
/// gpart counts 512-byte sectors (UnitlessSectors) and truncate bytes.
/// nullopt when Text is not of that form or overflows.
std::optional<uint64_t> parseSize(llvm::StringRef Text, bool UnitlessSectors);

/// "10 GiB", "512 KiB", "1.50 GiB": a byte count for messages.
std::string formatBytes(uint64_t Bytes);

/// Checks a size field (`diskLayout.size`, partition `size`/`start`/
/// `alignment`) and fills Out. An empty string produced by `!ENV` is accepted
/// with an unknown value: the unset variable is reported elsewhere.
bool checkSize(const ast::Value &V, llvm::StringRef Path, bool UnitlessSectors,
               SchemaChecker &C, ast::VmSize &Out);

/// Like SchemaChecker::checkKeys, but a key that belongs to another level of
/// the vmJail schema ('osArch' directly under 'diskLayout') gets
/// VmKeyMisplaced naming where it goes instead of UnknownKey.
bool checkKeysAt(const ast::Value &Map, llvm::ArrayRef<llvm::StringRef> Allowed,
                 llvm::StringRef Path, SchemaChecker &C);

/// True when Key is written in a map near the top of Root other than where
/// it belongs (the top level, `datacenters.<dc>`, `diskLayout` and its
/// maps): a "missing key" there would only repeat the misplaced-key error.
bool writtenElsewhere(const ast::Value &Root, llvm::StringRef Key);

/// Checks `diskLayout` (driver, size, from, disk, fstab) into Out, then the
/// cross-field checks when its parts were well formed.
/// KeyRange is the `diskLayout` key, where missing keys are reported.
/// Root is the document, for writtenElsewhere.
bool checkDiskLayout(const ast::Value &V, llvm::SMRange KeyRange,
                     const ast::Value &Root, SchemaChecker &C,
                     ast::VmDiskLayout &Out);

/// Cross-field checks on a well-formed disk layout: partitions fit the
/// disk, one partition at most takes the rest, a root partition exists,
/// labels, bootcode index, fstab devices. V is `diskLayout`.
void checkLayoutConsistency(const ast::Value &V, const ast::VmDiskLayout &L,
                            SchemaChecker &C);

/// The JSON form of a YAML value (cloud-init documents, raw print-spec).
llvm::json::Value valueToJson(const ast::Value &V);

} // namespace vmjail

} // namespace overlord::sema

#endif // OVERLORD_LIB_SEMA_VMJAILCHECKER_H
