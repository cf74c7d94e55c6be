//===- Config.h - overlordd's server configuration --------------*- C++ -*-===//
//
// The typed form of `overlord.yml` (overlord-behaviour.md §3,
// docs/EngineConfig.md). Every key of the reference is accepted with its
// type, default and meaning; unknown keys and wrong types are diagnosed
// through the DiagnosticEngine with carets and "did you mean". overlordd's
// own settings (binary paths, per-command timeouts, output limits, the job
// database) live under the top-level `overlordd` key, which the reference
// does not have.
//
// As the reference, a key written with a null value takes its default, and
// a section that is absent takes its whole default. Unlike the reference,
// `polling.keywords` defaults do not depend on whether a `polling` section
// exists, `memcache.pool_idle_timeout` defaults to 0, and the validators
// of `autodisable.max-increase` and `max_autoscale_logs` are applied.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_CONFIG_H
#define OVERLORD_ENGINE_CONFIG_H

#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Environment.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace overlord::engine {

/// `tls`: an additional HTTPS listener when both files are given.
struct TlsConfig {
  std::optional<std::string> KeyFile, CertFile;
  int64_t Port = 9331;
  bool enabled() const { return KeyFile && CertFile; }
};

/// `polling.adaptive` (§3.2.1).
struct AdaptivePollingConfig {
  int64_t PollWindow = 180, MaxIdle = 900, IdlePenalty = 900,
          MaxIdlePenalty = 86400;
};

/// `polling`: refresh intervals in seconds; overlordd's one background
/// refresh task uses the shortest relevant one.
struct PollingConfig {
  AdaptivePollingConfig Adaptive;
  int64_t JailStats = 12, JailInfo = 8, Projects = 6, Jails = 4, JailExtras = 6,
          ProjectInfo = 9, Autoscale = 15;
  std::optional<int64_t> Heartbeat; ///< null: heartbeat disabled
  int64_t SkewBegin = 6, SkewEnd = 10;
  /// Group (jail, stats, devfs, …) → keywords, in the order written.
  std::map<std::string, std::vector<std::string>> Keywords;
};

/// `memcache` (accepted for compatibility; overlordd keeps state itself).
struct MemcacheConfig {
  std::vector<std::string> Connections{"127.0.0.1"};
  std::optional<int64_t> MaxPoolSize;
  int64_t PoolIdleTimeout = 0, RetryAttempts = 2, RetryTimeout = 1,
          DeadTimeout = 60, ConnectTimeout = 5, Timeout = 8;
  bool NoDelay = true;
};

/// `chains.<name>.retry` (httpx-retries Retry).
struct RetryConfig {
  double Total = 6, MaxBackoffWait = 10.0, BackoffFactor = 0.2;
  bool RespectRetryAfterHeader = true;
  double BackoffJitter = 1.0;
};

/// `chains.<name>`: a downstream node.
struct ChainConfig {
  std::string Name, Entrypoint, AccessToken;
  bool Disable = false;
  int64_t Timeout = 0, ReadTimeout = 10, WriteTimeout = 10, ConnectTimeout = 5,
          PoolTimeout = 60, MaxKeepaliveConnections = 1000,
          MaxConnections = 1024, KeepaliveExpiry = 60;
  std::optional<std::string> CACert;
  RetryConfig Retry;
};

/// `dataplaneapi` / `haproxy_stats`: an HTTP service used by labels and
/// the autoscaler.
struct HttpServiceConfig {
  bool Present = false; ///< the section is written
  std::optional<std::string> Entrypoint;
  std::string Username, Password;
  int64_t Timeout = 0, ReadTimeout = 30, WriteTimeout = 30, ConnectTimeout = 10,
          PoolTimeout = 60, MaxKeepaliveConnections = 1000,
          MaxConnections = 1024, KeepaliveExpiry = 60;
  std::optional<std::string> CACert;
};

/// `etcd.<host>`.
struct EtcdHostConfig {
  std::string Host;
  int64_t Port = 2379;
  std::string Protocol = "http";
  std::optional<std::string> CACert, CertKey, ApiPath;
  std::optional<int64_t> Timeout;
};

/// `autodisable` (Smart Timeouts, §5).
struct AutodisableConfig {
  bool Enabled = true;
  int64_t Failures = 2, Interval = 60, Increase = 60, MaxIncrease = 1800;
  bool Strict = true;
};

/// The commands overlordd runs, each with its own timeout
/// (`overlordd.timeouts.<name>`).
inline constexpr llvm::StringRef CommandNames[] = {"director-up",
                                                   "director-down",
                                                   "director-cancel",
                                                   "director-check",
                                                   "director-describe",
                                                   "director-ls",
                                                   "appjail",
                                                   "rctl",
                                                   "sysctl",
                                                   "vm-install"};

