//===- EnvFile.cpp - python-dotenv files ------------------------*- C++ -*-===//
//
// loadEnvFile reads a `.env` file with python-dotenv's grammar, which the
// reference uses through load_dotenv(): `[export] KEY[=VALUE]`, keys bare or
// single-quoted, values bare (a ` #` starts a comment, trailing blanks are
// dropped), single-quoted (only \\ and \' escapes) or double-quoted (C-like
// escapes), quoted values may span lines; `${VAR}` and `${VAR:-default}` are
// expanded in bare and double-quoted values, the process environment taking
// precedence over earlier lines (override=False). Variables already set are
// never overridden. python-dotenv skips a line it cannot parse with a log
// message; here it is an error at that line.
//
//===----------------------------------------------------------------------===//
#include "overlord/Yaml/YamlParser.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <vector>

using namespace overlord;
using llvm::StringRef;

namespace {

/// One parsed binding; Value absent for a bare `KEY` line.
struct Binding {
  std::string Key;
  std::string Value;
  bool HasValue = false;
  bool Expand = false; ///< bare or double-quoted: `${VAR}` applies
};

class EnvParser {
public:
  EnvParser(StringRef Text, DiagnosticEngine &Diags)
      : P(Text.begin()), E(Text.end()), Diags(Diags) {}

  /// Parses every line; returns false when one was malformed.
  bool parse(std::vector<Binding> &Out);

private:
  static bool isSpace(char C) {
    return C == ' ' || C == '\t' || C == '\f' || C == '\v';
  }
  static bool isBreak(char C) { return C == '\n' || C == '\r'; }
  void skipSpaces() {
    while (P < E && isSpace(*P))
      ++P;
  }
  bool atLineEnd() const { return P == E || isBreak(*P); }
  void skipRestOfLine();
  bool parseBinding(Binding &B);
  bool parseQuoted(char Quote, std::string &Out);
  void error(const char *At, StringRef Hint) {
    const char *End = At;
    while (End < E && !isBreak(*End))
      ++End;
    Diags.emit(llvm::SMRange(llvm::SMLoc::getFromPointer(At),
                             llvm::SMLoc::getFromPointer(End)),
               diag::EnvFileSyntax, Hint.str());
  }

  const char *P, *E;
  DiagnosticEngine &Diags;
};

} // namespace

void EnvParser::skipRestOfLine() {
  while (P < E && !isBreak(*P))
    ++P;
  if (P < E && *P == '\r')
    ++P;
  if (P < E && *P == '\n')
    ++P;
}

bool EnvParser::parseQuoted(char Quote, std::string &Out) {
  const char *Open = P++;
  for (; P < E; ++P) {
    if (*P == '\\' && P + 1 < E) {
      char C = P[1];
      const char *Map =
          Quote == '\'' ? "\\\\''" : "\\\\''\"\"a\ab\bf\fn\nr\rt\tv\v";
      const char *Hit = nullptr;
      for (const char *M = Map; *M; M += 2)
        if (*M == C)
          Hit = M;
      if (Hit) {
        Out += Hit[1];
        ++P;
        continue;
      }
      Out += '\\';
      continue;
    }
    if (*P == Quote) {
      ++P;
      return true;
    }
    Out += *P;
  }
  Diags.emit(llvm::SMRange(llvm::SMLoc::getFromPointer(Open),
                           llvm::SMLoc::getFromPointer(Open + 1)),
             diag::EnvFileUnterminatedQuote,
             std::string(Quote == '"' ? "'\"'" : "\"'\""));
  return false;
}

