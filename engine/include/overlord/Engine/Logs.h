//===- Logs.h - Listing and reading Director and AppJail logs ---*- C++ -*-===//
//
// The log endpoints of the API (overlord-behaviour §4.2, §7.8):
//  - Director: `director.logs` laid out as `<DATE>/<service>/<name>.log`
//    (`GET /v1/projects/logs`, `GET /v1/projects/log/{DATE}/{SERVICE}/{LOG}`);
//  - AppJail: `appjail.logs` laid out as `<type>/<entity>/<subtype>/<file>`
//    (`GET /v1/jails/logs`, `GET
//    /v1/jail/log/{type}/{entity}/{subtype}/{log}`).
//
// Nothing outside the directory is ever listed or read: a component that is
// empty, "." or "..", or contains '/' or NUL is refused, and a path whose
// symlinks resolve outside the directory counts as missing (the reference
// joins `/v1/jail/log` components into a path unchecked, §12.2). Only regular
// files are read, opened without blocking (a FIFO never hangs a request).
//
// Contents are ANSI-stripped (stripAnsi, the reference's `sansi`), made valid
// UTF-8 (bad bytes become U+FFFD: they go into JSON) and capped: when a file
// is longer than MaxBytes only its last MaxBytes are read, starting after the
// first line break in them, behind a line
// `[overlord: <n> bytes cut from the start of this log]`. Listings are sorted.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LOGS_H
#define OVERLORD_ENGINE_LOGS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>

namespace overlord {
namespace engine {

/// `{date: {service: [logfile, ...]}}` of DirectorLogsDir: directories at the
/// first two levels, regular files at the third; files directly under a date
/// directory (Director's `exception.log`) are skipped, as in the reference.
/// `{}` if the directory does not exist.
llvm::json::Object listProjectLogs(llvm::StringRef DirectorLogsDir);

/// `{type: {entity: {subtype: [file, ...]}}}` of AppjailLogsDir, the same
/// way. `{}` if the directory does not exist.
llvm::json::Object listJailLogs(llvm::StringRef AppjailLogsDir);

/// The §4.2 route regexes the log readers check.
bool isLogDate(llvm::StringRef S); ///< `\d{4}-\d{2}-\d{2}_\d{2}h\d{2}m\d{2}s`
bool isLogService(llvm::StringRef S); ///< `[a-zA-Z0-9._-]+`, not "." or ".."
bool isLogName(llvm::StringRef S);    ///< `[a-z-]+\.log`
/// `[^/]+` without NUL, and not "." or "..".
bool isLogComponent(llvm::StringRef S);

/// The content of `<Dir>/<Date>/<Service>/<Log>`, or nullopt if it does not
/// exist, is not a regular file, resolves outside Dir or a component does not
/// match its regex. MaxBytes 0 means no cap.
std::optional<std::string>
readProjectLog(llvm::StringRef Dir, llvm::StringRef Date,
               llvm::StringRef Service, llvm::StringRef Log, uint64_t MaxBytes);

/// The content of `<Dir>/<Type>/<Entity>/<Subtype>/<Log>` (see
/// readProjectLog), each component checked with isLogComponent.
std::optional<std::string>
readJailLog(llvm::StringRef Dir, llvm::StringRef Type, llvm::StringRef Entity,
            llvm::StringRef Subtype, llvm::StringRef Log, uint64_t MaxBytes);

/// Reads the regular file Path (which must resolve inside Base) the way the
/// log readers do: capped to the last MaxBytes, ANSI-stripped, valid UTF-8.
/// nullopt if it is missing, not a regular file, outside Base or unreadable.
std::optional<std::string> readLogFile(llvm::StringRef Base,
                                       llvm::StringRef Path, uint64_t MaxBytes);

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_LOGS_H
