//===- ConfigTest.cpp - overlord.yml reader tests ---------------*- C++ -*-===//
//
// Defaults, every section, the keywords tables, print-config masking, and a
// negative test for every diagnostic the reader emits, checked on the
// printed text (`file:line:col: error: ... [KindName]` and the caret).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Config.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <fstream>

using namespace overlord;
using namespace overlord::engine;

namespace {

struct Loaded {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags{SM};
  Environment Env;
  ConfigOptions Opts;
  std::optional<EngineConfig> Cfg;
  std::string Out; ///< printed diagnostics

  Loaded() {
    Opts.Prefix = "/opt/ov";
    Opts.Home = "/home/op";
    Opts.CpuCount = 4;
    Opts.Env = &Env;
    Diags.setErrorLimit(0);
  }
  Loaded &parse(llvm::StringRef Text) {
    unsigned ID = SM.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(Text, "overlord.yml"),
        llvm::SMLoc());
    Cfg = parseConfig(ID, Diags, Opts);
    llvm::raw_string_ostream OS(Out);
    Diags.flush(OS);
    return *this;
  }
  bool has(llvm::StringRef S) const { return llvm::StringRef(Out).contains(S); }
};

/// Parses Text, expects failure and returns the printed diagnostics.
std::string errors(llvm::StringRef Text) {
  Loaded L;
  L.parse(Text);
  EXPECT_FALSE(L.Cfg) << Text.str();
  return L.Out;
}

bool contains(const std::string &Out, llvm::StringRef S) {
  return llvm::StringRef(Out).contains(S);
}

std::string print(const EngineConfig &C, bool Show = false) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << llvm::formatv("{0:2}", printConfig(C, Show));
  return OS.str();
}

} // namespace

TEST(Config, EmptyFileIsAllDefaults) {
  for (const char *Text : {"", "# only a comment\n", "~\n"}) {
    Loaded L;
    L.parse(Text);
    ASSERT_TRUE(L.Cfg) << L.Out;
    const EngineConfig &C = *L.Cfg;
    EXPECT_EQ(C.Port, 8888);
    EXPECT_EQ(C.Tls.Port, 9331);
    EXPECT_FALSE(C.Tls.enabled());
    EXPECT_FALSE(C.Debug);
    EXPECT_TRUE(C.CompressResponse);
    EXPECT_EQ(C.ServerId, "/opt/ov/overlord/serverid");
    EXPECT_EQ(C.SecretKeyFile, "/opt/ov/overlord/keyfile");
    EXPECT_FALSE(C.SecretKey);
    EXPECT_EQ(C.DirectorLogs, "/home/op/.director/logs");
    EXPECT_EQ(C.AppjailLogs, "/var/log/appjail");
    EXPECT_EQ(C.AppjailJails, "/usr/local/appjail/jails");
    EXPECT_EQ(C.AppjailImages, "/usr/local/appjail/cache/images");
    EXPECT_EQ(C.Components, "/opt/ov/overlord/components");
    EXPECT_EQ(C.Labels, std::vector<std::string>{"all"});
    EXPECT_EQ(C.ExecutionTime, 10800);
    EXPECT_EQ(C.MaxWatchCommands, 4);
    EXPECT_EQ(C.MetadataSize, 1048576);
    EXPECT_EQ(C.MetadataLocation, "/opt/ov/overlord/metadata");
    EXPECT_EQ(C.MetadataNamespaces, "/opt/ov/overlord/namespace");
    EXPECT_EQ(C.BeanstalkdHost, "127.0.0.1");
    EXPECT_EQ(C.BeanstalkdPort, 11300);
    EXPECT_EQ(C.Memcache.PoolIdleTimeout, 0); // the reference's bug gives 2
    EXPECT_EQ(C.Memcache.RetryAttempts, 2);
    ASSERT_EQ(C.Etcd.size(), 1u);
    EXPECT_EQ(C.Etcd[0].Host, "localhost");
    EXPECT_EQ(C.Etcd[0].Port, 2379);
    EXPECT_EQ(C.Etcd[0].Protocol, "http");
    EXPECT_EQ(C.SkydnsPath, "/skydns");
    EXPECT_EQ(C.SkydnsZone, ".");
    EXPECT_TRUE(C.Autodisable.Enabled);
    EXPECT_EQ(C.Autodisable.MaxIncrease, 1800);
    EXPECT_EQ(C.MaxAutoscaleLogs, 30);
    EXPECT_EQ(C.AutoscaleLogsExpireTime, 600);
    EXPECT_FALSE(C.Polling.Heartbeat);
    EXPECT_EQ(C.Polling.SkewBegin, 6);
    EXPECT_EQ(C.Polling.SkewEnd, 10);
    EXPECT_EQ(C.Polling.Adaptive.MaxIdlePenalty, 86400);
    EXPECT_EQ(C.Polling.Keywords.at("jail"),
              (std::vector<std::string>{"name", "network_ip4", "ports",
                                        "status", "type", "version"}));
    EXPECT_EQ(C.Polling.Keywords.at("stats").size(), 25u);
    EXPECT_EQ(C.Polling.Keywords.at("fstab").size(), 8u);
    EXPECT_EQ(C.Overlordd.Database, "/opt/ov/overlord/overlordd.db");
    EXPECT_EQ(C.Overlordd.AppjailDirector, "appjail-director");
    EXPECT_EQ(C.timeoutFor("director-up"), 10800);
    EXPECT_EQ(C.timeoutFor("director-describe"), 60);
    EXPECT_TRUE(L.Out.empty()) << L.Out;
  }
}

