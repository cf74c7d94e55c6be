//===- DirectorState.h - Director project states ----------------*- C++ -*-===//
//
// The state of a Director project as `appjail-director describe` prints it
// (appjail-interface.md §2.6). Shared by the output parsers (Exec), which
// read it, and the job queue (Queue), which records it with a job's result.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_DIRECTORSTATE_H
#define OVERLORD_ENGINE_DIRECTORSTATE_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace overlord::engine {

/// Project state (§2.6), printed uppercased by describe.
enum class DirectorState { Done, Failed, Unfinished, Destroying };

/// "DONE"/"done" (surrounding blanks ignored) -> Done ...; std::nullopt for
/// anything else.
inline std::optional<DirectorState> parseDirectorState(llvm::StringRef Name) {
  std::string Lower = Name.trim().lower();
  if (Lower == "done")
    return DirectorState::Done;
  if (Lower == "failed")
    return DirectorState::Failed;
  if (Lower == "unfinished")
    return DirectorState::Unfinished;
  if (Lower == "destroying")
    return DirectorState::Destroying;
  return std::nullopt;
}

/// "DONE", "FAILED", "UNFINISHED", "DESTROYING".
inline llvm::StringRef directorStateName(DirectorState S) {
  switch (S) {
  case DirectorState::Done:
    return "DONE";
  case DirectorState::Failed:
    return "FAILED";
  case DirectorState::Unfinished:
    return "UNFINISHED";
  case DirectorState::Destroying:
    return "DESTROYING";
  }
  return "UNFINISHED";
}

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_DIRECTORSTATE_H
