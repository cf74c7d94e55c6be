//===- Value.h - Located document tree --------------------------*- C++ -*-===//
//
// The data every front end produces: a tree of typed values (null, bool,
// int, float, string, list, map), each with the source range it was written
// at. The YAML front end builds it from a deployment file (and from the
// Director file embedded in `projectFile: |`, with locations in the outer
// file); the DSL front end builds it by evaluation. Sema checks it against
// overlord-spec(5) and builds the typed Deployment (Spec.h).
//
// Values are immutable once built and owned by a Document arena. Scalars
// are resolved with the YAML 1.1 rules of PyYAML's SafeLoader, which the
// reference Overlord and Director use (`yes` is a bool, `0750` an octal int,
// quoted scalars are strings).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_AST_VALUE_H
#define OVERLORD_AST_VALUE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace overlord::ast {

enum class ValueKind { Null, Bool, Int, Float, String, List, Map };

/// How a scalar was written; decides how positions inside it are located.
enum class ScalarStyle {
  None, ///< not a scalar, or built by evaluation
  Plain,
  SingleQuoted,
  DoubleQuoted,
  Literal, ///< `|` block scalar
  Folded   ///< `>` block scalar
};

/// Maps positions in a scalar's decoded text back to the source. For block
/// scalars every decoded line has its own start in the source, so an error
/// on line 7 of an embedded Director file is reported on the right line of
/// the outer deployment file. When no per-line map is known, every position
/// maps to the scalar's start.
struct TextOrigin {
  llvm::SMLoc Start;                    ///< fallback location
  std::vector<const char *> LineStarts; ///< source start of decoded line i

  /// Location of byte Col (0-based) of decoded line Line (0-based).
  llvm::SMLoc locate(unsigned Line, unsigned Col) const;
  bool isExact() const { return !LineStarts.empty(); }
};

class Value;

struct MapEntry {
  const Value *Key;
  const Value *Val;
};

class Value {
public:
  ValueKind Kind = ValueKind::Null;
  llvm::SMRange Range;         ///< the narrowest source text of the node
  std::string Tag;             ///< explicit tag as written ("!ENV"), or ""
  ScalarStyle Style = ScalarStyle::None;
  std::string Text;            ///< scalars: decoded text (after !ENV)
  bool FromEnv = false;        ///< produced by an `!ENV` substitution
  /// Written with `!SECRET`: a string (after `${VAR}` substitution, as for
  /// `!ENV`) that must never appear in clear in a plan, a diff or
  /// print-spec output. Sema accepts it only where secrets are allowed.
  bool Secret = false;
  bool BoolVal = false;
  int64_t IntVal = 0;
  double FloatVal = 0;
  std::vector<const Value *> Items; ///< List
  std::vector<MapEntry> Entries;    ///< Map, in source order
  TextOrigin Origin;                ///< scalars: where the text came from

  bool isNull() const { return Kind == ValueKind::Null; }
  bool isMap() const { return Kind == ValueKind::Map; }
  bool isList() const { return Kind == ValueKind::List; }
  bool isString() const { return Kind == ValueKind::String; }
  bool isInt() const { return Kind == ValueKind::Int; }
  bool isBool() const { return Kind == ValueKind::Bool; }
  bool isScalar() const { return !isMap() && !isList(); }

  /// The entry with this string key, or null. Keys are unique (the front
  /// end diagnoses duplicates and keeps the first).
  const Value *get(llvm::StringRef Key) const;
  const MapEntry *getEntry(llvm::StringRef Key) const;

  /// The reference's type names, used in messages: 'dict', 'list', 'str',
  /// 'int', 'bool', 'float', 'NoneType'.
  llvm::StringRef typeName() const;
  static llvm::StringRef typeName(ValueKind K);

  /// The text a scalar stands for, as Python's str() would print it
  /// (`True`, `8`, `None`); used where the reference stringifies values.
  std::string asPythonString() const;
};

/// Owns the values of one parsed file (or one evaluated DSL module).
class Document {
public:
  Value *create(ValueKind K, llvm::SMRange R) {
    Arena.emplace_back();
    Arena.back().Kind = K;
    Arena.back().Range = R;
    return &Arena.back();
  }
  const Value *Root = nullptr; ///< null for an empty document
  unsigned BufferID = 0;       ///< SourceMgr buffer of the file
  size_t size() const { return Arena.size(); }

private:
  std::deque<Value> Arena;
};

/// How messages name a kind of value: 'a string', 'an integer', 'a map'.
llvm::StringRef kindNoun(ValueKind K);

/// V as JSON: maps keep their source order, non-string keys are printed as
/// Python's str() would, and of duplicate keys (already diagnosed) the first
/// wins.
llvm::json::Value toJson(const Value &V);

} // namespace overlord::ast

#endif // OVERLORD_AST_VALUE_H
