//===- Resolve.cpp - PyYAML scalar resolution and !ENV ----------*- C++ -*-===//
//
// The reference reads deployment files with PyYAML's SafeLoader, so plain
// scalars follow its YAML 1.1 implicit resolvers: `yes`/`On` are booleans,
// `0750` is an octal int, `1_000` an int, `1e3` a string (PyYAML's float
// needs a dot), `12:30` a sexagesimal int. The matchers below transcribe
// those regular expressions by hand (no std::regex: this runs on every
// scalar of every file). `!ENV` follows pyaml-env's substitution.
//
//===----------------------------------------------------------------------===//
#include "YamlSource.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <cstring>
#include <optional>

#include <cmath>
#include <cstdlib>
#include <limits>

using namespace overlord;
using namespace overlord::yaml::detail;
using llvm::StringRef;

TagKind yaml::detail::classifyTag(StringRef Tag) {
  if (Tag == "?")
    return TagKind::Implicit;
  if (Tag == "!")
    return TagKind::NonSpecific;
  if (Tag == "!ENV")
    return TagKind::Env;
  if (Tag == "!SECRET")
    return TagKind::Secret;
  if (!Tag.consume_front("tag:yaml.org,2002:"))
    return TagKind::Unknown;
  return llvm::StringSwitch<TagKind>(Tag)
      .Cases("str", "binary", "timestamp", TagKind::Str)
      .Case("int", TagKind::Int)
      .Case("float", TagKind::Float)
      .Case("bool", TagKind::Bool)
      .Case("null", TagKind::Null)
      .Case("map", TagKind::Map)
      .Case("seq", TagKind::Seq)
      .Default(TagKind::Unknown);
}

std::string yaml::detail::displayTag(StringRef Tag) {
  if (Tag.consume_front("tag:yaml.org,2002:"))
    return "!!" + Tag.str();
  return Tag.str();
}

//===----------------------------------------------------------------------===//
// Implicit resolvers
//===----------------------------------------------------------------------===//

static bool isDigitIn(char C, unsigned Base) {
  if (Base <= 10)
    return C >= '0' && C < char('0' + Base);
  return llvm::isHexDigit(C);
}

/// [-+]? then the rest.
static StringRef dropSign(StringRef S) {
  if (!S.empty() && (S[0] == '-' || S[0] == '+'))
    return S.drop_front();
  return S;
}

/// Characters of S all digits of Base or '_', and at least one.
static bool allDigits(StringRef S, unsigned Base) {
  if (S.empty())
    return false;
  for (char C : S)
    if (C != '_' && !isDigitIn(C, Base))
      return false;
  return true;
}

/// (?::[0-5]?[0-9])+ : the sexagesimal tail after the first group.
static bool isSexagesimalTail(StringRef S) {
  if (S.empty())
    return false;
  while (!S.empty()) {
    if (S[0] != ':')
      return false;
    S = S.drop_front();
    size_t N = 0;
    while (N < S.size() && N < 2 && llvm::isDigit(S[N]))
      ++N;
    if (N == 0 || (N == 2 && S[0] > '5'))
      return false;
    S = S.drop_front(N);
  }
  return true;
}

static bool matchesInt(StringRef S) {
  S = dropSign(S);
  if (S.empty())
    return false;
  if (S.startswith("0b"))
    return allDigits(S.drop_front(2), 2);
  if (S.startswith("0x"))
    return allDigits(S.drop_front(2), 16);
  if (S == "0")
    return true;
  if (S[0] == '0')
    return allDigits(S.drop_front(), 8);
  if (S[0] < '1' || S[0] > '9')
    return false;
  size_t Colon = S.find(':');
  if (Colon == StringRef::npos)
    return allDigits(S, 10);
  return allDigits(S.take_front(Colon), 10) &&
         isSexagesimalTail(S.drop_front(Colon));
}

/// (?:[eE][-+][0-9]+)? at the end of S.
static bool optExponent(StringRef S) {
  if (S.empty())
    return true;
  if ((S[0] != 'e' && S[0] != 'E') || S.size() < 3 ||
      (S[1] != '-' && S[1] != '+'))
    return false;
  for (char C : S.drop_front(2))
    if (!llvm::isDigit(C))
      return false;
  return true;
}

/// [0-9_]* then an optional exponent.
static bool fractionAndExponent(StringRef S) {
  size_t I = 0;
  while (I < S.size() && (llvm::isDigit(S[I]) || S[I] == '_'))
    ++I;
  return optExponent(S.drop_front(I));
}