TEST(Config, ReferenceSampleLoads) {
  // The reference's own .overlord.yml: port + log_config.
  Loaded L;
  L.parse("port: 8888\n"
          "log_config:\n"
          "  version: 1\n"
          "  handlers:\n"
          "    console: {class: logging.StreamHandler, level: INFO}\n"
          "  root: {handlers: [console], level: INFO}\n");
  ASSERT_TRUE(L.Cfg) << L.Out;
  ASSERT_TRUE(L.Cfg->LogConfig);
  const llvm::json::Object *O = L.Cfg->LogConfig->getAsObject();
  ASSERT_TRUE(O);
  EXPECT_EQ(O->getInteger("version").value_or(0), 1);
}

TEST(Config, EverySectionParses) {
  Loaded L;
  L.Env.set("TOKEN", "tok-from-env");
  L.parse(R"(serverid: /srv/id
port: 9000
tls: {keyfile: /k.pem, certfile: /c.pem, port: 9443}
debug: true
compress_response: false
polling:
  adaptive: {poll_window: 1, max_idle: 2, idle_penalty: 3, max_idle_penalty: 4}
  jail_stats: 1
  jail_info: 2
  projects: 3
  jails: 4
  jail_extras: 5
  project_info: 6
  autoscale: 7
  heartbeat: 30
  skew: [0, 0]
  keywords:
    jail: [name, dirty]
    nat: []
memcache:
  connections: [10.0.0.1, "10.0.0.2:11211"]
  max_pool_size: 8
  pool_idle_timeout: 5
  no_delay: false
secret_key: hunter2
chains:
  zeta: {entrypoint: "http://z:8888", access_token: !ENV '${TOKEN}'}
  alpha:
    entrypoint: http://a:8888
    access_token: tok
    disable: true
    timeout: -1
    cacert: /ca.pem
    retry: {total: 3, backoff_factor: 0.5, backoff_jitter: 0, respect_retry_after_header: false}
labels: [all, desktop, web-1]
director: {logs: /d/logs}
appjail: {logs: /a/logs, images: /a/img, jails: /a/jails}
components: /c
beanstalkd_addr: "queue.local"
beanstalkd_secret: /bs
execution_time: ~
dataplaneapi:
  entrypoint: http://haproxy:5555
  auth: {username: admin, password: pw}
haproxy_stats:
  entrypoint: http://haproxy:8404/stats
  auth: {username: s, password: sp}
  read_timeout: 5
skydns: {path: /dns, zone: example.org.}
etcd:
  etcd2: {port: 2380, protocol: https, ca_cert: /ca, cert_key: /key, timeout: 3, api_path: /v3/}
  etcd1:
max_watch_commands: 2
metadata: {location: /m, size: 2048, namespaces: /n}
autodisable: {enabled: false, failures: 3, interval: 10, increase: 20, max-increase: 40, strict: false}
max_autoscale_logs: 5
autoscale_logs_expire_time: 60
overlordd:
  database: /var/db/overlordd.db
  binaries: {appjail: /sim/appjail, appjail-director: /sim/director, rctl: /sim/rctl, sysctl: /sim/sysctl}
  timeouts: {default: 5, director-up: 600, director-ls: 0}
  max_output: 4096
  max_log_bytes: 8192
)");
  ASSERT_TRUE(L.Cfg) << L.Out;
  const EngineConfig &C = *L.Cfg;
  EXPECT_EQ(C.ServerId, "/srv/id");
  EXPECT_EQ(C.Port, 9000);
  EXPECT_TRUE(C.Tls.enabled());
  EXPECT_EQ(C.Tls.Port, 9443);
  EXPECT_TRUE(C.Debug);
  EXPECT_FALSE(C.CompressResponse);
  EXPECT_EQ(C.Polling.Adaptive.MaxIdlePenalty, 4);
  EXPECT_EQ(C.Polling.Autoscale, 7);
  EXPECT_EQ(C.Polling.Heartbeat, 30);
  EXPECT_EQ(C.Polling.SkewEnd, 0);
  EXPECT_EQ(C.Polling.Keywords.at("jail"),
            (std::vector<std::string>{"name", "dirty"}));
  EXPECT_TRUE(C.Polling.Keywords.at("nat").empty());
  // A group not written keeps the default, with or without `polling`.
  EXPECT_EQ(C.Polling.Keywords.at("devfs"),
            (std::vector<std::string>{"enabled", "rule", "name"}));
  EXPECT_EQ(C.Memcache.Connections.size(), 2u);
  EXPECT_EQ(C.Memcache.MaxPoolSize, 8);
  EXPECT_FALSE(C.Memcache.NoDelay);
  EXPECT_EQ(C.SecretKey, std::string("hunter2"));
  ASSERT_EQ(C.Chains.size(), 2u);
  EXPECT_EQ(C.Chains[0].Name, "alpha"); // sorted
  EXPECT_TRUE(C.Chains[0].Disable);
  EXPECT_EQ(C.Chains[0].Timeout, -1);
  EXPECT_EQ(C.Chains[0].Retry.Total, 3);
  EXPECT_EQ(C.Chains[0].Retry.BackoffFactor, 0.5);
  EXPECT_FALSE(C.Chains[0].Retry.RespectRetryAfterHeader);
  EXPECT_EQ(C.Chains[1].AccessToken, "tok-from-env");
  EXPECT_EQ(C.findChain("zeta")->ReadTimeout, 10);
  EXPECT_FALSE(C.findChain("nope"));
  EXPECT_EQ(C.Labels.size(), 3u);
  EXPECT_EQ(C.DirectorLogs, "/d/logs");
  EXPECT_EQ(C.AppjailJails, "/a/jails");
  EXPECT_EQ(C.BeanstalkdHost, "queue.local");
  EXPECT_EQ(C.BeanstalkdPort, 11300);
  EXPECT_FALSE(C.ExecutionTime);
  EXPECT_TRUE(C.DataPlaneApi.Present);
  EXPECT_EQ(C.DataPlaneApi.Password, "pw");
  EXPECT_EQ(C.HaproxyStats.ReadTimeout, 5);
  EXPECT_EQ(C.SkydnsZone, "example.org.");
  ASSERT_EQ(C.Etcd.size(), 2u);
  EXPECT_EQ(C.Etcd[0].Host, "etcd1");
  EXPECT_EQ(C.Etcd[0].Port, 2379);
  EXPECT_EQ(C.Etcd[1].Protocol, "https");
  EXPECT_EQ(C.Etcd[1].ApiPath, std::string("/v3/"));
  EXPECT_EQ(C.MetadataSize, 2048);
  EXPECT_FALSE(C.Autodisable.Enabled);
  EXPECT_EQ(C.Autodisable.MaxIncrease, 40);
  EXPECT_EQ(C.MaxAutoscaleLogs, 5);
  EXPECT_EQ(C.Overlordd.Database, "/var/db/overlordd.db");
  EXPECT_EQ(C.Overlordd.AppjailDirector, "/sim/director");
  EXPECT_EQ(C.timeoutFor("director-up"), 600);
  EXPECT_EQ(C.timeoutFor("director-down"), 0); // execution_time: null
  EXPECT_EQ(C.timeoutFor("director-ls"), 0);
  EXPECT_EQ(C.timeoutFor("rctl"), 5);
  EXPECT_EQ(C.Overlordd.MaxOutput, 4096);
  EXPECT_TRUE(L.Out.empty()) << L.Out;
}

