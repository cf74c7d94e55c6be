//===- Director.h - Director files (appjail-director(5)) --------*- C++ -*-===//
//
// Checks a parsed Director file against director-spec(5) exactly as
// Director's parser.py does (keys, types, KV-lists, name regexes, volume
// references), plus the option strings and Makejail references it carries,
// and builds its typed model. The labels of each service are kept in order
// because the plan lowers `overlord.skydns*` / `overlord.load-balancer*`
// labels into hooks.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_APPJAIL_DIRECTOR_H
#define OVERLORD_APPJAIL_DIRECTOR_H

#include "overlord/AST/DirectorFile.h"
#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace overlord::appjail {

/// The keys director-spec(5) allows at the top level of a Director file and
/// in a service (shared with the simulator in engine/sim).
llvm::ArrayRef<llvm::StringRef> directorTopKeys();
llvm::ArrayRef<llvm::StringRef> directorServiceKeys();

/// Checks Root (a parsed Director file). Returns nullopt when an error was
/// reported.
std::optional<DirectorFile> checkDirectorFile(const ast::Value *Root,
                                              llvm::SMRange WholeRange,
                                              DiagnosticEngine &Diags);

/// Checks the labels of one service (already collected into S.Labels):
/// duplicates, and the companions Overlord's special labels require
/// (`overlord.skydns` needs `overlord.skydns.group` and
/// `overlord.skydns.interface`, `overlord.load-balancer` needs `.backend`,
/// `.interface` and an integer `.interface.port`, ...). Returns false when an
/// error was reported.
bool checkDirectorLabels(const DirectorService &S, DiagnosticEngine &Diags);

/// Splits a `label` option value at the first ':' into a label (key, value,
/// with ranges inside ValueRange) appended to Out.
void addDirectorLabel(const KeyValue &Option, std::vector<KeyValue> &Out);

/// Reads V as a KV-list (a list of single-key `- key: value` mappings), keys
/// and values stringified as Director does. What names the list in messages
/// ("'environment' of service 'web'"); AllowNull says whether `- key:` (a
/// null value) is accepted. Every mistake is diagnosed and recovered from.
std::vector<KeyValue> readDirectorKVList(const ast::Value &V,
                                         const std::string &What,
                                         bool AllowNull,
                                         DiagnosticEngine &Diags);

/// The range of Text[Pos, Pos+Len) inside a scalar written at ScalarRange
/// whose decoded text is Text, or ScalarRange itself when Text is not found
/// verbatim in the source (escapes, folded lines, `!ENV`).
llvm::SMRange locateInScalar(llvm::SMRange ScalarRange, llvm::StringRef Text,
                             size_t Pos, size_t Len);

} // namespace overlord::appjail

#endif // OVERLORD_APPJAIL_DIRECTOR_H