static bool matchesFloat(StringRef S) {
  if (S == ".nan" || S == ".NaN" || S == ".NAN")
    return true;
  if (S.size() > 1 && S[0] == '.' && llvm::isDigit(S[1]))
    return fractionAndExponent(S.drop_front(2));
  S = dropSign(S);
  if (S == ".inf" || S == ".Inf" || S == ".INF")
    return true;
  if (S.empty() || !llvm::isDigit(S[0]))
    return false;
  size_t Dot = S.find('.');
  if (Dot == StringRef::npos)
    return false;
  StringRef Head = S.take_front(Dot), Tail = S.drop_front(Dot + 1);
  size_t Colon = Head.find(':');
  if (Colon != StringRef::npos) {
    for (char C : Tail)
      if (!llvm::isDigit(C) && C != '_')
        return false;
    return allDigits(Head.take_front(Colon), 10) &&
           isSexagesimalTail(Head.drop_front(Colon));
  }
  return allDigits(Head, 10) && fractionAndExponent(Tail);
}

static int boolValue(StringRef S) {
  return llvm::StringSwitch<int>(S)
      .Cases("yes", "Yes", "YES", "true", "True", "TRUE", 1)
      .Cases("on", "On", "ON", 1)
      .Cases("no", "No", "NO", "false", "False", "FALSE", 0)
      .Cases("off", "Off", "OFF", 0)
      .Default(-1);
}

//===----------------------------------------------------------------------===//
// Constructors (PyYAML construct_yaml_int / _float / _bool)
//===----------------------------------------------------------------------===//

/// Accumulates digits of Base into Acc; false on overflow or a non-digit.
static bool accumulate(StringRef Digits, unsigned Base, uint64_t &Acc) {
  if (Digits.empty())
    return false;
  for (char C : Digits) {
    if (!isDigitIn(C, Base))
      return false;
    unsigned D = llvm::hexDigitValue(C);
    if (Acc > (std::numeric_limits<uint64_t>::max() - D) / Base)
      return false;
    Acc = Acc * Base + D;
  }
  return true;
}

static ResolveStatus constructInt(StringRef Text, int64_t &Out) {
  std::string S;
  S.reserve(Text.size());
  for (char C : Text)
    if (C != '_')
      S += C;
  StringRef V = S;
  bool Neg = V.startswith("-");
  V = dropSign(V);
  uint64_t Acc = 0;
  bool Ok;
  if (V.startswith("0b"))
    Ok = accumulate(V.drop_front(2), 2, Acc);
  else if (V.startswith("0x"))
    Ok = accumulate(V.drop_front(2), 16, Acc);
  else if (V.size() > 1 && V[0] == '0' && V.find(':') == StringRef::npos)
    Ok = accumulate(V.drop_front(), 8, Acc);
  else if (V.find(':') != StringRef::npos) {
    llvm::SmallVector<StringRef, 4> Parts;
    V.split(Parts, ':');
    Ok = true;
    for (StringRef P : Parts) {
      uint64_t D = 0;
      Ok &= accumulate(P, 10, D);
      Ok &= Acc <= (std::numeric_limits<uint64_t>::max() - D) / 60;
      if (!Ok)
        break;
      Acc = Acc * 60 + D;
    }
  } else
    Ok = accumulate(V, 10, Acc);
  if (!Ok)
    return matchesInt(Text) ? ResolveStatus::Overflow : ResolveStatus::Mismatch;
  uint64_t Limit =
      uint64_t(std::numeric_limits<int64_t>::max()) + (Neg ? 1 : 0);
  if (Acc > Limit)
    return ResolveStatus::Overflow;
  Out = Neg ? int64_t(0 - Acc) : int64_t(Acc);
  return ResolveStatus::Ok;
}

static ResolveStatus constructFloat(StringRef Text, double &Out) {
  std::string S;
  for (char C : Text)
    if (C != '_')
      S += llvm::toLower(C);
  StringRef V = S;
  double Sign = V.startswith("-") ? -1 : 1;
  V = dropSign(V);
  if (V == ".inf") {
    Out = Sign * std::numeric_limits<double>::infinity();
  } else if (V == ".nan") {
    Out = std::numeric_limits<double>::quiet_NaN();
  } else if (V.find(':') != StringRef::npos) {
    llvm::SmallVector<StringRef, 4> Parts;
    V.split(Parts, ':');
    double Acc = 0;
    for (StringRef P : Parts) {
      double D;
      if (P.getAsDouble(D))
        return ResolveStatus::Mismatch;
      Acc = Acc * 60 + D;
    }
    Out = Sign * Acc;
  } else {
    std::string Body = V.str();
    char *End = nullptr;
    double D = std::strtod(Body.c_str(), &End);
    if (Body.empty() || End != Body.c_str() + Body.size() ||
        Body.find_first_of("xXpP") != std::string::npos)
      return ResolveStatus::Mismatch;
    Out = Sign * D;
  }
  return ResolveStatus::Ok;
}

