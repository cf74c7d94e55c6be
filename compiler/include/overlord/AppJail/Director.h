//===- Director.h - Director files (appjail-director(5)) --------*- C++ -*-===//
//
// Checks a parsed Director file against director-spec(5) exactly as
// Director's parser.py does (keys, types, KV-lists, name regexes, volume
// references), plus the option strings and Makejail references it carries,
// and builds its typed model. The labels of each service are kept in order
// because the plan lowers `overlord.skydns*` / `overlord.load-balancer*`
// labels into hooks.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_APPJAIL_DIRECTOR_H
#define OVERLORD_APPJAIL_DIRECTOR_H

#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace overlord::appjail {

/// One `- key: value` item of a KV-list; Value is nullopt for YAML null.
struct KeyValue {
  std::string Key;
  std::optional<std::string> Value;
  llvm::SMRange Range;
};

struct DirectorScript {
  std::string Text;
  std::string Shell = "/bin/sh -c";
  std::string Type = "jexec"; ///< jexec, local, chroot
  bool PostStart = false;
};

struct DirectorService {
  std::string Name;            ///< service name (key under services)
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
  llvm::SMRange Range; ///< the service name
};

struct DirectorVolume {
  std::string Name;
  std::string Device;
  std::optional<std::string> Type; ///< absent: default_volume_type
  std::string MountOptions = "rw";
  int64_t Dump = 0, Pass = 0;
  std::optional<int64_t> Umask, Mode;
  std::optional<std::string> Owner, Group;
};

struct DirectorFile {
  std::vector<KeyValue> Options;
  std::vector<DirectorService> Services; ///< in source order
  std::string DefaultVolumeType = "<pseudofs>";
  std::vector<DirectorVolume> Volumes;
};

/// Checks Root (a parsed Director file). Returns nullopt when an error was
/// reported.
std::optional<DirectorFile> checkDirectorFile(const ast::Value *Root,
                                              llvm::SMRange WholeRange,
                                              DiagnosticEngine &Diags);

} // namespace overlord::appjail

#endif // OVERLORD_APPJAIL_DIRECTOR_H
