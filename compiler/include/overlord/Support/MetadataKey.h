//===- MetadataKey.h - The reference's metadata key syntax ------*- C++ -*-===//
//
// One definition of overlord.metadata.REGEX_KEY,
// `[a-zA-Z][a-zA-Z0-9]*((\.|-|_)?[a-zA-Z][a-zA-Z0-9]*)*` matched in full, for
// every layer that names metadata: the checker (Sema), the plan verifier (IR)
// and the node engine's stores. Header-only so that linking it pulls in no
// library; ASCII only, like the reference's Python regex.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_SUPPORT_METADATAKEY_H
#define OVERLORD_SUPPORT_METADATAKEY_H

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

namespace overlord {

/// The metadata key regex as a full-match pattern (for messages and for
/// llvm::Regex users).
inline constexpr const char *MetadataKeyPattern =
    "^[a-zA-Z][a-zA-Z0-9]*((\\.|-|_)?[a-zA-Z][a-zA-Z0-9]*)*$";

/// True if Key matches the metadata key regex in full: segments that start
/// with a letter and continue with letters or digits, joined by at most one
/// of '.', '-', '_'. Such a key never contains '/', never starts with '.' and
/// is never "." or "..", so it is always a single safe file name.
inline bool isMetadataKey(llvm::StringRef Key) {
  size_t I = 0;
  while (I < Key.size()) {
    if (I > 0 && (Key[I] == '.' || Key[I] == '-' || Key[I] == '_'))
      ++I;
    if (I >= Key.size() || !llvm::isAlpha(Key[I]))
      return false;
    while (I < Key.size() && llvm::isAlnum(Key[I]))
      ++I;
  }
  return !Key.empty();
}

} // namespace overlord

#endif // OVERLORD_SUPPORT_METADATAKEY_H
