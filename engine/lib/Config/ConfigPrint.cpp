//===- ConfigPrint.cpp - print-config ---------------------------*- C++ -*-===//
//
// The effective configuration as JSON, keyed as overlord.yml is written.
// The reference's `print-config` prints `secret_key` in clear; here every
// secret (secret_key, chain access tokens, HTTP service passwords) prints
// as "********" unless the caller asks for secrets. llvm::json sorts object
// keys, so the output is deterministic.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Config.h"

using namespace overlord;
using namespace overlord::engine;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

static constexpr const char *Mask = "********";

template <typename T> static Value opt(const std::optional<T> &V) {
  return V ? Value(*V) : Value(nullptr);
}

static Array strings(const std::vector<std::string> &V) {
  Array A;
  for (const std::string &S : V)
    A.push_back(S);
  return A;
}

static Object printPolling(const PollingConfig &P) {
  Object Keywords;
  for (const auto &[G, K] : P.Keywords)
    Keywords[G] = strings(K);
  return Object{
      {"adaptive", Object{{"poll_window", P.Adaptive.PollWindow},
                          {"max_idle", P.Adaptive.MaxIdle},
                          {"idle_penalty", P.Adaptive.IdlePenalty},
                          {"max_idle_penalty", P.Adaptive.MaxIdlePenalty}}},
      {"jail_stats", P.JailStats},
      {"jail_info", P.JailInfo},
      {"projects", P.Projects},
      {"jails", P.Jails},
      {"jail_extras", P.JailExtras},
      {"project_info", P.ProjectInfo},
      {"autoscale", P.Autoscale},
      {"heartbeat", opt(P.Heartbeat)},
      {"skew", Array{P.SkewBegin, P.SkewEnd}},
      {"keywords", std::move(Keywords)}};
}

static Object printMemcache(const MemcacheConfig &M) {
  return Object{{"connections", strings(M.Connections)},
                {"max_pool_size", opt(M.MaxPoolSize)},
                {"pool_idle_timeout", M.PoolIdleTimeout},
                {"retry_attempts", M.RetryAttempts},
                {"retry_timeout", M.RetryTimeout},
                {"dead_timeout", M.DeadTimeout},
                {"connect_timeout", M.ConnectTimeout},
                {"timeout", M.Timeout},
                {"no_delay", M.NoDelay}};
}

static Object printChains(const std::vector<ChainConfig> &Chains, bool Show) {
  Object O;
  for (const ChainConfig &C : Chains) {
    const RetryConfig &R = C.Retry;
    O[C.Name] = Object{{"entrypoint", C.Entrypoint},
                       {"access_token", Show ? C.AccessToken : Mask},
                       {"disable", C.Disable},
                       {"timeout", C.Timeout},
                       {"read_timeout", C.ReadTimeout},
                       {"write_timeout", C.WriteTimeout},
                       {"connect_timeout", C.ConnectTimeout},
                       {"pool_timeout", C.PoolTimeout},
                       {"max_keepalive_connections", C.MaxKeepaliveConnections},
                       {"max_connections", C.MaxConnections},
                       {"keepalive_expiry", C.KeepaliveExpiry},
                       {"cacert", opt(C.CACert)},
                       {"retry", Object{{"total", R.Total},
                                        {"max_backoff_wait", R.MaxBackoffWait},
                                        {"backoff_factor", R.BackoffFactor},
                                        {"respect_retry_after_header",
                                         R.RespectRetryAfterHeader},
                                        {"backoff_jitter", R.BackoffJitter}}}};
  }
  return O;
}

/// `{}` when the section is absent, as the reference's default.
static Object printService(const HttpServiceConfig &S, bool Show) {
  if (!S.Present)
    return Object{};
  return Object{{"entrypoint", opt(S.Entrypoint)},
                {"auth", Object{{"username", S.Username},
                                {"password", Show ? S.Password : Mask}}},
                {"timeout", S.Timeout},
                {"read_timeout", S.ReadTimeout},
                {"write_timeout", S.WriteTimeout},
                {"connect_timeout", S.ConnectTimeout},
                {"pool_timeout", S.PoolTimeout},
                {"max_keepalive_connections", S.MaxKeepaliveConnections},
                {"max_connections", S.MaxConnections},
                {"keepalive_expiry", S.KeepaliveExpiry},
                {"cacert", opt(S.CACert)}};
}

static Object printEtcd(const std::vector<EtcdHostConfig> &Hosts) {
  Object O;
  for (const EtcdHostConfig &H : Hosts)
    O[H.Host] = Object{{"port", H.Port},
                       {"protocol", H.Protocol},
                       {"ca_cert", opt(H.CACert)},
                       {"cert_key", opt(H.CertKey)},
                       {"timeout", opt(H.Timeout)},
                       {"api_path", opt(H.ApiPath)}};
  return O;
}

