//===- ApiJson.cpp - Python-compatible JSON values for the API --*- C++ -*-===//
//
// Python's str/repr/bool/dict/list over llvm::json values, and json.dumps
// output, as the reference tornado server produces it (see ApiJson.h).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/ApiJson.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine::api {

static bool isFloat(const Value &V) {
  // llvm::json keeps integers written without fraction/exponent as int64 or
  // uint64; getAsInteger() also accepts integral doubles, which is the
  // documented gap.
  return V.kind() == Value::Number && !V.getAsInteger() && !V.getAsUINT64();
}

llvm::StringRef pyTypeName(const Value &V) {
  switch (V.kind()) {
  case Value::Null:
    return "NoneType";
  case Value::Boolean:
    return "bool";
  case Value::Number:
    return isFloat(V) ? "float" : "int";
  case Value::String:
    return "str";
  case Value::Array:
    return "list";
  case Value::Object:
    return "dict";
  }
  return "object";
}

bool pyTruth(const Value &V) {
  switch (V.kind()) {
  case Value::Null:
    return false;
  case Value::Boolean:
    return *V.getAsBoolean();
  case Value::Number:
    if (auto I = V.getAsInteger())
      return *I != 0;
    if (auto U = V.getAsUINT64())
      return *U != 0;
    return *V.getAsNumber() != 0.0;
  case Value::String:
    return !V.getAsString()->empty();
  case Value::Array:
    return !V.getAsArray()->empty();
  case Value::Object:
    return !V.getAsObject()->empty();
  }
  return true;
}

std::string pyFloatRepr(double D) {
  if (std::isnan(D))
    return "nan";
  if (std::isinf(D))
    return D < 0 ? "-inf" : "inf";
  if (D == 0)
    return std::signbit(D) ? "-0.0" : "0.0";
  // Shortest %.Ne that reads back as D.
  char Buf[64];
  for (int P = 0; P < 17; ++P) {
    std::snprintf(Buf, sizeof(Buf), "%.*e", P, D);
    if (std::strtod(Buf, nullptr) == D)
      break;
  }
  llvm::StringRef Text(Buf);
  bool Neg = Text.consume_front("-");
  auto [Mant, ExpText] = Text.split('e');
  int Exp = std::atoi(ExpText.str().c_str());
  std::string Digits;
  for (char C : Mant)
    if (C != '.')
      Digits += C;
  while (Digits.size() > 1 && Digits.back() == '0')
    Digits.pop_back();
  std::string Out = Neg ? "-" : "";
  if (Exp >= -4 && Exp < 16) {
    if (Exp >= 0) {
      std::string Int = Digits.substr(0, std::min<size_t>(Digits.size(), Exp + 1));
      Int.append(Exp + 1 - Int.size(), '0');
      std::string Frac = Digits.size() > size_t(Exp + 1) ? Digits.substr(Exp + 1) : "0";
      Out += Int + "." + Frac;
    } else {
      Out += "0." + std::string(-Exp - 1, '0') + Digits;
    }
    return Out;
  }
  Out += Digits.substr(0, 1);
  if (Digits.size() > 1)
    Out += "." + Digits.substr(1);
  char E[16];
  std::snprintf(E, sizeof(E), "e%c%02d", Exp < 0 ? '-' : '+', std::abs(Exp));
  return Out + E;
}

/// Decodes one code point at I (advancing I); invalid bytes yield U+FFFD.
static uint32_t nextCodePoint(llvm::StringRef S, size_t &I) {
  const auto *Begin = reinterpret_cast<const llvm::UTF8 *>(S.data() + I);
  const auto *End = reinterpret_cast<const llvm::UTF8 *>(S.data() + S.size());
  llvm::UTF32 CP = 0;
  llvm::UTF32 *Out = &CP;
  const llvm::UTF8 *Src = Begin;
  if (llvm::ConvertUTF8toUTF32(&Src, End, &Out, Out + 1,
                               llvm::strictConversion) == llvm::conversionOK ||
      Src != Begin) {
    I += Src - Begin;
    return CP;
  }
  ++I;
  return 0xFFFD;
}

size_t pyLen(llvm::StringRef Utf8) {
  size_t N = 0;
  for (size_t I = 0; I < Utf8.size();) {
    nextCodePoint(Utf8, I);
    ++N;
  }
  return N;
}

/// Python's str.isprintable() for one code point, approximated: controls,
/// C1 controls, the no-break space, soft hyphen and line/paragraph
/// separators are not printable.
static bool pyPrintable(uint32_t CP) {
  if (CP < 0x20 || CP == 0x7F)
    return false;
  if (CP >= 0x80 && CP <= 0xA0)
    return false;
  return CP != 0xAD && CP != 0x2028 && CP != 0x2029 && CP != 0xFEFF &&
         !(CP >= 0xD800 && CP <= 0xDFFF);
}

