//===- Parse.cpp - DSL text to syntax tree ----------------------*- C++ -*-===//
//
// The only file that sees the ANTLR parser: it feeds the hand-written
// lexer's tokens (Lexer.h) to the generated parser through a TokenStream
// over one array (no allocation per token), turns ANTLR's error callbacks
// into DslSyntax diagnostics worded
// for people ("expected ':' or '}'", not "mismatched input"), and converts
// the parse tree into Syntax.h nodes. ANTLR positions count code points;
// SourceMgr needs byte pointers, so a code point -> byte table is built for
// files that are not plain ASCII.
//
//===----------------------------------------------------------------------===//
#include "Parse.h"

#include "OverlordLexer.h"
#include "OverlordParser.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

#include <set>

using namespace overlord;
using namespace overlord::dsl;
using G = overlord::dsl::grammar::OverlordParser;
using L = overlord::dsl::grammar::OverlordLexer;

namespace {

/// Code point index (ANTLR) -> byte pointer (SourceMgr).
class PositionMap {
public:
  explicit PositionMap(llvm::StringRef Buf) : Buf(Buf) {
    Ascii = true;
    for (unsigned char C : Buf)
      if (C >= 0x80) {
        Ascii = false;
        break;
      }
    if (Ascii)
      return;
    for (size_t I = 0; I < Buf.size(); ++I)
      if ((static_cast<unsigned char>(Buf[I]) & 0xC0) != 0x80)
        Offsets.push_back(uint32_t(I));
  }
  const char *at(size_t CodePoint) const {
    if (Ascii)
      return Buf.data() + std::min(CodePoint, Buf.size());
    if (CodePoint >= Offsets.size())
      return Buf.data() + Buf.size();
    return Buf.data() + Offsets[CodePoint];
  }
  llvm::SMLoc loc(size_t CodePoint) const {
    return llvm::SMLoc::getFromPointer(at(CodePoint));
  }
  /// The bytes of token T.
  llvm::SMRange range(const antlr4::Token *T) const {
    if (T->getType() == antlr4::Token::EOF)
      return {loc(T->getStartIndex()), loc(T->getStartIndex())};
    return {loc(T->getStartIndex()), loc(T->getStopIndex() + 1)};
  }
  llvm::SMRange range(antlr4::ParserRuleContext *C) const {
    const antlr4::Token *S = C->getStart(), *E = C->getStop();
    if (!E || E->getStopIndex() + 1 < S->getStartIndex())
      return range(S);
    return {loc(S->getStartIndex()), loc(E->getStopIndex() + 1)};
  }

private:
  llvm::StringRef Buf;
  bool Ascii;
  std::vector<uint32_t> Offsets;
};

/// Brackets nested deeper than this are refused before parsing.
constexpr unsigned MaxNesting = 200;
/// Parser rules nested deeper than this (prefix operators, `if`, `let`
/// chains without brackets) stop the parse: the parser recurses per rule.
constexpr size_t MaxRuleDepth = 1500;

struct TooDeep {
  antlr4::Token *At;
};

/// The generated parser, stopping with TooDeep when its rule stack gets too
/// deep (checked as each rule is entered, also when no tree is built).
class GuardedParser : public grammar::OverlordParser {
public:
  using OverlordParser::OverlordParser;
  void enterRule(antlr4::ParserRuleContext *C, size_t State,
                 size_t Rule) override {
    OverlordParser::enterRule(C, State, Rule);
    check(C);
  }
  void enterRecursionRule(antlr4::ParserRuleContext *C, size_t State,
                          size_t Rule, int Precedence) override {
    OverlordParser::enterRecursionRule(C, State, Rule, Precedence);
    check(C);
  }
  void pushNewRecursionContext(antlr4::ParserRuleContext *C, size_t State,
                               size_t Rule) override {
    OverlordParser::pushNewRecursionContext(C, State, Rule);
    check(C);
  }

private:
  static void check(antlr4::ParserRuleContext *C) {
    if (size_t(C->depth()) > MaxRuleDepth)
      throw TooDeep{C->getStart()};
  }
};

/// A token of the array, as the ANTLR parser sees it.
class ParseToken final : public antlr4::Token {
public:
  ParseToken(const dsl::Token *Tok, antlr4::TokenSource *Src, size_t Index)
      : Tok(Tok), Src(Src), Index(Index) {}
  std::string getText() const override {
    return Tok->Type == antlr4::Token::EOF ? "<EOF>" : Tok->text().str();
  }
  size_t getType() const override { return Tok->Type; }
  size_t getLine() const override { return Tok->Line; }
  size_t getCharPositionInLine() const override { return Tok->Col; }
  size_t getChannel() const override { return Tok->Channel; }
  size_t getTokenIndex() const override { return Index; }
  size_t getStartIndex() const override { return Tok->Start; }
  size_t getStopIndex() const override {
    return Tok->Type == antlr4::Token::EOF ? size_t(Tok->Start) - 1 : size_t(Tok->Stop);
  }
  antlr4::TokenSource *getTokenSource() const override { return Src; }
  antlr4::CharStream *getInputStream() const override { return nullptr; }
  std::string toString() const override {
    return "[@" + std::to_string(Index) + ",'" + getText() + "'<" +
           std::to_string(Tok->Type) + ">," + std::to_string(Tok->Line) +
           ":" + std::to_string(Tok->Col) + "]";
  }
  const dsl::Token *Tok;

private:
  antlr4::TokenSource *Src;
  size_t Index;
};

/// The parser's token stream: default-channel tokens in one array, the
/// last one EOF. Also the TokenSource ANTLR's error recovery asks for a
/// token factory when it conjures a missing token.
class TokenArray final : public antlr4::TokenStream,
                         public antlr4::TokenSource {
public:
  /// Over the default-channel tokens of All (which ends with EOF).
  explicit TokenArray(const std::vector<dsl::Token> &All) {
    Toks.reserve(All.size());
    for (const dsl::Token &T : All)
      if (T.Channel == 0)
        Toks.emplace_back(&T, this, Toks.size());
  }
  /// Over Other's tokens [B, E) (EOF excluded), then an EOF just after
  /// LastAny, the last token of the range on any channel: one statement
  /// parsed on its own.
  TokenArray(const TokenArray &Other, size_t B, size_t E,
             const dsl::Token *LastAny) {
    Toks.reserve(E - B + 1);
    for (size_t I = B; I < E; ++I)
      if (Other.Toks[I].Tok->Type != antlr4::Token::EOF)
        Toks.emplace_back(Other.Toks[I].Tok, this, Toks.size());
    Eof.Type = EOF;
    if (LastAny) {
      Eof.Begin = Eof.End = LastAny->End;
      Eof.Start = LastAny->Stop + 1;
      Eof.Line = LastAny->Line;
      Eof.Col = LastAny->Col;
    }
    Toks.emplace_back(&Eof, this, Toks.size());
  }
  TokenArray(const TokenArray &) = delete;
  TokenArray &operator=(const TokenArray &) = delete;

  const std::vector<ParseToken> &tokens() const { return Toks; }

  // TokenStream
  antlr4::Token *LT(ssize_t K) override {
    if (K == 0)
      return nullptr;
    if (K < 0)
      return ssize_t(P) + K < 0 ? nullptr : &Toks[size_t(ssize_t(P) + K)];
    return &Toks[std::min(P + size_t(K) - 1, Toks.size() - 1)];
  }
  antlr4::Token *get(size_t I) const override {
    return const_cast<ParseToken *>(&Toks.at(I));
  }
  antlr4::TokenSource *getTokenSource() const override {
    return const_cast<TokenArray *>(this);
  }
  std::string getText(const antlr4::misc::Interval &I) override {
    if (I.a < 0 || I.b < 0)
      return "";
    std::string Out;
    for (size_t K = size_t(I.a); K <= size_t(I.b) && K < Toks.size(); ++K) {
      if (Toks[K].getType() == antlr4::Token::EOF)
        break;
      Out += Toks[K].Tok->text();
    }
    return Out;
  }
  std::string getText() override {
    return getText(antlr4::misc::Interval(size_t(0), Toks.size() - 1));
  }
  std::string getText(antlr4::RuleContext *C) override {
    return getText(C->getSourceInterval());
  }
  std::string getText(antlr4::Token *Start, antlr4::Token *Stop) override {
    if (!Start || !Stop || Start->getTokenIndex() == INVALID_INDEX ||
        Stop->getTokenIndex() == INVALID_INDEX)
      return "";
    return getText(antlr4::misc::Interval(Start->getTokenIndex(),
                                          Stop->getTokenIndex()));
  }
  // IntStream
  void consume() override {
    if (Toks[P].getType() == antlr4::Token::EOF)
      throw antlr4::IllegalStateException("cannot consume EOF");
    ++P;
  }
  size_t LA(ssize_t I) override {
    antlr4::Token *T = LT(I);
    return T ? T->getType() : antlr4::Token::INVALID_TYPE;
  }
  ssize_t mark() override { return 0; }
  void release(ssize_t) override {}
  size_t index() override { return P; }
  void seek(size_t I) override { P = std::min(I, Toks.size() - 1); }
  size_t size() override { return Toks.size(); }
  std::string getSourceName() const override { return ""; }
  // TokenSource
  std::unique_ptr<antlr4::Token> nextToken() override {
    auto T = std::make_unique<antlr4::CommonToken>(&Toks[Next]);
    if (Next + 1 < Toks.size())
      ++Next;
    return T;
  }
  size_t getLine() const override { return Toks[P].getLine(); }
  size_t getCharPositionInLine() override {
    return Toks[P].getCharPositionInLine();
  }
  antlr4::CharStream *getInputStream() override { return nullptr; }
  std::string getSourceName() override { return ""; }
  antlr4::TokenFactory<antlr4::CommonToken> *getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

private:
  std::vector<ParseToken> Toks;
  size_t P = 0, Next = 0;
  dsl::Token Eof{antlr4::Token::EOF, nullptr, nullptr};
};

/// Checks that the buffer is UTF-8 text without NUL bytes.
bool checkBytes(llvm::StringRef Buf, DiagnosticEngine &Diags) {
  size_t Nul = Buf.find('\0');
  if (Nul != llvm::StringRef::npos) {
    Diags.emit(llvm::SMLoc::getFromPointer(Buf.data() + Nul), diag::NulByte);
    return false;
  }
  const auto *P = reinterpret_cast<const llvm::UTF8 *>(Buf.data());
  const auto *E = P + Buf.size();
  while (P < E) {
    unsigned Len = llvm::getNumBytesForUTF8(*P);
    if (Len == 1 && *P < 0x80) {
      ++P;
      continue;
    }
    if (P + Len > E || !llvm::isLegalUTF8Sequence(P, P + Len)) {
      Diags.emit(llvm::SMLoc::getFromPointer(
                     reinterpret_cast<const char *>(P)),
                 diag::BadUtf8,
                 llvm::formatv("{0:x-2}", unsigned(*P)).str().substr(0));
      return false;
    }
    P += Len;
  }
  return true;
}

/// How a token type is named in "expected ..." messages.
std::string tokenWords(size_t Type, const antlr4::dfa::Vocabulary &V) {
  switch (Type) {
  case antlr4::Token::EOF:
    return "end of file";
  case G::IDENT:
    return "a name";
  case G::INT:
  case G::FLOAT:
  case G::SIZE:
  case G::DURATION:
    return "a number";
  case G::DQUOTE:
    return "a string";
  case G::STR_END:
    return "'\"'";
  case G::BLOCK_LINE:
    return "a '|' text line";
  default:
    break;
  }
  std::string Lit = V.getLiteralName(Type);
  if (!Lit.empty())
    return Lit; // already quoted: 'let', '{'
  return V.getSymbolicName(Type);
}

/// The offending token, described: "'}'", "name 'foo'", "end of file".
std::string describeToken(const antlr4::Token *T) {
  if (!T || T->getType() == antlr4::Token::EOF)
    return "end of file";
  std::string Text = T->getText();
  if (Text.size() > 30)
    Text = Text.substr(0, 27) + "...";
  switch (T->getType()) {
  case G::IDENT:
    return "name '" + Text + "'";
  case G::BLOCK_LINE:
    return "text line '" + Text + "'";
  case G::DQUOTE:
    return "a string";
  default:
    return "'" + Text + "'";
  }
}

/// A syntax error, held until we know which errors are worth printing.
struct PendingError {
  llvm::SMRange Range;
  bool Stray; ///< DslStrayCharacter, else DslSyntax
  std::string Text;
};

class ErrorListener : public antlr4::BaseErrorListener {
public:
  ErrorListener(DiagnosticEngine &Diags, const PositionMap &Pos,
                unsigned Limit = 0)
      : Diags(Diags), Pos(Pos), Limit(Limit) {}

