//===- EmitYaml.cpp - ast::Value to YAML text -------------------*- C++ -*-===//
//
// Deterministic YAML for `convert` (DSL -> YAML) and for typed projectFile
// blocks (the Director file text the plan carries). Block style, two-space
// indentation, maps in the order written; strings are plain only when the
// YAML 1.1 resolver would read them back as the same string, otherwise
// single-quoted (double-quoted when they hold control characters); text with
// newlines becomes a `|` block scalar with the chomping indicator that keeps
// it byte for byte. env()-derived strings print as `!ENV '<template>'`,
// director_env() values as `!ENV '...'`, secrets as `!SECRET '...'`.
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

/// Would PyYAML's SafeLoader resolve this plain scalar to a non-string?
bool resolvesToOther(llvm::StringRef S) {
  static const char *Special[] = {
      "y",    "Y",     "yes",  "Yes",  "YES",  "n",     "N",     "no",
      "No",   "NO",    "true", "True", "TRUE", "false", "False", "FALSE",
      "on",   "On",    "ON",   "off",  "Off",  "OFF",   "null",  "Null",
      "NULL", "~",     ".inf", ".Inf", ".INF", "-.inf", ".nan",  ".NaN",
      ".NAN", "<<",    "="};
  for (const char *Sp : Special)
    if (S == Sp)
      return true;
  // Numbers of any YAML 1.1 form: be conservative, quote anything that
  // starts like one.
  llvm::StringRef T = S;
  if (T.startswith("-") || T.startswith("+"))
    T = T.drop_front();
  if (T.startswith("."))
    T = T.drop_front();
  return !T.empty() && llvm::isDigit(T.front());
}

bool isPlainSafe(llvm::StringRef S) {
  if (S.empty() || resolvesToOther(S))
    return false;
  if (!llvm::isAlpha(S.front()) && S.front() != '_' && S.front() != '/' &&
      S.front() != '.')
    return false;
  for (char C : S)
    if (!llvm::isAlnum(C) && !llvm::StringRef("_./+-@").contains(C))
      return false;
  return true;
}

bool hasControl(llvm::StringRef S) {
  for (unsigned char C : S)
    if ((C < 0x20 && C != '\n') || C == 0x7f)
      return true;
  return false;
}

std::string doubleQuoted(llvm::StringRef S) {
  std::string Out = "\"";
  for (unsigned char C : S) {
    switch (C) {
    case '"': Out += "\\\""; break;
    case '\\': Out += "\\\\"; break;
    case '\n': Out += "\\n"; break;
    case '\t': Out += "\\t"; break;
    case '\r': Out += "\\r"; break;
    default:
      if (C < 0x20 || C == 0x7f)
        Out += llvm::formatv("\\x{0:x-2}", unsigned(C)).str();
      else
        Out += char(C);
    }
  }
  return Out + "\"";
}

std::string singleQuoted(llvm::StringRef S) {
  std::string Out = "'";
  for (char C : S) {
    Out += C;
    if (C == '\'')
      Out += '\'';
  }
  return Out + "'";
}

/// A one-line scalar (no newline in it).
std::string scalarText(llvm::StringRef S) {
  if (hasControl(S) || S.contains('\n'))
    return doubleQuoted(S);
  return isPlainSafe(S) ? S.str() : singleQuoted(S);
}

class Emitter {
public:
  Emitter(const EnvTemplates &T, llvm::raw_ostream &OS) : T(T), OS(OS) {}

  /// Value after `key:` or `- `; Indent is the indentation of the entry.
  void value(const Value &V, unsigned Indent, bool InList) {
    switch (V.Kind) {
    case ValueKind::Map:
      if (V.Entries.empty()) {
        OS << " {}\n";
        return;
      }
      if (InList) {
        OS << ' ';
        entries(V, Indent + 2, /*FirstInline=*/true);
        return;
      }
      OS << '\n';
      entries(V, Indent + 2, false);
      return;
    case ValueKind::List:
      if (V.Items.empty()) {
        OS << " []\n";
        return;
      }
      OS << '\n';
      items(V, InList ? Indent + 2 : Indent + 2);
      return;
    default:
      scalar(V, Indent);
    }
  }

