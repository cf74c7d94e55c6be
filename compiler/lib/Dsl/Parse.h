//===- Parse.h - DSL text to syntax tree (private) --------------*- C++ -*-===//
//
// Runs the ANTLR lexer and parser over one SourceMgr buffer, reports syntax
// errors through the DiagnosticEngine (expected tokens in plain words, one
// error per mistake, ANTLR's recovery so later mistakes are found too), and
// converts the parse tree into the plain Syntax.h tree.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_DSL_PARSE_H
#define OVERLORD_LIB_DSL_PARSE_H

#include "Syntax.h"

#include "overlord/Support/Diagnostics.h"

#include <memory>
#include <vector>

namespace overlord::dsl {

/// A token of the buffer, hidden ones (comments, whitespace) included.
struct Token {
  size_t Type;       ///< OverlordLexer token type
  const char *Begin; ///< bytes in the buffer
  const char *End;
  llvm::StringRef text() const { return {Begin, size_t(End - Begin)}; }
};

/// Parses buffer BufferID; nullptr when it has syntax errors (diagnosed).
/// With Toks, also returns every token (fmt lexes only once).
std::unique_ptr<Module> parseModule(unsigned BufferID, DiagnosticEngine &Diags,
                                    std::vector<Token> *Toks = nullptr);

/// Lexes buffer BufferID. False when the bytes are not UTF-8 text
/// (diagnosed); lexical errors become BAD_CHAR/STR_NL tokens.
bool lexBuffer(unsigned BufferID, DiagnosticEngine &Diags,
               std::vector<Token> &Out);

} // namespace overlord::dsl

#endif // OVERLORD_LIB_DSL_PARSE_H