static Object printOverlordd(const EngineConfig &Cfg) {
  const OverlorddConfig &O = Cfg.Overlordd;
  Object Timeouts{{"default", O.DefaultTimeout}};
  for (llvm::StringRef Cmd : CommandNames)
    Timeouts[Cmd] = Cfg.timeoutFor(Cmd);
  return Object{{"database", O.Database},
                {"binaries", Object{{"appjail", O.Appjail},
                                    {"appjail-director", O.AppjailDirector},
                                    {"rctl", O.Rctl},
                                    {"sysctl", O.Sysctl},
                                    {"makefs", O.Makefs},
                                    {"mdconfig", O.Mdconfig},
                                    {"gpart", O.Gpart},
                                    {"newfs", O.Newfs},
                                    {"mount", O.Mount},
                                    {"umount", O.Umount},
                                    {"fetch", O.Fetch},
                                    {"tar", O.Tar},
                                    {"pkg", O.Pkg},
                                    {"cp", O.Cp}}},
                {"timeouts", std::move(Timeouts)},
                {"max_output", O.MaxOutput},
                {"max_log_bytes", O.MaxLogBytes},
                {"address", O.Address},
                {"io_threads", O.IoThreads},
                {"workers", O.Workers ? *O.Workers : Cfg.MaxWatchCommands},
                {"refresh_interval", O.RefreshInterval},
                {"chain_probe_interval", O.ChainProbeInterval}};
}

static Value beanstalkdAddr(const EngineConfig &Cfg) {
  if (Cfg.BeanstalkdUnixPath)
    return "unix:" + *Cfg.BeanstalkdUnixPath;
  return Cfg.BeanstalkdHost + ":" + std::to_string(Cfg.BeanstalkdPort);
}

Value engine::printConfig(const EngineConfig &Cfg, bool ShowSecrets) {
  Object Tls{{"port", Cfg.Tls.Port}};
  if (Cfg.Tls.KeyFile)
    Tls["keyfile"] = *Cfg.Tls.KeyFile;
  if (Cfg.Tls.CertFile)
    Tls["certfile"] = *Cfg.Tls.CertFile;
  Value Secret = nullptr;
  if (Cfg.SecretKey)
    Secret = ShowSecrets ? *Cfg.SecretKey : Mask;
  const AutodisableConfig &A = Cfg.Autodisable;
  return Object{
      {"serverid", Cfg.ServerId},
      {"port", Cfg.Port},
      {"tls", std::move(Tls)},
      {"debug", Cfg.Debug},
      {"compress_response", Cfg.CompressResponse},
      {"polling", printPolling(Cfg.Polling)},
      {"memcache", printMemcache(Cfg.Memcache)},
      {"secret_key", std::move(Secret)},
      {"secret_keyfile", Cfg.SecretKeyFile},
      {"log_config", Cfg.LogConfig ? *Cfg.LogConfig : Value(nullptr)},
      {"chains", printChains(Cfg.Chains, ShowSecrets)},
      {"labels", strings(Cfg.Labels)},
      {"director", Object{{"logs", Cfg.DirectorLogs}}},
      {"appjail", Object{{"logs", Cfg.AppjailLogs},
                         {"images", Cfg.AppjailImages},
                         {"jails", Cfg.AppjailJails}}},
      {"components", Cfg.Components},
      {"beanstalkd_addr", beanstalkdAddr(Cfg)},
      {"beanstalkd_secret", Cfg.BeanstalkdSecret},
      {"execution_time", opt(Cfg.ExecutionTime)},
      {"dataplaneapi", printService(Cfg.DataPlaneApi, ShowSecrets)},
      {"haproxy_stats", printService(Cfg.HaproxyStats, ShowSecrets)},
      {"skydns", Object{{"path", Cfg.SkydnsPath}, {"zone", Cfg.SkydnsZone}}},
      {"etcd", printEtcd(Cfg.Etcd)},
      {"max_watch_commands", Cfg.MaxWatchCommands},
      {"metadata", Object{{"location", Cfg.MetadataLocation},
                          {"size", Cfg.MetadataSize},
                          {"namespaces", Cfg.MetadataNamespaces}}},
      {"autodisable", Object{{"enabled", A.Enabled},
                             {"failures", A.Failures},
                             {"interval", A.Interval},
                             {"increase", A.Increase},
                             {"max-increase", A.MaxIncrease},
                             {"strict", A.Strict}}},
      {"max_autoscale_logs", Cfg.MaxAutoscaleLogs},
      {"autoscale_logs_expire_time", Cfg.AutoscaleLogsExpireTime},
      {"overlordd", printOverlordd(Cfg)}};
}
