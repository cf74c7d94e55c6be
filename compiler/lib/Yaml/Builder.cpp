//===- Builder.cpp - yaml-cpp events to the located AST ---------*- C++ -*-===//
//
// One pass over yaml-cpp's events. Each node gets the narrowest source range
// of its text (scalars are scanned from yaml-cpp's start mark); maps are
// checked for duplicate and non-scalar keys and PyYAML's merge key `<<` is
// flattened when the map ends. Aliases share the anchored node by pointer
// while its expanded size is counted against ParseOptions::MaxNodes.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"

using namespace overlord;
using namespace overlord::yaml::detail;

void Builder::OnDocumentStart(const YAML::Mark &M) {
  if (++Documents < 2)
    return;
  const char *P = Src.at(M.line, M.column);
  const char *E = P;
  while (E < Src.end() && *E == '-')
    ++E;
  Diags.emit(Src.range(P, E), diag::MultipleDocuments);
  throw Abort();
}

void Builder::countNodes(size_t N, const char *At) {
  Total += N;
  if (Total <= Opts.MaxNodes)
    return;
  Diags.emit(Src.loc(At), diag::AliasExpansionTooLarge,
             uint64_t(Opts.MaxNodes));
  abort();
}

llvm::SMRange Builder::tagRange(const char *P) const {
  const char *E = Src.end();
  while (P < E && *P == '&') {
    while (P < E && *P != ' ' && *P != '\t' && *P != '\n' && *P != '\r')
      ++P;
    while (P < E && (*P == ' ' || *P == '\t'))
      ++P;
  }
  const char *Q = P;
  while (Q < E && *Q != ' ' && *Q != '\t' && *Q != '\n' && *Q != '\r')
    ++Q;
  return Src.range(P, Q);
}

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

static bool isNullLiteral(const char *P, const char *E, size_t &Len) {
  static const char *const Forms[] = {"~", "null", "Null", "NULL"};
  for (const char *F : Forms) {
    size_t N = std::strlen(F);
    if (size_t(E - P) < N || std::memcmp(P, F, N) != 0)
      continue;
    char C = P + N < E ? P[N] : ' ';
    if (std::strchr(" \t\r\n,]}#:", C)) {
      Len = N;
      return true;
    }
  }
  return false;
}

/// Sets V's style, range and origin from the source at P (past properties);
/// returns the end of its text.
const char *Builder::scanScalar(ast::Value &V, const char *P, bool IsNull) {
  const char *E = Src.end();
  const char *End = P;
  auto loc = [&](const char *Q) { return Src.loc(Q).getPointer(); };
  V.Style = ast::ScalarStyle::Plain;
  size_t Len = 0;
  if (IsNull) {
    if (isNullLiteral(P, E, Len))
      End = P + Len;
  } else if (*P == '\'' || *P == '"') {
    V.Style = *P == '"' ? ast::ScalarStyle::DoubleQuoted
                        : ast::ScalarStyle::SingleQuoted;
    End = *P == '"' ? scanDoubleQuoted(P, E) : scanSingleQuoted(P, E);
    if (!End) {
      Diags.emit(Src.range(P, P + 1), diag::YamlSyntax,
                 std::string("quoted scalar is not closed before the end of "
                             "the file"));
      End = E;
    }
    llvm::StringRef Inner(P + 1, std::max<ptrdiff_t>(End - P - 2, 0));
    if (Inner == V.Text)
      V.Origin.LineStarts.push_back(loc(P + 1));
    if (Inner.find_first_of("\r\n") != llvm::StringRef::npos)
      MultiLine.push_back({P, End});
  } else if (*P == '|' || *P == '>') {
    V.Style = *P == '|' ? ast::ScalarStyle::Literal : ast::ScalarStyle::Folded;
    int Parent = Stack.empty() ? -1 : Stack.back().Indent;
    BlockScalar B = scanBlock(Src, P, Parent);
    End = B.End;
    MultiLine.push_back({P, End});
    if (V.Style == ast::ScalarStyle::Literal)
      for (const char *C : B.Content)
        V.Origin.LineStarts.push_back(loc(C));
    V.Origin.Start = Src.loc(B.Content.empty() ? P : B.Content.front());
    V.Range = Src.range(P, End);
    return End;
  } else if (!V.Text.empty()) {
    End = scanPlain(P, E, V.Text);
    if (size_t(End - P) == V.Text.size())
      V.Origin.LineStarts.push_back(loc(P));
  }
  V.Range = Src.range(P, End);
  V.Origin.Start = V.Range.Start;
  return End;
}