  std::vector<PendingError> Pending;

  void syntaxError(antlr4::Recognizer *R, antlr4::Token *Off, size_t Line,
                   size_t Col, const std::string &Msg,
                   std::exception_ptr) override {
    ++Errors;
    // Only parsers report here: lexical errors come from lexDsl.
    auto *P = static_cast<antlr4::Parser *>(R);
    if (!Off)
      return;
    // ANTLR may report twice at one token while it recovers.
    if (!Reported.insert(Off->getStartIndex()).second ||
        (Limit && Pending.size() >= Limit))
      return;
    llvm::SMRange Range = Pos.range(Off);
    if (Off->getType() == G::BAD_CHAR) {
      Pending.push_back({Range, true, Off->getText()});
      return;
    }
    std::string Expected = expectedWords(P);
    std::string Message = "unexpected " + describeToken(Off);
    if (!Expected.empty())
      Message += "; expected " + Expected;
    Pending.push_back({Range, false, Message});
  }

  void flush(const std::vector<PendingError> &Errs) {
    for (const PendingError &E : Errs) {
      if (E.Stray)
        Diags.emit(E.Range, diag::DslStrayCharacter, E.Text);
      else
        Diags.emit(E.Range, diag::DslSyntax, E.Text);
    }
  }

  unsigned Errors = 0;

private:
  static std::string expectedWords(antlr4::Parser *P) {
    antlr4::misc::IntervalSet Set;
    try {
      Set = P->getExpectedTokens();
    } catch (...) {
      return "";
    }
    const auto &V = P->getVocabulary();
    std::vector<size_t> Types;
    for (const antlr4::misc::Interval &I : Set.getIntervals())
      for (ssize_t T = I.a; T <= I.b; ++T)
        Types.push_back(size_t(T));
    bool Expr = false;
    for (size_t T : Types)
      Expr |= T == G::INT;
    std::vector<std::string> Words;
    if (Expr && Types.size() > 6)
      Words.push_back("an expression");
    for (size_t T : Types) {
      bool Starter = T == G::INT || T == G::FLOAT || T == G::SIZE ||
                     T == G::DURATION || T == G::DQUOTE || T == G::IDENT ||
                     T == G::BLOCK_LINE || T == G::TRUE_LIT ||
                     T == G::FALSE_LIT || T == G::NULL_LIT ||
                     T == G::LBRACK || T == G::LBRACE || T == G::LPAREN ||
                     T == G::MINUS || T == G::NOT || T == G::IF ||
                     T == G::LET;
      if (Expr && Types.size() > 6 && Starter)
        continue;
      // Keywords accepted only as map keys would flood the list.
      if (Types.size() > 6 && T < G::FATARROW && T != G::IN &&
          T != G::THEN && T != G::ELSE && T != G::AS)
        continue;
      std::string W = tokenWords(T, V);
      if (std::find(Words.begin(), Words.end(), W) == Words.end())
        Words.push_back(W);
    }
    if (Words.size() > 8)
      Words.resize(8);
    std::string Out;
    for (size_t I = 0; I < Words.size(); ++I) {
      if (I)
        Out += I + 1 == Words.size() ? " or " : ", ";
      Out += Words[I];
    }
    return Out;
  }

