//===- DaemonImpl.h - overlordd internals -----------------------*- C++ -*-===//
//
// The parsed command line and the pieces Daemon.cpp and Serve.cpp share.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LIB_API_DAEMONIMPL_H
#define OVERLORD_ENGINE_LIB_API_DAEMONIMPL_H

#include "overlord/Engine/Auth.h"
#include "overlord/Engine/Config.h"
#include "overlord/Engine/Daemon.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace overlord::engine::daemon {

/// overlordd's command line.
struct Options {
  std::optional<std::string> ConfigFile, EnvFile;
  std::string Command; ///< serve, check-config, print-config, gen-token
  LogLevel Level = LogLevel::Info;
  bool LevelGiven = false;
  bool ShowSecrets = false;
  /// serve: override `port` / `tls.port` (0: an ephemeral port, for tests).
  std::optional<uint16_t> Port, TlsPort;
  /// serve: where to write the bound HTTP port once listening.
  std::optional<std::string> PortFile;
  /// gen-token.
  std::vector<std::string> Metadata;
  int64_t Expire = 0;
  ExpireUnit Unit = ExpireUnit::Hours;
};

/// `-c`, else $OVERLORD_CONFIG, else `.overlord.yml`; a missing default
/// file is the default configuration. Diagnostics go to Err.
std::optional<EngineConfig> loadConfig(const Options &O, llvm::raw_ostream &Err,
                                       std::string *PathOut = nullptr);

/// `overlordd serve`: runs until SIGTERM or SIGINT; returns the exit status.
int serve(const Options &O, llvm::raw_ostream &Err);

} // namespace overlord::engine::daemon

#endif // OVERLORD_ENGINE_LIB_API_DAEMONIMPL_H
