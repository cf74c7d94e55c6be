//===- Lexer.cpp - The DSL's hand-written lexer -----------------*- C++ -*-===//
//
// Mirrors grammar/OverlordLexer.g4 rule by rule, with ANTLR's longest-match
// and first-rule-wins tie breaking, its mode stack (`"` enters STR, `#{` and
// `{` push the default mode, `}` pops when the stack is not empty) and its
// error recovery (a character no rule accepts is reported and skipped
// together with the character after it, as LexerATNSimulator does after
// consuming the failed prefix). Positions follow ANTLR: code point indices,
// 1-based lines, 0-based columns counted in code points.
//
//===----------------------------------------------------------------------===//
#include "Lexer.h"

#include "overlord/Dsl/Dsl.h"

#include "OverlordLexer.h"

#include "llvm/ADT/Twine.h"

using namespace overlord;
using namespace overlord::dsl;
using L = overlord::dsl::grammar::OverlordLexer;

namespace {

bool isDigit(char C) { return C >= '0' && C <= '9'; }
bool isIdentStart(char C) {
  return (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') || C == '_';
}
bool isIdentChar(char C) { return isIdentStart(C) || isDigit(C) || C == '-'; }
bool isContinuation(char C) { return (uint8_t(C) & 0xC0) == 0x80; }

/// The keyword spelled by an IDENT-shaped lexeme, or IDENT.
size_t keywordOrIdent(const char *B, size_t N) {
  llvm::StringRef S(B, N);
  switch (N) {
  case 2:
    if (S == "as") return L::AS;
    if (S == "fn") return L::FN;
    if (S == "if") return L::IF;
    if (S == "in") return L::IN;
    if (S == "or") return L::OR;
    break;
  case 3:
    if (S == "let") return L::LET;
    if (S == "for") return L::FOR;
    if (S == "and") return L::AND;
    if (S == "not") return L::NOT;
    break;
  case 4:
    if (S == "then") return L::THEN;
    if (S == "else") return L::ELSE;
    if (S == "true") return L::TRUE_LIT;
    if (S == "null") return L::NULL_LIT;
    break;
  case 5:
    if (S == "false") return L::FALSE_LIT;
    break;
  case 6:
    if (S == "import") return L::IMPORT;
    if (S == "deploy") return L::DEPLOY;
    break;
  case 8:
    if (S == "env_file") return L::ENV_FILE;
    break;
  default:
    break;
  }
  return L::IDENT;
}

class HandLexer {
public:
  HandLexer(llvm::StringRef Buf, LexResult &Out, bool SkipHidden)
      : P(Buf.begin()), E(Buf.end()), Out(Out), SkipHidden(SkipHidden) {}

  void run() {
    // About one token per 5.5 bytes in typical files.
    Out.Toks.reserve(Out.Toks.size() + size_t(E - P) / 5 + 16);
    while (P < E) {
      if (InString)
        stringToken();
      else
        defaultToken();
    }
    Token T{size_t(-1) /*EOF*/, E, E};
    T.Start = Cp;
    T.Stop = Cp - 1;
    T.Line = Line;
    T.Col = Col;
    Out.Toks.push_back(T);
  }

private:
  /// Moves P to To, counting code points, lines and columns.
  void advance(const char *To) {
    for (; P < To; ++P) {
      char C = *P;
      if (isContinuation(C))
        continue;
      ++Cp;
      if (C == '\n') {
        ++Line;
        Col = 0;
      } else {
        ++Col;
      }
    }
  }
  /// Emits a token of type Type spanning [P, To) and moves past it.
  void emit(size_t Type, const char *To, uint32_t Channel = 0) {
    if (Channel && SkipHidden) {
      advance(To);
      return;
    }
    Token T{Type, P, To};
    T.Start = Cp;
    T.Line = Line;
    T.Col = Col;
    T.Channel = Channel;
    advance(To);
    T.Stop = Cp - 1;
    Out.Toks.push_back(T);
  }
  /// End of the current code point.
  const char *nextCodePoint(const char *Q) const {
    ++Q;
    while (Q < E && isContinuation(*Q))
      ++Q;
    return Q;
  }
  const char *toEndOfLine(const char *Q) const {
    while (Q < E && *Q != '\n' && *Q != '\r')
      ++Q;
    return Q;
  }
  char at(const char *Q) const { return Q < E ? *Q : '\0'; }

  void pushMode() { Modes.push_back(InString); }
  void popMode() {
    if (Modes.empty())
      return; // unreachable: STR mode is only entered by a push
    InString = Modes.back();
    Modes.pop_back();
  }

  void defaultToken();
  void stringToken();
  void number();

  const char *P, *E;
  uint32_t Cp = 0, Line = 1, Col = 0;
  bool InString = false;
  std::vector<bool> Modes;
  LexResult &Out;
  bool SkipHidden;
};

void HandLexer::number() {
  const char *Q = P;
  while (Q < E && isDigit(*Q))
    ++Q;
  char C = at(Q);
  switch (C) {
  case 's':
  case 'h':
  case 'd':
    return emit(L::DURATION, Q + 1);
  case 'm':
    // `5min` is a duration, `5m` a size, `5mi` the size `5m` and a name.
    if (at(Q + 1) == 'i' && at(Q + 2) == 'n')
      return emit(L::DURATION, Q + 3);
    return emit(L::SIZE, Q + 1);
  case 'k': case 'K': case 'M': case 'g': case 'G':
  case 't': case 'T': case 'p': case 'P':
    return emit(L::SIZE, Q + 1);
  case '.':
    if (isDigit(at(Q + 1))) {
      Q += 2;
      while (Q < E && isDigit(*Q))
        ++Q;
      return emit(L::FLOAT, Q);
    }
    break;
  default:
    break;
  }
  emit(L::INT, Q);
}

void HandLexer::defaultToken() {
  char C = *P;
  const char *Q = P + 1;
  switch (C) {
  case ' ': case '\t': case '\r': case '\n':
    while (Q < E && (*Q == ' ' || *Q == '\t' || *Q == '\r' || *Q == '\n'))
      ++Q;
    return advance(Q); // WS -> skip
  case '0': case '1': case '2': case '3': case '4':
  case '5': case '6': case '7': case '8': case '9':
    return number();
  case '"':
    emit(L::DQUOTE, Q);
    pushMode();
    InString = true;
    return;
  case '{':
    emit(L::LBRACE, Q);
    pushMode();
    InString = false;
    return;
  case '}':
    emit(L::RBRACE, Q);
    popMode();
    return;
  case '=':
    if (at(Q) == '>')
      return emit(L::FATARROW, Q + 1);
    if (at(Q) == '=')
      return emit(L::EQ, Q + 1);
    return emit(L::ASSIGN, Q);
  case '!':
    if (at(Q) == '=')
      return emit(L::NE, Q + 1);
    return emit(L::BAD_CHAR, Q);
  case '<':
    if (at(Q) == '=')
      return emit(L::LE, Q + 1);
    return emit(L::LT, Q);
  case '>':
    if (at(Q) == '=')
      return emit(L::GE, Q + 1);
    return emit(L::GT, Q);
  case '+': return emit(L::PLUS, Q);
  case '-': return emit(L::MINUS, Q);
  case '*': return emit(L::STAR, Q);
  case '%': return emit(L::PERCENT, Q);
  case '.': return emit(L::DOT, Q);
  case ',': return emit(L::COMMA, Q);
  case ':': return emit(L::COLON, Q);
  case '(': return emit(L::LPAREN, Q);
  case ')': return emit(L::RPAREN, Q);
  case '[': return emit(L::LBRACK, Q);
  case ']': return emit(L::RBRACK, Q);
  case '/':
    if (at(Q) == '/')
      return emit(L::LINE_COMMENT, toEndOfLine(Q + 1), /*Channel=*/1);
    if (at(Q) == '*') {
      // `/*` ... the first `*/`; unclosed, it is a `/` (and a `*`).
      llvm::StringRef Rest(Q + 1, size_t(E - Q - 1));
      size_t End = Rest.find("*/");
      if (End != llvm::StringRef::npos)
        return emit(L::BLOCK_COMMENT, Q + 1 + End + 2, /*Channel=*/1);
    }
    return emit(L::SLASH, Q);
  case '#':
    return emit(L::LINE_COMMENT, toEndOfLine(Q), /*Channel=*/1);
  case '|':
    return emit(L::BLOCK_LINE, toEndOfLine(Q));
  default:
    break;
  }
  if (isIdentStart(C)) {
    while (Q < E && isIdentChar(*Q))
      ++Q;
    return emit(keywordOrIdent(P, size_t(Q - P)), Q);
  }
  emit(L::BAD_CHAR, nextCodePoint(P));
}

void HandLexer::stringToken() {
  char C = *P;
  switch (C) {
  case '"':
    emit(L::STR_END, P + 1);
    return popMode();
  case '\r':
  case '\n':
    emit(L::STR_NL, P + 1);
    return popMode();
  case '#':
    if (at(P + 1) == '{') {
      emit(L::STR_INTERP, P + 2);
      pushMode();
      InString = false;
      return;
    }
    return emit(L::STR_HASH, P + 1);
  default:
    break;
  }
  // STR_TEXT: (~["\\#\r\n] | '\\' ~[\r\n])+
  const char *Q = P;
  while (Q < E) {
    char D = *Q;
    if (D == '"' || D == '#' || D == '\r' || D == '\n')
      break;
    if (D == '\\') {
      if (Q + 1 == E || Q[1] == '\r' || Q[1] == '\n')
        break;
      Q += 2; // the escaped character's continuation bytes follow as text
      continue;
    }
    ++Q;
  }
  if (Q > P)
    return emit(L::STR_TEXT, Q);
  // A `\` before the end of the line or file: no rule matches. ANTLR
  // reports it at the backslash and skips it and the next character.
  Out.Errors.push_back({Cp, P});
  const char *Skip = P + 1;
  if (Skip < E)
    Skip = nextCodePoint(Skip);
  advance(Skip);
}

/// The generated lexer; errors are recorded instead of printed.
class RecordingListener : public antlr4::BaseErrorListener {
public:
  RecordingListener(llvm::StringRef Buf, const std::vector<uint32_t> &Offsets,
                    LexResult &Out)
      : Buf(Buf), Offsets(Offsets), Out(Out) {}
  void syntaxError(antlr4::Recognizer *R, antlr4::Token *, size_t, size_t,
                   const std::string &, std::exception_ptr) override {
    auto *Lx = static_cast<antlr4::Lexer *>(R);
    size_t I = Lx->tokenStartCharIndex;
    Out.Errors.push_back(
        {uint32_t(I), Buf.data() + (I < Offsets.size() ? Offsets[I]
                                                       : Buf.size())});
  }

private:
  llvm::StringRef Buf;
  const std::vector<uint32_t> &Offsets;
  LexResult &Out;
};

} // namespace

void dsl::lexDsl(llvm::StringRef Buf, LexResult &Out, bool SkipHidden) {
  HandLexer(Buf, Out, SkipHidden).run();
}

void dsl::lexWithAntlr(llvm::StringRef Buf, LexResult &Out) {
  // Code point index -> byte offset.
  std::vector<uint32_t> Offsets;
  for (size_t I = 0; I < Buf.size(); ++I)
    if (!isContinuation(Buf[I]))
      Offsets.push_back(uint32_t(I));
  auto Byte = [&](size_t CodePoint) {
    return Buf.data() +
           (CodePoint < Offsets.size() ? Offsets[CodePoint] : Buf.size());
  };
  antlr4::ANTLRInputStream Input(Buf.data(), Buf.size());
  L Lexer(&Input);
  RecordingListener Listener(Buf, Offsets, Out);
  Lexer.removeErrorListeners();
  Lexer.addErrorListener(&Listener);
  for (;;) {
    std::unique_ptr<antlr4::Token> T = Lexer.nextToken();
    Token Tok{T->getType(), Byte(T->getStartIndex()), nullptr};
    Tok.Start = uint32_t(T->getStartIndex());
    Tok.Stop = uint32_t(T->getStopIndex());
    Tok.Line = uint32_t(T->getLine());
    Tok.Col = uint32_t(T->getCharPositionInLine());
    Tok.Channel = uint32_t(T->getChannel());
    if (T->getType() == antlr4::Token::EOF) {
      Tok.End = Tok.Begin;
      Out.Toks.push_back(Tok);
      break;
    }
    Tok.End = Byte(T->getStopIndex() + 1);
    // The text as ANTLR reports it must be the bytes of the slice.
    if (T->getText() != Tok.text().str())
      Tok.End = Tok.Begin; // makes a comparison fail loudly
    Out.Toks.push_back(Tok);
  }
}

std::optional<std::string> dsl::crossCheckLexers(llvm::StringRef Text,
                                                 size_t *Count) {
  LexResult Hand, Ref;
  lexDsl(Text, Hand);
  lexWithAntlr(Text, Ref);
  if (Count)
    *Count = Ref.Toks.size();
  auto Describe = [](const Token &T) {
    return (llvm::Twine("type ") + llvm::Twine(int64_t(T.Type)) + " '" +
            T.text() + "' at " + llvm::Twine(T.Line) + ":" +
            llvm::Twine(T.Col) + " [" + llvm::Twine(T.Start) + ".." +
            llvm::Twine(T.Stop) + "] channel " + llvm::Twine(T.Channel))
        .str();
  };
  size_t N = std::min(Hand.Toks.size(), Ref.Toks.size());
  for (size_t I = 0; I < N; ++I) {
    const Token &A = Hand.Toks[I], &B = Ref.Toks[I];
    if (A.Type != B.Type || A.text() != B.text() || A.Start != B.Start ||
        A.Stop != B.Stop || A.Line != B.Line || A.Col != B.Col ||
        A.Channel != B.Channel)
      return "token " + std::to_string(I) + ": hand-written " + Describe(A) +
             ", ANTLR " + Describe(B);
  }
  if (Hand.Toks.size() != Ref.Toks.size())
    return "hand-written lexer: " + std::to_string(Hand.Toks.size()) +
           " tokens, ANTLR: " + std::to_string(Ref.Toks.size());
  if (Hand.Errors != Ref.Errors) {
    std::string S = "lexical errors differ: hand-written at";
    for (const auto &E : Hand.Errors)
      S += " " + std::to_string(E.first);
    S += ", ANTLR at";
    for (const auto &E : Ref.Errors)
      S += " " + std::to_string(E.first);
    return S;
  }
  return std::nullopt;
}
