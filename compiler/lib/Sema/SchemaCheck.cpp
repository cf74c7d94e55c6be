//===- SchemaCheck.cpp - Schema-checking toolkit for Sema -------*- C++ -*-===//
//
// The helpers behind every overlord-spec(5) check: types, keys, required
// keys, regexes, emptiness, int ranges and enumerations, each reporting one
// diagnostic at the narrowest range and returning false so the caller skips
// the subtree.
//
//===----------------------------------------------------------------------===//
#include "SchemaCheck.h"

#include "overlord/AST/KeyCheck.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Regex.h"

#include <memory>

using namespace overlord;
using namespace overlord::sema;
using ast::Value;
using ast::ValueKind;

//===----------------------------------------------------------------------===//
// Paths and lookups
//===----------------------------------------------------------------------===//

std::string SchemaChecker::join(llvm::StringRef Path, llvm::StringRef Key) {
  if (Path.empty())
    return Key.str();
  return (Path + "." + Key).str();
}

const Value *SchemaChecker::lookup(const Value &Map, llvm::StringRef Key) {
  if (!Map.isMap())
    return nullptr;
  const Value *V = Map.get(Key);
  return isAbsent(V) ? nullptr : V;
}

llvm::SMRange SchemaChecker::keyRange(const Value &Map, llvm::StringRef Key) {
  if (const ast::MapEntry *E = Map.isMap() ? Map.getEntry(Key) : nullptr)
    if (E->Key)
      return E->Key->Range;
  return Map.Range;
}

llvm::StringRef SchemaChecker::kindNoun(ValueKind K) {
  return ast::kindNoun(K);
}

/// The "in 'path'" part of messages, empty at the top level.
static std::string inPath(llvm::StringRef Path) {
  return Path.empty() ? std::string() : " in '" + Path.str() + "'";
}

/// The source text of a range, for fix-its.
static llvm::StringRef sourceText(llvm::SMRange R) {
  if (!R.isValid() || R.End.getPointer() < R.Start.getPointer())
    return "";
  return llvm::StringRef(R.Start.getPointer(),
                         R.End.getPointer() - R.Start.getPointer());
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

bool SchemaChecker::expect(const Value &V, ValueKind K, llvm::StringRef Path) {
  if (V.Kind == K)
    return true;
  if (K == ValueKind::String && V.isScalar() && !V.isNull()) {
    auto B = Diags.emit(V.Range, diag::ScalarNotString, Path.str(),
                        kindNoun(V.Kind).str());
    llvm::StringRef Src = sourceText(V.Range);
    if (V.Style == ast::ScalarStyle::Plain && !Src.empty() &&
        !Src.contains('\n')) {
      char Q = Src.contains('\'') ? '"' : '\'';
      B.fixit(V.Range, (llvm::Twine(Q) + Src + llvm::Twine(Q)).str());
    }
    return false;
  }
  Diags.emit(V.Range, diag::TypeMismatch, Path.str(), kindNoun(K).str(),
             kindNoun(V.Kind).str());
  return false;
}

bool SchemaChecker::expectOneOf(const Value &V, llvm::ArrayRef<ValueKind> Kinds,
                                llvm::StringRef Path) {
  std::string Want;
  for (size_t I = 0; I < Kinds.size(); ++I) {
    if (V.Kind == Kinds[I])
      return true;
    if (I)
      Want += I + 1 == Kinds.size() ? " or " : ", ";
    Want += kindNoun(Kinds[I]).str();
  }
  Diags.emit(V.Range, diag::TypeMismatch, Path.str(), Want,
             kindNoun(V.Kind).str());
  return false;
}

//===----------------------------------------------------------------------===//
// Keys
//===----------------------------------------------------------------------===//

bool SchemaChecker::checkKeys(const Value &Map,
                              llvm::ArrayRef<llvm::StringRef> Allowed,
                              llvm::StringRef Path) {
  return ast::checkAllowedKeys(Map, Allowed, Path, "the deployment", Diags);
}

const Value *SchemaChecker::require(const Value &Map, llvm::StringRef Key,
                                    llvm::StringRef Path, llvm::SMRange Where) {
  if (const Value *V = lookup(Map, Key))
    return V;
  if (Path.empty() && isMisnested(Key))
    return nullptr;
  auto B = Diags.emit(Where, diag::MissingKey, Key.str(), inPath(Path));
  // A key written with a null value: point at it.
  if (Map.isMap() && Map.getEntry(Key))
    B.note(keyRange(Map, Key), diag::NoteKeyHere, join(Path, Key));
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Typed fields
//===----------------------------------------------------------------------===//

bool SchemaChecker::getString(const Value &Map, llvm::StringRef Key,
                              llvm::StringRef Path,
                              std::optional<std::string> &Out) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return true;
  if (!expectString(*V, join(Path, Key)))
    return false;
  Out = V->Text;
  return true;
}

bool SchemaChecker::getString(const Value &Map, llvm::StringRef Key,
                              llvm::StringRef Path, std::string &Out) {
  std::optional<std::string> S;
  if (!getString(Map, Key, Path, S))
    return false;
  if (S)
    Out = std::move(*S);
  return true;
}

bool SchemaChecker::getInt(const Value &Map, llvm::StringRef Key,
                           llvm::StringRef Path, std::optional<int64_t> &Out) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return true;
  if (!expectInt(*V, join(Path, Key)))
    return false;
  Out = V->IntVal;
  return true;
}

bool SchemaChecker::getInt(const Value &Map, llvm::StringRef Key,
                           llvm::StringRef Path, int64_t &Out) {
  std::optional<int64_t> I;
  if (!getInt(Map, Key, Path, I))
    return false;
  if (I)
    Out = *I;
  return true;
}

