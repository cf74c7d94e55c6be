//===- ConfigReader.cpp - Typed reads of overlord.yml values ----*- C++ -*-===//
//
// See ConfigReader.h. Every getter leaves its output untouched on error, so
// one wrong value never cascades into follow-on errors.
//
//===----------------------------------------------------------------------===//
#include "ConfigReader.h"

#include "overlord/AST/KeyCheck.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <cstdio>

using namespace overlord;
using namespace overlord::engine::detail;
using ast::Value;
using ast::ValueKind;


std::string ConfigReader::join(llvm::StringRef Parent, llvm::StringRef Key) {
  return Parent.empty() ? Key.str() : (Parent + "." + Key).str();
}

bool ConfigReader::checkKeys(const Value &Map,
                             llvm::ArrayRef<llvm::StringRef> Allowed,
                             llvm::StringRef Path) {
  return ast::checkAllowedKeys(Map, Allowed, Path, "overlord.yml", Diags);
}

const Value *ConfigReader::lookup(const Value &Map, llvm::StringRef Key) const {
  const Value *V = Map.isMap() ? Map.get(Key) : nullptr;
  return V && !V->isNull() ? V : nullptr;
}

llvm::SMRange ConfigReader::keyRange(const Value &Map, llvm::StringRef Key) {
  if (const ast::MapEntry *E = Map.getEntry(Key))
    if (E->Key)
      return E->Key->Range;
  return Map.Range;
}

void ConfigReader::typeMismatch(const Value &V, llvm::StringRef Path,
                                llvm::StringRef Want) {
  Diags.emit(V.Range, diag::TypeMismatch, Path.str(), Want.str(),
             kindNoun(V.Kind).str());
}

bool ConfigReader::expectMap(const Value &V, llvm::StringRef Path) {
  if (V.isMap())
    return true;
  typeMismatch(V, Path, "a map");
  return false;
}

const Value *ConfigReader::getMap(const Value &Map, llvm::StringRef Key,
                                  llvm::StringRef Path) {
  const Value *V = lookup(Map, Key);
  if (!V || !expectMap(*V, join(Path, Key)))
    return nullptr;
  return V;
}

/// Human range text for IntOutOfRange: "at least 1", "from 1 to 65535".
static std::string rangeText(int64_t Min, int64_t Max) {
  if (Max == INT64_MAX)
    return Min == 0 ? "0 or more" : "at least " + std::to_string(Min);
  return "from " + std::to_string(Min) + " to " + std::to_string(Max);
}

void ConfigReader::getInt(const Value &Map, llvm::StringRef Key,
                          llvm::StringRef Path, int64_t &Out, int64_t Min,
                          int64_t Max) {
  std::optional<int64_t> V;
  getOptInt(Map, Key, Path, V, Min, Max);
  if (V)
    Out = *V;
}

void ConfigReader::getOptInt(const Value &Map, llvm::StringRef Key,
                             llvm::StringRef Path, std::optional<int64_t> &Out,
                             int64_t Min, int64_t Max) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return;
  std::string P = join(Path, Key);
  // Python's bool is an int; a config that says `port: yes` is a mistake.
  if (!V->isInt()) {
    typeMismatch(*V, P, "an integer");
    return;
  }
  if (V->IntVal < Min || V->IntVal > Max) {
    Diags.emit(V->Range, diag::IntOutOfRange, P, V->IntVal,
               rangeText(Min, Max));
    return;
  }
  Out = V->IntVal;
}

/// A number as Python prints it for short values: 1.5, 0.2, 3.
static std::string numberText(double D) {
  char Buf[32];
  std::snprintf(Buf, sizeof(Buf), "%g", D);
  return Buf;
}

void ConfigReader::getNumber(const Value &Map, llvm::StringRef Key,
                             llvm::StringRef Path, double &Out, double Min,
                             double Max) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return;
  std::string P = join(Path, Key);
  double D;
  if (V->isInt())
    D = (double)V->IntVal;
  else if (V->Kind == ValueKind::Float)
    D = V->FloatVal;
  else {
    typeMismatch(*V, P, "a number");
    return;
  }
  if (!std::isfinite(D) || D < Min || D > Max) {
    std::string R = std::isinf(Max)
                        ? "at least " + numberText(Min)
                        : "from " + numberText(Min) + " to " + numberText(Max);
    Diags.emit(V->Range, diag::ConfigNumberOutOfRange, P, numberText(D), R);
    return;
  }
  Out = D;
}

void ConfigReader::getBool(const Value &Map, llvm::StringRef Key,
                           llvm::StringRef Path, bool &Out) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return;
  if (!V->isBool()) {
    typeMismatch(*V, join(Path, Key), "a boolean");
    return;
  }
  Out = V->BoolVal;
}

void ConfigReader::getString(const Value &Map, llvm::StringRef Key,
                             llvm::StringRef Path, std::string &Out) {
  std::optional<std::string> S;
  getOptString(Map, Key, Path, S);
  if (S)
    Out = *S;
}

void ConfigReader::getOptString(const Value &Map, llvm::StringRef Key,
                                llvm::StringRef Path,
                                std::optional<std::string> &Out) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return;
  if (!V->isString()) {
    std::string P = join(Path, Key);
    if (V->isScalar())
      Diags.emit(V->Range, diag::ScalarNotString, P, kindNoun(V->Kind).str());
    else
      typeMismatch(*V, P, "a string");
    return;
  }
  Out = V->Text;
}

bool ConfigReader::getStringList(const Value &Map, llvm::StringRef Key,
                                 llvm::StringRef Path,
                                 std::vector<std::string> &Out) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return true;
  std::string P = join(Path, Key);
  if (!V->isList()) {
    typeMismatch(*V, P, "a list of strings");
    return false;
  }
  std::vector<std::string> Items;
  bool Ok = true;
  for (const Value *I : V->Items) {
    if (I && I->isString()) {
      Items.push_back(I->Text);
      continue;
    }
    if (I)
      typeMismatch(*I, P + " item", "a string");
    Ok = false;
  }
  if (Ok)
    Out = std::move(Items);
  return Ok;
}
