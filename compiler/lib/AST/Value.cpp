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
