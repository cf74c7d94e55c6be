//===- Lexer.h - The DSL's hand-written lexer (private) ---------*- C++ -*-===//
//
// A hand-written lexer for grammar/OverlordLexer.g4 that produces exactly the
// token stream of the generated ANTLR lexer (types, text, line, column,
// code point indices, channel; whitespace skipped) without its per-token
// allocations and DFA look-ups. The grammar stays the reference: the
// generated lexer is kept (lexWithAntlr) and the unit tests compare both on
// every .ovl file of the tree and on generated inputs (crossCheckLexers in
// overlord/Dsl/Dsl.h).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_DSL_LEXER_H
#define OVERLORD_LIB_DSL_LEXER_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace overlord::dsl {

/// A token of the buffer as the ANTLR lexer reports it (comments included,
/// whitespace skipped). Text is a slice of the buffer.
struct Token {
  size_t Type;        ///< OverlordLexer token type; antlr4::Token::EOF at the end
  const char *Begin;  ///< bytes in the buffer
  const char *End;
  uint32_t Start = 0; ///< code point index of the first character (ANTLR)
  uint32_t Stop = 0;  ///< code point index of the last character (ANTLR)
  uint32_t Line = 1;  ///< 1-based
  uint32_t Col = 0;   ///< 0-based, in code points
  uint32_t Channel = 0; ///< 0: default; 1: hidden (comments)
  llvm::StringRef text() const { return {Begin, size_t(End - Begin)}; }
};

/// The tokens of one buffer and its lexical errors.
struct LexResult {
  /// Every token; the last one is EOF (empty text) unless the lexer was
  /// asked to stop at the first error.
  std::vector<Token> Toks;
  /// Code point index (and byte) of each character no token starts with:
  /// a `\` before the end of a line or of the file inside a string.
  std::vector<std::pair<uint32_t, const char *>> Errors;
};

/// Lexes Buf (valid UTF-8, checked by the caller) with the hand-written
/// lexer. With SkipHidden, comments are left out of the result.
void lexDsl(llvm::StringRef Buf, LexResult &Out, bool SkipHidden = false);

/// Lexes Buf with the generated ANTLR lexer: the reference lexDsl is
/// compared with.
void lexWithAntlr(llvm::StringRef Buf, LexResult &Out);

} // namespace overlord::dsl

#endif // OVERLORD_LIB_DSL_LEXER_H
