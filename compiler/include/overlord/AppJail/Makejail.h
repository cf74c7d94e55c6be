//===- Makejail.h - Makejail parser (appjail-makejail(5)) -------*- C++ -*-===//
//
// Parses Makejail text with AppJail's lexical rules (whole-line comments,
// `\` continuation, instruction + one parameter string) and checks each
// instruction against the instruction set of the stage it is in, its flag
// grammar and operands. Needs no network and runs nothing: INCLUDE targets
// are checked for form only.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_APPJAIL_MAKEJAIL_H
#define OVERLORD_APPJAIL_MAKEJAIL_H

#include "overlord/AST/Value.h"
#include "overlord/AppJail/Options.h"
#include "overlord/Support/Diagnostics.h"

#include <optional>
#include <string>
#include <vector>

namespace overlord::appjail {

struct MakejailInstruction {
  std::string Name;  ///< upper case, e.g. "OPTION"
  std::string Args;  ///< the parameter string after the name
  std::string Stage; ///< stage in force: "build", "start", "custom:x", ...
  llvm::SMRange Range; ///< the instruction name in the source
  unsigned Line = 0;   ///< 1-based logical line in the Makejail text
};

struct Makejail {
  std::vector<MakejailInstruction> Instructions;
};

/// Parses Text, locating diagnostics through Origin. Returns nullopt when an
/// error was reported.
std::optional<Makejail> parseMakejail(llvm::StringRef Text,
                                      const ast::TextOrigin &Origin,
                                      DiagnosticEngine &Diags);

/// A TextOrigin for a whole SourceMgr buffer (a Makejail file on disk).
ast::TextOrigin originForBuffer(llvm::StringRef Buffer);

/// Checks the form of a Makejail reference as Director's `makejail:` and
/// `makejail -f` accept it: `[method+]path [args...]` with method one of
/// file, cmd, git, gh/github, gh-ssh/github-ssh, gl/gitlab,
/// gl-ssh/gitlab-ssh, fetch; `gh+user/repo` needs `user/repo`.
bool checkMakejailReference(llvm::StringRef Ref, llvm::SMRange Range,
                            DiagnosticEngine &Diags);

/// As above, with the positions of Ref's bytes known one by one (an
/// INCLUDE line in a Makejail).
bool checkMakejailReference(llvm::StringRef Ref, const TextLocator &Loc,
                            DiagnosticEngine &Diags);

} // namespace overlord::appjail

#endif // OVERLORD_APPJAIL_MAKEJAIL_H
