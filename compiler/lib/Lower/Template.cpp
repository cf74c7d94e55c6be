//===- Template.cpp - appConfig template expansion --------------*- C++ -*-===//
//
// A single pass over the template text following Mako's lexer rules (the
// order of its match_* functions): line-based constructs are recognised at
// the start of a line, then `${...}`, `<%...>` tags and escaped newlines
// anywhere. Expressions are parsed by a tiny recursive reader that accepts
// only the supported forms; anything else is reported with the expression's
// text at its position. Expansion stops at the first error of a template.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/Template.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace overlord;
using namespace overlord::lower;
using llvm::StringRef;

llvm::SMLoc TemplateSource::locate(size_t Offset) const {
  if (LineStarts.empty())
    return Fallback;
  size_t Line = 0, LineStart = 0;
  for (size_t I = 0; I < Offset && I < Text.size(); ++I)
    if (Text[I] == '\n')
      ++Line, LineStart = I + 1;
  if (Line >= LineStarts.size() || !LineStarts[Line].isValid())
    return Fallback;
  return llvm::SMLoc::getFromPointer(LineStarts[Line].getPointer() +
                                     (Offset - LineStart));
}

void TemplateSource::mapLines(const llvm::SourceMgr &SM, llvm::SMLoc Near) {
  LineStarts.clear();
  Fallback = Near;
  unsigned Buf = Near.isValid() ? SM.FindBufferContainingLoc(Near) : 0;
  if (!Buf)
    return;
  StringRef B = SM.getMemoryBuffer(Buf)->getBuffer();
  size_t Pos = Near.getPointer() - B.data();
  llvm::SmallVector<StringRef, 64> Lines;
  StringRef(Text).split(Lines, '\n');
  for (StringRef L : Lines) {
    size_t At = L.empty() ? StringRef::npos : B.find(L, Pos);
    // A line must start its source line (after indentation) to count.
    if (At != StringRef::npos) {
      size_t LS = B.rfind('\n', At);
      LS = LS == StringRef::npos ? 0 : LS + 1;
      if (!B.slice(LS, At).trim(" ").empty())
        At = StringRef::npos;
    }
    if (At == StringRef::npos) {
      LineStarts.push_back(llvm::SMLoc());
      continue;
    }
    LineStarts.push_back(llvm::SMLoc::getFromPointer(B.data() + At));
    Pos = At + L.size();
  }
}

namespace {

std::string htmlEscape(StringRef S, bool Xml) {
  std::string Out;
  for (char C : S) {
    switch (C) {
    case '&': Out += "&amp;"; break;
    case '<': Out += "&lt;"; break;
    case '>': Out += "&gt;"; break;
    case '"': Out += Xml ? "&#34;" : "&#34;"; break;
    case '\'': Out += "&#39;"; break;
    default: Out += C;
    }
  }
  return Out;
}

/// urllib.parse.quote_plus(s, safe="/"): what Mako's `u` filter does.
std::string urlEscape(StringRef S) {
  static const char *Hex = "0123456789ABCDEF";
  std::string Out;
  for (unsigned char C : S) {
    if (llvm::isAlnum(C) || C == '_' || C == '.' || C == '-' || C == '~' ||
        C == '/')
      Out += C;
    else if (C == ' ')
      Out += '+';
    else
      Out += {'%', Hex[C >> 4], Hex[C & 15]};
  }
  return Out;
}

class Expander {
public:
  Expander(const llvm::StringMap<std::string> &Vars,
           const TemplateLookup &Lookup, DiagnosticEngine &Diags,
           const TemplateOptions &Opts)
      : Vars(Vars), Lookup(Lookup), Diags(Diags), Opts(Opts) {}

  bool expand(const TemplateSource &T, unsigned Depth);
  std::string Out;

private:
  /// State of one template being expanded.
  struct Cursor {
    const TemplateSource &T;
    StringRef Text;
    size_t Pos = 0;
    llvm::SMLoc at(size_t Off) const { return T.locate(Off); }
    llvm::SMRange range(size_t B, size_t E) const {
      return {T.locate(B), T.locate(E)};
    }
  };