  DiagnosticEngine &Diags;
  const PositionMap &Pos;
  unsigned Limit;
  std::set<size_t> Reported;
};

bool isStatementStart(const antlr4::Token *T) {
  size_t Ty = T->getType();
  return T->getCharPositionInLine() == 0 &&
         (Ty == G::IMPORT || Ty == G::LET || Ty == G::FN ||
          Ty == G::ENV_FILE || Ty == G::DEPLOY);
}

/// After a failed parse: ANTLR's recovery inside one statement often
/// produces follow-on errors in the next ones (a `let` is also an
/// expression). Each top-level statement (a declaration keyword in column
/// 0, as fmt lays them out) is parsed again on its own, and the first error
/// of each is what gets reported: one error per mistake.
std::vector<PendingError>
errorsPerStatement(const TokenArray &Stream, DiagnosticEngine &Diags,
                   const PositionMap &Pos) {
  const std::vector<ParseToken> &All = Stream.tokens();
  std::vector<size_t> Starts{0};
  for (size_t I = 1; I < All.size(); ++I)
    if (isStatementStart(&All[I]))
      Starts.push_back(I);
  std::vector<PendingError> Out;
  for (size_t C = 0; C < Starts.size(); ++C) {
    size_t B = Starts[C];
    size_t E = C + 1 < Starts.size() ? Starts[C + 1] : All.size();
    // The stream's tokens point into the lexer's array, comments included:
    // the statement ends with the token before the next statement (or EOF).
    const dsl::Token *Next = E < All.size() ? All[E].Tok : All.back().Tok;
    const dsl::Token *LastAny = Next - 1;
    if (B + 1 == E && All[B].getType() == antlr4::Token::EOF)
      continue;
    if (LastAny < All[B].Tok)
      continue; // nothing but EOF
    TokenArray Toks(Stream, B, E, LastAny);
    GuardedParser P(&Toks);
    ErrorListener L(Diags, Pos, /*Limit=*/1);
    P.removeErrorListeners();
    P.addErrorListener(&L);
    try {
      P.file();
    } catch (...) {
    }
    // The end of a statement's tokens is the start of the next statement.
    for (PendingError &P : L.Pending)
      if (E < All.size() && llvm::StringRef(P.Text).startswith(
                                "unexpected end of file")) {
        P.Range = Pos.range(&All[E]);
        P.Text = "unexpected " + describeToken(&All[E]) +
                 P.Text.substr(strlen("unexpected end of file"));
      }
    Out.insert(Out.end(), L.Pending.begin(), L.Pending.end());
  }
  return Out;
}

/// Whether an INT or DURATION token's value fits in 64 bits (in seconds).
bool integerFits(llvm::StringRef T, int64_t *Value = nullptr) {
  llvm::StringRef Digits = T.take_while([](char C) { return llvm::isDigit(C); });
  llvm::StringRef Unit = T.drop_front(Digits.size());
  uint64_t V = 0;
  int64_t Mul = Unit == "s" ? 1 : Unit == "min" ? 60 : Unit == "h" ? 3600
               : Unit == "d" ? 86400 : 1;
  bool Fits = !Digits.getAsInteger(10, V) && V <= uint64_t(INT64_MAX) / Mul;
  if (Value)
    *Value = int64_t(V) * Mul;
  return Fits;
}

/// The labeled alternatives of `expr` and `primary`.
enum class Alt : uint8_t {
  PrimaryExpr, MemberExpr, IndexExpr, CallExpr, UnaryExpr, MulExpr, AddExpr,
  RelExpr, EqExpr, AndExpr, OrExpr, IfExpr, LetExpr, IntLit, FloatLit,
  SizeLit, DurationLit, BoolLit, NullLit, StrLit, BlockLit, NameRef,
  ParenExpr, ListExpr, MapExpr, ListComp, MapComp, Other
};

/// Which alternative context C is. The parse tree has about one context per
/// token, so this avoids dynamic_cast chains: the context classes are leaf
/// classes, their type_info objects are compared by address (type_info
/// equality only when the addresses differ, e.g. across shared objects).
Alt altOf(const antlr4::tree::ParseTree *C) {
  static const std::pair<const std::type_info *, Alt> Table[] = {
      {&typeid(G::PrimaryExprContext), Alt::PrimaryExpr},
      {&typeid(G::AddExprContext), Alt::AddExpr},
      {&typeid(G::CallExprContext), Alt::CallExpr},
      {&typeid(G::MemberExprContext), Alt::MemberExpr},
      {&typeid(G::StrLitContext), Alt::StrLit},
      {&typeid(G::NameRefContext), Alt::NameRef},
      {&typeid(G::IntLitContext), Alt::IntLit},
      {&typeid(G::MapExprContext), Alt::MapExpr},
      {&typeid(G::ListExprContext), Alt::ListExpr},
      {&typeid(G::BlockLitContext), Alt::BlockLit},
      {&typeid(G::ListCompContext), Alt::ListComp},
      {&typeid(G::IndexExprContext), Alt::IndexExpr},
      {&typeid(G::UnaryExprContext), Alt::UnaryExpr},
      {&typeid(G::MulExprContext), Alt::MulExpr},
      {&typeid(G::RelExprContext), Alt::RelExpr},
      {&typeid(G::EqExprContext), Alt::EqExpr},
      {&typeid(G::AndExprContext), Alt::AndExpr},
      {&typeid(G::OrExprContext), Alt::OrExpr},
      {&typeid(G::IfExprContext), Alt::IfExpr},
      {&typeid(G::LetExprContext), Alt::LetExpr},
      {&typeid(G::FloatLitContext), Alt::FloatLit},
      {&typeid(G::SizeLitContext), Alt::SizeLit},
      {&typeid(G::DurationLitContext), Alt::DurationLit},
      {&typeid(G::BoolLitContext), Alt::BoolLit},
      {&typeid(G::NullLitContext), Alt::NullLit},
      {&typeid(G::ParenExprContext), Alt::ParenExpr},
      {&typeid(G::MapCompContext), Alt::MapComp},
  };
  const std::type_info &T = typeid(*C);
  for (const auto &E : Table)
    if (&T == E.first)
      return E.second;
  for (const auto &E : Table)
    if (T == *E.first)
      return E.second;
  return Alt::Other;
}

/// Child I of C, which the grammar makes a context of type T (the tree of a
/// file without syntax errors has exactly the grammar's shape).
template <typename T> T *child(antlr4::ParserRuleContext *C, size_t I) {
  return static_cast<T *>(C->children[I]);
}

/// Parse tree -> Syntax.h.
class Builder {
public:
  Builder(Module &M, const PositionMap &Pos, DiagnosticEngine &Diags)
      : M(M), Pos(Pos), Diags(Diags) {}

