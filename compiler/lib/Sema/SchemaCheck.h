//===- SchemaCheck.h - Schema-checking toolkit for Sema ---------*- C++ -*-===//
//
// READY: this API is stable; the spec checker and the vmJail checker build on
// it. Add to it, do not change what is here.
//
// SchemaChecker is the small toolkit every overlord-spec(5) checker uses to
// look at an ast::Value: expect a type, check the keys of a map against the
// allowed list (unknown key -> error with a "did you mean" fix-it), find a
// required key, check a name against a regex, a list for emptiness, an int
// for its range, a string against a fixed set of values.
//
// Conventions shared by every helper:
//  - Paths are the dotted names used in messages ("datacenters.main.timeout");
//    join() builds them. The top level is the empty path.
//  - YAML null counts as absent, as in the reference (`_validate1` returns
//    None for it), so defaults apply.
//  - A helper that reports an error returns false; the caller then skips the
//    subtree, so one mistake gives one diagnostic.
//  - Helpers never crash on any tree shape.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_SEMA_SCHEMACHECK_H
#define OVERLORD_LIB_SEMA_SCHEMACHECK_H

#include "overlord/AST/Value.h"
#include "overlord/Sema/SpecChecker.h"
#include "overlord/Support/Diagnostics.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace overlord::sema {

/// An ordered string-to-string map as written in the file (`environment`).
using StringPairs = std::vector<std::pair<std::string, std::string>>;

/// Regexes of overlord-spec(5), as full-match patterns.
namespace patterns {
/// Chain / datacenter segment: `^[a-zA-Z0-9_][a-zA-Z0-9_-]*$`.
inline constexpr const char *Chain = "^[a-zA-Z0-9_][a-zA-Z0-9_-]*$";
/// AppJail label: `^[a-z][a-z0-9]*((\.|-)?[a-z][a-z0-9]*)*$`.
inline constexpr const char *Label =
    "^[a-z][a-z0-9]*((\\.|-)?[a-z][a-z0-9]*)*$";
/// Metadata key (overlord.metadata.REGEX_KEY).
inline constexpr const char *MetadataKey =
    "^[a-zA-Z][a-zA-Z0-9]*((\\.|-|_)?[a-zA-Z][a-zA-Z0-9]*)*$";
/// Director project name: `^[a-zA-Z0-9._-]+$`.
inline constexpr const char *ProjectName = "^[a-zA-Z0-9._-]+$";
/// Environment variable name (POSIX).
inline constexpr const char *EnvName = "^[a-zA-Z_][a-zA-Z0-9_]*$";
} // namespace patterns

/// The keys every kind accepts (§2.3); a kind's allowed list starts with
/// these.
inline constexpr llvm::StringRef GlobalKeys[] = {
    "kind", "datacenters", "deployIn", "maximumDeployments"};

/// Checks ast::Value trees against a schema, reporting through Diags.
class SchemaChecker {
public:
  SchemaChecker(DiagnosticEngine &Diags, CheckContext &Ctx)
      : Diags(Diags), Ctx(Ctx) {}

  DiagnosticEngine &diags() { return Diags; }
  CheckContext &context() { return Ctx; }
  /// Errors reported so far (compare before/after to see if a part failed).
  unsigned numErrors() const { return Diags.getNumErrors(); }

  //===--- Paths and lookups ----------------------------------------------===//

  /// "a.b" from ("a", "b"); just Key when Path is empty.
  static std::string join(llvm::StringRef Path, llvm::StringRef Key);
  /// Missing or YAML null: the reference treats both as absent.
  static bool isAbsent(const ast::Value *V) { return !V || V->isNull(); }
  /// The value of Key in Map, or null when absent (also when it is null).
  static const ast::Value *lookup(const ast::Value &Map, llvm::StringRef Key);
  /// The range of Key as written in Map, or Map's range when Key is absent.
  static llvm::SMRange keyRange(const ast::Value &Map, llvm::StringRef Key);
  /// "a map", "a list", "a string", "an integer", "a boolean", ...
  static llvm::StringRef kindNoun(ast::ValueKind K);

  //===--- Types ----------------------------------------------------------===//

  /// Reports TypeMismatch ("'x' must be a map, not a list") unless V is of
  /// kind K. A scalar where a string is wanted gets ScalarNotString with a
  /// fix-it quoting it.
  bool expect(const ast::Value &V, ast::ValueKind K, llvm::StringRef Path);
  bool expectMap(const ast::Value &V, llvm::StringRef Path) {
    return expect(V, ast::ValueKind::Map, Path);
  }
  bool expectList(const ast::Value &V, llvm::StringRef Path) {
    return expect(V, ast::ValueKind::List, Path);
  }
  bool expectString(const ast::Value &V, llvm::StringRef Path) {
    return expect(V, ast::ValueKind::String, Path);
  }
  bool expectInt(const ast::Value &V, llvm::StringRef Path) {
    return expect(V, ast::ValueKind::Int, Path);
  }
  bool expectBool(const ast::Value &V, llvm::StringRef Path) {
    return expect(V, ast::ValueKind::Bool, Path);
  }
  /// Reports TypeMismatch naming the wanted types in words ("a string or a
  /// list") unless V is one of Kinds.
  bool expectOneOf(const ast::Value &V, llvm::ArrayRef<ast::ValueKind> Kinds,
                   llvm::StringRef Path);

