//===- Daemon.h - overlordd's commands and structured log -------*- C++ -*-===//
//
// Everything `overlordd` does, as a library the tool's thin main calls:
// `serve` (the node: job queue with crash reconciliation, node state,
// executor, HTTP/HTTPS API, graceful stop on SIGTERM/SIGINT),
// `--check-config`, `print-config` and `gen-token`. See docs/overlordd.md.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_DAEMON_H
#define OVERLORD_ENGINE_DAEMON_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace overlord::engine {

/// Log levels, most verbose first.
enum class LogLevel { Debug, Info, Warn, Error };

/// "debug", "info", "warn" (or "warning"), "error".
std::optional<LogLevel> parseLogLevel(llvm::StringRef Name);

/// Structured logs, one line per event:
/// `ts=2025-04-23T10:15:02.123Z level=info msg="listening" addr=0.0.0.0:8888`.
/// Values with blanks, quotes or '=' are quoted. Thread-safe.
class Logger {
public:
  using KV = std::vector<std::pair<std::string, std::string>>;
  Logger(llvm::raw_ostream &OS, LogLevel Min) : OS(OS), Min(Min) {}
  bool enabled(LogLevel L) const { return L >= Min; }
  void log(LogLevel L, llvm::StringRef Msg, const KV &Fields = {});
  void debug(llvm::StringRef Msg, const KV &F = {}) { log(LogLevel::Debug, Msg, F); }
  void info(llvm::StringRef Msg, const KV &F = {}) { log(LogLevel::Info, Msg, F); }
  void warn(llvm::StringRef Msg, const KV &F = {}) { log(LogLevel::Warn, Msg, F); }
  void error(llvm::StringRef Msg, const KV &F = {}) { log(LogLevel::Error, Msg, F); }

  /// The logfmt form of one value.
  static std::string quote(llvm::StringRef V);

private:
  llvm::raw_ostream &OS;
  LogLevel Min;
  std::mutex M;
};

/// Runs `overlordd ARGS...` (argv without the program name); returns the
/// exit status: 0 success, 1 configuration or runtime error, 2 usage.
int runOverlordd(llvm::ArrayRef<std::string> Args, llvm::raw_ostream &Out,
                 llvm::raw_ostream &Err);

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_DAEMON_H
