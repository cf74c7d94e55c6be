//===- YamlParser.h - YAML front end ----------------------------*- C++ -*-===//
//
// Turns YAML text into an ast::Document with a source range on every node.
// yaml-cpp does the tokenising; everything it throws becomes a diagnostic
// here and never leaves this library. On top of yaml-cpp this front end:
//  - rejects what yaml-cpp silently accepts: duplicate keys, non-scalar keys;
//  - bounds what could exhaust memory or stack: nesting depth, alias
//    expansion ("billion laughs"), node count, scalar size;
//  - checks the bytes first: NUL bytes and invalid UTF-8 are reported at
//    their offset;
//  - resolves plain scalars with PyYAML SafeLoader's YAML 1.1 rules;
//  - expands `!ENV '${VAR}'` / `${VAR:default}` as pyaml-env does for the
//    reference (unset and no default: empty string, with a warning).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_YAML_YAMLPARSER_H
#define OVERLORD_YAML_YAMLPARSER_H

#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Environment.h"

#include <memory>

namespace overlord::yaml {

struct ParseOptions {
  /// Variables for `!ENV`; null means `!ENV` scalars expand with no variables.
  const Environment *Env = nullptr;
  unsigned MaxDepth = 128;         ///< nesting of lists and maps
  size_t MaxNodes = 1'000'000;     ///< nodes after alias expansion
  size_t MaxScalarBytes = 16 << 20; ///< one scalar's decoded size
};

/// Parses buffer BufferID of the engine's SourceMgr. Returns a document
/// (Root == nullptr for an empty file), or nullptr when the text is not
/// YAML (diagnostics were emitted). Never throws.
std::unique_ptr<ast::Document> parseBuffer(unsigned BufferID,
                                           DiagnosticEngine &Diags,
                                           const ParseOptions &Opts);

/// Parses the decoded text of the string scalar S (e.g. `projectFile: |`)
/// as a YAML document. Every location is mapped through S.Origin into the
/// outer file. `!ENV` scalars are NOT expanded here: Director expands them on
/// the node with the node's environment (OVERLORD_METADATA, the project's
/// `environment`), so they keep their text and get FromEnv set.
std::unique_ptr<ast::Document> parseEmbedded(const ast::Value &S,
                                             DiagnosticEngine &Diags,
                                             const ParseOptions &Opts);

/// Loads a dotenv file (python-dotenv syntax: `KEY=VALUE`, `export KEY=...`,
/// quotes, `#` comments, `${VAR}` expansion in unquoted and double-quoted
/// values) into Env without overriding variables already set. Malformed
/// lines are diagnosed. Returns false on errors.
bool loadEnvFile(unsigned BufferID, DiagnosticEngine &Diags, Environment &Env);

} // namespace overlord::yaml

#endif // OVERLORD_YAML_YAMLPARSER_H
