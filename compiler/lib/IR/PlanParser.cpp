//===- PlanParser.cpp - Parse .oplan text -----------------------*- C++ -*-===//
//
// Recursive descent over PlanLexer tokens (grammar in docs/PlanIR.md). Plans
// are hand-edited, so every error is a diagnostic with a caret; after an
// error in a field the parser skips to the end of the field and goes on, so
// one run reports every independent mistake. The result is not verified.
//
//===----------------------------------------------------------------------===//
#include "overlord/IR/Plan.h"

#include "PlanLexer.h"

#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Suggest.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SourceMgr.h"

using namespace overlord;
using namespace overlord::ir;
using namespace overlord::ir::detail;

namespace {

bool isHex(llvm::StringRef S, size_t N) {
  return S.size() == N && llvm::all_of(S, [](char C) {
           return llvm::isDigit(C) || (C >= 'a' && C <= 'f');
         });
}

bool isDigestWord(llvm::StringRef W) {
  return W.consume_front("sha256:") && isHex(W, 64);
}
bool isSecretWord(llvm::StringRef W) {
  return W.consume_front("secret:hmac-sha256:") && isHex(W, 64);
}

const char *typeDescription(FieldType T) {
  switch (T) {
  case FieldType::String: return "a quoted string";
  case FieldType::Text: return "a quoted string or a text block";
  case FieldType::Int: return "an integer";
  case FieldType::Bool: return "'true' or 'false'";
  case FieldType::Size: return "a size such as 512M";
  case FieldType::StringList: return "a list of strings";
  case FieldType::StringMap: return "a map of strings";
  case FieldType::SecretMap: return "a map of secrets";
  case FieldType::Digest: return "a digest sha256:<64 hex>";
  case FieldType::Secret: return "a secret secret:hmac-sha256:<64 hex>";
  }
  return "a value";
}

class Parser {
public:
  Parser(llvm::StringRef Buf, DiagnosticEngine &Diags)
      : Lex(Buf, Diags), Diags(Diags) {}
  std::optional<Plan> parse();

private:
  // Structure.
  bool parseHeader();
  bool parseTarget();
  bool parseOpIn(TargetID T);
  template <typename OpT> bool parseBody(OpT &Op, unsigned Indent);
  template <typename OpT> bool parseField(OpT &Op, unsigned Indent);

  // Values.
  bool parseInto(const FieldInfo &F, std::string &V, unsigned Indent);
  bool parseInto(const FieldInfo &F, int64_t &V, unsigned Indent);
  bool parseInto(const FieldInfo &F, uint64_t &V, unsigned Indent);
  bool parseInto(const FieldInfo &F, bool &V, unsigned Indent);
  bool parseInto(const FieldInfo &F, std::vector<std::string> &V, unsigned);
  bool parseInto(const FieldInfo &F, std::map<std::string, std::string> &V,
                 unsigned);
  template <typename T>
  bool parseInto(const FieldInfo &F, std::optional<T> &V, unsigned Indent) {
    if (Lex.peek().Kind == Tok::Word && Lex.peek().Value == "none") {
      Lex.next();
      V.reset();
      return true;
    }
    V.emplace();
    return parseInto(F, *V, Indent);
  }

  // Helpers.
  bool expect(Tok K, const char *What, Token *Out = nullptr);
  bool expectWord(llvm::StringRef W);
  bool expectNewline();
  void skipNewlines();
  void skipLine();
  bool typeError(const FieldInfo &F, const Token &Found);

