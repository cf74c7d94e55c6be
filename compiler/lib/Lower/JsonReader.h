//===- JsonReader.h - JSON with source locations ----------------*- C++ -*-===//
//
// A strict RFC 8259 JSON reader that keeps the source range of every value,
// so errors in a cluster snapshot point at the offending text. It builds the
// same located tree (ast::Value) the YAML front end builds; numbers without a
// fraction or exponent become Int, the others Float.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_LOWER_JSONREADER_H
#define OVERLORD_LIB_LOWER_JSONREADER_H

#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"

#include <memory>

namespace overlord::lower {

/// Parses buffer BufferID of the engine's SourceMgr as one JSON value.
/// Returns nullptr after a SnapshotSyntax diagnostic. Nesting deeper than
/// MaxDepth is a syntax error (the reader is recursive).
std::unique_ptr<ast::Document> readJson(unsigned BufferID,
                                        DiagnosticEngine &Diags,
                                        unsigned MaxDepth = 256);

/// 'object', 'array', 'string', 'number', 'boolean' or 'null'.
llvm::StringRef jsonTypeName(const ast::Value &V);

} // namespace overlord::lower

#endif // OVERLORD_LIB_LOWER_JSONREADER_H
