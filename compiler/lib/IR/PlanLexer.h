//===- PlanLexer.h - Tokens of the .oplan text (internal) -------*- C++ -*-===//
//
// The .oplan lexer: line-oriented (newlines are tokens), `#` comments, quoted
// strings with escapes, bare words (identifiers, numbers, sizes, digests,
// secrets: [A-Za-z0-9_.-][A-Za-z0-9_.:-]*), punctuation, and `<<EOT` /
// `<<-EOT` text blocks whose lines the parser reads with readHeredoc().
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_IR_PLANLEXER_H
#define OVERLORD_LIB_IR_PLANLEXER_H

#include "overlord/Support/Diagnostics.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace overlord::ir::detail {

enum class Tok {
  Word, String, Heredoc, LBrace, RBrace, LBracket, RBracket, Equal, Comma,
  Colon, Newline, Eof, Error
};

struct Token {
  Tok Kind = Tok::Eof;
  llvm::StringRef Text;  ///< the source text of the token
  std::string Value;     ///< unescaped string, or the word
  bool FinalNewline = true; ///< Heredoc: `<<EOT` (true) or `<<-EOT`
  llvm::SMRange range() const {
    return {llvm::SMLoc::getFromPointer(Text.begin()),
            llvm::SMLoc::getFromPointer(Text.end())};
  }
  llvm::SMLoc loc() const { return llvm::SMLoc::getFromPointer(Text.begin()); }
};

/// A short description of a token for "found ..." in messages.
std::string describe(const Token &T);

class PlanLexer {
public:
  PlanLexer(llvm::StringRef Buffer, DiagnosticEngine &Diags)
      : Buf(Buffer), Cur(Buffer.begin()), Diags(Diags) {}

  Token next();
  const Token &peek();
  /// Column (0-based) of a location on its line.
  unsigned columnOf(const char *P) const;
  /// After a Heredoc token: reads the block whose closing `EOT` line is at
  /// indentation Indent; content lines are indented Indent + 2. Returns the
  /// text, or nullopt after a diagnostic.
  std::optional<std::string> readHeredoc(const Token &Start, unsigned Indent,
                                         bool FinalNewline);

private:
  Token lex();
  Token make(Tok K, const char *B, const char *E);
  Token lexString(const char *B);

  llvm::StringRef Buf;
  const char *Cur;
  DiagnosticEngine &Diags;
  std::optional<Token> Peeked;
};

} // namespace overlord::ir::detail

#endif // OVERLORD_LIB_IR_PLANLEXER_H