  void file(G::FileContext *F);
  bool Ok = true;

private:
  llvm::SMRange range(antlr4::ParserRuleContext *C) { return Pos.range(C); }
  llvm::SMRange range(antlr4::tree::TerminalNode *N) {
    return Pos.range(N->getSymbol());
  }
  const TypeRef *type(G::TypeRefContext *C);
  const Expr *expr(G::ExprContext *C);
  const Expr *primary(G::PrimaryContext *C);
  const Expr *str(G::StrContext *C);
  void plainPath(G::StrContext *C, const char *What, Decl &D);
  const Expr *key(G::KeyContext *C);
  const Expr *map(G::MapLitContext *C);
  const Expr *binary(G::ExprContext *C, antlr4::Token *Op,
                     G::ExprContext *A, G::ExprContext *B);
  std::string unescape(llvm::StringRef Text, const char *At);
  const Expr *number(antlr4::tree::TerminalNode *N, ExprKind K);

  Module &M;
  const PositionMap &Pos;
  DiagnosticEngine &Diags;
};

/// The path of an import or env_file statement into D: a plain string
/// (interpolation would make it depend on evaluation).
void Builder::plainPath(G::StrContext *C, const char *What, Decl &D) {
  const Expr *P = str(C);
  D.PathRange = P->Range;
  for (const StrPart &Part : P->Parts)
    D.Path += Part.Text;
  if (P->Parts.size() != 1 || P->Parts[0].Interp) {
    Diags.emit(P->Range, diag::DslTypeMismatch, std::string(What),
               std::string("a plain string"),
               std::string("an interpolated string"));
    Ok = false;
  }
}

void Builder::file(G::FileContext *F) {
  for (G::StmtContext *S : F->stmt()) {
    Decl D;
    D.Range = range(S);
    if (auto *I = S->importStmt()) {
      D.K = Decl::Kind::Import;
      D.Name = I->IDENT()->getText();
      D.NameRange = range(I->IDENT());
      plainPath(I->str(), "an import path", D);
    } else if (auto *E = S->envFileStmt()) {
      D.K = Decl::Kind::EnvFile;
      plainPath(E->str(), "an env_file path", D);
    } else if (auto *Lt = S->letStmt()) {
      D.K = Decl::Kind::Let;
      D.Name = Lt->IDENT()->getText();
      D.NameRange = range(Lt->IDENT());
      D.Ty = Lt->typeRef() ? type(Lt->typeRef()) : nullptr;
      D.Val = expr(Lt->expr());
    } else if (auto *Fn = S->fnDecl()) {
      D.K = Decl::Kind::Fn;
      D.Name = Fn->IDENT()->getText();
      D.NameRange = range(Fn->IDENT());
      for (G::ParamContext *PC : Fn->param()) {
        Param P;
        P.Name = PC->IDENT()->getText();
        P.Range = range(PC->IDENT());
        P.Ty = PC->typeRef() ? type(PC->typeRef()) : nullptr;
        P.Default = PC->expr() ? expr(PC->expr()) : nullptr;
        D.Params.push_back(std::move(P));
      }
      D.Ty = Fn->typeRef() ? type(Fn->typeRef()) : nullptr;
      D.Val = expr(Fn->expr());
    }
    M.Decls.push_back(std::move(D));
  }
  if (auto *Dp = F->deployment()) {
    Deployment D;
    D.Range = range(Dp->DEPLOY());
    if (Dp->IDENT()) {
      D.Kind = Dp->IDENT()->getText();
      D.KindRange = range(Dp->IDENT());
    }
    D.Body = expr(Dp->expr());
    M.Deploy = D;
  }
}

const TypeRef *Builder::type(G::TypeRefContext *C) {
  TypeRef *T = M.newType();
  T->Name = C->IDENT()->getText();
  T->Range = range(C);
  if (C->typeRef())
    T->Elem = type(C->typeRef());
  return T;
}

std::string Builder::unescape(llvm::StringRef Text, const char *At) {
  std::string Out;
  Out.reserve(Text.size());
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (C != '\\' || I + 1 == Text.size()) {
      Out += C;
      continue;
    }
    char N = Text[++I];
    switch (N) {
    case 'n': Out += '\n'; break;
    case 't': Out += '\t'; break;
    case 'r': Out += '\r'; break;
    case '"': Out += '"'; break;
    case '\\': Out += '\\'; break;
    case '#': Out += '#'; break;
    default: {
      llvm::SMLoc L = llvm::SMLoc::getFromPointer(At + I - 1);
      size_t Len = llvm::getNumBytesForUTF8(uint8_t(N));
      Diags.emit(llvm::SMRange(L, llvm::SMLoc::getFromPointer(At + I + Len)),
                 diag::DslBadEscape, Text.substr(I, Len).str());
      Ok = false;
      Out += N;
    }
    }
  }
  return Out;
}