TEST(Config, NullMeansDefault) {
  Loaded L;
  L.parse("port: ~\npolling:\n  jails: null\nmemcache:\nlabels:\n");
  ASSERT_TRUE(L.Cfg) << L.Out;
  EXPECT_EQ(L.Cfg->Port, 8888);
  EXPECT_EQ(L.Cfg->Polling.Jails, 4);
  EXPECT_EQ(L.Cfg->Labels, std::vector<std::string>{"all"});
}

TEST(Config, UnixBeanstalkdAndHostPort) {
  Loaded A;
  A.parse("beanstalkd_addr: 'unix:/var/run/b.sock'\n");
  ASSERT_TRUE(A.Cfg);
  EXPECT_EQ(A.Cfg->BeanstalkdUnixPath, std::string("/var/run/b.sock"));
  Loaded B;
  B.parse("beanstalkd_addr: 'q:1234'\n");
  ASSERT_TRUE(B.Cfg);
  EXPECT_EQ(B.Cfg->BeanstalkdHost, "q");
  EXPECT_EQ(B.Cfg->BeanstalkdPort, 1234);
}

TEST(Config, PrintConfigMasksSecrets) {
  Loaded L;
  L.parse("secret_key: hunter2\n"
          "chains: {c1: {entrypoint: 'http://x', access_token: tokval}}\n"
          "dataplaneapi: {auth: {username: u, password: pwval}}\n");
  ASSERT_TRUE(L.Cfg) << L.Out;
  std::string Masked = print(*L.Cfg);
  EXPECT_FALSE(contains(Masked, "hunter2"));
  EXPECT_FALSE(contains(Masked, "tokval"));
  EXPECT_FALSE(contains(Masked, "pwval"));
  EXPECT_TRUE(contains(Masked, "\"secret_key\": \"********\""));
  EXPECT_TRUE(contains(Masked, "\"access_token\": \"********\""));
  std::string Clear = print(*L.Cfg, /*Show=*/true);
  EXPECT_TRUE(contains(Clear, "\"secret_key\": \"hunter2\""));
  EXPECT_TRUE(contains(Clear, "tokval"));
  EXPECT_TRUE(contains(Clear, "pwval"));
  // Deterministic, and complete: every top-level key is printed.
  EXPECT_EQ(Masked, print(*L.Cfg));
  llvm::json::Value V = printConfig(*L.Cfg);
  for (const char *K : {"serverid",
                        "port",
                        "tls",
                        "debug",
                        "compress_response",
                        "polling",
                        "memcache",
                        "secret_key",
                        "secret_keyfile",
                        "log_config",
                        "chains",
                        "labels",
                        "director",
                        "appjail",
                        "components",
                        "beanstalkd_addr",
                        "beanstalkd_secret",
                        "execution_time",
                        "dataplaneapi",
                        "haproxy_stats",
                        "skydns",
                        "etcd",
                        "max_watch_commands",
                        "metadata",
                        "autodisable",
                        "max_autoscale_logs",
                        "autoscale_logs_expire_time",
                        "overlordd"})
    EXPECT_TRUE(V.getAsObject()->get(K)) << K;
  // No secret configured: null, nothing to mask.
  Loaded E;
  E.parse("");
  EXPECT_TRUE(contains(print(*E.Cfg), "\"secret_key\": null"));
  EXPECT_TRUE(contains(print(*E.Cfg), "\"dataplaneapi\": {}"));
}

