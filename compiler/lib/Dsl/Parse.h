//===- Parse.h - DSL text to syntax tree (private) --------------*- C++ -*-===//
//
// Runs the lexer (Lexer.h) and the ANTLR parser over one SourceMgr buffer,
// reports syntax errors through the DiagnosticEngine (expected tokens in
// plain words, one error per mistake, ANTLR's recovery so later mistakes are
// found too), and converts the parse tree into the plain Syntax.h tree.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_DSL_PARSE_H
#define OVERLORD_LIB_DSL_PARSE_H

#include "Lexer.h"
#include "Syntax.h"

#include "overlord/Support/Diagnostics.h"

#include <memory>
#include <vector>

namespace overlord::dsl {

/// Parses buffer BufferID; nullptr when it has syntax errors (diagnosed).
std::unique_ptr<Module> parseModule(unsigned BufferID, DiagnosticEngine &Diags);

/// For fmt: whether buffer BufferID parses, with the same diagnostics as
/// parseModule, and every token of it (comments included, EOF left out).
/// A file that parses is checked without building a parse tree.
bool parseTokens(unsigned BufferID, DiagnosticEngine &Diags,
                 std::vector<Token> &Toks);

/// Lexes buffer BufferID (EOF left out). False when the bytes are not UTF-8
/// text or a character starts no token (diagnosed); other lexical errors
/// become BAD_CHAR/STR_NL tokens.
bool lexBuffer(unsigned BufferID, DiagnosticEngine &Diags,
               std::vector<Token> &Out);

} // namespace overlord::dsl

#endif // OVERLORD_LIB_DSL_PARSE_H