const Expr *Builder::str(G::StrContext *C) {
  Expr *E = M.newExpr(ExprKind::Str, range(C));
  // DQUOTE strPart* (STR_END | STR_NL)
  for (size_t I = 1; I + 1 < C->children.size(); ++I) {
    auto *P = child<G::StrPartContext>(C, I);
    if (P->children.size() == 3) { // STR_INTERP expr RBRACE
      StrPart SP;
      SP.Interp = expr(child<G::ExprContext>(P, 1));
      E->Parts.push_back(SP);
      continue;
    }
    antlr4::Token *T = P->getStart();
    std::string RawText = T->getText();
    llvm::StringRef Raw = RawText;
    std::string Text = T->getType() == G::STR_TEXT
                           ? unescape(Raw, Pos.at(T->getStartIndex()))
                           : Raw.str();
    if (!E->Parts.empty() && !E->Parts.back().Interp)
      E->Parts.back().Text += Text;
    else
      E->Parts.push_back({std::move(Text), nullptr});
  }
  if (E->Parts.empty())
    E->Parts.push_back({"", nullptr});
  return E;
}

const Expr *Builder::key(G::KeyContext *C) {
  // IDENT | str | keyword
  antlr4::tree::ParseTree *Ch = C->children[0];
  if (typeid(*Ch) == typeid(G::StrContext))
    return str(static_cast<G::StrContext *>(Ch));
  Expr *E = M.newExpr(ExprKind::Str, range(C));
  E->BareKey = true;
  E->Parts.push_back({C->getStart()->getText(), nullptr});
  return E;
}