  void entries(const Value &V, unsigned Indent, bool FirstInline) {
    bool First = true;
    for (const ast::MapEntry &E : V.Entries) {
      if (!(First && FirstInline))
        OS.indent(Indent);
      First = false;
      OS << scalarText(E.Key->Text) << ':';
      value(*E.Val, Indent, false);
    }
  }

  void items(const Value &V, unsigned Indent) {
    for (const Value *I : V.Items) {
      OS.indent(Indent) << '-';
      if (I->isNull()) {
        OS << '\n';
        continue;
      }
      value(*I, Indent, true);
    }
  }

  void scalar(const Value &V, unsigned Indent) {
    switch (V.Kind) {
    case ValueKind::Null:
      OS << '\n';
      return;
    case ValueKind::Bool:
      OS << (V.BoolVal ? " true\n" : " false\n");
      return;
    case ValueKind::Int:
      OS << ' ' << V.IntVal << '\n';
      return;
    case ValueKind::Float:
      OS << ' ' << (V.Text.empty() ? llvm::formatv("{0}", V.FloatVal).str()
                                   : V.Text)
         << '\n';
      return;
    default:
      break;
    }
    auto It = T.find(&V);
    if (V.FromEnv && It != T.end()) {
      OS << ' ' << (V.Secret ? "!SECRET " : "!ENV ")
         << singleQuotedOrDouble(It->second) << '\n';
      return;
    }
    if (!V.FromEnv && V.Tag == "!ENV") {
      OS << " !ENV " << singleQuotedOrDouble(V.Text) << '\n';
      return;
    }
    if (V.Secret) {
      OS << " !SECRET " << singleQuotedOrDouble(V.Text) << '\n';
      return;
    }
    llvm::StringRef S = V.Text;
    if (S.contains('\n') && !hasControl(S) && blockable(S)) {
      block(S, Indent);
      return;
    }
    OS << ' ' << scalarText(S) << '\n';
  }

private:
  static std::string singleQuotedOrDouble(llvm::StringRef S) {
    return hasControl(S) || S.contains('\n') ? doubleQuoted(S)
                                             : singleQuoted(S);
  }
  /// Block scalars cannot keep trailing spaces-only lines' exact indentation
  /// in every case; they are fine for ordinary text.
  static bool blockable(llvm::StringRef S) {
    llvm::SmallVector<llvm::StringRef, 16> Lines;
    S.split(Lines, '\n');
    for (llvm::StringRef L : Lines)
      if (!L.empty() && L.trim(' ').empty())
        return false; // whitespace-only line: would change under folding rules
    return !S.startswith("\n");
  }
  void block(llvm::StringRef S, unsigned Indent) {
    // Chomping: clip keeps one final newline, strip none, keep all.
    size_t Trailing = S.size() - S.rtrim('\n').size();
    llvm::StringRef Body = S.rtrim('\n');
    OS << " |";
    if (!Body.empty() && Body.front() == ' ')
      OS << '2';
    if (Trailing == 0)
      OS << '-';
    else if (Trailing > 1)
      OS << '+';
    OS << '\n';
    llvm::SmallVector<llvm::StringRef, 16> Lines;
    Body.split(Lines, '\n');
    for (llvm::StringRef L : Lines) {
      if (L.empty())
        OS << '\n';
      else
        OS.indent(Indent + 2) << L << '\n';
    }
    for (size_t I = 1; I < Trailing; ++I)
      OS << '\n';
  }

  const EnvTemplates &T;
  llvm::raw_ostream &OS;
};

} // namespace

std::string dsl::valueToYaml(const ast::Value &Root, const EnvTemplates &T) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  Emitter E(T, OS);
  if (Root.isMap() && !Root.Entries.empty())
    E.entries(Root, 0, false);
  else if (Root.isList() && !Root.Items.empty())
    E.items(Root, 0);
  else {
    std::string S;
    llvm::raw_string_ostream SS(S);
    Emitter(T, SS).scalar(Root, 0);
    OS << llvm::StringRef(SS.str()).ltrim(' ');
  }
  return OS.str();
}