void Builder::expandEnvScalar(ast::Value &V) {
  V.FromEnv = true;
  if (Src.isEmbedded()) {
    // An embedded Director file is expanded by Director on the node, with
    // the node's environment: keep the text as written.
    V.Kind = ast::ValueKind::String;
    return;
  }
  llvm::SmallVector<std::string, 2> Unset;
  V.Text = expandEnv(V.Text, Opts.Env, Unset);
  V.FromEnv = true;
  V.Origin.LineStarts.clear();
  for (const std::string &Name : Unset)
    Diags.emit(V.Range, diag::EnvVarUnset, Name, std::string("!ENV"));
  TagKind K = splitEnvTypeTag(V.Text);
  ResolveStatus St = resolveAs(V, K);
  if (St == ResolveStatus::Ok)
    return;
  V.Kind = ast::ValueKind::String;
  if (St == ResolveStatus::Overflow)
    Diags.emit(V.Range, diag::IntegerOutOfRange, V.Text);
  else
    Diags.emit(V.Range, diag::TagValueMismatch, V.Text,
               displayTag("tag:yaml.org,2002:" +
                          std::string(K == TagKind::Int     ? "int"
                                      : K == TagKind::Float ? "float"
                                      : K == TagKind::Bool  ? "bool"
                                                            : "null")));
}

void Builder::expandSecretScalar(ast::Value &V, const char *P0) {
  V.Kind = ast::ValueKind::String;
  V.Secret = true;
  if (Src.isEmbedded()) {
    // Director reads this text itself and knows no `!SECRET`.
    Diags.emit(tagRange(P0), diag::SecretTagInDirectorFile);
    return;
  }
  llvm::SmallVector<std::string, 2> Unset;
  std::string Expanded = expandEnv(V.Text, Opts.Env, Unset);
  if (Expanded != V.Text) {
    V.Text = std::move(Expanded);
    V.FromEnv = true;
    V.Origin.LineStarts.clear();
  }
  for (const std::string &Name : Unset)
    Diags.emit(V.Range, diag::EnvVarUnset, Name, std::string("!SECRET"));
}

void Builder::resolveScalar(ast::Value &V, const std::string &Tag,
                            const char *P0) {
  TagKind K = classifyTag(Tag);
  if (K != TagKind::Implicit && K != TagKind::NonSpecific)
    V.Tag = displayTag(Tag);
  ResolveStatus St = ResolveStatus::Ok;
  switch (K) {
  case TagKind::Implicit:
    St = resolvePlain(V);
    break;
  case TagKind::NonSpecific:
    V.Kind = ast::ValueKind::String;
    return;
  case TagKind::Env:
    expandEnvScalar(V);
    return;
  case TagKind::Secret:
    expandSecretScalar(V, P0);
    return;
  case TagKind::Map:
  case TagKind::Seq:
    V.Kind = ast::ValueKind::String;
    Diags.emit(tagRange(P0), diag::TagKindMismatch, V.Tag,
               std::string("scalar"));
    return;
  case TagKind::Unknown:
    V.Kind = ast::ValueKind::String;
    Diags.emit(tagRange(P0), diag::UnknownTag, V.Tag);
    return;
  default:
    St = resolveAs(V, K);
    break;
  }
  if (St == ResolveStatus::Ok)
    return;
  V.Kind = ast::ValueKind::String;
  if (St == ResolveStatus::Overflow)
    Diags.emit(V.Range, diag::IntegerOutOfRange, V.Text);
  else
    Diags.emit(V.Range, diag::TagValueMismatch, V.Text, V.Tag);
}

