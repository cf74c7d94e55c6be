//===- Format.h - The reference's human-readable output ---------*- C++ -*-===//
//
// `overlord get-info` prints values the way Python and humanfriendly do; the
// same text comes out of these functions:
//   formatTimespan(462.41)  "7 minutes and 42.41 seconds"
//   formatSize(1048576)     "1 MiB"            (format_size(n, binary=True))
//   pythonRepr(json)        "{'a': 1, 'b': None}"   (repr() of the value)
//   fileMode(0100644)       "-rw-r--r--"       (stat.filemode)
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_CLIENT_FORMAT_H
#define OVERLORD_CLIENT_FORMAT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>

namespace overlord::client {

/// humanfriendly.format_timespan(Seconds): under a minute "42.41 seconds";
/// otherwise years (52 weeks), weeks, days, hours, minutes and seconds, zero
/// units dropped, at most three, joined "a, b and c".
std::string formatTimespan(double Seconds);

/// humanfriendly.format_size(Bytes, binary=True): "512 bytes", "1 KiB",
/// "1.5 GiB" (two decimals, trailing zeros dropped).
std::string formatSize(double Bytes);

/// Python's repr() of the value json.loads would give: None, True, 1, 1.5,
/// 'text', [..], {'key': value} (object keys in sorted order, which is the
/// order overlordd sends them).
std::string pythonRepr(const llvm::json::Value &V);

/// Python's str() of a value: strings unquoted, everything else repr().
std::string pythonStr(const llvm::json::Value &V);

/// stat.filemode(Mode): "drwxr-xr-x", "-rw-r--r--", setuid/sticky bits.
std::string fileMode(uint64_t Mode);

/// The rctl metrics get-info prints as "N (size)".
bool isSizeMetric(llvm::StringRef Name);

} // namespace overlord::client

#endif // OVERLORD_CLIENT_FORMAT_H
