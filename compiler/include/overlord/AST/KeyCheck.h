//===- KeyCheck.h - Unknown keys of a map -----------------------*- C++ -*-===//
//
// The one check of a map's keys against the keys a schema allows, shared by
// every checker of a YAML file (deployment files in Sema, overlord.yml in the
// engine): a non-string key, and an unknown key with a "did you mean" fix-it.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_AST_KEYCHECK_H
#define OVERLORD_AST_KEYCHECK_H

#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"

namespace overlord::ast {

/// Reports every key of Map that is not a string ([NonStringKey]; TopName
/// names the file when Path is empty) or not in Allowed ([UnknownKey], with
/// the closest allowed key as a fix-it). Path is the dotted path of Map
/// ("" at the top level). Returns false when anything was reported.
bool checkAllowedKeys(const Value &Map, llvm::ArrayRef<llvm::StringRef> Allowed,
                      llvm::StringRef Path, llvm::StringRef TopName,
                      DiagnosticEngine &Diags);

} // namespace overlord::ast

#endif // OVERLORD_AST_KEYCHECK_H
