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

/// Checks Root (a parsed Director file). Returns nullopt when an error was
/// reported.
std::optional<DirectorFile> checkDirectorFile(const ast::Value *Root,
                                              llvm::SMRange WholeRange,
                                              DiagnosticEngine &Diags);

/// Checks the labels of one service (already collected into S.Labels):
/// duplicates, and the companions Overlord's special labels require
/// (`overlord.skydns` needs `overlord.skydns.group` and
/// `overlord.skydns.interface`, `overlord.load-balancer` needs `.backend`,
/// `.interface` and an integer `.interface.port`, ...). Returns false when an
/// error was reported.
bool checkDirectorLabels(const DirectorService &S, DiagnosticEngine &Diags);

/// Splits a `label` option value at the first ':' into a label (key, value,
/// with ranges inside ValueRange) appended to Out.
void addDirectorLabel(const KeyValue &Option, std::vector<KeyValue> &Out);

/// Reads V as a KV-list (a list of single-key `- key: value` mappings), keys
/// and values stringified as Director does. What names the list in messages
/// ("'environment' of service 'web'"); AllowNull says whether `- key:` (a
/// null value) is accepted. Every mistake is diagnosed and recovered from.
std::vector<KeyValue> readDirectorKVList(const ast::Value &V,
                                         const std::string &What,
                                         bool AllowNull,
                                         DiagnosticEngine &Diags);

/// The range of Text[Pos, Pos+Len) inside a scalar written at ScalarRange
/// whose decoded text is Text, or ScalarRange itself when Text is not found
/// verbatim in the source (escapes, folded lines, `!ENV`).
llvm::SMRange locateInScalar(llvm::SMRange ScalarRange, llvm::StringRef Text,
                             size_t Pos, size_t Len);

} // namespace overlord::appjail

#endif // OVERLORD_APPJAIL_DIRECTOR_H
