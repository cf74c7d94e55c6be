//===- YamlSource.h - Text, locations and scalar scanning -------*- C++ -*-===//
//
// Internal to the YAML front end. A Source is the text yaml-cpp reads plus
// the way back to the SourceMgr: for a file the text *is* the buffer; for a
// Director file embedded in a block scalar every position goes through the
// scalar's TextOrigin. yaml-cpp reports only where a node starts (a 0-based
// line and column); the scanners here find where its text ends and which
// style it was written in, so every node gets the narrowest source range.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_YAML_YAMLSOURCE_H
#define OVERLORD_LIB_YAML_YAMLSOURCE_H

#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Environment.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace overlord::yaml::detail {

/// The text being parsed and the map from its positions to source locations.
class Source {
public:
  /// Origin == nullptr: Text lies in a SourceMgr buffer. Otherwise Text is
  /// a decoded scalar and positions are mapped through Origin.
  Source(llvm::StringRef Text, const ast::TextOrigin *Origin);

  llvm::StringRef text() const { return Text; }
  const char *begin() const { return Text.begin(); }
  const char *end() const { return Text.end(); }

  /// The text position of a yaml-cpp mark (0-based line and column).
  const char *at(int Line, int Col) const;
  unsigned lineOf(const char *P) const;
  const char *lineStart(unsigned Line) const {
    return Text.begin() + Lines[Line];
  }
  unsigned numLines() const { return Lines.size(); }
  unsigned columnOf(const char *P) const { return P - lineStart(lineOf(P)); }

  llvm::SMLoc loc(const char *P) const;
  llvm::SMRange range(const char *B, const char *E) const {
    return llvm::SMRange(loc(B), loc(E));
  }
  bool isEmbedded() const { return Origin != nullptr; }

private:
  llvm::StringRef Text;
  const ast::TextOrigin *Origin;
  std::vector<uint32_t> Lines; ///< offset of each line's first byte
};

/// Checks the raw bytes: UTF-16/32, NUL, malformed UTF-8, control
/// characters PyYAML refuses. Emits one diagnostic and returns false on the
/// first problem.
bool checkBytes(const Source &Src, DiagnosticEngine &Diags);

/// The first line indented with a tab outside the Skip ranges (block
/// scalars), at or before Limit; nullptr when there is none.
const char *
findTabIndent(const Source &Src, const char *Limit,
              llvm::ArrayRef<std::pair<const char *, const char *>> Skip);

/// Skips tags and anchors (`!ENV`, `&a`) and the blanks after them. Stops at
/// the end of the line unless CrossLines.
const char *skipProperties(const char *P, const char *E, bool CrossLines);

/// End of a plain scalar starting at P whose decoded value is Value.
const char *scanPlain(const char *P, const char *E, llvm::StringRef Value);
/// End (past the closing quote) of a quoted scalar starting at P, or
/// nullptr when the quote is not closed (yaml-cpp accepts that at the end).
const char *scanSingleQuoted(const char *P, const char *E);
const char *scanDoubleQuoted(const char *P, const char *E);

/// A block scalar whose header (`|`, `>-`, `|2`...) is at P. ParentIndent
/// is the column of the enclosing block collection (-1 at top level).
struct BlockScalar {
  const char *End;                   ///< end of the last content line
  std::vector<const char *> Content; ///< start of decoded line i's text
};
BlockScalar scanBlock(const Source &Src, const char *P, int ParentIndent);

//===----------------------------------------------------------------------===//
// Scalar resolution (Resolve.cpp)
//===----------------------------------------------------------------------===//

/// What an explicit tag asks for.
enum class TagKind {
  Implicit,    ///< "?": plain scalar, resolved by PyYAML's rules
  NonSpecific, ///< "!": quoted scalar, a string
  Env,         ///< !ENV
  Secret,      ///< !SECRET: a string, substituted like !ENV, marked secret
  Str,
  Int,
  Float,
  Bool,
  Null,
  Map,
  Seq,
  Unknown
};
TagKind classifyTag(llvm::StringRef Tag);
/// The tag as a user writes it: "tag:yaml.org,2002:str" -> "!!str".
std::string displayTag(llvm::StringRef Tag);

enum class ResolveStatus { Ok, Overflow, Mismatch };

/// Resolves V.Text as a plain scalar (YAML 1.1, PyYAML SafeLoader).
ResolveStatus resolvePlain(ast::Value &V);
/// Constructs V.Text as the standard type K (Str/Int/Float/Bool/Null).
ResolveStatus resolveAs(ast::Value &V, TagKind K);

/// pyaml-env's substitution of `${NAME}` / `${NAME:default}`. Names of
/// unset variables without a default are appended to Unset.
std::string expandEnv(llvm::StringRef Text, const Environment *Env,
                      llvm::SmallVectorImpl<std::string> &Unset);

/// Splits a leading pyaml-env type tag (`tag:yaml.org,2002:int 8`) off an
/// expanded `!ENV` value; returns the tag kind or Str when there is none.
TagKind splitEnvTypeTag(std::string &Text);

} // namespace overlord::yaml::detail

#endif // OVERLORD_LIB_YAML_YAMLSOURCE_H
