//===- EmitDsl.cpp - YAML document to DSL text ------------------*- C++ -*-===//
//
// `overlordc convert FILE.yml`: a mechanical mapping that keeps every key
// name, the order of maps and the kind of every scalar, so the DSL file
// evaluates to the same tree and compiles to the same plan. The result is
// already in `fmt` layout. Multi-line text (the Director file in
// `projectFile: |`, scripts, metadata files) becomes `|` lines holding the
// same bytes. `!ENV` scalars become env() calls and `!SECRET` scalars
// secret() calls; their templates are read back from the source text,
// because the parsed value holds the expanded text.
//
//===----------------------------------------------------------------------===//
#include "overlord/Dsl/Dsl.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::dsl;
using ast::Value;
using ast::ValueKind;

namespace {

const char *const Keywords[] = {"import", "as",   "let",   "fn",   "deploy",
                                "if",     "then", "else",  "for",  "in",
                                "and",    "or",   "not",   "true", "false",
                                "null",   "env_file"};

bool isBareKey(llvm::StringRef S) {
  if (S.empty() || !(llvm::isAlpha(S[0]) || S[0] == '_'))
    return false;
  for (char C : S)
    if (!llvm::isAlnum(C) && C != '_' && C != '-')
      return false;
  for (const char *K : Keywords)
    if (S == K)
      return false;
  return true;
}

/// A DSL string literal with the same bytes.
std::string quote(llvm::StringRef S) {
  std::string Out = "\"";
  for (size_t I = 0; I < S.size(); ++I) {
    char C = S[I];
    switch (C) {
    case '"': Out += "\\\""; break;
    case '\\': Out += "\\\\"; break;
    case '\n': Out += "\\n"; break;
    case '\t': Out += "\\t"; break;
    case '\r': Out += "\\r"; break;
    case '#':
      Out += I + 1 < S.size() && S[I + 1] == '{' ? "\\#" : "#";
      break;
    default: Out += C;
    }
  }
  return Out + "\"";
}

/// The scalar as written in the YAML source (quotes removed), for `!ENV`
/// and `!SECRET` values whose parsed text is already expanded.
std::optional<std::string> sourceTemplate(const Value &V) {
  const char *B = V.Range.Start.getPointer(), *E = V.Range.End.getPointer();
  if (!B || !E || E <= B)
    return std::nullopt;
  llvm::StringRef Raw(B, E - B);
  if (Raw.contains('\n'))
    return std::nullopt;
  if (Raw.size() >= 2 && Raw.front() == '\'' && Raw.back() == '\'') {
    std::string Out;
    llvm::StringRef In = Raw.drop_front().drop_back();
    for (size_t I = 0; I < In.size(); ++I) {
      Out += In[I];
      if (In[I] == '\'' && I + 1 < In.size() && In[I + 1] == '\'')
        ++I;
    }
    return Out;
  }
  if (Raw.size() >= 2 && Raw.front() == '"' && Raw.back() == '"') {
    llvm::StringRef In = Raw.drop_front().drop_back();
    if (In.contains('\\'))
      return std::nullopt;
    return In.str();
  }
  if (Raw.startswith("!"))
    return std::nullopt;
  return Raw.str();
}

/// `${A}` -> env("A"); `x${A:d}y` -> "x#{env("A", "d")}y" (pyaml-env refs).
std::string envExpr(llvm::StringRef T) {
  struct Piece {
    bool Ref;
    std::string Text, Name, Default;
    bool HasDefault;
  };
  std::vector<Piece> Pieces;
  size_t I = 0;
  std::string Lit;
  while (I < T.size()) {
    size_t P = T.find("${", I);
    if (P == llvm::StringRef::npos) {
      Lit += T.substr(I).str();
      break;
    }
    size_t J = P + 2;
    while (J < T.size() && T[J] != '}' && T[J] != '{' && T[J] != ':')
      ++J;
    if (J == P + 2 || J == T.size() || T[J] == '{') {
      Lit += T.substr(I, P + 1 - I).str();
      I = P + 1;
      continue;
    }
    Piece R{true, "", T.slice(P + 2, J).str(), "", false};
    size_t K = J;
    if (T[J] == ':') {
      K = T.find('}', J);
      if (K == llvm::StringRef::npos || K == J + 1) {
        Lit += T.substr(I, P + 1 - I).str();
        I = P + 1;
        continue;
      }
      R.Default = T.slice(J + 1, K).str();
      R.HasDefault = true;
    }
    Lit += T.slice(I, P).str();
    if (!Lit.empty())
      Pieces.push_back({false, Lit, "", "", false});
    Lit.clear();
    Pieces.push_back(R);
    I = K + 1;
  }
  if (!Lit.empty())
    Pieces.push_back({false, Lit, "", "", false});
  auto Call = [](const Piece &P) {
    std::string S = "env(" + quote(P.Name);
    if (P.HasDefault)
      S += ", " + quote(P.Default);
    return S + ")";
  };
  if (Pieces.size() == 1 && Pieces[0].Ref)
    return Call(Pieces[0]);
  std::string Out = "\"";
  for (const Piece &P : Pieces) {
    if (P.Ref) {
      Out += "#{" + Call(P) + "}";
    } else {
      std::string Q = quote(P.Text);
      Out += Q.substr(1, Q.size() - 2);
    }
  }
  return Out + "\"";
}

class DslEmitter {
public:
  explicit DslEmitter(llvm::raw_ostream &OS) : OS(OS) {}

