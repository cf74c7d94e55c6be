//===- Format.cpp - The reference's human-readable output -------*- C++ -*-===//
//
// Re-implementations of the few humanfriendly and Python formatting rules
// the reference's get-info output depends on (humanfriendly 10:
// format_timespan, format_size, round_number, pluralize, concatenate).
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/Format.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace overlord;
using namespace overlord::client;

namespace {

/// humanfriendly.round_number: two decimals, trailing zeros and a trailing
/// point dropped.
std::string roundNumber(double X) {
  std::string S = llvm::formatv("{0:F2}", X).str();
  if (S.find('.') != std::string::npos) {
    while (!S.empty() && S.back() == '0')
      S.pop_back();
    if (!S.empty() && S.back() == '.')
      S.pop_back();
  }
  if (S == "-0")
    S = "0";
  return S;
}

/// humanfriendly.pluralize(count, singular, plural): the singular only when
/// float(count) == 1.0.
std::string pluralize(const std::string &Count, llvm::StringRef Singular,
                      llvm::StringRef Plural) {
  double V = std::strtod(Count.c_str(), nullptr);
  return Count + " " + (V == 1.0 ? Singular : Plural).str();
}

/// Python's repr() of a float: the shortest text that reads back the same,
/// in exponent form below 1e-4 and from 1e16 on.
std::string floatRepr(double D) {
  if (std::isnan(D))
    return "nan";
  if (std::isinf(D))
    return D < 0 ? "-inf" : "inf";
  char Buf[64];
  int Prec = 1;
  for (; Prec < 17; ++Prec) {
    std::snprintf(Buf, sizeof(Buf), "%.*e", Prec - 1, D);
    if (std::strtod(Buf, nullptr) == D)
      break;
  }
  std::snprintf(Buf, sizeof(Buf), "%.*e", Prec - 1, D);
  // Buf: [-]d.ddde[+-]XX
  llvm::StringRef S(Buf);
  bool Neg = S.consume_front("-");
  auto [Mant, ExpText] = S.split('e');
  int Exp = std::atoi(ExpText.str().c_str());
  std::string Digits;
  for (char C : Mant)
    if (C != '.')
      Digits += C;
  std::string Out = Neg ? "-" : "";
  if (Exp < -4 || Exp >= 16) {
    Out += Digits.substr(0, 1);
    if (Digits.size() > 1)
      Out += "." + Digits.substr(1);
    // Python pads the exponent to two digits: 1e+16, 1e-05.
    std::string E = std::to_string(std::abs(Exp));
    if (E.size() < 2)
      E = "0" + E;
    Out += std::string("e") + (Exp < 0 ? "-" : "+") + E;
    return Out;
  }
  if (Exp < 0) {
    Out += "0." + std::string(size_t(-Exp - 1), '0') + Digits;
  } else if (size_t(Exp) + 1 >= Digits.size()) {
    Out += Digits + std::string(size_t(Exp) + 1 - Digits.size(), '0') + ".0";
  } else {
    Out += Digits.substr(0, Exp + 1) + "." + Digits.substr(Exp + 1);
  }
  return Out;
}

std::string stringRepr(llvm::StringRef S) {
  char Quote = (S.contains('\'') && !S.contains('"')) ? '"' : '\'';
  std::string Out(1, Quote);
  for (unsigned char C : S) {
    switch (C) {
    case '\\':
      Out += "\\\\";
      continue;
    case '\n':
      Out += "\\n";
      continue;
    case '\r':
      Out += "\\r";
      continue;
    case '\t':
      Out += "\\t";
      continue;
    default:
      break;
    }
    if (C == Quote) {
      Out += '\\';
      Out += char(C);
    } else if (C < 0x20 || C == 0x7f) {
      Out += llvm::formatv("\\x{0:x-2}", unsigned(C)).str();
    } else {
      Out += char(C);
    }
  }
  return Out + Quote;
}

} // namespace

