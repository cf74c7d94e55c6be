//===- Dsl.h - The native DSL front end -------------------------*- C++ -*-===//
//
// `.ovl` files (docs/LangRef.md): a small typed language with modules,
// `let` bindings, functions, comprehensions and conditionals that evaluates
// to the same located ast::Value tree the YAML front end builds, so Sema
// checks it unchanged and the plan is the same. ANTLR types never leave
// compiler/lib/Dsl.
//
// Also here: `overlordc fmt` (canonical layout, comments kept) and the two
// directions of `overlordc convert` (YAML <-> DSL).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_DSL_DSL_H
#define OVERLORD_DSL_DSL_H

#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Environment.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace overlord::dsl {

/// True for paths the DSL front end reads (`*.ovl`).
bool isDslPath(llvm::StringRef Path);

/// Where a value that came from `env()` was written, as an `!ENV` template
/// (`${TOKEN}`, `http://${HOSTIP}:2379`), so that `convert` to YAML keeps
/// the reference instead of printing the value (which may be a secret).
using EnvTemplates = std::map<const ast::Value *, std::string>;

struct CompileOptions {
  /// The variables env() reads; `env_file` statements add to it (never
  /// overriding). Null: env() sees no variables.
  Environment *Env = nullptr;
  /// Reads a file into the diagnostics engine's SourceMgr; returns the
  /// buffer id or 0 after diagnosing. Used for imports and env files.
  std::function<unsigned(llvm::StringRef Path, llvm::SMRange From)> ReadFile;
  /// Folders searched for `import "std/..."`; empty: defaultStdlibDirs().
  std::vector<std::string> StdlibDirs;
  /// The file must end with a `deploy` block (false: a module is checked).
  bool RequireDeployment = true;
  unsigned MaxCallDepth = 256;
  unsigned MaxEvalDepth = 10'000; ///< nested evaluation (bounds the stack)
  uint64_t MaxSteps = 20'000'000; ///< evaluation steps (bounds the fuzzer)
  size_t MaxValues = 5'000'000;    ///< values built (bounds memory)
  /// When set, filled with the `!ENV` templates of env()-derived strings.
  EnvTemplates *Templates = nullptr;
};

/// Parses and evaluates buffer BufferID. Returns the document (Root is the
/// deployment map, or null for a module), or nullptr after diagnosing.
std::unique_ptr<ast::Document> compileBuffer(unsigned BufferID,
                                             DiagnosticEngine &Diags,
                                             const CompileOptions &Opts);

/// Parses buffer BufferID and reports syntax errors only.
bool checkSyntax(unsigned BufferID, DiagnosticEngine &Diags);

/// Lexes Text with the hand-written lexer the front end uses and with the
/// lexer ANTLR generates from grammar/OverlordLexer.g4 (the reference), and
/// compares the token streams (type, text, code point positions, line,
/// column, channel) and the lexical errors. nullopt when they agree, else
/// the first difference; Count (optional) receives the number of tokens.
/// Text must be valid UTF-8. For the tests and the fuzzer.
std::optional<std::string> crossCheckLexers(llvm::StringRef Text,
                                            size_t *Count = nullptr);

/// The stdlib folders found without configuration: next to the binary
/// (`<bin>/../share/overlord/stdlib`), the build tree's source checkout,
/// and the source folder this compiler was built from.
std::vector<std::string> defaultStdlibDirs();

/// `overlordc fmt`: buffer BufferID in canonical layout (indentation,
/// spacing, blank lines; comments kept). nullopt after a syntax error.
std::optional<std::string> formatBuffer(unsigned BufferID,
                                        DiagnosticEngine &Diags);

/// `convert` YAML -> DSL: the deployment document parsed by the YAML front
/// end as a `deploy <kind> { ... }` file in canonical layout. `!ENV` and
/// `!SECRET` scalars are recovered from their source text (SM) and become
/// env()/secret() calls; text blocks become `|` lines, unchanged.
std::string yamlToDsl(const ast::Document &Doc, const llvm::SourceMgr &SM);

/// `convert` DSL -> YAML: the evaluated document as YAML. Strings from
/// env() print as their `!ENV` template; secrets as `!SECRET`.
std::string valueToYaml(const ast::Value &Root, const EnvTemplates &T);

} // namespace overlord::dsl

#endif // OVERLORD_DSL_DSL_H