TEST(Config, KeywordTables) {
  EXPECT_EQ(keywordGroups().size(), 10u);
  EXPECT_EQ(validKeywords("jail").size(), 32u);
  EXPECT_TRUE(defaultKeywords("nope").empty());
  for (llvm::StringRef G : keywordGroups())
    for (llvm::StringRef K : defaultKeywords(G))
      EXPECT_TRUE(llvm::is_contained(validKeywords(G), K))
          << G.str() << K.str();
}

TEST(Config, DefaultConfigPath) {
  Environment Env;
  EXPECT_EQ(defaultConfigPath(Env), ".overlord.yml");
  Env.set("OVERLORD_CONFIG", "/etc/overlord.yml");
  EXPECT_EQ(defaultConfigPath(Env), "/etc/overlord.yml");
}

TEST(Config, LoadConfigFile) {
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("overlord-cfg", Dir));
  std::string Path = (Dir + "/overlord.yml").str();
  {
    std::ofstream OS(Path);
    OS << "port: 1234\n";
  }
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  std::optional<EngineConfig> C = loadConfigFile(Path, Diags, ConfigOptions());
  ASSERT_TRUE(C);
  EXPECT_EQ(C->Port, 1234);
  C = loadConfigFile(Path + ".missing", Diags, ConfigOptions());
  EXPECT_FALSE(C);
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  Diags.flush(OS);
  EXPECT_TRUE(contains(OS.str(), "[FileUnreadable]")) << Out;
  llvm::sys::fs::remove_directories(Dir);
}