/// `overlordd`: settings of this implementation only.
struct OverlorddConfig {
  std::string Database; ///< SQLite job database
  std::string Appjail = "appjail", AppjailDirector = "appjail-director",
              Rctl = "rctl", Sysctl = "sysctl";
  /// The programs of the VM flow (`binaries.makefs`, ...; docs/VmEngine.md).
  std::string Makefs = "makefs", Mdconfig = "mdconfig", Gpart = "gpart",
              Newfs = "newfs", Mount = "mount", Umount = "umount",
              Fetch = "fetch", Tar = "tar", Pkg = "pkg", Cp = "cp";
  int64_t DefaultTimeout = 60; ///< seconds; 0: none
  /// Explicit per-command timeouts (seconds, 0: none).
  std::map<std::string, int64_t> Timeouts;
  int64_t MaxOutput = 1 << 20;    ///< bytes of output kept per command
  int64_t MaxLogBytes = 64 << 20; ///< bytes a log endpoint serves at most
  /// The HTTP (and HTTPS) listen address; the reference listens on all
  /// interfaces.
  std::string Address = "0.0.0.0";
  int64_t IoThreads = 2; ///< HTTP server threads
  /// Executor workers; nullopt: `max_watch_commands`.
  std::optional<int64_t> Workers;
  /// Seconds between full state refreshes; 0: derived from `polling`.
  int64_t RefreshInterval = 0;
  /// Seconds between pings of chains disabled by smart timeouts, so they
  /// recover as soon as they answer (0: no probing; docs/Chains.md).
  int64_t ChainProbeInterval = 5;
};

/// Everything `overlord.yml` configures, fully defaulted.
struct EngineConfig {
  std::string ServerId; ///< path of the server-id file
  int64_t Port = 8888;
  TlsConfig Tls;
  bool Debug = false;
  bool CompressResponse = true;
  PollingConfig Polling;
  MemcacheConfig Memcache;
  std::optional<std::string> SecretKey; ///< secret: masked by printConfig
  std::string SecretKeyFile;
  std::optional<llvm::json::Value> LogConfig;
  std::vector<ChainConfig> Chains; ///< sorted by name
  std::vector<std::string> Labels{"all"};
  std::string DirectorLogs;
  std::string AppjailLogs = "/var/log/appjail";
  std::string AppjailImages = "/usr/local/appjail/cache/images";
  std::string AppjailJails = "/usr/local/appjail/jails";
  std::string Components;
  std::string BeanstalkdHost = "127.0.0.1";
  int64_t BeanstalkdPort = 11300;
  std::optional<std::string> BeanstalkdUnixPath;
  std::string BeanstalkdSecret;
  std::optional<int64_t> ExecutionTime = 10800; ///< null: no limit
  HttpServiceConfig DataPlaneApi, HaproxyStats;
  std::string SkydnsPath = "/skydns", SkydnsZone = ".";
  std::vector<EtcdHostConfig> Etcd; ///< sorted by host
  int64_t MaxWatchCommands = 1;
  std::string MetadataLocation;
  int64_t MetadataSize = 1048576;
  std::string MetadataNamespaces;
  AutodisableConfig Autodisable;
  int64_t MaxAutoscaleLogs = 30, AutoscaleLogsExpireTime = 600;
  OverlorddConfig Overlordd;

  /// Timeout in seconds for a command of CommandNames (0: none):
  /// `overlordd.timeouts.<name>`, else for director-up/down and vm-install
  /// `execution_time`, else `overlordd.timeouts.default`.
  int64_t timeoutFor(llvm::StringRef Command) const;
  const ChainConfig *findChain(llvm::StringRef Name) const;
};

/// Where defaults point and what `!ENV` sees.
struct ConfigOptions {
  /// The reference's `<sys.prefix>`: defaults are `<Prefix>/overlord/...`.
  std::string Prefix = "/usr/local";
  /// For `director.logs` (`~/.director/logs`).
  std::string Home = "/root";
  /// `max_watch_commands` default (the reference: os.cpu_count()).
  int64_t CpuCount = 1;
  const Environment *Env = nullptr;
};

/// The configuration with every default (no file).
EngineConfig defaultConfig(const ConfigOptions &Opts);

/// The default keywords of one `polling.keywords` group, and the keywords
/// it accepts (the reference's VALID_KEYWORDS).
llvm::ArrayRef<llvm::StringRef> defaultKeywords(llvm::StringRef Group);
llvm::ArrayRef<llvm::StringRef> validKeywords(llvm::StringRef Group);
/// The groups, in the reference's order.
llvm::ArrayRef<llvm::StringRef> keywordGroups();

/// Parses buffer BufferID of the engine's SourceMgr. Reports every error;
/// returns nullopt when there was any. An empty file is the default config.
std::optional<EngineConfig> parseConfig(unsigned BufferID,
                                        DiagnosticEngine &Diags,
                                        const ConfigOptions &Opts);

/// Reads and parses the file at Path (FileUnreadable when it cannot be read).
std::optional<EngineConfig> loadConfigFile(llvm::StringRef Path,
                                           DiagnosticEngine &Diags,
                                           const ConfigOptions &Opts);

/// The file the reference reads: `$OVERLORD_CONFIG`, else `.overlord.yml`.
std::string defaultConfigPath(const Environment &Env);

/// The effective configuration as JSON (`print-config`), keys as written in
/// overlord.yml. `secret_key`, chain `access_token`s and the Data Plane
/// API / HAProxy stats passwords print as "********" unless ShowSecrets.
llvm::json::Value printConfig(const EngineConfig &Cfg,
                              bool ShowSecrets = false);

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_CONFIG_H