std::string overlord::client::formatTimespan(double Seconds) {
  if (!(Seconds >= 0))
    Seconds = 0;
  if (Seconds < 60)
    return pluralize(roundNumber(Seconds), "second", "seconds");
  struct Unit {
    double Divider;
    const char *Singular, *Plural;
  };
  static const Unit Units[] = {{31449600, "year", "years"},
                               {604800, "week", "weeks"},
                               {86400, "day", "days"},
                               {3600, "hour", "hours"},
                               {60, "minute", "minutes"},
                               {1, "second", "seconds"}};
  std::vector<std::string> Parts;
  double Rest = Seconds;
  for (const Unit &U : Units) {
    std::string Count;
    if (U.Divider != 1) {
      double N = std::floor(Rest / U.Divider);
      Rest -= N * U.Divider;
      Count = llvm::formatv("{0}", int64_t(N)).str();
    } else {
      Count = roundNumber(Rest);
    }
    if (Count != "0")
      Parts.push_back(pluralize(Count, U.Singular, U.Plural));
  }
  if (Parts.size() > 3)
    Parts.resize(3);
  if (Parts.size() == 1)
    return Parts.front();
  std::string Out;
  for (size_t I = 0; I + 1 < Parts.size(); ++I)
    Out += (I ? ", " : "") + Parts[I];
  return Out + " and " + Parts.back();
}

std::string overlord::client::formatSize(double Bytes) {
  static const char *Units[] = {"KiB", "MiB", "GiB", "TiB",
                                "PiB", "EiB", "ZiB", "YiB"};
  for (int I = 7; I >= 0; --I) {
    double Divider = std::pow(1024.0, I + 1);
    if (Bytes >= Divider)
      return roundNumber(Bytes / Divider) + " " + Units[I];
  }
  std::string Count = Bytes == std::floor(Bytes)
                          ? llvm::formatv("{0}", int64_t(Bytes)).str()
                          : floatRepr(Bytes);
  return pluralize(Count, "byte", "bytes");
}

std::string overlord::client::pythonRepr(const llvm::json::Value &V) {
  switch (V.kind()) {
  case llvm::json::Value::Null:
    return "None";
  case llvm::json::Value::Boolean:
    return *V.getAsBoolean() ? "True" : "False";
  case llvm::json::Value::Number:
    if (auto I = V.getAsInteger())
      return std::to_string(*I);
    return floatRepr(*V.getAsNumber());
  case llvm::json::Value::String:
    return stringRepr(*V.getAsString());
  case llvm::json::Value::Array: {
    std::string Out = "[";
    bool First = true;
    for (const llvm::json::Value &E : *V.getAsArray()) {
      Out += (First ? "" : ", ") + pythonRepr(E);
      First = false;
    }
    return Out + "]";
  }
  case llvm::json::Value::Object: {
    const llvm::json::Object &O = *V.getAsObject();
    std::vector<llvm::StringRef> Keys;
    for (const auto &KV : O)
      Keys.push_back(KV.first);
    llvm::sort(Keys);
    std::string Out = "{";
    bool First = true;
    for (llvm::StringRef K : Keys) {
      Out += (First ? "" : ", ") + stringRepr(K) + ": " + pythonRepr(*O.get(K));
      First = false;
    }
    return Out + "}";
  }
  }
  return "None";
}

std::string overlord::client::pythonStr(const llvm::json::Value &V) {
  if (auto S = V.getAsString())
    return S->str();
  return pythonRepr(V);
}

std::string overlord::client::fileMode(uint64_t Mode) {
  char Type = '?';
  switch (Mode & 0170000) {
  case 0140000: Type = 's'; break;
  case 0120000: Type = 'l'; break;
  case 0100000: Type = '-'; break;
  case 0060000: Type = 'b'; break;
  case 0040000: Type = 'd'; break;
  case 0020000: Type = 'c'; break;
  case 0010000: Type = 'p'; break;
  default: Type = '-'; break;
  }
  std::string Out(1, Type);
  auto Triple = [&](unsigned Shift, uint64_t Special, char Set, char Unset) {
    Out += (Mode >> (Shift + 2) & 1) ? 'r' : '-';
    Out += (Mode >> (Shift + 1) & 1) ? 'w' : '-';
    bool X = Mode >> Shift & 1;
    if (Mode & Special)
      Out += X ? Set : Unset;
    else
      Out += X ? 'x' : '-';
  };
  Triple(6, 04000, 's', 'S');
  Triple(3, 02000, 's', 'S');
  Triple(0, 01000, 't', 'T');
  return Out;
}

bool overlord::client::isSizeMetric(llvm::StringRef Name) {
  return llvm::is_contained(
      std::initializer_list<llvm::StringRef>{
          "datasize", "stacksize", "coredumpsize", "memoryuse",
          "memorylocked", "vmemoryuse", "swapuse", "shmsize", "readbps",
          "writebps"},
      Name);
}
