//===- Value.cpp - Located document tree ------------------------*- C++ -*-===//
#include "overlord/AST/Value.h"

#include "llvm/Support/FormatVariadic.h"

using namespace overlord::ast;

llvm::SMLoc TextOrigin::locate(unsigned Line, unsigned Col) const {
  if (Line < LineStarts.size())
    return llvm::SMLoc::getFromPointer(LineStarts[Line] + Col);
  return Start;
}

const MapEntry *Value::getEntry(llvm::StringRef Key) const {
  for (const MapEntry &E : Entries)
    if (E.Key->isScalar() && E.Key->Text == Key)
      return &E;
  return nullptr;
}

const Value *Value::get(llvm::StringRef Key) const {
  const MapEntry *E = getEntry(Key);
  return E ? E->Val : nullptr;
}

llvm::StringRef Value::typeName(ValueKind K) {
  switch (K) {
  case ValueKind::Null:
    return "NoneType";
  case ValueKind::Bool:
    return "bool";
  case ValueKind::Int:
    return "int";
  case ValueKind::Float:
    return "float";
  case ValueKind::String:
    return "str";
  case ValueKind::List:
    return "list";
  case ValueKind::Map:
    return "dict";
  }
  return "str";
}

llvm::StringRef Value::typeName() const { return typeName(Kind); }

std::string Value::asPythonString() const {
  switch (Kind) {
  case ValueKind::Null:
    return "None";
  case ValueKind::Bool:
    return BoolVal ? "True" : "False";
  case ValueKind::Int:
    return std::to_string(IntVal);
  case ValueKind::Float:
    return Text.empty() ? llvm::formatv("{0}", FloatVal).str() : Text;
  case ValueKind::String:
    return Text;
  case ValueKind::List:
  case ValueKind::Map:
    return Text;
  }
  return Text;
}

llvm::StringRef overlord::ast::kindNoun(ValueKind K) {
  switch (K) {
  case ValueKind::Null:
    return "null";
  case ValueKind::Bool:
    return "a boolean";
  case ValueKind::Int:
    return "an integer";
  case ValueKind::Float:
    return "a number";
  case ValueKind::String:
    return "a string";
  case ValueKind::List:
    return "a list";
  case ValueKind::Map:
    return "a map";
  }
  return "a value";
}

llvm::json::Value overlord::ast::toJson(const Value &V) {
  switch (V.Kind) {
  case ValueKind::Null:
    return nullptr;
  case ValueKind::Bool:
    return V.BoolVal;
  case ValueKind::Int:
    return V.IntVal;
  case ValueKind::Float:
    return V.FloatVal;
  case ValueKind::String:
    return V.Text;
  case ValueKind::List: {
    llvm::json::Array A;
    for (const Value *Item : V.Items)
      A.push_back(Item ? toJson(*Item) : llvm::json::Value(nullptr));
    return A;
  }
  case ValueKind::Map: {
    llvm::json::Object O;
    for (const MapEntry &E : V.Entries) {
      if (!E.Key)
        continue;
      std::string Key = E.Key->isString() ? E.Key->Text : E.Key->asPythonString();
      if (!O.get(Key))
        O[Key] = E.Val ? toJson(*E.Val) : llvm::json::Value(nullptr);
    }
    return O;
  }
  }
  return nullptr;
}