bool EnvParser::parseBinding(Binding &B) {
  const char *LineStart = P;
  if (StringRef(P, E - P).startswith("export") && P + 6 < E && isSpace(P[6])) {
    P += 6;
    skipSpaces();
  }
  if (P < E && *P == '\'') {
    if (!parseQuoted('\'', B.Key))
      return false;
  } else {
    const char *K = P;
    while (P < E && *P != '=' && *P != '#' && !isSpace(*P) && !isBreak(*P))
      ++P;
    B.Key.assign(K, P);
  }
  if (B.Key.empty()) {
    error(LineStart, "; the line has no variable name");
    return false;
  }
  skipSpaces();
  if (P < E && *P == '=') {
    ++P;
    skipSpaces();
    B.HasValue = true;
    if (P < E && (*P == '\'' || *P == '"')) {
      B.Expand = *P == '"';
      if (!parseQuoted(*P, B.Value))
        return false;
    } else {
      const char *V = P;
      while (P < E && !isBreak(*P))
        ++P;
      StringRef Raw(V, P - V);
      for (size_t I = 0; I < Raw.size(); ++I)
        if (Raw[I] == '#' && I > 0 && llvm::isSpace(Raw[I - 1])) {
          Raw = Raw.take_front(I);
          break;
        }
      B.Value = Raw.rtrim().str();
      B.Expand = true;
    }
  }
  skipSpaces();
  if (P < E && *P == '#')
    while (P < E && !isBreak(*P))
      ++P;
  if (!atLineEnd()) {
    error(P, B.HasValue ? "; quote a value followed by more text"
                        : "; put '=' between the name and the value");
    return false;
  }
  return true;
}

bool EnvParser::parse(std::vector<Binding> &Out) {
  bool Ok = true;
  while (true) {
    while (P < E && (isSpace(*P) || isBreak(*P)))
      ++P;
    if (P == E)
      return Ok;
    if (*P == '#') {
      skipRestOfLine();
      continue;
    }
    Binding B;
    if (parseBinding(B)) {
      Out.push_back(std::move(B));
      skipRestOfLine();
      continue;
    }
    Ok = false;
    skipRestOfLine();
  }
}

/// python-dotenv's `${NAME}` / `${NAME:-default}` expansion.
static std::string expandDotenv(StringRef V, const Environment &Env,
                                const llvm::StringMap<std::string> &Local) {
  std::string Out;
  size_t I = 0;
  while (I < V.size()) {
    size_t S = V.find("${", I);
    size_t C = S == StringRef::npos ? S : V.find('}', S);
    if (S == StringRef::npos || C == StringRef::npos) {
      Out += V.drop_front(I).str();
      break;
    }
    Out += V.slice(I, S).str();
    StringRef Inner = V.slice(S + 2, C);
    StringRef Name = Inner, Default;
    size_t Sep = Inner.find(":-");
    if (Sep != StringRef::npos)
      Name = Inner.take_front(Sep), Default = Inner.drop_front(Sep + 2);
    if (Name.contains(':')) {
      Out += V.slice(S, C + 1).str();
    } else if (std::optional<std::string> Val = Env.lookup(Name)) {
      Out += *Val;
    } else {
      auto It = Local.find(Name);
      Out += It != Local.end() ? It->second : Default.str();
    }
    I = C + 1;
  }
  return Out;
}

bool yaml::loadEnvFile(unsigned BufferID, DiagnosticEngine &Diags,
                       Environment &Env) {
  StringRef Text = Diags.getSourceMgr().getMemoryBuffer(BufferID)->getBuffer();
  if (Text.startswith("\xEF\xBB\xBF"))
    Text = Text.drop_front(3);
  if (Text.find('\0') != StringRef::npos) {
    const char *At = Text.begin() + Text.find('\0');
    Diags.emit(llvm::SMLoc::getFromPointer(At), diag::NulByte);
    return false;
  }
  std::vector<Binding> Bindings;
  EnvParser Parser(Text, Diags);
  bool Ok = Parser.parse(Bindings);
  llvm::StringMap<std::string> Local;
  std::vector<std::string> Order;
  for (const Binding &B : Bindings) {
    if (!B.HasValue)
      continue;
    std::string V = B.Expand ? expandDotenv(B.Value, Env, Local) : B.Value;
    if (!Local.count(B.Key))
      Order.push_back(B.Key);
    Local[B.Key] = std::move(V);
  }
  for (const std::string &K : Order)
    Env.setDefault(K, Local[K]);
  return Ok;
}