void Builder::OnScalar(const YAML::Mark &M, const std::string &Tag,
                       YAML::anchor_t Anchor, const std::string &Value) {
  const char *P0 = Src.at(M.line, M.column);
  if (Value.size() > Opts.MaxScalarBytes) {
    Diags.emit(Src.loc(P0), diag::ScalarTooLarge, uint64_t(Value.size()),
               uint64_t(Opts.MaxScalarBytes));
    abort();
  }
  countNodes(1, P0);
  ast::Value *V = Doc.create(ast::ValueKind::String, {});
  V->Text = Value;
  const char *P = skipProperties(P0, Src.end(), !Value.empty());
  const char *End = scanScalar(*V, P, /*IsNull=*/false);
  if (Value.empty() && P == End && P0 != P) {
    // An empty tagged scalar (`key: !!str`): point at the tag.
    V->Range = tagRange(P0);
    V->Origin.Start = V->Range.Start;
  }
  resolveScalar(*V, Tag, P0);
  finishNode(V, Anchor, 1, End);
}

void Builder::OnNull(const YAML::Mark &M, YAML::anchor_t Anchor) {
  const char *P0 = Src.at(M.line, M.column);
  countNodes(1, P0);
  ast::Value *V = Doc.create(ast::ValueKind::Null, {});
  const char *P = skipProperties(P0, Src.end(), /*CrossLines=*/false);
  const char *End = scanScalar(*V, P, /*IsNull=*/true);
  if (End == P) {
    // No text at all (`key:`): locate the value right after the colon.
    if (!Stack.empty() && Stack.back().PendingKey && P0 == P) {
      const char *Q = Stack.back().PendingKeyEnd;
      while (Q < Src.end() && (*Q == ' ' || *Q == '\t'))
        ++Q;
      if (Q < Src.end() && *Q == ':')
        ++Q;
      P = End = Q;
    }
    V->Range = Src.range(P, End);
    V->Origin.Start = V->Range.Start;
  }
  finishNode(V, Anchor, 1, End);
}

void Builder::OnAlias(const YAML::Mark &M, YAML::anchor_t Anchor) {
  const char *P = Src.at(M.line, M.column);
  const char *E = P + 1;
  while (E < Src.end() && !std::strchr(" \t\r\n,]}", *E))
    ++E;
  if (Anchor >= Anchors.size() || !Anchors[Anchor].V) {
    Diags.emit(Src.range(P, E), diag::UndefinedAlias, std::string(P + 1, E));
    abort();
  }
  const Anchored &A = Anchors[Anchor];
  countNodes(A.Expanded, P);
  attach(A.V, A.Expanded, E);
}

void Builder::finishNode(const ast::Value *V, YAML::anchor_t Anchor,
                         size_t Expanded, const char *End) {
  if (Anchor) {
    if (Anchors.size() <= Anchor)
      Anchors.resize(Anchor + 1);
    Anchors[Anchor] = {V, Expanded};
  }
  attach(V, Expanded, End);
}

//===----------------------------------------------------------------------===//
// Collections
//===----------------------------------------------------------------------===//