//===----------------------------------------------------------------------===//
// Diagnostics: one negative test per kind the reader emits.
//===----------------------------------------------------------------------===//

TEST(ConfigErrors, UnknownKeyWithSuggestionAndCaret) {
  std::string Out = errors("port: 1\nsecret_keyfil: /k\n");
  EXPECT_TRUE(contains(Out, "overlord.yml:2:1: error: unknown key "
                            "'secret_keyfil'; did you mean 'secret_keyfile'? "
                            "[UnknownKey]"))
      << Out;
  EXPECT_TRUE(contains(Out, "secret_keyfil: /k\n^~~~~~~~~~~~~\n")) << Out;
  Out = errors("polling:\n  jail_stat: 1\n");
  EXPECT_TRUE(contains(Out, "unknown key 'jail_stat' in 'polling'; did you "
                            "mean 'jail_stats'? [UnknownKey]"))
      << Out;
  // The reference's substring whitelist for `director` accepted 'log'.
  Out = errors("director: {log: /x}\n");
  EXPECT_TRUE(contains(Out, "unknown key 'log' in 'director'; did you mean "
                            "'logs'? [UnknownKey]"))
      << Out;
  Out = errors("overlordd:\n  timeouts: {director-upp: 1}\n");
  EXPECT_TRUE(contains(Out, "'director-up'? [UnknownKey]")) << Out;
  Out = errors("polling: {keywords: {jails: [name]}}\n");
  EXPECT_TRUE(contains(Out, "in 'polling.keywords'; did you mean 'jail'?"))
      << Out;
  Out = errors("autodisable: {max_increase: 3}\n");
  EXPECT_TRUE(contains(Out, "did you mean 'max-increase'? [UnknownKey]"))
      << Out;
}

TEST(ConfigErrors, WrongTypes) {
  std::string Out = errors("port: '8888'\n");
  EXPECT_TRUE(contains(Out, "1:7: error: 'port' must be an integer, not a "
                            "string [TypeMismatch]"))
      << Out;
  Out = errors("debug: 1\ntls: [a]\nlabels: all\nport: true\n");
  EXPECT_TRUE(contains(Out, "'debug' must be a boolean, not an integer"));
  EXPECT_TRUE(contains(Out, "'tls' must be a map, not a list"));
  EXPECT_TRUE(contains(Out, "'labels' must be a list of strings, not a "
                            "string"));
  EXPECT_TRUE(contains(Out, "'port' must be an integer, not a boolean"));
  Out = errors("- a\n- b\n");
  EXPECT_TRUE(contains(Out, "'overlord.yml' must be a map, not a list "
                            "[TypeMismatch]"))
      << Out;
  Out = errors("chains: {c: {entrypoint: x, access_token: t, retry: "
               "{total: yes}}}\n");
  EXPECT_TRUE(contains(Out, "'chains.c.retry.total' must be a number, not a "
                            "boolean [TypeMismatch]"))
      << Out;
  Out = errors("labels: [all, 3]\n");
  EXPECT_TRUE(contains(Out, "'labels item' must be a string, not an integer"))
      << Out;
}

TEST(ConfigErrors, ScalarNotString) {
  std::string Out = errors("secret_key: 12345\n");
  EXPECT_TRUE(contains(Out, "'secret_key' must be a string, not an integer; "
                            "quote it to keep it as text [ScalarNotString]"))
      << Out;
}

TEST(ConfigErrors, OutOfRange) {
  std::string Out = errors("port: 70000\ntls: {port: 0}\nmetadata: {size: "
                           "10}\nmax_watch_commands: 0\npolling: {jails: "
                           "-1}\n");
  EXPECT_TRUE(contains(Out, "'port' is 70000; it must be from 1 to 65535 "
                            "[IntOutOfRange]"))
      << Out;
  EXPECT_TRUE(contains(Out, "'tls.port' is 0; it must be from 1 to 65535"));
  EXPECT_TRUE(contains(Out, "'metadata.size' is 10; it must be at least 1024"));
  EXPECT_TRUE(contains(Out, "'max_watch_commands' is 0; it must be at least"));
  EXPECT_TRUE(contains(Out, "'polling.jails' is -1; it must be 0 or more"));
  // Validators the reference misspelt are applied here.
  Out = errors("autodisable: {max-increase: 0}\nmax_autoscale_logs: 0\n");
  EXPECT_TRUE(contains(Out, "'autodisable.max-increase' is 0")) << Out;
  EXPECT_TRUE(contains(Out, "'max_autoscale_logs' is 0")) << Out;
}

