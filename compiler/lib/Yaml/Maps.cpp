//===- Maps.cpp - Mapping keys: duplicates and merges -----------*- C++ -*-===//
//
// yaml-cpp keeps both entries of a duplicated key and its lookup returns the
// first; PyYAML keeps the last. Either way the file does not mean what its
// author thinks, so a duplicate is an error (with a note at the first
// definition) and the first entry is kept. The merge key `<<` follows
// PyYAML's SafeLoader: its mappings are merged in, keys written in the map
// itself win, and among merged mappings the first one listed wins.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"

using namespace overlord;
using namespace overlord::yaml::detail;

/// A string identifying a key's constructed value, as Python's dict would
/// compare it (`1` and `0x1` are the same key; `'1'` is another).
static std::string keyIdentity(const ast::Value &K) {
  switch (K.Kind) {
  case ast::ValueKind::Int:
    return "i" + std::to_string(K.IntVal);
  case ast::ValueKind::Bool:
    return K.BoolVal ? "b1" : "b0";
  case ast::ValueKind::Null:
    return "n";
  case ast::ValueKind::Float:
    return "f" + std::to_string(K.FloatVal);
  default:
    return "s" + K.Text;
  }
}

static bool sameKey(const ast::Value &A, const ast::Value &B) {
  if (A.Kind != B.Kind)
    return false;
  switch (A.Kind) {
  case ast::ValueKind::Int:
    return A.IntVal == B.IntVal;
  case ast::ValueKind::Bool:
    return A.BoolVal == B.BoolVal;
  case ast::ValueKind::Null:
    return true;
  case ast::ValueKind::Float:
    return A.FloatVal == B.FloatVal;
  default:
    return A.Text == B.Text;
  }
}

/// Maps with more entries than this index their keys in a hash table.
static constexpr size_t LinearKeyLimit = 16;

const ast::Value *Builder::findKey(Frame &F, const ast::Value *Key) {
  std::vector<ast::MapEntry> &Entries = F.V->Entries;
  if (Entries.size() <= LinearKeyLimit) {
    for (const ast::MapEntry &E : Entries)
      if (sameKey(*E.Key, *Key))
        return E.Key;
    return nullptr;
  }
  if (!F.KeyIndex) {
    F.KeyIndex = std::make_unique<llvm::StringMap<const ast::Value *>>();
    for (const ast::MapEntry &E : Entries)
      F.KeyIndex->try_emplace(keyIdentity(*E.Key), E.Key);
  }
  auto It = F.KeyIndex->find(keyIdentity(*Key));
  return It == F.KeyIndex->end() ? nullptr : It->second;
}

static bool isMergeKey(const ast::Value &K) {
  return K.Style == ast::ScalarStyle::Plain && K.Tag.empty() && K.Text == "<<";
}

void Builder::addToMap(Frame &F, const ast::Value *Key, const ast::Value *Val) {
  if (isMergeKey(*Key)) {
    addMerge(F, Val);
    return;
  }
  if (const ast::Value *Prev = findKey(F, Key)) {
    std::string Name = Key->isString() ? Key->Text : Key->asPythonString();
    Diags.emit(Key->Range, diag::DuplicateKey, Name)
        .note(Prev->Range, diag::PreviousKeyHere, Name);
    return;
  }
  F.V->Entries.push_back({Key, Val});
  if (F.KeyIndex)
    F.KeyIndex->try_emplace(keyIdentity(*Key), Key);
}

void Builder::addMerge(Frame &F, const ast::Value *Val) {
  if (Val->isMap()) {
    F.Merges.push_back(Val);
    return;
  }
  if (Val->isList()) {
    for (const ast::Value *Item : Val->Items) {
      if (Item->isMap()) {
        F.Merges.push_back(Item);
        continue;
      }
      Diags.emit(Item->Range, diag::MergeNotMap, Item->typeName().str());
    }
    return;
  }
  Diags.emit(Val->Range, diag::MergeNotMap, Val->typeName().str());
}

void Builder::applyMerges(Frame &F) {
  for (const ast::Value *M : F.Merges)
    for (const ast::MapEntry &E : M->Entries)
      if (!findKey(F, E.Key)) {
        F.V->Entries.push_back(E);
        if (F.KeyIndex)
          F.KeyIndex->try_emplace(keyIdentity(*E.Key), E.Key);
      }
}