const Expr *Builder::map(G::MapLitContext *C) {
  Expr *E = M.newExpr(ExprKind::Map, range(C));
  // LBRACE (entry COMMA?)* RBRACE; an entry is `key COLON expr`.
  for (size_t I = 1; I + 1 < C->children.size(); ++I) {
    antlr4::tree::ParseTree *Ch = C->children[I];
    if (typeid(*Ch) != typeid(G::EntryContext))
      continue; // a comma
    auto *En = static_cast<G::EntryContext *>(Ch);
    E->Entries.push_back({key(child<G::KeyContext>(En, 0)),
                          expr(child<G::ExprContext>(En, 2))});
  }
  return E;
}

const Expr *Builder::number(antlr4::tree::TerminalNode *N, ExprKind K) {
  Expr *E = M.newExpr(K, range(N));
  E->Text = N->getSymbol()->getText();
  llvm::StringRef T = E->Text;
  if (K == ExprKind::Float) {
    E->Float = std::strtod(E->Text.c_str(), nullptr);
    return E;
  }
  if (K == ExprKind::Size)
    return E;
  if (!integerFits(T, &E->Int)) {
    Diags.emit(E->Range, diag::DslIntegerTooLarge, T.str());
    Ok = false;
  }
  return E;
}

const Expr *Builder::binary(G::ExprContext *C, antlr4::Token *Op,
                            G::ExprContext *A, G::ExprContext *B) {
  Expr *E = M.newExpr(ExprKind::Binary, range(C));
  E->Text = Op->getText();
  E->TextRange = Pos.range(Op);
  E->A = expr(A);
  E->B = expr(B);
  return E;
}

const Expr *Builder::expr(G::ExprContext *C) {
  // `expr op expr`: children 0 and 2, the operator token in `op`.
  switch (altOf(C)) {
  case Alt::PrimaryExpr:
    return primary(child<G::PrimaryContext>(C, 0));
  case Alt::AddExpr:
    return binary(C, static_cast<G::AddExprContext *>(C)->op,
                  child<G::ExprContext>(C, 0), child<G::ExprContext>(C, 2));
  case Alt::MulExpr:
    return binary(C, static_cast<G::MulExprContext *>(C)->op,
                  child<G::ExprContext>(C, 0), child<G::ExprContext>(C, 2));
  case Alt::RelExpr:
    return binary(C, static_cast<G::RelExprContext *>(C)->op,
                  child<G::ExprContext>(C, 0), child<G::ExprContext>(C, 2));
  case Alt::EqExpr:
    return binary(C, static_cast<G::EqExprContext *>(C)->op,
                  child<G::ExprContext>(C, 0), child<G::ExprContext>(C, 2));
  case Alt::CallExpr: {
    Expr *E = M.newExpr(ExprKind::Call, range(C));
    E->A = expr(child<G::ExprContext>(C, 0));
    // expr '(' (arg (',' arg)* ','?)? ')': the arguments are children 2, 4...
    for (size_t I = 2; I + 1 < C->children.size(); I += 2) {
      antlr4::tree::ParseTree *Ch = C->children[I];
      if (typeid(*Ch) != typeid(G::ArgContext))
        break; // the trailing comma
      auto *AC = static_cast<G::ArgContext *>(Ch);
      Arg A;
      if (AC->children.size() == 3) {
        antlr4::tree::TerminalNode *N = AC->IDENT();
        A.Name = N->getText();
        A.NameRange = range(N);
      }
      A.Val = expr(child<G::ExprContext>(AC, AC->children.size() - 1));
      E->Args.push_back(std::move(A));
    }
    return E;
  }
  default:
    break;
  }
  if (auto *Mb = dynamic_cast<G::MemberExprContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::Member, range(C));
    E->A = expr(Mb->expr());
    const Expr *K = key(Mb->key());
    for (const StrPart &P : K->Parts)
      E->Text += P.Text;
    E->TextRange = K->Range;
    return E;
  }
  if (auto *Ix = dynamic_cast<G::IndexExprContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::Index, range(C));
    E->A = expr(Ix->expr(0));
    E->B = expr(Ix->expr(1));
    return E;
  }
  if (auto *Cl = dynamic_cast<G::CallExprContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::Call, range(C));
    E->A = expr(Cl->expr());
    for (G::ArgContext *AC : Cl->arg()) {
      Arg A;
      if (AC->IDENT()) {
        A.Name = AC->IDENT()->getText();
        A.NameRange = range(AC->IDENT());
      }
      A.Val = expr(AC->expr());
      E->Args.push_back(std::move(A));
    }
    return E;
  }
  if (auto *U = dynamic_cast<G::UnaryExprContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::Unary, range(C));
    E->Text = U->op->getText();
    E->TextRange = Pos.range(U->op);
    E->A = expr(U->expr());
    return E;
  }
  if (auto *X = dynamic_cast<G::MulExprContext *>(C))
    return binary(C, X->op, X->expr(0), X->expr(1));
  if (auto *X = dynamic_cast<G::AddExprContext *>(C))
    return binary(C, X->op, X->expr(0), X->expr(1));
  if (auto *X = dynamic_cast<G::RelExprContext *>(C))
    return binary(C, X->op, X->expr(0), X->expr(1));
  if (auto *X = dynamic_cast<G::EqExprContext *>(C))
    return binary(C, X->op, X->expr(0), X->expr(1));
  if (auto *X = dynamic_cast<G::AndExprContext *>(C))
    return binary(C, X->AND()->getSymbol(), X->expr(0), X->expr(1));
  if (auto *X = dynamic_cast<G::OrExprContext *>(C))
    return binary(C, X->OR()->getSymbol(), X->expr(0), X->expr(1));
  if (auto *X = dynamic_cast<G::IfExprContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::If, range(C));
    E->A = expr(X->expr(0));
    E->B = expr(X->expr(1));
    E->C = expr(X->expr(2));
    return E;
  }
  auto *X = dynamic_cast<G::LetExprContext *>(C);
  Expr *E = M.newExpr(ExprKind::Let, range(C));
  E->Text = X->IDENT()->getText();
  E->TextRange = range(X->IDENT());
  E->Ty = X->typeRef() ? type(X->typeRef()) : nullptr;
  E->A = expr(X->expr(0));
  E->B = expr(X->expr(1));
  return E;
}