static std::string pyStringRepr(llvm::StringRef S) {
  bool HasSingle = S.contains('\''), HasDouble = S.contains('"');
  char Q = HasSingle && !HasDouble ? '"' : '\'';
  std::string Out(1, Q);
  for (size_t I = 0; I < S.size();) {
    size_t Start = I;
    uint32_t CP = nextCodePoint(S, I);
    if (CP == uint32_t(Q) || CP == '\\') {
      Out += '\\';
      Out += char(CP);
    } else if (CP == '\n') {
      Out += "\\n";
    } else if (CP == '\r') {
      Out += "\\r";
    } else if (CP == '\t') {
      Out += "\\t";
    } else if (!pyPrintable(CP)) {
      char Buf[16];
      if (CP < 0x100)
        std::snprintf(Buf, sizeof(Buf), "\\x%02x", CP);
      else if (CP < 0x10000)
        std::snprintf(Buf, sizeof(Buf), "\\u%04x", CP);
      else
        std::snprintf(Buf, sizeof(Buf), "\\U%08x", CP);
      Out += Buf;
    } else {
      Out.append(S.data() + Start, I - Start);
    }
  }
  Out += Q;
  return Out;
}

static std::vector<llvm::StringRef> sortedKeys(const Object &O) {
  std::vector<llvm::StringRef> Keys;
  for (const auto &KV : O)
    Keys.push_back(KV.first);
  llvm::sort(Keys);
  return Keys;
}

static std::string numberRepr(const Value &V) {
  if (auto I = V.getAsInteger())
    return std::to_string(*I);
  if (auto U = V.getAsUINT64())
    return std::to_string(*U);
  return pyFloatRepr(*V.getAsNumber());
}

std::string pyRepr(const Value &V) {
  switch (V.kind()) {
  case Value::Null:
    return "None";
  case Value::Boolean:
    return *V.getAsBoolean() ? "True" : "False";
  case Value::Number:
    return numberRepr(V);
  case Value::String:
    return pyStringRepr(*V.getAsString());
  case Value::Array: {
    std::string Out = "[";
    bool First = true;
    for (const Value &E : *V.getAsArray()) {
      if (!First)
        Out += ", ";
      First = false;
      Out += pyRepr(E);
    }
    return Out + "]";
  }
  case Value::Object: {
    const Object &O = *V.getAsObject();
    std::string Out = "{";
    bool First = true;
    for (llvm::StringRef K : sortedKeys(O)) {
      if (!First)
        Out += ", ";
      First = false;
      Out += pyStringRepr(K) + ": " + pyRepr(*O.get(K));
    }
    return Out + "}";
  }
  }
  return "";
}

std::string pyStr(const Value &V) {
  if (auto S = V.getAsString())
    return S->str();
  return pyRepr(V);
}

/// Python equality between hashable keys; nullopt for an unhashable key.
static std::optional<bool> pyKeyEquals(const Value &A, const Value &B) {
  auto Hashable = [](const Value &V) {
    return V.kind() != Value::Array && V.kind() != Value::Object;
  };
  if (!Hashable(A) || !Hashable(B))
    return std::nullopt;
  auto AsNumber = [](const Value &V) -> std::optional<double> {
    if (auto Bo = V.getAsBoolean())
      return *Bo ? 1.0 : 0.0;
    if (auto I = V.getAsInteger())
      return double(*I);
    if (auto D = V.getAsNumber())
      return *D;
    return std::nullopt;
  };
  auto NA = AsNumber(A), NB = AsNumber(B);
  if (NA && NB)
    return *NA == *NB;
  if (A.kind() != B.kind())
    return false;
  if (A.kind() == Value::Null)
    return true;
  return *A.getAsString() == *B.getAsString();
}

static bool insertPair(PyDict &D, Value K, Value V) {
  for (auto &KV : D) {
    auto Eq = pyKeyEquals(KV.first, K);
    if (!Eq)
      return false;
    if (*Eq) {
      KV.second = std::move(V); // Python keeps the first key object.
      return true;
    }
  }
  if (!pyKeyEquals(K, K))
    return false;
  D.emplace_back(std::move(K), std::move(V));
  return true;
}

/// The elements of an iterable element of dict()'s argument.
static std::optional<std::vector<Value>> iterate(const Value &V) {
  std::vector<Value> Out;
  if (auto S = V.getAsString()) {
    for (size_t I = 0; I < S->size();) {
      size_t Start = I;
      nextCodePoint(*S, I);
      Out.emplace_back(S->substr(Start, I - Start).str());
    }
    return Out;
  }
  if (auto *A = V.getAsArray())
    return std::vector<Value>(A->begin(), A->end());
  if (auto *O = V.getAsObject()) {
    for (llvm::StringRef K : sortedKeys(*O))
      Out.emplace_back(K.str());
    return Out;
  }
  return std::nullopt;
}

