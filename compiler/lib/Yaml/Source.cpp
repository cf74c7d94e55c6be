//===- Source.cpp - Text, locations and scalar scanning ---------*- C++ -*-===//
//
// Line tables, the mark -> SMLoc mapping (through a TextOrigin for embedded
// documents), the byte checks run before yaml-cpp sees the text, and the
// scanners that find where a scalar yaml-cpp reported ends in the source.
//
//===----------------------------------------------------------------------===//
#include "YamlSource.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace overlord;
using namespace overlord::yaml::detail;

Source::Source(llvm::StringRef Text, const ast::TextOrigin *Origin)
    : Text(Text), Origin(Origin) {
  // yaml-cpp does not count a UTF-8 byte order mark in line 0's columns.
  Lines.reserve(Text.size() / 24 + 2);
  Lines.push_back(Text.startswith("\xEF\xBB\xBF") ? 3 : 0);
  const char *B = Text.begin();
  for (size_t I = 0, N = Text.size(); I < N; ++I) {
    char C = B[I];
    if (C == '\n' || (C == '\r' && (I + 1 == N || B[I + 1] != '\n')))
      Lines.push_back(I + 1);
  }
}

const char *Source::at(int Line, int Col) const {
  if (Line < 0)
    return Text.end();
  if (unsigned(Line) >= Lines.size())
    return Text.end();
  const char *P = lineStart(Line) + std::max(Col, 0);
  return std::min(P, Text.end());
}

unsigned Source::lineOf(const char *P) const {
  uint32_t Off = P - Text.begin();
  auto It = std::upper_bound(Lines.begin(), Lines.end(), Off);
  return It == Lines.begin() ? 0 : unsigned(It - Lines.begin() - 1);
}

llvm::SMLoc Source::loc(const char *P) const {
  if (!Origin)
    return llvm::SMLoc::getFromPointer(P);
  unsigned L = lineOf(P);
  if (L >= Origin->LineStarts.size() && P > Text.begin()) {
    // Past the mapped lines (the end of the text): at its last byte.
    unsigned Prev = lineOf(P - 1);
    return Origin->locate(Prev, P - 1 - lineStart(Prev));
  }
  return Origin->locate(L, P - lineStart(L));
}

//===----------------------------------------------------------------------===//
// Byte checks
//===----------------------------------------------------------------------===//

/// Length of the UTF-8 sequence at P (1-4), or 0 when malformed. Sets Cp.
static unsigned decodeUtf8(const unsigned char *P, const unsigned char *E,
                           uint32_t &Cp) {
  unsigned char C = P[0];
  unsigned Len;
  uint32_t Min;
  if (C < 0x80) {
    Cp = C;
    return 1;
  }
  if ((C & 0xE0) == 0xC0) {
    Len = 2, Cp = C & 0x1F, Min = 0x80;
  } else if ((C & 0xF0) == 0xE0) {
    Len = 3, Cp = C & 0x0F, Min = 0x800;
  } else if ((C & 0xF8) == 0xF0) {
    Len = 4, Cp = C & 0x07, Min = 0x10000;
  } else {
    return 0;
  }
  if (E - P < Len)
    return 0;
  for (unsigned I = 1; I < Len; ++I) {
    if ((P[I] & 0xC0) != 0x80)
      return 0;
    Cp = (Cp << 6) | (P[I] & 0x3F);
  }
  if (Cp < Min || Cp > 0x10FFFF || (Cp >= 0xD800 && Cp <= 0xDFFF))
    return 0;
  return Len;
}

/// Characters PyYAML's reader refuses ("special characters are not allowed").
static bool isNonPrintable(uint32_t Cp) {
  if (Cp < 0x20)
    return Cp != '\t' && Cp != '\n' && Cp != '\r';
  if (Cp == 0x7F || (Cp >= 0x80 && Cp <= 0x9F && Cp != 0x85))
    return true;
  return Cp == 0xFFFE || Cp == 0xFFFF;
}

static std::string hexByte(unsigned char C) {
  static const char Digits[] = "0123456789ABCDEF";
  return {Digits[C >> 4], Digits[C & 15]};
}

/// Recognises UTF-16/32 by their byte order marks or their NUL pattern.
static const char *wideEncoding(llvm::StringRef T) {
  if (T.startswith(llvm::StringRef("\0\0\xFE\xFF", 4)))
    return "UTF-32BE";
  if (T.startswith(llvm::StringRef("\xFF\xFE\0\0", 4)))
    return "UTF-32LE";
  if (T.startswith("\xFE\xFF"))
    return "UTF-16BE";
  if (T.startswith("\xFF\xFE"))
    return "UTF-16LE";
  if (T.size() >= 4 && T[0] && !T[1] && !T[2] && !T[3])
    return "UTF-32LE";
  if (T.size() >= 4 && !T[0] && !T[1] && !T[2] && T[3])
    return "UTF-32BE";
  if (T.size() >= 2 && T[0] && !T[1])
    return "UTF-16LE";
  if (T.size() >= 2 && !T[0] && T[1])
    return "UTF-16BE";
  return nullptr;
}

