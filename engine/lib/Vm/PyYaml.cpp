//===- PyYaml.cpp - PyYAML-compatible yaml.dump, shlex quote/split -*- C++ -*-=//
//
// The reference writes the VM's Director file and the cloud-init documents
// with PyYAML's `yaml.dump` (default Dumper: block style, sorted keys,
// indent 2, width 80, allow_unicode False), and quotes template values with
// `shlex.quote`. A node of this implementation must write the same bytes:
// the Director file is kept in `.done` and compared by Director itself.
//
// The emitter below follows PyYAML's emitter state machine for the subset
// JSON can express (mappings with string keys, sequences, str, int, float,
// bool, null; no anchors or tags): the implicit-resolver test that decides
// whether a string may be plain, analyze_scalar's style rules, and the plain,
// single- and double-quoted writers with their line folding at the width.
// Strings are handled as code points, as Python does.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/VmBuilder.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Regex.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace overlord;
using namespace overlord::engine;

namespace {

using U32 = std::u32string;

U32 decode(llvm::StringRef S) {
  U32 Out;
  const auto *P = reinterpret_cast<const llvm::UTF8 *>(S.data());
  const auto *End = P + S.size();
  while (P < End) {
    llvm::UTF32 C = 0;
    const llvm::UTF8 *Before = P;
    llvm::UTF32 *Dst = &C;
    if (llvm::ConvertUTF8toUTF32(&P, End, &Dst, Dst + 1, llvm::lenientConversion) !=
            llvm::conversionOK &&
        P == Before) {
      // An undecodable byte stands for itself (json::Value strings are
      // valid UTF-8, so this only guards against misuse).
      C = *P++;
    }
    Out.push_back(C);
  }
  return Out;
}

void encode(char32_t C, std::string &Out) {
  char Buf[8];
  char *P = Buf;
  llvm::ConvertCodePointToUTF8(C, P);
  Out.append(Buf, P);
}

bool isBreak(char32_t C) {
  return C == U'\n' || C == 0x85 || C == 0x2028 || C == 0x2029;
}
bool isSpaceOrBreakOrNul(char32_t C) {
  return C == 0 || C == U' ' || C == U'\t' || C == U'\r' || isBreak(C);
}
bool isPrintableAscii(char32_t C) { return C >= 0x20 && C <= 0x7E; }

/// PyYAML's implicit resolvers (YAML 1.1): true when a plain scalar with
/// this text would load as something other than a string, so the string
/// must be quoted.
bool resolvesToNonString(const std::string &S) {
  static const llvm::Regex Bool(
      "^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|"
      "off|Off|OFF)$");
  static const llvm::Regex Float(
      "^([-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?"
      "|\\.[0-9][0-9_]*([eE][-+][0-9]+)?"
      "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*"
      "|[-+]?\\.(inf|Inf|INF)"
      "|\\.(nan|NaN|NAN))$");
  static const llvm::Regex Int("^([-+]?0b[0-1_]+"
                               "|[-+]?0[0-7_]+"
                               "|[-+]?(0|[1-9][0-9_]*)"
                               "|[-+]?0x[0-9a-fA-F_]+"
                               "|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$");
  static const llvm::Regex Null("^(~|null|Null|NULL)$");
  static const llvm::Regex Timestamp(
      "^([0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
      "|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
      "([Tt]|[ \t]+)[0-9][0-9]?"
      ":[0-9][0-9]:[0-9][0-9](\\.[0-9]*)?"
      "([ \t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?))?)$");
  // Python's `$` also matches before one trailing newline.
  llvm::StringRef T(S);
  for (llvm::StringRef Candidate : {T, T.endswith("\n") ? T.drop_back() : T}) {
    if (Candidate.empty() || S == "<<" || S == "=")
      return true;
    if (Bool.match(Candidate) || Float.match(Candidate) ||
        Int.match(Candidate) || Null.match(Candidate) ||
        Timestamp.match(Candidate))
      return true;
  }
  return false;
}

/// Emitter.analyze_scalar.
struct Analysis {
  bool Empty = false, Multiline = false, AllowFlowPlain = true,
       AllowBlockPlain = true, AllowSingle = true, AllowBlock = true;
};

Analysis analyze(const U32 &S) {
  Analysis A;
  if (S.empty()) {
    A.Empty = true;
    A.AllowFlowPlain = false;
    A.AllowBlock = false;
    return A;
  }
  bool BlockInd = false, FlowInd = false, LineBreaks = false, Special = false;
  bool LeadingSpace = false, LeadingBreak = false, TrailingSpace = false,
       TrailingBreak = false, BreakSpace = false, SpaceBreak = false;
  auto StartsWith = [&](const char32_t *P) {
    return S.size() >= 3 && S.compare(0, 3, P) == 0;
  };
  if (StartsWith(U"---") || StartsWith(U"..."))
    BlockInd = FlowInd = true;
  bool PrecededByWs = true;
  bool FollowedByWs = S.size() == 1 || isSpaceOrBreakOrNul(S[1]);
  bool PrevSpace = false, PrevBreak = false;
  for (size_t I = 0; I < S.size(); ++I) {
    char32_t C = S[I];
    if (I == 0) {
      if (std::u32string_view(U"#,[]{}&*!|>'\"%@`").find(C) !=
          std::u32string_view::npos)
        FlowInd = BlockInd = true;
      if (C == U'?' || C == U':') {
        FlowInd = true;
        if (FollowedByWs)
          BlockInd = true;
      }
      if (C == U'-' && FollowedByWs)
        FlowInd = BlockInd = true;
    } else {
      if (std::u32string_view(U",?[]{}").find(C) != std::u32string_view::npos)
        FlowInd = true;
      if (C == U':') {
        FlowInd = true;
        if (FollowedByWs)
          BlockInd = true;
      }
      if (C == U'#' && PrecededByWs)
        FlowInd = BlockInd = true;
    }
    if (isBreak(C))
      LineBreaks = true;
    // allow_unicode is False: every character outside printable ASCII but
    // '\n' is special.
    if (!(C == U'\n' || isPrintableAscii(C)))
      Special = true;
    if (C == U' ') {
      if (I == 0)
        LeadingSpace = true;
      if (I + 1 == S.size())
        TrailingSpace = true;
      if (PrevBreak)
        BreakSpace = true;
      PrevSpace = true;
      PrevBreak = false;
    } else if (isBreak(C)) {
      if (I == 0)
        LeadingBreak = true;
      if (I + 1 == S.size())
        TrailingBreak = true;
      if (PrevSpace)
        SpaceBreak = true;
      PrevSpace = false;
      PrevBreak = true;
    } else {
      PrevSpace = PrevBreak = false;
    }
    PrecededByWs = isSpaceOrBreakOrNul(C);
    FollowedByWs = I + 2 >= S.size() || isSpaceOrBreakOrNul(S[I + 2]);
  }
  if (LeadingSpace || LeadingBreak || TrailingSpace || TrailingBreak)
    A.AllowFlowPlain = A.AllowBlockPlain = false;
  if (TrailingSpace)
    A.AllowBlock = false;
  if (BreakSpace)
    A.AllowFlowPlain = A.AllowBlockPlain = A.AllowSingle = false;
  if (SpaceBreak || Special)
    A.AllowFlowPlain = A.AllowBlockPlain = A.AllowSingle = A.AllowBlock =
        false;
  if (LineBreaks)
    A.AllowFlowPlain = A.AllowBlockPlain = false;
  if (FlowInd)
    A.AllowFlowPlain = false;
  if (BlockInd)
    A.AllowBlockPlain = false;
  A.Multiline = LineBreaks;
  return A;
}

/// Python's repr() of a float, then PyYAML's represent_float fix-ups.
std::string pyFloat(double D) {
  if (std::isnan(D))
    return ".nan";
  if (std::isinf(D))
    return D > 0 ? ".inf" : "-.inf";
  // Shortest round-tripping digits, as repr does.
  char Buf[64];
  int Prec = 1;
  for (; Prec <= 17; ++Prec) {
    std::snprintf(Buf, sizeof(Buf), "%.*e", Prec - 1, D);
    if (std::strtod(Buf, nullptr) == D)
      break;
  }
  // Buf: [-]d.ddde[+-]XX
  std::string E(Buf);
  size_t EPos = E.find('e');
  std::string Mant = E.substr(0, EPos);
  int Exp = std::atoi(E.c_str() + EPos + 1);
  bool Neg = Mant[0] == '-';
  std::string Digits;
  for (char C : Mant)
    if (C >= '0' && C <= '9')
      Digits += C;
  while (Digits.size() > 1 && Digits.back() == '0')
    Digits.pop_back();
  std::string Out = Neg ? "-" : "";
  int DecPt = Exp + 1; // digits before the point
  if (DecPt > 16 || DecPt < -3) {
    Out += Digits.substr(0, 1);
    if (Digits.size() > 1)
      Out += "." + Digits.substr(1);
    char ExpBuf[16];
    std::snprintf(ExpBuf, sizeof(ExpBuf), "e%c%02d", Exp < 0 ? '-' : '+',
                  std::abs(Exp));
    Out += ExpBuf;
    // represent_float: a mantissa without '.' gets '.0'.
    if (Out.find('.') == std::string::npos)
      Out.insert(Out.find('e'), ".0");
    return Out;
  }
  if (DecPt <= 0) {
    Out += "0." + std::string(size_t(-DecPt), '0') + Digits;
  } else if (size_t(DecPt) >= Digits.size()) {
    Out += Digits + std::string(size_t(DecPt) - Digits.size(), '0') + ".0";
  } else {
    Out += Digits.substr(0, size_t(DecPt)) + "." + Digits.substr(size_t(DecPt));
  }
  return Out;
}

/// The PyYAML emitter for JSON values.
class Emitter {
public:
  std::string Out;

