//===- ConfigReader.h - Typed reads of overlord.yml values ------*- C++ -*-===//
//
// The small schema toolkit of the configuration reader: each getter looks a
// key up in a map, applies the reference's "null means default" rule,
// checks the type and range, reports a diagnostic at the narrowest range on
// failure and leaves the default in place. Paths in messages are dotted
// (`polling.adaptive.poll_window`).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_CONFIG_CONFIGREADER_H
#define OVERLORD_ENGINE_CONFIG_CONFIGREADER_H

#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"

#include <optional>
#include <string>
#include <vector>

namespace overlord::engine::detail {

class ConfigReader {
public:
  explicit ConfigReader(DiagnosticEngine &Diags) : Diags(Diags) {}

  /// "Parent.Key", or Key at the top level.
  static std::string join(llvm::StringRef Parent, llvm::StringRef Key);

  /// Diagnoses keys of Map not in Allowed (with did-you-mean) and keys that
  /// are not strings. Returns false when any was found.
  bool checkKeys(const ast::Value &Map, llvm::ArrayRef<llvm::StringRef> Allowed,
                 llvm::StringRef Path);

  /// The value of Key in Map, or null when absent or written as null.
  const ast::Value *lookup(const ast::Value &Map, llvm::StringRef Key) const;

  /// V is a map (else TypeMismatch). Path names V.
  bool expectMap(const ast::Value &V, llvm::StringRef Path);

  /// The map at Key, or null when absent/null or not a map (diagnosed).
  const ast::Value *getMap(const ast::Value &Map, llvm::StringRef Key,
                           llvm::StringRef Path);

  /// Reads Key into Out when present and well-typed within [Min, Max].
  void getInt(const ast::Value &Map, llvm::StringRef Key, llvm::StringRef Path,
              int64_t &Out, int64_t Min, int64_t Max = INT64_MAX);
  void getOptInt(const ast::Value &Map, llvm::StringRef Key,
                 llvm::StringRef Path, std::optional<int64_t> &Out, int64_t Min,
                 int64_t Max = INT64_MAX);
  /// An int or a float within [Min, Max].
  void getNumber(const ast::Value &Map, llvm::StringRef Key,
                 llvm::StringRef Path, double &Out, double Min, double Max);
  void getBool(const ast::Value &Map, llvm::StringRef Key, llvm::StringRef Path,
               bool &Out);
  void getString(const ast::Value &Map, llvm::StringRef Key,
                 llvm::StringRef Path, std::string &Out);
  void getOptString(const ast::Value &Map, llvm::StringRef Key,
                    llvm::StringRef Path, std::optional<std::string> &Out);
  /// A list of strings; returns false (Out untouched) on any error.
  bool getStringList(const ast::Value &Map, llvm::StringRef Key,
                     llvm::StringRef Path, std::vector<std::string> &Out);

  /// Reports a wrong type at V: "'Path' must be Want, not <kind>".
  void typeMismatch(const ast::Value &V, llvm::StringRef Path,
                    llvm::StringRef Want);
  /// The source range of Key's key in Map (for "missing" and pair errors).
  static llvm::SMRange keyRange(const ast::Value &Map, llvm::StringRef Key);

  DiagnosticEngine &diags() { return Diags; }

private:
  DiagnosticEngine &Diags;
};

using ast::kindNoun;

} // namespace overlord::engine::detail

#endif // OVERLORD_ENGINE_CONFIG_CONFIGREADER_H