std::optional<PyDict> pyDict(const Value &V) {
  PyDict D;
  if (auto *O = V.getAsObject()) {
    for (llvm::StringRef K : sortedKeys(*O))
      D.emplace_back(Value(K.str()), *O->get(K));
    return D;
  }
  if (V.kind() != Value::String && V.kind() != Value::Array)
    return std::nullopt;
  auto Items = iterate(V);
  for (const Value &Item : *Items) {
    auto Pair = iterate(Item);
    if (!Pair || Pair->size() != 2)
      return std::nullopt;
    if (!insertPair(D, (*Pair)[0], (*Pair)[1]))
      return std::nullopt;
  }
  return D;
}

std::optional<Array> pyList(const Value &V) {
  if (V.kind() != Value::String && V.kind() != Value::Array &&
      V.kind() != Value::Object)
    return std::nullopt;
  Array Out;
  std::optional<std::vector<Value>> Items = iterate(V);
  if (!Items)
    return std::nullopt;
  for (Value &E : *Items)
    Out.push_back(std::move(E));
  return Out;
}

static void writeJsonString(llvm::raw_ostream &OS, llvm::StringRef S) {
  OS << '"';
  for (size_t I = 0; I < S.size();) {
    uint32_t CP = nextCodePoint(S, I);
    switch (CP) {
    case '"':
      OS << "\\\"";
      continue;
    case '\\':
      OS << "\\\\";
      continue;
    case '\n':
      OS << "\\n";
      continue;
    case '\r':
      OS << "\\r";
      continue;
    case '\t':
      OS << "\\t";
      continue;
    case '\b':
      OS << "\\b";
      continue;
    case '\f':
      OS << "\\f";
      continue;
    default:
      break;
    }
    if (CP >= 0x20 && CP < 0x7F) {
      OS << char(CP);
    } else if (CP < 0x10000) {
      OS << llvm::format("\\u%04x", CP);
    } else {
      uint32_t C = CP - 0x10000;
      OS << llvm::format("\\u%04x\\u%04x", 0xD800 + (C >> 10),
                         0xDC00 + (C & 0x3FF));
    }
  }
  OS << '"';
}

static void writeJsonNumber(llvm::raw_ostream &OS, const Value &V) {
  if (isFloat(V)) {
    double D = *V.getAsNumber();
    if (std::isnan(D))
      OS << "NaN";
    else if (std::isinf(D))
      OS << (D < 0 ? "-Infinity" : "Infinity");
    else
      OS << pyFloatRepr(D);
    return;
  }
  OS << numberRepr(V);
}

static void writeRaw(llvm::raw_ostream &OS, const Value &V) {
  switch (V.kind()) {
  case Value::Null:
    OS << "null";
    return;
  case Value::Boolean:
    OS << (*V.getAsBoolean() ? "true" : "false");
    return;
  case Value::Number:
    writeJsonNumber(OS, V);
    return;
  case Value::String:
    writeJsonString(OS, *V.getAsString());
    return;
  case Value::Array: {
    OS << '[';
    bool First = true;
    for (const Value &E : *V.getAsArray()) {
      if (!First)
        OS << ", ";
      First = false;
      writeRaw(OS, E);
    }
    OS << ']';
    return;
  }
  case Value::Object: {
    const Object &O = *V.getAsObject();
    OS << '{';
    bool First = true;
    for (llvm::StringRef K : sortedKeys(O)) {
      if (!First)
        OS << ", ";
      First = false;
      writeJsonString(OS, K);
      OS << ": ";
      writeRaw(OS, *O.get(K));
    }
    OS << '}';
    return;
  }
  }
}

/// tornado's json_encode: json.dumps(...).replace("</", "<\\/").
static std::string escapeScriptClose(std::string S) {
  std::string Out;
  Out.reserve(S.size());
  for (size_t I = 0; I < S.size(); ++I) {
    Out += S[I];
    if (S[I] == '<' && I + 1 < S.size() && S[I + 1] == '/')
      Out += '\\';
  }
  return Out;
}

void writePyJson(llvm::raw_ostream &OS, const Value &V) { OS << toPyJson(V); }

std::string toPyJson(const Value &V) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  writeRaw(OS, V);
  return escapeScriptClose(std::move(OS.str()));
}

std::string envelope(unsigned Status, const Fields &F) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << "{\"status_code\": " << Status;
  for (const auto &KV : F) {
    if (KV.first == "status_code")
      continue;
    OS << ", ";
    writeJsonString(OS, KV.first);
    OS << ": ";
    writeRaw(OS, KV.second);
  }
  OS << '}';
  return escapeScriptClose(std::move(OS.str()));
}

std::string messageBody(unsigned Status, llvm::StringRef Message) {
  return envelope(Status, {{"message", Value(Message.str())}});
}

} // namespace overlord::engine::api
