//===- Director.h - Director file loading for the simulator -----*- C++ -*-===//
//
// What the Director simulator needs from a Director file: the checked model
// (parsed with the compiler's YAML front end, `!ENV` expanded with the
// current environment, validated by the AppJail library) plus a canonical
// text of each service and of the global options, which is what Director's
// change detection compares (whole-dict equality, no hashing).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_SIM_DIRECTOR_H
#define OVERLORD_SIM_DIRECTOR_H

#include "overlord/AST/DirectorFile.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace overlord::sim {

/// A Director file ready to run.
struct DirectorSpec {
  appjail::DirectorFile File;
  std::map<std::string, std::string> ServiceText; ///< canonical per service
  std::string OptionsText; ///< canonical top-level `options`
};

/// Loads Path. On failure returns nullopt and sets Error to Director's
/// message (e.g. `services/web: Unknown key "bogus".`).
std::optional<DirectorSpec> loadDirectorSpec(const std::string &Path,
                                             std::string &Error);

/// The `-o fstab=...` option string Director builds for one volume mount.
std::string fstabOption(const appjail::DirectorFile &F,
                        const appjail::DirectorVolume &V,
                        const std::string &Mountpoint,
                        const std::string &BaseDir);

} // namespace overlord::sim

#endif // OVERLORD_SIM_DIRECTOR_H
