//===- DirectorOutput.h - Parsers of appjail-director output ----*- C++ -*-===//
//
// Pure functions over what `appjail-director` prints (appjail-interface.md
// §1.6, §2.4–2.6): the JSON result of `up -j`/`down -j`, the JSON of
// `describe`, the lines of `ls`, and the "Exception:" block on stderr; plus
// the success rule. Unlike the reference (`json.loads` on whatever came out,
// which crashes on an empty stdout), every parser returns a typed value or an
// OutputParseError.
//
// The success rule: a Director run succeeded only if the process exited 0
// within its timeout AND the JSON says errlevel 0 AND `failed` is empty AND a
// `describe` afterwards says DONE. An exit code alone is never enough.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_DIRECTOROUTPUT_H
#define OVERLORD_ENGINE_DIRECTOROUTPUT_H

#include "overlord/Engine/AppJailOutput.h"
#include "overlord/Engine/DirectorState.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace overlord {
namespace engine {

//===----------------------------------------------------------------------===//
// up -j / down -j result
//===----------------------------------------------------------------------===//

/// The step of a service that failed (`failed[].type`,
/// DI:src/director/__init__.py).
enum class DirectorStep {
  Stop,
  Destroy,
  Makejail,
  EnableStart,
  OciUser,
  OciWorkdir,
  OciEnvironment,
  Scripts,
  Start,
  RuntimeMakejail,
  /// A type this engine does not know (kept by name, not an error, so a
  /// newer Director cannot turn a failure report into a parse error).
  Unknown,
};

/// "makejail" -> DirectorStep::Makejail; anything else -> Unknown.
DirectorStep parseDirectorStep(llvm::StringRef Name);
/// The wire name of a known step ("enable-start"); "" for Unknown.
llvm::StringRef directorStepName(DirectorStep S);

/// One entry of `failed`.
struct DirectorFailure {
  DirectorStep Step = DirectorStep::Unknown;
  /// The type exactly as printed.
  std::string Type;
  std::string Service;
};

/// `{"errlevel": N, "message": null|"...", "failed": [...]}`.
struct DirectorResult {
  int64_t ErrLevel = 0;
  std::optional<std::string> Message;
  std::vector<DirectorFailure> Failed;
  /// errlevel 0 and nothing failed (the reference's create_vm rule).
  bool clean() const { return ErrLevel == 0 && Failed.empty(); }
};

/// Parses the stdout of `up -j`/`down -j`. Surrounding whitespace and '\r'
/// are ignored; anything else (empty output from a usage error, a traceback,
/// trailing text, wrong types) is an error.
llvm::Expected<DirectorResult> parseDirectorResult(llvm::StringRef Stdout);

/// The "Exception:" block Director prints on stderr with errlevel 70.
struct DirectorException {
  std::string Type;  ///< "InvalidSpec", "ProjectLocked", ...
  std::string Error; ///< the message after "error: "
  std::string File;  ///< the exception.log path, may be empty
};

/// Finds the block in Stderr (ANSI escapes ignored); std::nullopt if absent.
std::optional<DirectorException>
parseDirectorException(llvm::StringRef Stderr);

//===----------------------------------------------------------------------===//
// describe -p P
//===----------------------------------------------------------------------===//


/// One service of `describe`.
struct DirectorService {
  std::string Name;
  /// The rc of `appjail status -q -- <jail>`: 0 running, 1 stopped, 66 missing.
  int64_t Status = 0;
  std::string Jail;
  JailRunState runState() const { return classifyJailStatus(Status); }
};

/// `describe -p P`.
struct DirectorDescription {
  std::string Name;
  DirectorState State = DirectorState::Unfinished;
  /// Absolute path of the last log directory, if ever set.
  std::optional<std::string> LastLog;
  bool Locked = false;
  /// Sorted by name: Director prints them in arbitrary (set) order.
  std::vector<DirectorService> Services;

  /// Another Director is working on the project (UNFINISHED or DESTROYING
  /// and locked): the reference drops jobs then; the engine waits.
  bool busy() const {
    return Locked && (State == DirectorState::Unfinished ||
                      State == DirectorState::Destroying);
  }
  /// The last path component of LastLog (what the reference serves), or "".
  std::string lastLogName() const;
  const DirectorService *service(llvm::StringRef Name) const;
};

llvm::Expected<DirectorDescription>
parseDirectorDescription(llvm::StringRef Stdout);

//===----------------------------------------------------------------------===//
// ls
//===----------------------------------------------------------------------===//

/// One line " + demo" of `ls`. The symbol gives the state; '?' means other.
struct DirectorListEntry {
  std::string Name;
  char Symbol = '?';
  std::optional<DirectorState> State;
};

/// Parses `appjail-director ls` (with its "Projects:" header, or the single
/// line "No project has been created."). Unexpected lines are an error.
llvm::Expected<std::vector<DirectorListEntry>>
parseDirectorList(llvm::StringRef Stdout);

//===----------------------------------------------------------------------===//
// The success rule
//===----------------------------------------------------------------------===//

/// What an `up` or `down` (stop) run finally means.
struct DirectorVerdict {
  bool Success = false;
  /// Why it failed, in the reference's words where it has some
  /// ("Project 'demo' has an unexpected state 'FAILED'"); "" on success.
  std::string Reason;
};

/// The full rule for `up` and `down` without -d: Rc (the process's shell
/// status) is 0, Result parsed and clean, and Describe parsed with state DONE.
/// Null pointers mean "could not be obtained" and fail the rule.
DirectorVerdict judgeDirectorRun(llvm::StringRef Project, int Rc,
                                 const DirectorResult *Result,
                                 const DirectorDescription *Describe);

/// The rule for `down -d` (destroy): Rc 0, Result clean, and the project no
/// longer exists (`check -p P` returned 66).
DirectorVerdict judgeDirectorDestroy(llvm::StringRef Project, int Rc,
                                     const DirectorResult *Result,
                                     int CheckRc);

/// judgeDirectorRun(...).Success, for callers that only need the answer.
bool isDirectorSuccess(int Rc, const DirectorResult &Result,
                       const DirectorDescription &Describe);

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_DIRECTOROUTPUT_H
