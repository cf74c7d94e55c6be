//===- DirectorFile.h - The Director file data model -------------*- C++ -*-===//
//
// A checked Director file (appjail-director(5)) as plain typed structs, every
// default filled in. Data only: it lives in the AST layer so the typed
// deployment (Spec.h) can hold it without depending on the AppJail checks
// that build it (AppJail/Director.h).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_AST_DIRECTORFILE_H
#define OVERLORD_AST_DIRECTORFILE_H

#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace overlord::appjail {

/// One `- key: value` item of a KV-list; Value is nullopt for YAML null.
/// Keys and values are stringified as Director does (`5000` -> "5000").
struct KeyValue {
  std::string Key;
  std::optional<std::string> Value;
  llvm::SMRange Range;      ///< the whole item
  llvm::SMRange KeyRange;   ///< the key (labels: the label key)
  llvm::SMRange ValueRange; ///< the value (the key's range when null)
};

/// One entry of a service's `scripts` list.
struct DirectorScript {
  std::string Text;
  std::string Shell = "/bin/sh -c";
  std::string Type = "jexec"; ///< jexec, local, chroot
  bool PostStart = false;
};

/// One entry of `services`, with every default filled in.
struct DirectorService {
  std::string Name; ///< service name (key under services)
  int64_t Priority = 99;
  std::optional<std::string> JailName; ///< `name:`; absent: Director draws one
  std::string Makejail = "Makejail";
  std::optional<std::string> RuntimeMakejail;
  bool ResetOptions = false;
  bool IgnoreMtime = false;
  std::vector<KeyValue> Options;
  std::vector<KeyValue> Arguments;
  std::vector<KeyValue> RuntimeArguments;
  std::vector<KeyValue> Environment;
  std::vector<KeyValue> RuntimeEnvironment;
  std::vector<KeyValue> StartEnvironment;
  std::vector<KeyValue> Start;
  std::optional<std::string> OciUser, OciWorkdir;
  std::vector<KeyValue> OciEnvironment;
  std::vector<KeyValue> Volumes; ///< volume name -> mountpoint
  std::vector<DirectorScript> Scripts;
  std::optional<int64_t> Serial;
  /// `label` options (global unless reset_options, then the service's), in
  /// order, split at the first ':' into key and value.
  std::vector<KeyValue> Labels;
  llvm::SMRange Range;         ///< the service name
  llvm::SMRange JailNameRange; ///< the `name:` value, when given
};

/// One entry of the top-level `volumes`.
struct DirectorVolume {
  std::string Name;
  std::string Device;
  std::optional<std::string> Type; ///< absent: default_volume_type
  std::string MountOptions = "rw";
  int64_t Dump = 0, Pass = 0;
  std::optional<int64_t> Umask, Mode;
  std::optional<std::string> Owner, Group;
  llvm::SMRange Range; ///< the volume name
};

/// A checked Director file.
struct DirectorFile {
  std::vector<KeyValue> Options;
  std::vector<DirectorService> Services; ///< in source order
  std::string DefaultVolumeType = "<pseudofs>";
  std::vector<DirectorVolume> Volumes;
};

} // namespace overlord::appjail

#endif // OVERLORD_AST_DIRECTORFILE_H