  //===--- Keys -----------------------------------------------------------===//

  /// Reports every key of Map not in Allowed (UnknownKey with a did-you-mean
  /// fix-it replacing the key) and every non-string key (NonStringKey).
  /// Returns true when all keys are known.
  bool checkKeys(const ast::Value &Map, llvm::ArrayRef<llvm::StringRef> Allowed,
                 llvm::StringRef Path);
  /// The value of required Key in Map; reports MissingKey at Where (the key
  /// of the parent entry, narrowest) and returns null when absent or null.
  /// A top-level key (empty Path) already reported as mis-nested under a
  /// datacenter is not reported again.
  const ast::Value *require(const ast::Value &Map, llvm::StringRef Key,
                            llvm::StringRef Path, llvm::SMRange Where);

  //===--- Typed fields (absent -> true, Out untouched) -------------------===//

  bool getString(const ast::Value &Map, llvm::StringRef Key,
                 llvm::StringRef Path, std::optional<std::string> &Out);
  bool getString(const ast::Value &Map, llvm::StringRef Key,
                 llvm::StringRef Path, std::string &Out);
  bool getInt(const ast::Value &Map, llvm::StringRef Key, llvm::StringRef Path,
              std::optional<int64_t> &Out);
  bool getInt(const ast::Value &Map, llvm::StringRef Key, llvm::StringRef Path,
              int64_t &Out);
  bool getBool(const ast::Value &Map, llvm::StringRef Key, llvm::StringRef Path,
               bool &Out);
  /// A list of strings; NonEmpty reports EmptyValue for `[]`.
  bool getStringList(const ast::Value &Map, llvm::StringRef Key,
                     llvm::StringRef Path, std::vector<std::string> &Out,
                     bool NonEmpty = false);
  /// A dict[str, str] (values must be strings, as the reference asserts).
  bool getStringMap(const ast::Value &Map, llvm::StringRef Key,
                    llvm::StringRef Path, StringPairs &Out);

  //===--- Whole values (V already known present) -------------------------===//

  /// V as a list of strings (each item type-checked).
  bool stringList(const ast::Value &V, llvm::StringRef Path,
                  std::vector<std::string> &Out, bool NonEmpty = false);
  /// V as a dict[str, str].
  bool stringMap(const ast::Value &V, llvm::StringRef Path, StringPairs &Out);

  //===--- Values ---------------------------------------------------------===//

  /// Reports PatternMismatch ("label 'Web' does not match '^[a-z]...$'")
  /// unless Text full-matches Regex. What names the thing ("label").
  bool checkPattern(llvm::StringRef Text, llvm::SMRange Range,
                    llvm::StringRef Regex, llvm::StringRef What);
  /// True when Text full-matches Regex (no diagnostic).
  static bool matches(llvm::StringRef Text, llvm::StringRef Regex);
  /// Reports EmptyValue for an empty list or map.
  bool checkNonEmpty(const ast::Value &V, llvm::StringRef Path);
  /// Reports IntOutOfRange unless Min <= V (<= Max). V must be an int.
  bool checkIntRange(const ast::Value &V, llvm::StringRef Path, int64_t Min,
                     std::optional<int64_t> Max = std::nullopt);
  /// Reports UnknownValue (with did-you-mean fix-it, or the list of accepted
  /// values) unless the string V is one of Values. What is the noun
  /// ("kind", "autoScale type").
  bool checkOneOf(const ast::Value &V, llvm::ArrayRef<llvm::StringRef> Values,
                  llvm::StringRef What);

  //===--- Mis-nested top-level keys --------------------------------------===//

  /// Records that top-level Key was found indented under a datacenter (and
  /// reported there), so its absence at the top level is not reported.
  void markMisnested(llvm::StringRef Key) { Misnested.push_back(Key.str()); }
  /// True when top-level Key was reported as mis-nested.
  bool isMisnested(llvm::StringRef Key) const {
    return llvm::is_contained(Misnested, Key.str());
  }

  /// "'a', 'b' or 'c'".
  static std::string quoteList(llvm::ArrayRef<llvm::StringRef> Items);

private:
  DiagnosticEngine &Diags;
  CheckContext &Ctx;
  std::vector<std::string> Misnested;
};

} // namespace overlord::sema

#endif // OVERLORD_LIB_SEMA_SCHEMACHECK_H