bool SchemaChecker::getBool(const Value &Map, llvm::StringRef Key,
                            llvm::StringRef Path, bool &Out) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return true;
  if (!expectBool(*V, join(Path, Key)))
    return false;
  Out = V->BoolVal;
  return true;
}

bool SchemaChecker::getStringList(const Value &Map, llvm::StringRef Key,
                                  llvm::StringRef Path,
                                  std::vector<std::string> &Out,
                                  bool NonEmpty) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return true;
  return stringList(*V, join(Path, Key), Out, NonEmpty);
}

bool SchemaChecker::getStringMap(const Value &Map, llvm::StringRef Key,
                                 llvm::StringRef Path, StringPairs &Out) {
  const Value *V = lookup(Map, Key);
  if (!V)
    return true;
  return stringMap(*V, join(Path, Key), Out);
}

bool SchemaChecker::stringList(const Value &V, llvm::StringRef Path,
                               std::vector<std::string> &Out, bool NonEmpty) {
  if (!expectList(V, Path))
    return false;
  if (NonEmpty && !checkNonEmpty(V, Path))
    return false;
  bool Ok = true;
  for (size_t I = 0; I < V.Items.size(); ++I) {
    const Value *Item = V.Items[I];
    if (!Item ||
        !expectString(*Item, (Path + "[" + llvm::Twine(I) + "]").str())) {
      Ok = false;
      continue;
    }
    Out.push_back(Item->Text);
  }
  return Ok;
}

bool SchemaChecker::stringMap(const Value &V, llvm::StringRef Path,
                              StringPairs &Out) {
  if (!expectMap(V, Path))
    return false;
  bool Ok = true;
  for (const ast::MapEntry &E : V.Entries) {
    if (!E.Key || !E.Key->isString()) {
      if (E.Key)
        Diags.emit(E.Key->Range, diag::NonStringKey, Path.str(),
                   kindNoun(E.Key->Kind).str());
      Ok = false;
      continue;
    }
    // A null value is a missing string here: the reference asserts str.
    if (!E.Val || !expectString(*E.Val, join(Path, E.Key->Text))) {
      Ok = false;
      continue;
    }
    Out.emplace_back(E.Key->Text, E.Val->Text);
  }
  return Ok;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

/// The compiled form of a pattern, compiled once per thread: compiling was
/// 4% of `check` (bench/README.md) and `check` runs files on several threads.
static const llvm::Regex &compiled(llvm::StringRef Pattern) {
  thread_local llvm::StringMap<std::unique_ptr<llvm::Regex>> Cache;
  std::unique_ptr<llvm::Regex> &R = Cache[Pattern];
  if (!R)
    R = std::make_unique<llvm::Regex>(Pattern);
  return *R;
}

bool SchemaChecker::matches(llvm::StringRef Text, llvm::StringRef Regex) {
  const llvm::Regex &R = compiled(Regex);
  llvm::SmallVector<llvm::StringRef, 2> M;
  // Patterns are anchored; the length check guards against a '$' that
  // matched before a trailing newline.
  return R.match(Text, &M) && !M.empty() && M[0].size() == Text.size();
}

bool SchemaChecker::checkPattern(llvm::StringRef Text, llvm::SMRange Range,
                                 llvm::StringRef Regex, llvm::StringRef What) {
  if (matches(Text, Regex))
    return true;
  Diags.emit(Range, diag::PatternMismatch, What.str(), Text.str(), Regex.str());
  return false;
}

bool SchemaChecker::checkNonEmpty(const Value &V, llvm::StringRef Path) {
  if (V.isList() && V.Items.empty()) {
    Diags.emit(V.Range, diag::EmptyValue, Path.str(), std::string("item"));
    return false;
  }
  if (V.isMap() && V.Entries.empty()) {
    Diags.emit(V.Range, diag::EmptyValue, Path.str(), std::string("key"));
    return false;
  }
  return true;
}

bool SchemaChecker::checkIntRange(const Value &V, llvm::StringRef Path,
                                  int64_t Min, std::optional<int64_t> Max) {
  if (V.IntVal >= Min && (!Max || V.IntVal <= *Max))
    return true;
  std::string Want;
  if (Max)
    Want = "between " + std::to_string(Min) + " and " + std::to_string(*Max);
  else if (Min == 1)
    Want = "greater than 0";
  else
    Want = "at least " + std::to_string(Min);
  Diags.emit(V.Range, diag::IntOutOfRange, Path.str(), V.IntVal, Want);
  return false;
}

std::string SchemaChecker::quoteList(llvm::ArrayRef<llvm::StringRef> Items) {
  std::string Out;
  for (size_t I = 0; I < Items.size(); ++I) {
    if (I)
      Out += I + 1 == Items.size() ? " or " : ", ";
    Out += "'" + Items[I].str() + "'";
  }
  return Out;
}

bool SchemaChecker::checkOneOf(const Value &V,
                               llvm::ArrayRef<llvm::StringRef> Values,
                               llvm::StringRef What) {
  if (V.isString() && llvm::is_contained(Values, llvm::StringRef(V.Text)))
    return true;
  std::string Text = V.isString() ? V.Text : V.asPythonString();
  std::string Best = suggestClosest(Text, Values);
  std::string Hint =
      Best.empty() ? "; expected " + quoteList(Values) : didYouMean(Best);
  auto B = Diags.emit(V.Range, diag::UnknownValue, What.str(), Text, Hint);
  if (!Best.empty() && V.Style == ast::ScalarStyle::Plain)
    B.fixit(V.Range, Best);
  return false;
}