  bool lineStart(Cursor &C);
  bool expression(Cursor &C);
  bool tag(Cursor &C, unsigned Depth);
  bool include(Cursor &C, size_t TagEnd, unsigned Depth);
  bool evaluate(Cursor &C, size_t B, StringRef Expr, std::string &Value);
  bool applyFilter(Cursor &C, size_t B, StringRef F, std::string &V);
  bool unsupported(Cursor &C, size_t B, size_t E, const std::string &What,
                   const std::string &Hint) {
    Diags.emit(C.range(B, E), diag::TemplateUnsupported, What, Hint);
    return false;
  }

  const llvm::StringMap<std::string> &Vars;
  const TemplateLookup &Lookup;
  DiagnosticEngine &Diags;
  const TemplateOptions &Opts;
};

/// Reads a Python string literal at S[I]; returns false if there is none.
bool readString(StringRef S, size_t &I, std::string &Out) {
  if (I >= S.size() || (S[I] != '\'' && S[I] != '"'))
    return false;
  char Q = S[I++];
  Out.clear();
  while (I < S.size() && S[I] != Q) {
    char Ch = S[I++];
    if (Ch != '\\' || I >= S.size()) {
      Out += Ch;
      continue;
    }
    char E = S[I++];
    switch (E) {
    case 'n': Out += '\n'; break;
    case 't': Out += '\t'; break;
    case '\\': case '\'': case '"': Out += E; break;
    default: Out += '\\'; Out += E;
    }
  }
  if (I >= S.size())
    return false;
  ++I;
  return true;
}

bool isIdent(StringRef S) {
  if (S.empty() || !(llvm::isAlpha(S[0]) || S[0] == '_'))
    return false;
  return llvm::all_of(S, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

void skipWs(StringRef S, size_t &I) {
  while (I < S.size() && (S[I] == ' ' || S[I] == '\t' || S[I] == '\n'))
    ++I;
}

} // namespace

bool Expander::applyFilter(Cursor &C, size_t B, StringRef F,
                           std::string &V) {
  F = F.trim();
  if (F == "h")
    V = htmlEscape(V, false);
  else if (F == "x")
    V = htmlEscape(V, true);
  else if (F == "u")
    V = urlEscape(V);
  else if (F == "trim")
    V = StringRef(V).trim(" \t\n\r\f\v").str();
  else if (F == "n" || F == "str")
    return true;
  else {
    Diags.emit(C.at(B), diag::TemplateUnknownFilter, F.str());
    return false;
  }
  return true;
}

bool Expander::evaluate(Cursor &C, size_t B, StringRef Expr,
                        std::string &Value) {
  StringRef E = Expr.trim();
  size_t I = 0;
  std::string Lit;
  // 'literal'
  if (readString(E, I, Lit)) {
    skipWs(E, I);
    if (I == E.size())
      return Value = Lit, true;
  }
  // name, name or 'default'
  size_t N = 0;
  while (N < E.size() && (llvm::isAlnum(E[N]) || E[N] == '_'))
    ++N;
  StringRef Name = E.take_front(N);
  if (isIdent(Name) && Name != "context") {
    StringRef Rest = E.drop_front(N).ltrim();
    auto It = Vars.find(Name);
    if (Rest.empty()) {
      if (It == Vars.end()) {
        Diags.emit(C.range(B, B + Expr.size()), diag::TemplateUndefined,
                   Name.str());
        return false;
      }
      return Value = It->second, true;
    }
    size_t J = 0;
    if (Rest.consume_front("or") && !Rest.empty() &&
        (Rest[0] == ' ' || Rest[0] == '\t')) {
      Rest = Rest.ltrim();
      if (readString(Rest, J, Lit) && Rest.drop_front(J).trim().empty()) {
        bool Truthy = It != Vars.end() && !It->second.empty();
        return Value = Truthy ? It->second : Lit, true;
      }
    }
  }
  // context.get('name'[, 'default'])
  StringRef CG = E;
  if (CG.consume_front("context.get(")) {
    size_t J = 0;
    std::string Key, Default = "None";
    skipWs(CG, J);
    bool Ok = readString(CG, J, Key);
    skipWs(CG, J);
    if (Ok && J < CG.size() && CG[J] == ',') {
      ++J;
      skipWs(CG, J);
      Ok = readString(CG, J, Default);
      skipWs(CG, J);
    }
    if (Ok && J + 1 == CG.size() && CG[J] == ')') {
      auto It = Vars.find(Key);
      return Value = It == Vars.end() ? Default : It->second, true;
    }
  }
  return unsupported(C, B, B + Expr.size(),
                     "the Python expression '" + E.str() + "'",
                     "write '${name}', \"${name or 'default'}\" or a string "
                     "literal");
}

bool Expander::expression(Cursor &C) {
  size_t B = C.Pos;
  size_t I = B + 2;
  // Find the closing brace outside string literals, as Mako does.
  int Nest = 0;
  while (I < C.Text.size()) {
    char Ch = C.Text[I];
    if (Ch == '\'' || Ch == '"') {
      std::string Ignored;
      if (!readString(C.Text, I, Ignored))
        break;
      continue;
    }
    if (Ch == '{')
      ++Nest;
    else if (Ch == '}' && Nest-- == 0)
      break;
    ++I;
  }
  if (I >= C.Text.size()) {
    Diags.emit(C.at(B), diag::TemplateUnterminated, std::string("${"),
               std::string("}"));
    return false;
  }
  StringRef Inner = C.Text.slice(B + 2, I);
  C.Pos = I + 1;
  // Split off filters at a top-level '|' (not inside quotes).
  size_t Bar = StringRef::npos;
  for (size_t J = 0; J < Inner.size(); ++J) {
    if (Inner[J] == '\'' || Inner[J] == '"') {
      std::string Ignored;
      if (!readString(Inner, J, Ignored))
        break;
      --J;
      continue;
    }
    if (Inner[J] == '|') {
      Bar = J;
      break;
    }
  }
  std::string Value;
  if (!evaluate(C, B + 2, Inner.take_front(Bar), Value))
    return false;
  if (Bar != StringRef::npos) {
    llvm::SmallVector<StringRef, 4> Filters;
    Inner.drop_front(Bar + 1).split(Filters, ',');
    for (StringRef F : Filters)
      if (!applyFilter(C, B + 2 + Bar + 1 + (F.data() - Inner.data() - Bar - 1),
                       F, Value))
        return false;
  }
  Out += Value;
  return true;
}

bool Expander::lineStart(Cursor &C) {
  size_t I = C.Pos;
  while (I < C.Text.size() && (C.Text[I] == ' ' || C.Text[I] == '\t'))
    ++I;
  StringRef Rest = C.Text.drop_front(I);
  if (Rest.startswith("%%")) {
    Out += C.Text.slice(C.Pos, I);
    Out += '%';
    C.Pos = I + 2;
    return true;
  }
  if (Rest.startswith("%")) {
    size_t E = C.Text.find('\n', I);
    StringRef Line = C.Text.slice(I, E).rtrim();
    return unsupported(C, I, I + Line.size(),
                       "the control line '" + Line.str() + "'",
                       "loops and conditions need Python; expand them before "
                       "storing the template, or write '%%' for a literal "
                       "'%'");
  }
  if (Rest.startswith("##")) {
    size_t E = C.Text.find('\n', I);
    C.Pos = E == StringRef::npos ? C.Text.size() : E + 1;
  }
  return true;
}

bool Expander::tag(Cursor &C, unsigned Depth) {
  StringRef Rest = C.Text.drop_front(C.Pos);
  for (StringRef Name : {"text", "doc"}) {
    std::string Open = "<%" + Name.str() + ">";
    std::string Close = "</%" + Name.str() + ">";
    if (!Rest.startswith(Open))
      continue;
    size_t E = Rest.find(Close);
    if (E == StringRef::npos) {
      Diags.emit(C.at(C.Pos), diag::TemplateUnterminated, Open, Close);
      return false;
    }
    if (Name == "text")
      Out += Rest.slice(Open.size(), E);
    C.Pos += E + Close.size();
    return true;
  }
  size_t End = Rest.find('>');
  if (Rest.startswith("<%include")) {
    if (End == StringRef::npos) {
      Diags.emit(C.at(C.Pos), diag::TemplateUnterminated,
                 std::string("<%include"), std::string("/>"));
      return false;
    }
    return include(C, C.Pos + End + 1, Depth);
  }
  size_t E = End == StringRef::npos ? Rest.size() : End + 1;
  StringRef Tag = Rest.take_front(std::min<size_t>(E, 40));
  std::string What = Rest.startswith("<%!") || Rest.startswith("<% ") ||
                             Rest.startswith("<%\n")
                         ? "the Python block '" + Tag.str() + "'"
                         : "the tag '" + Tag.str() + "'";
  return unsupported(C, C.Pos, C.Pos + Tag.size(), What,
                     "only '<%include file=\"key\"/>', '<%text>' and "
                     "'<%doc>' tags are supported");
}

bool Expander::include(Cursor &C, size_t TagEnd, unsigned Depth) {
  StringRef Tag = C.Text.slice(C.Pos, TagEnd);
  size_t F = Tag.find("file=");
  std::string Name;
  size_t I = F == StringRef::npos ? 0 : F + 5;
  if (F == StringRef::npos || !readString(Tag, I, Name) ||
      !Tag.drop_front(I).trim().startswith("/>")) {
    return unsupported(C, C.Pos, TagEnd, "the tag '" + Tag.str() + "'",
                       "write '<%include file=\"key\"/>' with no other "
                       "arguments");
  }
  const TemplateSource *Inc = Lookup ? Lookup(Name) : nullptr;
  if (!Inc) {
    Diags.emit(C.range(C.Pos, TagEnd), diag::TemplateIncludeNotFound, Name);
    return false;
  }
  if (Depth + 1 > Opts.MaxIncludeDepth) {
    Diags.emit(C.range(C.Pos, TagEnd), diag::TemplateIncludeDepth,
               Opts.MaxIncludeDepth, Name);
    return false;
  }
  C.Pos = TagEnd;
  return expand(*Inc, Depth + 1);
}

bool Expander::expand(const TemplateSource &T, unsigned Depth) {
  Cursor C{T, T.Text};
  bool AtLineStart = true;
  while (C.Pos < C.Text.size()) {
    if (Out.size() > Opts.MaxOutputBytes) {
      Diags.emit(C.at(C.Pos), diag::TemplateUnsupported,
                 std::string("output larger than ") +
                     std::to_string(Opts.MaxOutputBytes) + " bytes",
                 std::string("is an include repeated too often?"));
      return false;
    }
    if (AtLineStart) {
      AtLineStart = false;
      size_t Before = C.Pos;
      if (!lineStart(C))
        return false;
      if (C.Pos != Before && (C.Pos == 0 || C.Text[C.Pos - 1] == '\n')) {
        AtLineStart = true; // a comment line was dropped
        continue;
      }
    }
    StringRef Rest = C.Text.drop_front(C.Pos);
    if (Rest.startswith("${")) {
      if (!expression(C))
        return false;
      continue;
    }
    if (Rest.startswith("<%") || Rest.startswith("</%")) {
      if (!tag(C, Depth))
        return false;
      continue;
    }
    if (Rest.startswith("\\\n") || Rest.startswith("\\\r\n")) {
      C.Pos += Rest[1] == '\n' ? 2 : 3;
      continue;
    }
    char Ch = C.Text[C.Pos++];
    Out += Ch;
    AtLineStart = Ch == '\n';
  }
  return true;
}

std::optional<std::string>
overlord::lower::expandTemplate(const TemplateSource &T,
                                const llvm::StringMap<std::string> &Vars,
                                const TemplateLookup &Lookup,
                                DiagnosticEngine &Diags,
                                const TemplateOptions &Opts) {
  Expander E(Vars, Lookup, Diags, Opts);
  if (!E.expand(T, 0))
    return std::nullopt;
  return std::move(E.Out);
}