const Expr *Builder::primary(G::PrimaryContext *C) {
  switch (altOf(C)) {
  case Alt::StrLit:
    return str(child<G::StrContext>(C, 0));
  case Alt::NameRef: {
    Expr *E = M.newExpr(ExprKind::Name, range(C));
    E->Text = C->getStart()->getText();
    E->TextRange = E->Range;
    return E;
  }
  case Alt::MapExpr:
    return map(child<G::MapLitContext>(C, 0));
  default:
    break;
  }
  if (auto *X = dynamic_cast<G::IntLitContext *>(C))
    return number(X->INT(), ExprKind::Int);
  if (auto *X = dynamic_cast<G::FloatLitContext *>(C))
    return number(X->FLOAT(), ExprKind::Float);
  if (auto *X = dynamic_cast<G::SizeLitContext *>(C))
    return number(X->SIZE(), ExprKind::Size);
  if (auto *X = dynamic_cast<G::DurationLitContext *>(C))
    return number(X->DURATION(), ExprKind::Duration);
  if (auto *X = dynamic_cast<G::BoolLitContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::Bool, range(C));
    E->Bool = X->TRUE_LIT() != nullptr;
    return E;
  }
  if (dynamic_cast<G::NullLitContext *>(C))
    return M.newExpr(ExprKind::Null, range(C));
  if (auto *X = dynamic_cast<G::StrLitContext *>(C))
    return str(X->str());
  if (auto *X = dynamic_cast<G::BlockLitContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::Block, range(C));
    std::string Text;
    for (antlr4::tree::TerminalNode *N : X->BLOCK_LINE()) {
      llvm::SMRange R = range(N);
      const char *B = R.Start.getPointer() + 1, *End = R.End.getPointer();
      if (B < End && *B == ' ')
        ++B;
      E->LineStarts.push_back(B);
      Text.append(B, End);
      Text += '\n';
    }
    E->Parts.push_back({std::move(Text), nullptr});
    return E;
  }
  if (auto *X = dynamic_cast<G::NameRefContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::Name, range(C));
    E->Text = X->IDENT()->getText();
    E->TextRange = E->Range;
    return E;
  }
  if (auto *X = dynamic_cast<G::ParenExprContext *>(C))
    return expr(X->expr());
  if (auto *X = dynamic_cast<G::ListExprContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::List, range(C));
    for (G::ExprContext *I : X->listLit()->expr())
      E->Items.push_back(expr(I));
    return E;
  }
  if (auto *X = dynamic_cast<G::MapExprContext *>(C))
    return map(X->mapLit());
  if (auto *X = dynamic_cast<G::ListCompContext *>(C)) {
    Expr *E = M.newExpr(ExprKind::ListComp, range(C));
    E->Text = X->IDENT(0)->getText();
    E->TextRange = range(X->IDENT(0));
    if (X->IDENT().size() > 1) {
      E->Var2 = X->IDENT(1)->getText();
      E->Var2Range = range(X->IDENT(1));
    }
    E->A = expr(X->expr(0));
    E->B = expr(X->expr(1));
    if (X->expr().size() > 2)
      E->C = expr(X->expr(2));
    return E;
  }
  auto *X = dynamic_cast<G::MapCompContext *>(C);
  Expr *E = M.newExpr(ExprKind::MapComp, range(C));
  E->Text = X->IDENT(0)->getText();
  E->TextRange = range(X->IDENT(0));
  if (X->IDENT().size() > 1) {
    E->Var2 = X->IDENT(1)->getText();
    E->Var2Range = range(X->IDENT(1));
  }
  E->A = expr(X->expr(0));
  E->B = expr(X->expr(1));
  E->C = expr(X->expr(2));
  if (X->expr().size() > 3)
    E->D = expr(X->expr(3));
  return E;
}

/// One parse of a buffer: lexing, the nesting bound, SLL then LL parsing.
class FileParser {
public:
  FileParser(llvm::StringRef Buf, DiagnosticEngine &Diags)
      : Buf(Buf), Diags(Diags), Pos(Buf) {}

  /// Lexes and parses; the tree (when BuildTree, or when the fast SLL pass
  /// failed) is left in Tree. False after diagnosing syntax errors.
  bool run(bool BuildTree);

  LexResult Lex;
  G::FileContext *Tree = nullptr;
  llvm::StringRef Buf;
  DiagnosticEngine &Diags;
  PositionMap Pos;

private:
  std::unique_ptr<TokenArray> Stream;
  std::unique_ptr<GuardedParser> Parser;
};