TEST(ConfigErrors, NumberOutOfRange) {
  std::string Out = errors("chains:\n  c:\n    entrypoint: x\n    "
                           "access_token: t\n    retry: {backoff_jitter: "
                           "1.5}\n");
  EXPECT_TRUE(contains(Out, "'chains.c.retry.backoff_jitter' is 1.5; it must "
                            "be from 0 to 1 [ConfigNumberOutOfRange]"))
      << Out;
  Out = errors("chains: {c: {entrypoint: x, access_token: t, retry: {total: "
               "-1}}}\n");
  EXPECT_TRUE(contains(Out, "must be at least 0 [ConfigNumberOutOfRange]"))
      << Out;
}

TEST(ConfigErrors, TlsIncomplete) {
  std::string Out = errors("tls:\n  keyfile: /k.pem\n");
  EXPECT_TRUE(contains(Out, "2:3: error: 'tls.keyfile' is given without "
                            "'tls.certfile'; the HTTPS listener needs both "
                            "[ConfigTlsIncomplete]"))
      << Out;
  Out = errors("tls: {certfile: /c.pem}\n");
  EXPECT_TRUE(contains(Out, "'tls.certfile' is given without 'tls.keyfile'"))
      << Out;
}

TEST(ConfigErrors, Skew) {
  std::string Out = errors("polling: {skew: [10, 6]}\n");
  EXPECT_TRUE(contains(Out, "'polling.skew' starts at 10, after its end 6; "
                            "write the smaller number first [ConfigSkewOrder]"))
      << Out;
  Out = errors("polling: {skew: [1, 2, 3]}\n");
  EXPECT_TRUE(contains(Out, "'polling.skew' has 3 items; it needs exactly 2 "
                            "[ConfigListLength]"))
      << Out;
  Out = errors("polling: {skew: [1, x]}\n");
  EXPECT_TRUE(contains(Out, "'polling.skew item' must be an integer, not a "
                            "string"))
      << Out;
  Out = errors("polling: {skew: [-1, 2]}\n");
  EXPECT_TRUE(contains(Out, "[IntOutOfRange]")) << Out;
  Out = errors("polling: {skew: 5}\n");
  EXPECT_TRUE(contains(Out, "must be a list of two integers")) << Out;
}

TEST(ConfigErrors, Keywords) {
  std::string Out = errors("polling:\n  keywords:\n    jail: [name, dirtyy]\n");
  EXPECT_TRUE(contains(Out, "3:18: error: unknown 'jail' keyword 'dirtyy'; "
                            "did you mean 'dirty'? [UnknownValue]"))
      << Out;
  Out = errors("polling: {keywords: {nat: rule}}\n");
  EXPECT_TRUE(contains(Out, "'polling.keywords.nat' must be a list of "
                            "strings"))
      << Out;
  // A duplicate is a warning: the file still loads.
  Loaded L;
  L.parse("polling: {keywords: {label: [value, value]}}\n");
  ASSERT_TRUE(L.Cfg) << L.Out;
  EXPECT_TRUE(L.has("warning: keyword 'value' is listed twice in "
                    "'polling.keywords.label' [ConfigDuplicateKeyword]"))
      << L.Out;
  EXPECT_EQ(L.Cfg->Polling.Keywords.at("label"),
            std::vector<std::string>{"value"});
}

TEST(ConfigErrors, Secrets) {
  std::string Out = errors("secret_key: ''\n");
  EXPECT_TRUE(contains(Out, "'secret_key' is empty; anyone could sign tokens "
                            "for this node [ConfigEmptySecret]"))
      << Out;
  Loaded L;
  L.parse("secret_key: s\nsecret_keyfile: /k\n");
  ASSERT_TRUE(L.Cfg);
  EXPECT_TRUE(L.has("2:1: warning: 'secret_keyfile' is ignored because "
                    "'secret_key' is set [ConfigSecretKeyfileIgnored]"))
      << L.Out;
}