  void document(const llvm::json::Value &V) {
    // An empty string root makes an "empty document" PyYAML marks with
    // '---' (check_empty_document).
    if (auto S = V.getAsString(); S && S->empty()) {
      writeIndent();
      writeIndicator(U"---", true);
    }
    node(V, /*Root=*/true, false, false, false);
    // expect_document_end, then the stream end.
    writeIndent();
    if (OpenEnded) {
      writeIndicator(U"...", true);
      writeIndent();
    }
  }

private:
  static constexpr int BestIndent = 2, BestWidth = 80;
  int Column = 0, Indent = -1, FlowLevel = 0;
  std::vector<int> Indents;
  bool Whitespace = true, Indention = true, OpenEnded = false;
  bool RootContext = false, MappingContext = false, SimpleKeyContext = false;

  void write(const U32 &S) {
    for (char32_t C : S)
      encode(C, Out);
    Column += int(S.size());
  }
  void writeIndicator(const U32 &Ind, bool NeedWs, bool Ws = false,
                      bool Indentn = false) {
    U32 Data = (Whitespace || !NeedWs) ? Ind : U" " + Ind;
    Whitespace = Ws;
    Indention = Indention && Indentn;
    OpenEnded = false;
    write(Data);
  }
  void writeIndent() {
    int I = Indent < 0 ? 0 : Indent;
    if (!Indention || Column > I || (Column == I && !Whitespace))
      writeLineBreak();
    if (Column < I) {
      Whitespace = true;
      Out.append(size_t(I - Column), ' ');
      Column = I;
    }
  }
  void writeLineBreak(char32_t Br = U'\n') {
    Whitespace = true;
    Indention = true;
    Column = 0;
    encode(Br, Out);
  }
  void increaseIndent(bool Flow, bool Indentless) {
    Indents.push_back(Indent);
    if (Indent < 0)
      Indent = Flow ? BestIndent : 0;
    else if (!Indentless)
      Indent += BestIndent;
  }
  void popIndent() {
    Indent = Indents.back();
    Indents.pop_back();
  }