bool FileParser::run(bool BuildTree) {
  if (!checkBytes(Buf, Diags))
    return false;
  lexDsl(Buf, Lex);
  unsigned Errors = 0;
  // A character no token starts with (`\` at the end of a line in a string).
  for (const auto &E : Lex.Errors) {
    Diags.emit(llvm::SMLoc::getFromPointer(E.second), diag::DslStrayCharacter,
               std::string("?"));
    ++Errors;
  }
  Stream = std::make_unique<TokenArray>(Lex.Toks);
  // The parser recurses once per nesting level: bound it before parsing.
  unsigned Depth = 0;
  for (const ParseToken &PT : Stream->tokens()) {
    size_t Ty = PT.Tok->Type;
    if (Ty == G::LBRACE || Ty == G::LBRACK || Ty == G::LPAREN ||
        Ty == G::STR_INTERP)
      ++Depth;
    else if ((Ty == G::RBRACE || Ty == G::RBRACK || Ty == G::RPAREN) && Depth)
      --Depth;
    if (Depth > MaxNesting) {
      Diags.emit(Pos.range(&PT), diag::NestingTooDeep, MaxNesting);
      return false;
    }
  }
  Parser = std::make_unique<GuardedParser>(Stream.get());
  GuardedParser &P = *Parser;
  P.removeErrorListeners();
  ErrorListener Listener(Diags, Pos);
  try {
    // Two-stage parsing: the fast SLL prediction, bailing out at the first
    // error (and, for fmt, without building a tree); only a file that fails
    // it is parsed again with full LL and error recovery (which also gives
    // the best messages).
    P.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::SLL);
    P.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    P.setBuildParseTree(BuildTree);
    bool Parsed = false;
    try {
      Tree = P.file();
      Parsed = true;
    } catch (const antlr4::ParseCancellationException &) {
      Tree = nullptr;
    }
    if (!Parsed) {
      Stream->seek(0);
      P.reset();
      P.setBuildParseTree(true);
      P.addErrorListener(&Listener);
      P.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
      P.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
          antlr4::atn::PredictionMode::LL);
      Tree = P.file();
    }
  } catch (const TooDeep &T) {
    Diags.emit(Pos.range(T.At), diag::NestingTooDeep, unsigned(MaxNesting));
    return false;
  } catch (const std::exception &E) {
    Diags.emit(llvm::SMLoc::getFromPointer(Buf.data()), diag::DslSyntax,
               std::string("cannot parse this file: ") + E.what());
    return false;
  }
  Errors += Listener.Errors;
  if (!Listener.Pending.empty()) {
    std::vector<PendingError> Errs = errorsPerStatement(*Stream, Diags, Pos);
    Listener.flush(Errs.empty() ? Listener.Pending : Errs);
  }
  // Strings cut by the end of a line parsed on; each is one error.
  for (const ParseToken &PT : Stream->tokens())
    if (PT.Tok->Type == G::STR_NL) {
      Diags.emit(Pos.loc(PT.Tok->Start), diag::DslUnterminatedString);
      ++Errors;
    }
  return Errors == 0;
}

/// Whether the tree-less check of fmt could miss an error the Builder
/// reports (an unknown escape, a number too large, an interpolated import
/// path): such files take the full path, which diagnoses them.
bool mayNeedBuilder(const std::vector<Token> &Toks) {
  for (size_t I = 0; I < Toks.size(); ++I) {
    const Token &T = Toks[I];
    switch (T.Type) {
    case G::STR_TEXT: {
      llvm::StringRef S = T.text();
      for (size_t K = S.find('\\'); K != llvm::StringRef::npos;
           K = S.find('\\', K + 2))
        if (K + 1 >= S.size() || !llvm::StringRef("ntr\"\\#").contains(S[K + 1]))
          return true;
      break;
    }
    case G::INT:
    case G::DURATION:
      if (!integerFits(T.text()))
        return true;
      break;
    case G::IMPORT:
    case G::ENV_FILE:
      if (I + 1 < Toks.size() && Toks[I + 1].Type == G::DQUOTE)
        for (size_t K = I + 2; K < Toks.size(); ++K) {
          if (Toks[K].Type == G::STR_INTERP)
            return true;
          if (Toks[K].Type == G::STR_END || Toks[K].Type == G::STR_NL)
            break;
        }
      break;
    default:
      break;
    }
  }
  return false;
}

} // namespace

bool dsl::lexBuffer(unsigned BufferID, DiagnosticEngine &Diags,
                    std::vector<Token> &Out) {
  llvm::StringRef Buf =
      Diags.getSourceMgr().getMemoryBuffer(BufferID)->getBuffer();
  if (!checkBytes(Buf, Diags))
    return false;
  LexResult R;
  lexDsl(Buf, R);
  for (const auto &E : R.Errors)
    Diags.emit(llvm::SMLoc::getFromPointer(E.second), diag::DslStrayCharacter,
               std::string("?"));
  R.Toks.pop_back(); // EOF
  Out = std::move(R.Toks);
  return R.Errors.empty();
}

std::unique_ptr<Module> dsl::parseModule(unsigned BufferID,
                                         DiagnosticEngine &Diags) {
  llvm::StringRef Buf =
      Diags.getSourceMgr().getMemoryBuffer(BufferID)->getBuffer();
  FileParser FP(Buf, Diags);
  if (!FP.run(/*BuildTree=*/true))
    return nullptr;
  auto M = std::make_unique<Module>();
  M->BufferID = BufferID;
  Builder B(*M, FP.Pos, Diags);
  B.file(FP.Tree);
  if (!B.Ok)
    return nullptr;
  return M;
}

bool dsl::parseTokens(unsigned BufferID, DiagnosticEngine &Diags,
                      std::vector<Token> &Toks) {
  llvm::StringRef Buf =
      Diags.getSourceMgr().getMemoryBuffer(BufferID)->getBuffer();
  {
    FileParser FP(Buf, Diags);
    if (!FP.run(/*BuildTree=*/false))
      return false;
    if (!mayNeedBuilder(FP.Lex.Toks)) {
      FP.Lex.Toks.pop_back(); // EOF
      Toks = std::move(FP.Lex.Toks);
      return true;
    }
  }
  // Rare: let the full front end diagnose what only the Builder checks.
  if (!parseModule(BufferID, Diags))
    return false;
  return lexBuffer(BufferID, Diags, Toks);
}