bool yaml::detail::checkBytes(const Source &Src, DiagnosticEngine &Diags) {
  if (const char *Enc = wideEncoding(Src.text())) {
    Diags.emit(Src.loc(Src.begin()), diag::WideEncoding, std::string(Enc));
    return false;
  }
  auto *P = reinterpret_cast<const unsigned char *>(Src.begin());
  auto *E = reinterpret_cast<const unsigned char *>(Src.end());
  while (P < E) {
    unsigned char C = *P;
    if (C >= 0x20 && C < 0x7F) {
      ++P;
      continue;
    }
    const char *At = reinterpret_cast<const char *>(P);
    if (C == 0) {
      Diags.emit(Src.range(At, At + 1), diag::NulByte);
      return false;
    }
    uint32_t Cp = 0;
    unsigned Len = decodeUtf8(P, E, Cp);
    if (Len == 0) {
      Diags.emit(Src.range(At, At + 1), diag::BadUtf8, hexByte(C));
      return false;
    }
    if (isNonPrintable(Cp) && !(Cp == 0xFEFF)) {
      Diags.emit(Src.range(At, At + Len), diag::ControlCharacter,
                 llvm::formatv(
                     "{0}", llvm::format_hex_no_prefix(Cp, 4, /*Upper=*/true))
                     .str());
      return false;
    }
    P += Len;
  }
  return true;
}

const char *yaml::detail::findTabIndent(
    const Source &Src, const char *Limit,
    llvm::ArrayRef<std::pair<const char *, const char *>> Skip) {
  for (unsigned L = 0, N = Src.numLines(); L < N; ++L) {
    const char *P = Src.lineStart(L);
    if (P > Limit)
      break;
    const char *Q = P;
    while (Q < Src.end() && *Q == ' ')
      ++Q;
    if (Q == Src.end() || *Q != '\t')
      continue;
    const char *Tab = Q;
    while (Q < Src.end() && (*Q == ' ' || *Q == '\t'))
      ++Q;
    if (Q == Src.end() || *Q == '\n' || *Q == '\r' || *Q == '#')
      continue;
    bool Skipped = false;
    for (const auto &R : Skip)
      Skipped |= Tab >= R.first && Tab < R.second;
    if (!Skipped)
      return Tab;
  }
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Scalar scanning
//===----------------------------------------------------------------------===//

static bool isBlank(char C) { return C == ' ' || C == '\t'; }
static bool isBreak(char C) { return C == '\n' || C == '\r'; }

const char *yaml::detail::skipProperties(const char *P, const char *E,
                                         bool CrossLines) {
  while (P < E && (*P == '!' || *P == '&')) {
    while (P < E && !isBlank(*P) && !isBreak(*P))
      ++P;
    while (P < E && isBlank(*P))
      ++P;
  }
  if (!CrossLines)
    return P;
  while (P < E) {
    if (isBlank(*P) || isBreak(*P)) {
      ++P;
    } else if (*P == '#') {
      while (P < E && !isBreak(*P))
        ++P;
    } else {
      break;
    }
  }
  return P;
}

const char *yaml::detail::scanPlain(const char *P, const char *E,
                                    llvm::StringRef Value) {
  // Folding turns line breaks and indentation into one space (or '\n'), so
  // match the value's non-blank characters one by one, skipping blanks.
  const char *S = P, *Last = P;
  for (char C : Value) {
    if (C == ' ' || C == '\t' || C == '\n')
      continue;
    while (S < E && *S != C && (isBlank(*S) || isBreak(*S)))
      ++S;
    if (S == E || *S != C)
      return Last;
    Last = ++S;
  }
  return Last;
}

const char *yaml::detail::scanSingleQuoted(const char *P, const char *E) {
  for (const char *S = P + 1; S < E; ++S) {
    if (*S != '\'')
      continue;
    if (S + 1 < E && S[1] == '\'') {
      ++S;
      continue;
    }
    return S + 1;
  }
  return nullptr;
}

const char *yaml::detail::scanDoubleQuoted(const char *P, const char *E) {
  for (const char *S = P + 1; S < E; ++S) {
    if (*S == '\\')
      ++S;
    else if (*S == '"')
      return S + 1;
  }
  return nullptr;
}

/// Leading spaces of the line at P, and whether the line is blank.
static unsigned indentOf(const char *P, const char *E, bool &Blank) {
  const char *S = P;
  while (S < E && *S == ' ')
    ++S;
  Blank = S == E || isBreak(*S);
  return S - P;
}

static const char *lineEnd(const char *P, const char *E) {
  while (P < E && !isBreak(*P))
    ++P;
  return P;
}

BlockScalar yaml::detail::scanBlock(const Source &Src, const char *P,
                                    int ParentIndent) {
  const char *E = Src.end();
  const char *HeaderEnd = lineEnd(P, E);
  BlockScalar R{HeaderEnd, {}};
  int Explicit = 0;
  for (const char *S = P + 1; S < HeaderEnd && !isBlank(*S); ++S)
    if (*S >= '1' && *S <= '9')
      Explicit = *S - '0';
  unsigned First = Src.lineOf(P) + 1;
  int N = -1;
  if (Explicit) {
    N = std::max(ParentIndent, 0) + Explicit;
  } else {
    for (unsigned L = First; L < Src.numLines(); ++L) {
      bool Blank;
      unsigned In = indentOf(Src.lineStart(L), E, Blank);
      if (!Blank) {
        N = In;
        break;
      }
    }
    if (N <= ParentIndent)
      return R;
  }
  for (unsigned L = First; L < Src.numLines(); ++L) {
    const char *S = Src.lineStart(L);
    if (S >= E)
      break;
    bool Blank;
    unsigned In = indentOf(S, E, Blank);
    if (!Blank && int(In) < N)
      break;
    R.Content.push_back(S + std::min<unsigned>(In, N));
    if (!Blank)
      R.End = lineEnd(S, E);
  }
  return R;
}