ResolveStatus yaml::detail::resolveAs(ast::Value &V, TagKind K) {
  switch (K) {
  case TagKind::Null:
    V.Kind = ast::ValueKind::Null;
    return ResolveStatus::Ok;
  case TagKind::Bool: {
    std::string Lower = StringRef(V.Text).trim().lower();
    int B = boolValue(Lower);
    if (B < 0)
      return ResolveStatus::Mismatch;
    V.Kind = ast::ValueKind::Bool;
    V.BoolVal = B;
    return ResolveStatus::Ok;
  }
  case TagKind::Int: {
    ResolveStatus St = constructInt(StringRef(V.Text).trim(), V.IntVal);
    if (St == ResolveStatus::Ok)
      V.Kind = ast::ValueKind::Int;
    return St;
  }
  case TagKind::Float: {
    ResolveStatus St = constructFloat(StringRef(V.Text).trim(), V.FloatVal);
    if (St == ResolveStatus::Ok)
      V.Kind = ast::ValueKind::Float;
    return St;
  }
  default:
    V.Kind = ast::ValueKind::String;
    return ResolveStatus::Ok;
  }
}

ResolveStatus yaml::detail::resolvePlain(ast::Value &V) {
  StringRef S = V.Text;
  if (S.empty() || S == "~" || S == "null" || S == "Null" || S == "NULL")
    return resolveAs(V, TagKind::Null);
  char C = S[0];
  if (std::strchr("yYnNtTfFoO", C) && boolValue(S) >= 0)
    return resolveAs(V, TagKind::Bool);
  if (std::strchr("-+0123456789.", C)) {
    if (matchesFloat(S))
      return resolveAs(V, TagKind::Float);
    if (matchesInt(S))
      return resolveAs(V, TagKind::Int);
  }
  V.Kind = ast::ValueKind::String;
  return ResolveStatus::Ok;
}

//===----------------------------------------------------------------------===//
// !ENV (pyaml-env)
//===----------------------------------------------------------------------===//

namespace {
/// One `${NAME}` or `${NAME:default}` occurrence.
struct EnvRef {
  std::string Whole; ///< NAME or NAME:default, as written between braces
  std::string Name;
  std::string Default;
  bool HasDefault;
};
} // namespace

/// pyaml-env's pattern: \$\{([^}{:]+)(:[^}]+)?\}, found left to right.
static std::vector<EnvRef> findEnvRefs(StringRef T) {
  std::vector<EnvRef> Refs;
  size_t I = 0;
  while ((I = T.find("${", I)) != StringRef::npos) {
    size_t J = I + 2;
    while (J < T.size() && T[J] != '}' && T[J] != '{' && T[J] != ':')
      ++J;
    if (J == I + 2 || J == T.size() || T[J] == '{') {
      I += 1;
      continue;
    }
    EnvRef R{"", T.slice(I + 2, J).str(), "", false};
    size_t K = J;
    if (T[J] == ':') {
      K = T.find('}', J);
      if (K == StringRef::npos || K == J + 1) {
        I += 1;
        continue;
      }
      R.Default = T.slice(J + 1, K).str();
      R.HasDefault = true;
    }
    R.Whole = T.slice(I + 2, K).str();
    Refs.push_back(std::move(R));
    I = K + 1;
  }
  return Refs;
}

static void replaceAll(std::string &S, StringRef From, StringRef To) {
  size_t I = 0;
  while ((I = S.find(From.data(), I, From.size())) != std::string::npos) {
    S.replace(I, From.size(), To.data(), To.size());
    I += To.size();
  }
}

std::string yaml::detail::expandEnv(StringRef Text, const Environment *Env,
                                    llvm::SmallVectorImpl<std::string> &Unset) {
  std::string Out = Text.str();
  for (const EnvRef &R : findEnvRefs(Text)) {
    std::optional<std::string> Val;
    if (Env)
      Val = Env->lookup(R.Name);
    if (!Val && !R.HasDefault)
      Unset.push_back(R.Name);
    replaceAll(Out, "${" + R.Whole + "}", Val ? *Val : R.Default);
  }
  return Out;
}

TagKind yaml::detail::splitEnvTypeTag(std::string &Text) {
  StringRef T = Text;
  size_t At = T.find("tag:yaml.org,2002:");
  if (At == StringRef::npos)
    return TagKind::Str;
  size_t I = At + 18, J = I;
  while (J < T.size() && (llvm::isAlnum(T[J]) || T[J] == '_'))
    ++J;
  if (J == I || J == T.size() || !llvm::isSpace(T[J]))
    return TagKind::Str;
  TagKind K = classifyTag(T.slice(At, J));
  if (K == TagKind::Unknown || K == TagKind::Map || K == TagKind::Seq)
    return TagKind::Str;
  Text.erase(At, J + 1 - At);
  return K;
}