  void node(const llvm::json::Value &V, bool Root, bool Sequence, bool Mapping,
            bool SimpleKey) {
    (void)Sequence;
    RootContext = Root;
    MappingContext = Mapping;
    SimpleKeyContext = SimpleKey;
    if (const llvm::json::Array *A = V.getAsArray()) {
      if (A->empty())
        return emptyFlow(U"[", U"]");
      bool Indentless = MappingContext && !Indention;
      increaseIndent(false, Indentless);
      for (const llvm::json::Value &Item : *A) {
        writeIndent();
        writeIndicator(U"-", true, false, true);
        node(Item, false, true, false, false);
      }
      popIndent();
      return;
    }
    if (const llvm::json::Object *O = V.getAsObject()) {
      if (O->empty())
        return emptyFlow(U"{", U"}");
      std::vector<const llvm::json::ObjectKey *> Keys;
      for (const auto &KV : *O)
        Keys.push_back(&KV.first);
      llvm::sort(Keys, [](const llvm::json::ObjectKey *A,
                          const llvm::json::ObjectKey *B) {
        return llvm::StringRef(*A) < llvm::StringRef(*B);
      });
      increaseIndent(false, false);
      for (const llvm::json::ObjectKey *K : Keys) {
        writeIndent();
        U32 KeyText = decode(*K);
        Analysis KA = analyze(KeyText);
        bool Simple = KeyText.size() < 128 && !KA.Empty && !KA.Multiline;
        llvm::json::Value KeyV(llvm::StringRef(*K).str());
        if (Simple) {
          node(KeyV, false, false, true, true);
          writeIndicator(U":", false);
        } else {
          writeIndicator(U"?", true, false, true);
          node(KeyV, false, false, true, false);
          writeIndent();
          writeIndicator(U":", true, false, true);
        }
        node(*O->get(*K), false, false, true, false);
      }
      popIndent();
      return;
    }
    scalar(V);
  }