TEST(ConfigErrors, Chains) {
  std::string Out = errors("chains:\n  bad.name: {entrypoint: x, "
                           "access_token: t}\n");
  EXPECT_TRUE(contains(Out, "chain name 'bad.name' does not match "
                            "'^[a-zA-Z0-9_][a-zA-Z0-9_-]*$' [PatternMismatch]"))
      << Out;
  Out = errors("chains:\n  c1:\n    entrypoint: http://x\n");
  EXPECT_TRUE(contains(Out, "2:3: error: missing required key 'access_token' "
                            "in 'chains.c1' [MissingKey]"))
      << Out;
  Out = errors("chains:\n  c1:\n");
  EXPECT_TRUE(contains(Out, "missing required key 'entrypoint'")) << Out;
  Out = errors("chains: {c1: [x]}\n");
  EXPECT_TRUE(contains(Out, "'chains.c1' must be a map, not a list")) << Out;
  Out = errors("chains: {1: {entrypoint: x, access_token: t}}\n");
  EXPECT_TRUE(contains(Out, "keys of 'chains' must be strings, not an integer "
                            "[NonStringKey]"))
      << Out;
  Out = errors("chains: {c: {entrypoint: x, access_token: t, tiemout: 1}}\n");
  EXPECT_TRUE(contains(Out, "in 'chains.c'; did you mean 'timeout'?")) << Out;
}

TEST(ConfigErrors, Labels) {
  std::string Out = errors("labels: []\n");
  EXPECT_TRUE(contains(Out, "'labels' is empty; it needs at least one label "
                            "[EmptyValue]"))
      << Out;
  Out = errors("labels: [all, 'no spaces']\n");
  EXPECT_TRUE(contains(Out, "label 'no spaces' does not match")) << Out;
  Out = errors("overlordd: {binaries: {rctl: ''}}\n");
  EXPECT_TRUE(contains(Out, "'overlordd.binaries.rctl' is empty")) << Out;
}

TEST(ConfigErrors, HttpServices) {
  std::string Out = errors("haproxy_stats:\n  auth: {username: a, password: "
                           "b}\n");
  EXPECT_TRUE(contains(Out, "1:1: error: missing required key 'entrypoint' "
                            "in 'haproxy_stats' [MissingKey]"))
      << Out;
  Out = errors("dataplaneapi: {entrypoint: 'http://x'}\n");
  EXPECT_TRUE(contains(Out, "missing required key 'auth' in 'dataplaneapi'"))
      << Out;
  Out = errors("dataplaneapi: {entrypoint: 'http://x', auth: {usernme: a}}\n");
  EXPECT_TRUE(contains(Out, "in 'dataplaneapi.auth'; did you mean "
                            "'username'?"))
      << Out;
}

TEST(ConfigErrors, Etcd) {
  std::string Out = errors("etcd: {e1: {protocol: htps}}\n");
  EXPECT_TRUE(contains(Out, "unknown etcd protocol 'htps'; did you mean "
                            "'https'? [UnknownValue]"))
      << Out;
  Out = errors("etcd: {e1: {port: 0}}\n");
  EXPECT_TRUE(contains(Out, "'etcd.e1.port' is 0")) << Out;
  Out = errors("etcd: {e1: 5}\n");
  EXPECT_TRUE(contains(Out, "'etcd.e1' must be a map")) << Out;
}

TEST(ConfigErrors, BeanstalkdAddress) {
  std::string Out = errors("beanstalkd_addr: 'host:99999'\n");
  EXPECT_TRUE(contains(Out, "'beanstalkd_addr' is 'host:99999'; expected "
                            "'host:port' with a port from 1 to 65535, 'host' "
                            "or 'unix:/path' [ConfigBadAddress]"))
      << Out;
  Out = errors("beanstalkd_addr: 'unix:'\n");
  EXPECT_TRUE(contains(Out, "[ConfigBadAddress]")) << Out;
  Out = errors("beanstalkd_addr: ':11300'\n");
  EXPECT_TRUE(contains(Out, "[ConfigBadAddress]")) << Out;
}

TEST(ConfigErrors, YamlSyntaxAndAllErrorsInOneRun) {
  std::string Out = errors("port: [1\n");
  EXPECT_TRUE(contains(Out, "error:")) << Out;
  Out = errors("port: x\ndebug: 2\nfoo: 1\n");
  EXPECT_TRUE(contains(Out, "1:7:")) << Out;
  EXPECT_TRUE(contains(Out, "2:8:")) << Out;
  EXPECT_TRUE(contains(Out, "3:1:")) << Out;
}