  void entries(const Value &Map, unsigned Indent, bool SkipKind) {
    for (const ast::MapEntry &E : Map.Entries) {
      if (SkipKind && E.Key->Text == "kind")
        continue;
      OS.indent(Indent) << key(*E.Key) << ':';
      value(*E.Val, Indent, /*AfterKey=*/true);
      OS << '\n';
    }
  }

  void value(const Value &V, unsigned Indent, bool AfterKey) {
    if (V.isString() && isBlock(V)) {
      llvm::StringRef Body = llvm::StringRef(V.Text).drop_back();
      llvm::SmallVector<llvm::StringRef, 32> Lines;
      Body.split(Lines, '\n');
      for (llvm::StringRef L : Lines) {
        OS << '\n';
        OS.indent(Indent + 2) << '|';
        if (!L.empty())
          OS << ' ' << L;
      }
      return;
    }
    if (AfterKey)
      OS << ' ';
    switch (V.Kind) {
    case ValueKind::Map:
      if (V.Entries.empty()) {
        OS << "{}";
        return;
      }
      OS << "{\n";
      entries(V, Indent + 2, false);
      OS.indent(Indent) << '}';
      return;
    case ValueKind::List:
      list(V, Indent);
      return;
    default:
      OS << scalar(V);
    }
  }

private:
  static bool isBlock(const Value &V) {
    llvm::StringRef S = V.Text;
    if (V.FromEnv || V.Secret || !S.endswith("\n") || S.size() < 2 ||
        S.contains('\r'))
      return false;
    return S.drop_back().contains('\n') ||
           V.Style == ast::ScalarStyle::Literal;
  }

  static std::string key(const Value &K) {
    std::string T = K.isString() ? K.Text : K.asPythonString();
    return isBareKey(T) ? T : quote(T);
  }

  static std::string scalar(const Value &V) {
    switch (V.Kind) {
    case ValueKind::Null:
      return "null";
    case ValueKind::Bool:
      return V.BoolVal ? "true" : "false";
    case ValueKind::Int:
      return std::to_string(V.IntVal);
    case ValueKind::Float: {
      llvm::StringRef T = V.Text;
      bool Simple = !T.empty() && T.find_first_not_of("0123456789.") ==
                                      llvm::StringRef::npos &&
                    T.count('.') == 1 && T.front() != '.' && T.back() != '.';
      return Simple ? T.str() : llvm::formatv("{0:f6}", V.FloatVal).str();
    }
    default:
      break;
    }
    if (V.FromEnv || V.Secret) {
      std::optional<std::string> T = sourceTemplate(V);
      std::string Inner = T ? (T->find("${") != std::string::npos
                                   ? envExpr(*T)
                                   : quote(*T))
                            : quote(V.Text);
      return V.Secret ? "secret(" + Inner + ")" : Inner;
    }
    return quote(V.Text);
  }

  void list(const Value &V, unsigned Indent) {
    if (V.Items.empty()) {
      OS << "[]";
      return;
    }
    // Short lists of scalars stay on one line.
    bool Inline = true;
    size_t Width = Indent + 2;
    for (const Value *I : V.Items) {
      if (!I->isScalar() || (I->isString() && isBlock(*I))) {
        Inline = false;
        break;
      }
      Width += scalar(*I).size() + 2;
    }
    if (Inline && Width <= 80) {
      OS << '[';
      for (size_t I = 0; I < V.Items.size(); ++I)
        OS << (I ? ", " : "") << scalar(*V.Items[I]);
      OS << ']';
      return;
    }
    OS << "[\n";
    for (const Value *I : V.Items) {
      if (I->isString() && isBlock(*I)) {
        // Text lines, then the comma on a line of its own.
        llvm::SmallVector<llvm::StringRef, 32> Lines;
        llvm::StringRef(I->Text).drop_back().split(Lines, '\n');
        for (llvm::StringRef L : Lines) {
          OS.indent(Indent + 2) << '|';
          if (!L.empty())
            OS << ' ' << L;
          OS << '\n';
        }
        OS.indent(Indent + 2) << ",\n";
        continue;
      }
      OS.indent(Indent + 2);
      value(*I, Indent + 2, false);
      OS << ",\n";
    }
    OS.indent(Indent) << ']';
  }

  llvm::raw_ostream &OS;
};

} // namespace

std::string dsl::yamlToDsl(const ast::Document &Doc,
                           const llvm::SourceMgr &SM) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  DslEmitter E(OS);
  const Value *Root = Doc.Root;
  if (!Root || !Root->isMap()) {
    OS << "deploy {}\n";
    return OS.str();
  }
  const Value *Kind = Root->get("kind");
  bool KindAsName = Kind && Kind->isString() && isBareKey(Kind->Text) &&
                    !Kind->FromEnv && !Kind->Secret &&
                    Root->Entries.front().Key->Text == "kind";
  OS << "deploy ";
  if (KindAsName)
    OS << Kind->Text << ' ';
  OS << "{\n";
  E.entries(*Root, 2, KindAsName);
  OS << "}\n";
  return OS.str();
}