  void emptyFlow(const U32 &Open, const U32 &Close) {
    writeIndicator(Open, true, true);
    ++FlowLevel;
    increaseIndent(true, false);
    popIndent();
    --FlowLevel;
    writeIndicator(Close, false);
  }

  void scalar(const llvm::json::Value &V) {
    std::string Text;
    bool Implicit = true;
    if (V.kind() == llvm::json::Value::Null) {
      Text = "null";
    } else if (auto B = V.getAsBoolean()) {
      Text = *B ? "true" : "false";
    } else if (auto I = V.getAsInteger()) {
      Text = std::to_string(*I);
    } else if (auto U = V.getAsUINT64()) {
      Text = std::to_string(*U);
    } else if (auto D = V.getAsNumber()) {
      Text = pyFloat(*D);
    } else {
      Text = V.getAsString()->str();
      Implicit = !resolvesToNonString(Text);
    }
    U32 S = decode(Text);
    Analysis A = analyze(S);
    bool Split = !SimpleKeyContext;
    // expect_scalar: the scalar's continuation lines are indented one step.
    increaseIndent(true, false);
    if (Implicit && !(SimpleKeyContext && (A.Empty || A.Multiline)) &&
        ((FlowLevel && A.AllowFlowPlain) || (!FlowLevel && A.AllowBlockPlain)))
      writePlain(S, Split);
    else if (A.AllowSingle && !(SimpleKeyContext && A.Multiline))
      writeSingle(S, Split);
    else
      writeDouble(S, Split);
    popIndent();
  }

  void writePlain(const U32 &T, bool Split) {
    if (RootContext)
      OpenEnded = true;
    if (T.empty())
      return;
    if (!Whitespace)
      write(U" ");
    Whitespace = Indention = false;
    bool Spaces = false, Breaks = false;
    size_t Start = 0, End = 0;
    while (End <= T.size()) {
      char32_t C = End < T.size() ? T[End] : 0;
      bool None = End >= T.size();
      if (Spaces) {
        if (None || C != U' ') {
          if (Start + 1 == End && Column > BestWidth && Split) {
            writeIndent();
            Whitespace = Indention = false;
          } else {
            write(T.substr(Start, End - Start));
          }
          Start = End;
        }
      } else if (Breaks) {
        if (None || !isBreak(C)) {
          if (T[Start] == U'\n')
            writeLineBreak();
          for (size_t I = Start; I < End; ++I)
            writeLineBreak(T[I]);
          writeIndent();
          Whitespace = Indention = false;
          Start = End;
        }
      } else if (None || C == U' ' || isBreak(C)) {
        write(T.substr(Start, End - Start));
        Start = End;
      }
      if (!None) {
        Spaces = C == U' ';
        Breaks = isBreak(C);
      }
      ++End;
    }
  }

  void writeSingle(const U32 &T, bool Split) {
    writeIndicator(U"'", true);
    bool Spaces = false, Breaks = false;
    size_t Start = 0, End = 0;
    while (End <= T.size()) {
      bool None = End >= T.size();
      char32_t C = None ? 0 : T[End];
      if (Spaces) {
        if (None || C != U' ') {
          if (Start + 1 == End && Column > BestWidth && Split && Start != 0 &&
              End != T.size())
            writeIndent();
          else
            write(T.substr(Start, End - Start));
          Start = End;
        }
      } else if (Breaks) {
        if (None || !isBreak(C)) {
          if (T[Start] == U'\n')
            writeLineBreak();
          for (size_t I = Start; I < End; ++I)
            writeLineBreak(T[I]);
          writeIndent();
          Start = End;
        }
      } else if (None || C == U' ' || isBreak(C) || C == U'\'') {
        if (Start < End) {
          write(T.substr(Start, End - Start));
          Start = End;
        }
      }
      if (!None && C == U'\'') {
        write(U"''");
        Start = End + 1;
      }
      if (!None) {
        Spaces = C == U' ';
        Breaks = isBreak(C);
      }
      ++End;
    }
    writeIndicator(U"'", false);
  }