TEST(ConfigErrors, NeverCrashesOnOddInput) {
  for (const char *Text : {"polling: {keywords: [a]}\n", "chains: []\n",
                           "etcd: [a]\n", "overlordd: {timeouts: [1]}\n",
                           "tls: {keyfile: [x]}\n", "polling: {adaptive: 3}\n",
                           "labels: [~]\n", "polling: {skew: [~, 1]}\n",
                           "? [a]\n: b\n", "\"\\0\": 1\n", "log_config: 3\n"}) {
    Loaded L;
    L.parse(Text);
    EXPECT_FALSE(L.Cfg) << Text;
    EXPECT_TRUE(L.has("error:")) << Text;
  }
}

TEST(ConfigErrors, MutatedInputsNeverCrash) {
  // Deterministic byte mutations of a full configuration: every result is
  // either a config or diagnostics, never a crash.
  const std::string Base =
      "port: 9000\ntls: {keyfile: /k, certfile: /c}\npolling:\n  skew: [1, 2]\n"
      "  keywords: {jail: [name]}\nchains:\n  a: {entrypoint: x, access_token: "
      "t, retry: {total: 1.5}}\netcd: {h: {port: 1}}\nbeanstalkd_addr: "
      "'h:1'\noverlordd: {timeouts: {default: 1}}\n";
  const char Alphabet[] = "{}[]:,-'\"!~ \n\t#&*|>0aZ.";
  uint32_t Seed = 12345;
  auto Next = [&] { return Seed = Seed * 1103515245u + 12345u; };
  for (int I = 0; I < 400; ++I) {
    std::string Text = Base;
    for (int J = 0, N = 1 + Next() % 4; J < N; ++J)
      Text[Next() % Text.size()] = Alphabet[Next() % (sizeof(Alphabet) - 1)];
    Loaded L;
    L.parse(Text);
    EXPECT_TRUE(L.Cfg || L.has("error")) << Text;
  }
}

TEST(Config, EnvValues) {
  Loaded L;
  L.Env.set("OV_PORT", "9100");
  L.Env.set("OV_KEY", "from-env");
  // pyaml-env's typed form; a bare `!ENV` value is a string, as in the
  // reference, and `port` rejects it.
  L.parse("port: !ENV 'tag:yaml.org,2002:int ${OV_PORT}'\nsecret_key: !ENV "
          "'${OV_KEY}'\n"
          "labels: [!ENV '${OV_LABEL:web}']\n");
  ASSERT_TRUE(L.Cfg) << L.Out;
  EXPECT_EQ(L.Cfg->Port, 9100);
  EXPECT_EQ(L.Cfg->SecretKey, std::string("from-env"));
  EXPECT_EQ(L.Cfg->Labels, std::vector<std::string>{"web"});
  Loaded S;
  S.Env.set("OV_PORT", "9100");
  S.parse("port: !ENV '${OV_PORT}'\n");
  EXPECT_FALSE(S.Cfg);
  EXPECT_TRUE(S.has("'port' must be an integer, not a string")) << S.Out;
}

TEST(Config, PrintConfigRoundTrips) {
  // print-config output (JSON is YAML) read back gives the same
  // configuration: nothing is lost or reinterpreted.
  Loaded A;
  A.parse("secret_key: s\nchains: {c: {entrypoint: 'http://c', "
          "access_token: t, retry: {backoff_factor: 0.5}}}\n"
          "haproxy_stats: {entrypoint: 'http://h', auth: {username: u, "
          "password: p}}\npolling: {heartbeat: 5, keywords: {jail: [dirty]}}\n"
          "overlordd: {timeouts: {rctl: 3}}\n");
  ASSERT_TRUE(A.Cfg) << A.Out;
  std::string First = print(*A.Cfg, /*Show=*/true);
  Loaded B;
  B.parse(First);
  ASSERT_TRUE(B.Cfg) << B.Out;
  EXPECT_EQ(print(*B.Cfg, true), First);
  // The defaults too, including `dataplaneapi: {}` (not configured).
  Loaded C;
  C.parse("");
  std::string Defaults = print(*C.Cfg, true);
  Loaded D;
  D.parse(Defaults);
  ASSERT_TRUE(D.Cfg) << D.Out;
  EXPECT_FALSE(D.Cfg->DataPlaneApi.Present);
  EXPECT_EQ(print(*D.Cfg, true), Defaults);
}
