//===- PlanLexer.cpp - Tokens of the .oplan text ----------------*- C++ -*-===//
//
// Hand-edited plans reach this lexer, so every byte sequence yields a token
// or a diagnostic and the cursor always advances: no input makes it crash or
// loop.
//
//===----------------------------------------------------------------------===//
#include "PlanLexer.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>

using namespace overlord;
using namespace overlord::ir;
using namespace overlord::ir::detail;

static bool isWordStart(char C) {
  return llvm::isAlnum(C) || C == '_' || C == '.' || C == '-';
}
static bool isWordChar(char C) { return isWordStart(C) || C == ':'; }

std::string detail::describe(const Token &T) {
  switch (T.Kind) {
  case Tok::Newline:
    return "end of line";
  case Tok::Eof:
    return "end of file";
  case Tok::Heredoc:
    return "a text block";
  case Tok::String:
    return "a string";
  default:
    return "'" + T.Text.str() + "'";
  }
}

Token PlanLexer::make(Tok K, const char *B, const char *E) {
  Token T;
  T.Kind = K;
  T.Text = llvm::StringRef(B, E - B);
  T.Value = T.Text.str();
  Cur = E;
  return T;
}

const Token &PlanLexer::peek() {
  if (!Peeked)
    Peeked = lex();
  return *Peeked;
}

Token PlanLexer::next() {
  if (Peeked) {
    Token T = std::move(*Peeked);
    Peeked.reset();
    return T;
  }
  return lex();
}

unsigned PlanLexer::columnOf(const char *P) const {
  const char *B = P;
  while (B > Buf.begin() && B[-1] != '\n')
    --B;
  return static_cast<unsigned>(P - B);
}

Token PlanLexer::lex() {
  const char *End = Buf.end();
  while (Cur < End && (*Cur == ' ' || *Cur == '\t' || *Cur == '\r'))
    ++Cur;
  if (Cur < End && *Cur == '#')
    while (Cur < End && *Cur != '\n')
      ++Cur;
  if (Cur >= End)
    return make(Tok::Eof, End, End);
  const char *B = Cur;
  switch (*B) {
  case '\n': return make(Tok::Newline, B, B + 1);
  case '{': return make(Tok::LBrace, B, B + 1);
  case '}': return make(Tok::RBrace, B, B + 1);
  case '[': return make(Tok::LBracket, B, B + 1);
  case ']': return make(Tok::RBracket, B, B + 1);
  case '=': return make(Tok::Equal, B, B + 1);
  case ',': return make(Tok::Comma, B, B + 1);
  case ':': return make(Tok::Colon, B, B + 1);
  case '"': return lexString(B);
  default: break;
  }
  llvm::StringRef Rest(B, End - B);
  if (Rest.startswith("<<EOT") || Rest.startswith("<<-EOT")) {
    bool Final = !Rest.startswith("<<-");
    Token T = make(Tok::Heredoc, B, B + (Final ? 5 : 6));
    T.FinalNewline = Final;
    return T;
  }
  if (isWordStart(*B)) {
    const char *E = B;
    while (E < End && isWordChar(*E))
      ++E;
    return make(Tok::Word, B, E);
  }
  // One UTF-8 sequence (or one byte) as an error token.
  const char *E = B + 1;
  while (E < End && (static_cast<unsigned char>(*E) & 0xC0) == 0x80)
    ++E;
  return make(Tok::Error, B, E);
}

static int hexValue(char C) {
  if (C >= '0' && C <= '9')
    return C - '0';
  if (C >= 'a' && C <= 'f')
    return C - 'a' + 10;
  if (C >= 'A' && C <= 'F')
    return C - 'A' + 10;
  return -1;
}

Token PlanLexer::lexString(const char *B) {
  const char *End = Buf.end(), *P = B + 1;
  std::string V;
  bool Bad = false;
  while (P < End && *P != '"' && *P != '\n') {
    if (*P != '\\') {
      V += *P++;
      continue;
    }
    const char *Esc = P;
    char C = P + 1 < End ? P[1] : '\0';
    P += 2;
    switch (C) {
    case '"': V += '"'; continue;
    case '\\': V += '\\'; continue;
    case 'n': V += '\n'; continue;
    case 't': V += '\t'; continue;
    case 'r': V += '\r'; continue;
    case 'x':
      if (P + 1 < End && hexValue(P[0]) >= 0 && hexValue(P[1]) >= 0) {
        V += static_cast<char>(hexValue(P[0]) * 16 + hexValue(P[1]));
        P += 2;
        continue;
      }
      break;
    default:
      break;
    }
    if (P > End)
      P = End;
    Diags.emit(llvm::SMRange(llvm::SMLoc::getFromPointer(Esc),
                             llvm::SMLoc::getFromPointer(P)),
               diag::PlanUnknownEscape, llvm::StringRef(Esc, P - Esc).str());
    Bad = true;
  }
  if (P >= End || *P != '"') {
    Diags.emit(llvm::SMLoc::getFromPointer(B), diag::PlanUnterminatedString);
    Token T = make(Tok::Error, B, P);
    T.Value = "\"";
    return T;
  }
  // After a bad escape the string is still a string: the diagnostic is out
  // and the parser fails at the end, without a second error here.
  (void)Bad;
  Token T = make(Tok::String, B, P + 1);
  T.Value = std::move(V);
  return T;
}

std::optional<std::string> PlanLexer::readHeredoc(const Token &Start,
                                                  unsigned Indent,
                                                  bool FinalNewline) {
  const char *End = Buf.end();
  while (Cur < End && (*Cur == ' ' || *Cur == '\t' || *Cur == '\r'))
    ++Cur;
  if (Cur >= End || *Cur != '\n') {
    Token Found = lex();
    Diags.emit(Found.range(), diag::PlanSyntax,
               std::string("end of line after '") + Start.Text.str() + "'",
               describe(Found));
    return std::nullopt;
  }
  ++Cur;
  std::string Out;
  bool First = true, Bad = false;
  while (Cur < End) {
    const char *LineEnd = std::find(Cur, End, '\n');
    llvm::StringRef Line(Cur, LineEnd - Cur);
    llvm::StringRef Trimmed = Line.ltrim(' ');
    if (Trimmed == "EOT" && Line.size() - Trimmed.size() == Indent) {
      Cur = LineEnd; // the newline after EOT ends the field line
      if (FinalNewline)
        Out += '\n';
      if (Bad)
        return std::nullopt;
      return Out;
    }
    if (!First)
      Out += '\n';
    First = false;
    if (!Line.empty()) {
      if (Line.size() < Indent + 2 ||
          !Line.take_front(Indent + 2).ltrim(' ').empty()) {
        // Report once, then read on to the closing line to stay in sync.
        if (!Bad)
          Diags.emit(llvm::SMLoc::getFromPointer(Cur), diag::PlanTextIndent,
                     Indent + 2);
        Bad = true;
      } else {
        Out += Line.drop_front(Indent + 2).str();
      }
    }
    Cur = LineEnd < End ? LineEnd + 1 : End;
  }
  Diags.emit(Start.range(), diag::PlanUnterminatedText, Indent);
  return std::nullopt;
}