  static std::optional<char> escapeOf(char32_t C) {
    switch (C) {
    case 0: return '0';
    case 0x07: return 'a';
    case 0x08: return 'b';
    case 0x09: return 't';
    case 0x0A: return 'n';
    case 0x0B: return 'v';
    case 0x0C: return 'f';
    case 0x0D: return 'r';
    case 0x1B: return 'e';
    case U'"': return '"';
    case U'\\': return '\\';
    case 0x85: return 'N';
    case 0xA0: return '_';
    case 0x2028: return 'L';
    case 0x2029: return 'P';
    default: return std::nullopt;
    }
  }

  void writeDouble(const U32 &T, bool Split) {
    writeIndicator(U"\"", true);
    size_t Start = 0, End = 0;
    while (End <= T.size()) {
      bool None = End >= T.size();
      char32_t C = None ? 0 : T[End];
      if (None || C == U'"' || C == U'\\' || C == 0x85 || C == 0x2028 ||
          C == 0x2029 || C == 0xFEFF || !isPrintableAscii(C)) {
        if (Start < End) {
          write(T.substr(Start, End - Start));
          Start = End;
        }
        if (!None) {
          char Buf[16];
          if (auto E = escapeOf(C))
            std::snprintf(Buf, sizeof(Buf), "\\%c", *E);
          else if (C <= 0xFF)
            std::snprintf(Buf, sizeof(Buf), "\\x%02X", unsigned(C));
          else if (C <= 0xFFFF)
            std::snprintf(Buf, sizeof(Buf), "\\u%04X", unsigned(C));
          else
            std::snprintf(Buf, sizeof(Buf), "\\U%08X", unsigned(C));
          write(decode(Buf));
          Start = End + 1;
        }
      }
      if (End > 0 && End + 1 < T.size() && (C == U' ' || Start >= End) &&
          Column + int(End - Start) > BestWidth && Split) {
        U32 Data = T.substr(Start, End > Start ? End - Start : 0) + U"\\";
        if (Start < End)
          Start = End;
        write(Data);
        writeIndent();
        Whitespace = Indention = false;
        if (T[Start] == U' ')
          write(U"\\");
      }
      ++End;
    }
    writeIndicator(U"\"", false);
  }
};

} // namespace

std::string engine::pyyamlDump(const llvm::json::Value &V) {
  Emitter E;
  E.document(V);
  return E.Out;
}

std::string engine::shellQuote(llvm::StringRef S) {
  if (S.empty())
    return "''";
  // shlex: _find_unsafe = re.compile(r'[^\w@%+=:,./-]', re.ASCII).search
  bool Safe = llvm::all_of(S, [](char C) {
    return llvm::isAlnum(C) || C == '_' || llvm::StringRef("@%+=:,./-").contains(C);
  });
  if (Safe)
    return S.str();
  std::string Out = "'";
  for (char C : S) {
    if (C == '\'')
      Out += "'\"'\"'";
    else
      Out += C;
  }
  return Out + "'";
}

llvm::Expected<std::vector<std::string>>
engine::shellSplit(llvm::StringRef S) {
  // shlex.split(s, posix=True): whitespace separates words; '...' is
  // literal; "..." keeps a backslash only before $ ` " and newline or a
  // backslash; a bare backslash escapes the next character; '#' does not
  // start a comment (split sets commenters to '').
  std::vector<std::string> Words;
  std::string Cur;
  bool InWord = false;
  for (size_t I = 0; I < S.size(); ++I) {
    char C = S[I];
    if (C == ' ' || C == '\t' || C == '\n' || C == '\r') {
      if (InWord)
        Words.push_back(std::move(Cur));
      Cur.clear();
      InWord = false;
      continue;
    }
    InWord = true;
    if (C == '\\') {
      if (++I >= S.size())
        return llvm::createStringError(std::errc::invalid_argument,
                                       "No escaped character");
      Cur += S[I];
    } else if (C == '\'') {
      size_t E = S.find('\'', I + 1);
      if (E == llvm::StringRef::npos)
        return llvm::createStringError(std::errc::invalid_argument,
                                       "No closing quotation");
      Cur += S.slice(I + 1, E).str();
      I = E;
    } else if (C == '"') {
      size_t J = I + 1;
      for (; J < S.size() && S[J] != '"'; ++J) {
        if (S[J] == '\\' && J + 1 < S.size() &&
            llvm::StringRef("$`\"\\\n").contains(S[J + 1]))
          ++J;
        Cur += S[J];
      }
      if (J >= S.size())
        return llvm::createStringError(std::errc::invalid_argument,
                                       "No closing quotation");
      I = J;
    } else {
      Cur += C;
    }
  }
  if (InWord)
    Words.push_back(std::move(Cur));
  return Words;
}