  PlanLexer Lex;
  DiagnosticEngine &Diags;
  Plan P;
  bool Failed = false;
};

bool Parser::expect(Tok K, const char *What, Token *Out) {
  Token T = Lex.next();
  if (T.Kind == K) {
    if (Out)
      *Out = std::move(T);
    return true;
  }
  if (T.Kind != Tok::Error || T.Value != "\"")
    Diags.emit(T.range(), diag::PlanSyntax, What, describe(T));
  return false;
}

bool Parser::expectWord(llvm::StringRef W) {
  Token T = Lex.next();
  if (T.Kind == Tok::Word && T.Value == W)
    return true;
  Diags.emit(T.range(), diag::PlanSyntax, "'" + W.str() + "'", describe(T));
  return false;
}

bool Parser::expectNewline() {
  const Token &T = Lex.peek();
  if (T.Kind == Tok::Eof)
    return true;
  return expect(Tok::Newline, "end of line");
}

void Parser::skipNewlines() {
  while (Lex.peek().Kind == Tok::Newline)
    Lex.next();
}

void Parser::skipLine() {
  int Depth = 0;
  while (true) {
    const Token &T = Lex.peek();
    if (T.Kind == Tok::Eof)
      return;
    if (T.Kind == Tok::Newline && Depth <= 0)
      return;
    if (T.Kind == Tok::LBrace || T.Kind == Tok::LBracket)
      ++Depth;
    if ((T.Kind == Tok::RBrace || T.Kind == Tok::RBracket) && Depth-- <= 0)
      return;
    Lex.next();
  }
}

bool Parser::typeError(const FieldInfo &F, const Token &Found) {
  if (Found.Kind != Tok::Error || Found.Value != "\"")
    Diags.emit(Found.range(), diag::PlanFieldValue, F.Name.str(),
               typeDescription(F.Type), describe(Found));
  return false;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

bool Parser::parseInto(const FieldInfo &F, std::string &V, unsigned Indent) {
  Token T = Lex.next();
  switch (F.Type) {
  case FieldType::Text:
    if (T.Kind == Tok::Heredoc) {
      std::optional<std::string> S =
          Lex.readHeredoc(T, Indent, T.FinalNewline);
      if (!S)
        return false;
      V = std::move(*S);
      return true;
    }
    [[fallthrough]];
  case FieldType::String:
    if (T.Kind != Tok::String)
      return typeError(F, T);
    V = std::move(T.Value);
    return true;
  case FieldType::Digest:
    if (T.Kind != Tok::Word || !isDigestWord(T.Value))
      return typeError(F, T);
    V = std::move(T.Value);
    return true;
  case FieldType::Secret:
    if (T.Kind != Tok::Word || !isSecretWord(T.Value))
      return typeError(F, T);
    V = std::move(T.Value);
    return true;
  default:
    return typeError(F, T);
  }
}

bool Parser::parseInto(const FieldInfo &F, int64_t &V, unsigned) {
  Token T = Lex.next();
  if (T.Kind != Tok::Word || llvm::StringRef(T.Value).getAsInteger(10, V))
    return typeError(F, T);
  return true;
}

bool Parser::parseInto(const FieldInfo &F, uint64_t &V, unsigned) {
  Token T = Lex.next();
  std::optional<uint64_t> S;
  if (T.Kind == Tok::Word)
    S = parseSize(T.Value);
  if (!S)
    return typeError(F, T);
  V = *S;
  return true;
}

bool Parser::parseInto(const FieldInfo &F, bool &V, unsigned) {
  Token T = Lex.next();
  if (T.Kind != Tok::Word || (T.Value != "true" && T.Value != "false"))
    return typeError(F, T);
  V = T.Value == "true";
  return true;
}

bool Parser::parseInto(const FieldInfo &F, std::vector<std::string> &V,
                       unsigned) {
  Token Open = Lex.next();
  if (Open.Kind != Tok::LBracket)
    return typeError(F, Open);
  while (true) {
    Token T = Lex.next();
    if (T.Kind == Tok::Newline || T.Kind == Tok::Comma)
      continue;
    if (T.Kind == Tok::RBracket)
      return true;
    if (T.Kind != Tok::String)
      return typeError(F, T);
    V.push_back(std::move(T.Value));
  }
}

bool Parser::parseInto(const FieldInfo &F,
                       std::map<std::string, std::string> &V, unsigned) {
  Token Open = Lex.next();
  if (Open.Kind != Tok::LBrace)
    return typeError(F, Open);
  std::map<std::string, llvm::SMRange> Seen;
  while (true) {
    Token K = Lex.next();
    if (K.Kind == Tok::Newline || K.Kind == Tok::Comma)
      continue;
    if (K.Kind == Tok::RBrace)
      return true;
    if (K.Kind != Tok::String)
      return typeError(F, K);
    if (!expect(Tok::Colon, "':' after a map key"))
      return false;
    Token Val = Lex.next();
    bool Ok = F.Type == FieldType::SecretMap
                  ? Val.Kind == Tok::Word && isSecretWord(Val.Value)
                  : Val.Kind == Tok::String;
    if (!Ok)
      return typeError(F, Val);
    auto [It, New] = Seen.emplace(K.Value, K.range());
    if (!New) {
      Diags.emit(K.range(), diag::PlanDuplicateKey, K.Value, F.Name.str())
          .note(It->second, diag::PlanPreviousHere);
      Failed = true;
    }
    V[K.Value] = std::move(Val.Value);
  }
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

template <typename OpT> bool Parser::parseField(OpT &Op, unsigned Indent) {
  Token Name = Lex.next();
  const OpInfo &Info = getOpInfo(OpT::Kind);
  const FieldInfo *F = nullptr;
  for (const FieldInfo &FI : Info.Fields)
    if (FI.Name == Name.Value)
      F = &FI;
  if (Name.Kind != Tok::Word) {
    Diags.emit(Name.range(), diag::PlanSyntax, "a field name or '}'",
               describe(Name));
    return false;
  }
  if (!F) {
    std::vector<llvm::StringRef> Names;
    for (const FieldInfo &FI : Info.Fields)
      Names.push_back(FI.Name);
    Diags.emit(Name.range(), diag::PlanUnknownField, Info.Mnemonic.str(),
               Name.Value, didYouMean(suggestClosest(Name.Value, Names)));
    return false;
  }
  if (Op.FieldLocs[F->Index].isValid()) {
    Diags.emit(Name.range(), diag::PlanDuplicateField, Name.Value)
        .note(Op.FieldLocs[F->Index], diag::PlanPreviousHere);
    return false;
  }
  Op.FieldLocs[F->Index] = Name.range();
  if (!expect(Tok::Equal, "'=' after the field name"))
    return false;
  const Token &V = Lex.peek();
  if (V.Kind == Tok::Word && V.Value == "none" && !F->isOptional()) {
    Diags.emit(V.range(), diag::PlanNoneRequired, F->Name.str());
    Lex.next();
    return false;
  }
  bool Ok = true;
  forEachField(Op, [&](const FieldInfo &FI, auto &M) {
    if (FI.Index == F->Index)
      Ok = parseInto(FI, M, Indent);
  });
  return Ok && expectNewline();
}

template <typename OpT> bool Parser::parseBody(OpT &Op, unsigned Indent) {
  const OpInfo &Info = getOpInfo(OpT::Kind);
  Op.FieldLocs.assign(Info.Fields.size(), llvm::SMRange());
  bool BodyFailed = false;
  while (true) {
    skipNewlines();
    const Token &T = Lex.peek();
    if (T.Kind == Tok::RBrace || T.Kind == Tok::Eof)
      break;
    // In a target body an op line is `mnemonic "symbol" {`; leave it to the
    // caller.
    if (OpT::Kind == OpKind::Target &&
        llvm::none_of(Info.Fields, [&](const FieldInfo &F) {
          return T.Kind == Tok::Word && F.Name == T.Value;
        }))
      break;
    unsigned Col = Lex.columnOf(T.Text.begin());
    if (!parseField(Op, Col)) {
      Failed = BodyFailed = true;
      skipLine();
    }
  }
  // A field that failed to parse would be reported again as missing.
  if (BodyFailed)
    return true;
  for (const FieldInfo &F : Info.Fields)
    if (!Op.FieldLocs[F.Index].isValid()) {
      Diags.emit(Op.Loc, diag::PlanMissingField, Info.Mnemonic.str(),
                 Op.Symbol, F.Name.str());
      Failed = true;
    }
  (void)Indent;
  return true;
}

bool Parser::parseOpIn(TargetID Target) {
  Token M = Lex.next();
  std::optional<OpKind> K = lookupMnemonic(M.Value);
  if (M.Kind == Tok::Word && M.Value == "target") {
    Diags.emit(M.range(), diag::PlanNestedTarget);
    return false;
  }
  if (M.Kind != Tok::Word || !K) {
    if (M.Kind != Tok::Word) {
      Diags.emit(M.range(), diag::PlanSyntax, "an op or '}'", describe(M));
      return false;
    }
    Diags.emit(M.range(), diag::PlanUnknownOp, M.Value,
               didYouMean(suggestClosest(M.Value, allMnemonics())));
    return false;
  }
  Token Sym;
  if (!expect(Tok::String, "the op's quoted symbol", &Sym))
    return false;
  if (!expect(Tok::LBrace, "'{'"))
    return false;
  llvm::SMRange Loc(M.loc(), Sym.range().End);
  bool Ok = true;
  visitKind(*K, [&](auto Tag) {
    using T = typename decltype(Tag)::type;
    std::vector<T> &V = P.ops<T>();
    V.emplace_back();
    T &Op = V.back();
    Op.Symbol = Sym.Value;
    Op.Target = Target;
    Op.Loc = Loc;
    P.TargetOps[Target].push_back({*K, static_cast<uint32_t>(V.size() - 1)});
    parseBody(Op, 0);
    Ok = expect(Tok::RBrace, "'}' closing the op") && expectNewline();
  });
  return Ok;
}

bool Parser::parseTarget() {
  Token Kw = Lex.next();
  if (Kw.Kind == Tok::Word && Kw.Value != "target" &&
      (lookupMnemonic(Kw.Value) || llvm::StringRef(Kw.Value).contains('.'))) {
    Diags.emit(Kw.range(), diag::PlanOpOutsideTarget, Kw.Value);
    return false;
  }
  if (Kw.Kind != Tok::Word || Kw.Value != "target") {
    Diags.emit(Kw.range(), diag::PlanSyntax, "'target'", describe(Kw));
    return false;
  }
  Token Route;
  if (!expect(Tok::String, "the target's quoted route", &Route) ||
      !expect(Tok::LBrace, "'{'") || !expect(Tok::Newline, "end of line"))
    return false;
  P.Targets.emplace_back();
  P.TargetOps.emplace_back();
  TargetID ID = static_cast<TargetID>(P.Targets.size() - 1);
  P.Targets.back().Symbol = Route.Value;
  P.Targets.back().Loc = llvm::SMRange(Kw.loc(), Route.range().End);
  parseBody(P.Targets.back(), 0);
  while (true) {
    skipNewlines();
    const Token &T = Lex.peek();
    if (T.Kind == Tok::RBrace || T.Kind == Tok::Eof)
      break;
    if (!parseOpIn(ID))
      return false;
  }
  return expect(Tok::RBrace, "'}' closing the target") && expectNewline();
}

bool Parser::parseHeader() {
  skipNewlines();
  if (!expectWord("overlord-plan"))
    return false;
  Token V;
  if (!expect(Tok::Word, "the format version", &V))
    return false;
  if (V.Value != std::to_string(PlanFormatVersion)) {
    Diags.emit(V.range(), diag::PlanVersion, V.Value, PlanFormatVersion);
    return false;
  }
  P.Header.Version = PlanFormatVersion;
  Token C, K;
  if (!expectNewline() || !expectWord("compiler") ||
      !expect(Tok::String, "the quoted compiler version", &C) ||
      !expectNewline() || !expectWord("secrets") ||
      !expect(Tok::Word, "the secret key id", &K) || !expectNewline())
    return false;
  P.Header.Compiler = C.Value;
  P.Header.SecretKeyId = K.Value;
  P.Header.SecretKeyIdLoc = K.range();
  while (Lex.peek().Kind == Tok::Word && Lex.peek().Value == "source") {
    Lex.next();
    Token Path, D;
    if (!expect(Tok::String, "the quoted source path", &Path) ||
        !expect(Tok::Word, "the source digest", &D))
      return false;
    if (!isDigestWord(D.Value)) {
      Diags.emit(D.range(), diag::PlanSyntax, "a digest sha256:<64 hex>",
                 describe(D));
      return false;
    }
    P.Header.Sources.push_back({Path.Value, D.Value});
    if (!expectNewline())
      return false;
  }
  Token Cl;
  if (!expectWord("cluster") || !expect(Tok::Word, "the cluster digest", &Cl))
    return false;
  if (Cl.Value != "none" && !isDigestWord(Cl.Value)) {
    Diags.emit(Cl.range(), diag::PlanSyntax,
               "a digest sha256:<64 hex> or 'none'", describe(Cl));
    return false;
  }
  if (Cl.Value != "none")
    P.Header.Cluster = Cl.Value;
  return expectNewline();
}

std::optional<Plan> Parser::parse() {
  unsigned Errors0 = Diags.getNumErrors();
  if (!parseHeader())
    return std::nullopt;
  while (true) {
    skipNewlines();
    if (Lex.peek().Kind == Tok::Eof)
      break;
    if (!parseTarget())
      return std::nullopt;
  }
  if (Failed || Diags.getNumErrors() != Errors0)
    return std::nullopt;
  return std::move(P);
}

} // namespace

std::optional<Plan> ir::parsePlan(unsigned BufferID, DiagnosticEngine &Diags) {
  const llvm::MemoryBuffer *B =
      Diags.getSourceMgr().getMemoryBuffer(BufferID);
  Parser Ps(B->getBuffer(), Diags);
  return Ps.parse();
}