void Builder::startCollection(const YAML::Mark &M, const std::string &Tag,
                              YAML::anchor_t Anchor, bool Flow,
                              ast::ValueKind K) {
  const char *P0 = Src.at(M.line, M.column);
  const char *P = skipProperties(P0, Src.end(), /*CrossLines=*/true);
  countNodes(1, P0);
  if (Stack.size() >= Opts.MaxDepth) {
    Diags.emit(Src.loc(P), diag::NestingTooDeep, Opts.MaxDepth);
    abort();
  }
  ast::Value *V = Doc.create(K, {});
  TagKind TK = classifyTag(Tag);
  bool IsMap = K == ast::ValueKind::Map;
  if (TK != TagKind::Implicit && TK != TagKind::NonSpecific) {
    V->Tag = displayTag(Tag);
    llvm::StringRef What = IsMap ? "mapping" : "list";
    if (TK == TagKind::Env)
      Diags.emit(tagRange(P0), diag::EnvTagOnCollection, What.str());
    else if (TK == TagKind::Secret)
      Diags.emit(tagRange(P0), diag::SecretTagOnCollection, What.str());
    else if (TK == TagKind::Unknown)
      Diags.emit(tagRange(P0), diag::UnknownTag, V->Tag);
    else if (TK != (IsMap ? TagKind::Map : TagKind::Seq))
      Diags.emit(tagRange(P0), diag::TagKindMismatch, V->Tag, What.str());
  }
  Frame F;
  F.V = V;
  F.Start = P;
  F.LastEnd = Flow ? P + 1 : P;
  F.Indent = int(Src.columnOf(P));
  F.Flow = Flow;
  F.Anchor = Anchor;
  Stack.push_back(std::move(F));
}

void Builder::OnSequenceStart(const YAML::Mark &M, const std::string &Tag,
                              YAML::anchor_t Anchor,
                              YAML::EmitterStyle::value Style) {
  const char *P = skipProperties(Src.at(M.line, M.column), Src.end(), true);
  bool Flow = Style == YAML::EmitterStyle::Flow || (P < Src.end() && *P == '[');
  startCollection(M, Tag, Anchor, Flow, ast::ValueKind::List);
}

void Builder::OnMapStart(const YAML::Mark &M, const std::string &Tag,
                         YAML::anchor_t Anchor,
                         YAML::EmitterStyle::value Style) {
  const char *P = skipProperties(Src.at(M.line, M.column), Src.end(), true);
  bool Flow = Style == YAML::EmitterStyle::Flow || (P < Src.end() && *P == '{');
  startCollection(M, Tag, Anchor, Flow, ast::ValueKind::Map);
}

void Builder::endCollection() {
  Frame F = std::move(Stack.back());
  Stack.pop_back();
  const char *End = F.LastEnd;
  if (F.Flow && F.Start < Src.end() && (*F.Start == '[' || *F.Start == '{')) {
    char Close = *F.Start == '[' ? ']' : '}';
    const char *Q = End;
    while (Q < Src.end() && *Q != Close)
      ++Q;
    End = Q < Src.end() ? Q + 1 : Q;
  }
  if (F.V->isMap())
    applyMerges(F);
  F.V->Range = Src.range(F.Start, End);
  finishNode(F.V, F.Anchor, F.Expanded, End);
}

void Builder::attach(const ast::Value *V, size_t Expanded, const char *End) {
  if (Stack.empty()) {
    if (!Doc.Root)
      Doc.Root = V;
    return;
  }
  Frame &F = Stack.back();
  F.Expanded += Expanded;
  F.LastEnd = std::max(F.LastEnd, End);
  if (F.V->isList()) {
    F.V->Items.push_back(V);
    return;
  }
  if (!F.PendingKey && !F.DropValue) {
    if (!V->isScalar()) {
      Diags.emit(V->Range, diag::NonScalarKey,
                 std::string(V->isMap() ? "mapping" : "list"));
      F.DropValue = true;
      return;
    }
    F.PendingKey = V;
    F.PendingKeyEnd = End;
    return;
  }
  const ast::Value *Key = F.PendingKey;
  bool Drop = F.DropValue;
  F.PendingKey = nullptr;
  F.DropValue = false;
  if (!Drop)
    addToMap(F, Key, V);
}
