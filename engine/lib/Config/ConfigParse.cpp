//===- ConfigParse.cpp - Reading overlord.yml -------------------*- C++ -*-===//
//
// Checks an `overlord.yml` document against the reference's key whitelist
// (overlord-behaviour.md §3) plus overlordd's own `overlordd` section, and
// fills an EngineConfig. Every error is reported in one run; a wrong value
// keeps its default so later checks do not cascade.
//
//===----------------------------------------------------------------------===//
#include "ConfigParser.h"

#include "overlord/Engine/Config.h"
#include "overlord/Support/Suggest.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::detail;
using ast::Value;
using ast::toJson;

void ConfigParser::missing(const Value &Where, llvm::StringRef Key,
                           llvm::StringRef Path) {
  R.diags().emit(Where.Range, diag::MissingKey, Key.str(),
                 " in '" + Path.str() + "'");
}

void ConfigParser::parseRoot(const Value &Root) {
  static const llvm::StringRef Keys[] = {"serverid",
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
                                         "overlordd"};
  R.checkKeys(Root, Keys, "");
  R.getString(Root, "serverid", "", Cfg.ServerId);
  R.getInt(Root, "port", "", Cfg.Port, 1, 65535);
  parseTls(Root);
  R.getBool(Root, "debug", "", Cfg.Debug);
  R.getBool(Root, "compress_response", "", Cfg.CompressResponse);
  if (const Value *P = R.getMap(Root, "polling", ""))
    parsePolling(*P);
  if (const Value *M = R.getMap(Root, "memcache", ""))
    parseMemcache(*M);
  parseSecrets(Root);
  if (const Value *L = R.getMap(Root, "log_config", ""))
    Cfg.LogConfig = toJson(*L);
  if (const Value *C = R.getMap(Root, "chains", ""))
    parseChains(*C);
  parseLabels(Root);
  if (const Value *D = R.getMap(Root, "director", "")) {
    static const llvm::StringRef DKeys[] = {"logs"};
    R.checkKeys(*D, DKeys, "director");
    R.getString(*D, "logs", "director", Cfg.DirectorLogs);
  }
  if (const Value *A = R.getMap(Root, "appjail", "")) {
    static const llvm::StringRef AKeys[] = {"logs", "images", "jails"};
    R.checkKeys(*A, AKeys, "appjail");
    R.getString(*A, "logs", "appjail", Cfg.AppjailLogs);
    R.getString(*A, "images", "appjail", Cfg.AppjailImages);
    R.getString(*A, "jails", "appjail", Cfg.AppjailJails);
  }
  R.getString(Root, "components", "", Cfg.Components);
  parseBeanstalkdAddr(Root);
  R.getString(Root, "beanstalkd_secret", "", Cfg.BeanstalkdSecret);
  // `execution_time: null` means no limit (the reference's documented
  // meaning); absent means the default.
  if (const ast::MapEntry *E = Root.getEntry("execution_time"))
    if (E->Val && E->Val->isNull())
      Cfg.ExecutionTime.reset();
  R.getOptInt(Root, "execution_time", "", Cfg.ExecutionTime, 1);
  parseHttpService(Root, "dataplaneapi", Cfg.DataPlaneApi, false);
  parseHttpService(Root, "haproxy_stats", Cfg.HaproxyStats, true);
  if (const Value *S = R.getMap(Root, "skydns", "")) {
    static const llvm::StringRef SKeys[] = {"path", "zone"};
    R.checkKeys(*S, SKeys, "skydns");
    R.getString(*S, "path", "skydns", Cfg.SkydnsPath);
    R.getString(*S, "zone", "skydns", Cfg.SkydnsZone);
  }
  if (const Value *E = R.getMap(Root, "etcd", ""))
    parseEtcd(*E);
  R.getInt(Root, "max_watch_commands", "", Cfg.MaxWatchCommands, 1);
  if (const Value *M = R.getMap(Root, "metadata", "")) {
    static const llvm::StringRef MKeys[] = {"location", "size", "namespaces"};
    R.checkKeys(*M, MKeys, "metadata");
    R.getString(*M, "location", "metadata", Cfg.MetadataLocation);
    R.getInt(*M, "size", "metadata", Cfg.MetadataSize, 1024);
    R.getString(*M, "namespaces", "metadata", Cfg.MetadataNamespaces);
  }
  if (const Value *A = R.getMap(Root, "autodisable", "")) {
    static const llvm::StringRef AKeys[] = {"enabled",      "failures",
                                            "interval",     "increase",
                                            "max-increase", "strict"};
    AutodisableConfig &D = Cfg.Autodisable;
    R.checkKeys(*A, AKeys, "autodisable");
    R.getBool(*A, "enabled", "autodisable", D.Enabled);
    R.getInt(*A, "failures", "autodisable", D.Failures, 1);
    R.getInt(*A, "interval", "autodisable", D.Interval, 1);
    R.getInt(*A, "increase", "autodisable", D.Increase, 1);
    R.getInt(*A, "max-increase", "autodisable", D.MaxIncrease, 1);
    R.getBool(*A, "strict", "autodisable", D.Strict);
  }
  R.getInt(Root, "max_autoscale_logs", "", Cfg.MaxAutoscaleLogs, 1);
  R.getInt(Root, "autoscale_logs_expire_time", "", Cfg.AutoscaleLogsExpireTime,
           1);
  if (const Value *O = R.getMap(Root, "overlordd", ""))
    parseOverlordd(*O);
}

void ConfigParser::parseTls(const Value &Root) {
  const Value *T = R.getMap(Root, "tls", "");
  if (!T)
    return;
  static const llvm::StringRef Keys[] = {"keyfile", "certfile", "port"};
  R.checkKeys(*T, Keys, "tls");
  R.getOptString(*T, "keyfile", "tls", Cfg.Tls.KeyFile);
  R.getOptString(*T, "certfile", "tls", Cfg.Tls.CertFile);
  R.getInt(*T, "port", "tls", Cfg.Tls.Port, 1, 65535);
  if (Cfg.Tls.KeyFile && !Cfg.Tls.CertFile)
    R.diags().emit(ConfigReader::keyRange(*T, "keyfile"),
                   diag::ConfigTlsIncomplete, std::string("keyfile"),
                   std::string("certfile"));
  else if (Cfg.Tls.CertFile && !Cfg.Tls.KeyFile)
    R.diags().emit(ConfigReader::keyRange(*T, "certfile"),
                   diag::ConfigTlsIncomplete, std::string("certfile"),
                   std::string("keyfile"));
}

void ConfigParser::parsePolling(const Value &P) {
  static const llvm::StringRef Keys[] = {
      "adaptive",  "jail_stats",  "jail_info",    "projects",
      "jails",     "jail_extras", "project_info", "autoscale",
      "heartbeat", "skew",        "keywords"};
  R.checkKeys(P, Keys, "polling");
  PollingConfig &C = Cfg.Polling;
  if (const Value *A = R.getMap(P, "adaptive", "polling")) {
    static const llvm::StringRef AKeys[] = {"poll_window", "max_idle",
                                            "idle_penalty", "max_idle_penalty"};
    const char *Path = "polling.adaptive";
    R.checkKeys(*A, AKeys, Path);
    R.getInt(*A, "poll_window", Path, C.Adaptive.PollWindow, 0);
    R.getInt(*A, "max_idle", Path, C.Adaptive.MaxIdle, 0);
    R.getInt(*A, "idle_penalty", Path, C.Adaptive.IdlePenalty, 0);
    R.getInt(*A, "max_idle_penalty", Path, C.Adaptive.MaxIdlePenalty, 1);
  }
  R.getInt(P, "jail_stats", "polling", C.JailStats, 0);
  R.getInt(P, "jail_info", "polling", C.JailInfo, 0);
  R.getInt(P, "projects", "polling", C.Projects, 0);
  R.getInt(P, "jails", "polling", C.Jails, 0);
  R.getInt(P, "jail_extras", "polling", C.JailExtras, 0);
  R.getInt(P, "project_info", "polling", C.ProjectInfo, 0);
  R.getInt(P, "autoscale", "polling", C.Autoscale, 0);
  R.getOptInt(P, "heartbeat", "polling", C.Heartbeat, 0);
  parseSkew(P);
  if (const Value *K = R.getMap(P, "keywords", "polling"))
    parseKeywords(*K);
}

void ConfigParser::parseSkew(const Value &P) {
  const Value *S = R.lookup(P, "skew");
  if (!S)
    return;
  if (!S->isList()) {
    R.typeMismatch(*S, "polling.skew", "a list of two integers");
    return;
  }
  if (S->Items.size() != 2) {
    R.diags().emit(S->Range, diag::ConfigListLength,
                   std::string("polling.skew"), (uint64_t)S->Items.size(),
                   (uint64_t)2);
    return;
  }
  int64_t V[2];
  for (unsigned I = 0; I < 2; ++I) {
    const Value *It = S->Items[I];
    if (!It || !It->isInt()) {
      if (It)
        R.typeMismatch(*It, "polling.skew item", "an integer");
      return;
    }
    if (It->IntVal < 0) {
      R.diags().emit(It->Range, diag::IntOutOfRange,
                     std::string("polling.skew item"), It->IntVal,
                     std::string("0 or more"));
      return;
    }
    V[I] = It->IntVal;
  }
  if (V[0] > V[1]) {
    R.diags().emit(S->Range, diag::ConfigSkewOrder, V[0], V[1]);
    return;
  }
  Cfg.Polling.SkewBegin = V[0];
  Cfg.Polling.SkewEnd = V[1];
}

void ConfigParser::parseKeywords(const Value &K) {
  R.checkKeys(K, keywordGroups(), "polling.keywords");
  for (llvm::StringRef Group : keywordGroups()) {
    std::string Path = "polling.keywords." + Group.str();
    const Value *L = R.lookup(K, Group);
    if (!L)
      continue;
    if (!L->isList()) {
      R.typeMismatch(*L, Path, "a list of strings");
      continue;
    }
    llvm::ArrayRef<llvm::StringRef> Valid = validKeywords(Group);
    std::vector<std::string> Out;
    bool Ok = true;
    for (const Value *I : L->Items) {
      if (!I || !I->isString()) {
        if (I)
          R.typeMismatch(*I, Path + " item", "a string");
        Ok = false;
        continue;
      }
      if (!llvm::is_contained(Valid, llvm::StringRef(I->Text))) {
        std::string Best = suggestClosest(I->Text, Valid);
        DiagBuilder B = R.diags().emit(I->Range, diag::UnknownValue,
                                       "'" + Group.str() + "' keyword", I->Text,
                                       didYouMean(Best));
        if (!Best.empty())
          B.fixit(I->Range, Best);
        Ok = false;
        continue;
      }
      if (llvm::is_contained(Out, I->Text)) {
        R.diags().emit(I->Range, diag::ConfigDuplicateKeyword, I->Text, Path);
        continue;
      }
      Out.push_back(I->Text);
    }
    if (Ok)
      Cfg.Polling.Keywords[Group.str()] = std::move(Out);
  }
}

void ConfigParser::parseMemcache(const Value &M) {
  static const llvm::StringRef Keys[] = {
      "connections",     "max_pool_size", "pool_idle_timeout",
      "retry_attempts",  "retry_timeout", "dead_timeout",
      "connect_timeout", "timeout",       "no_delay"};
  const char *P = "memcache";
  MemcacheConfig &C = Cfg.Memcache;
  R.checkKeys(M, Keys, P);
  R.getStringList(M, "connections", P, C.Connections);
  R.getOptInt(M, "max_pool_size", P, C.MaxPoolSize, 1);
  R.getInt(M, "pool_idle_timeout", P, C.PoolIdleTimeout, 0);
  R.getInt(M, "retry_attempts", P, C.RetryAttempts, 1);
  R.getInt(M, "retry_timeout", P, C.RetryTimeout, 1);
  R.getInt(M, "dead_timeout", P, C.DeadTimeout, 1);
  R.getInt(M, "connect_timeout", P, C.ConnectTimeout, 1);
  R.getInt(M, "timeout", P, C.Timeout, 1);
  R.getBool(M, "no_delay", P, C.NoDelay);
}

void ConfigParser::parseSecrets(const Value &Root) {
  R.getOptString(Root, "secret_key", "", Cfg.SecretKey);
  R.getString(Root, "secret_keyfile", "", Cfg.SecretKeyFile);
  if (!Cfg.SecretKey)
    return;
  if (Cfg.SecretKey->empty()) {
    R.diags().emit(R.lookup(Root, "secret_key")->Range,
                   diag::ConfigEmptySecret);
    Cfg.SecretKey.reset();
  }
  if (R.lookup(Root, "secret_keyfile"))
    R.diags().emit(ConfigReader::keyRange(Root, "secret_keyfile"),
                   diag::ConfigSecretKeyfileIgnored);
}

std::optional<EngineConfig> engine::parseConfig(unsigned BufferID,
                                                DiagnosticEngine &Diags,
                                                const ConfigOptions &Opts) {
  unsigned ErrorsBefore = Diags.getNumErrors();
  yaml::ParseOptions PO;
  PO.Env = Opts.Env;
  std::unique_ptr<ast::Document> Doc = yaml::parseBuffer(BufferID, Diags, PO);
  if (!Doc || Diags.getNumErrors() != ErrorsBefore)
    return std::nullopt;
  EngineConfig Cfg = defaultConfig(Opts);
  if (Doc->Root && !Doc->Root->isNull()) {
    if (!Doc->Root->isMap()) {
      ConfigReader(Diags).typeMismatch(*Doc->Root, "overlord.yml", "a map");
      return std::nullopt;
    }
    ConfigParser(Diags, Cfg).parseRoot(*Doc->Root);
  }
  if (Diags.getNumErrors() != ErrorsBefore)
    return std::nullopt;
  return Cfg;
}

std::optional<EngineConfig> engine::loadConfigFile(llvm::StringRef Path,
                                                   DiagnosticEngine &Diags,
                                                   const ConfigOptions &Opts) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buf =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/true);
  if (!Buf) {
    Diags.emit(llvm::SMRange(), diag::FileUnreadable, Path.str(),
               Buf.getError().message());
    return std::nullopt;
  }
  unsigned ID =
      Diags.getSourceMgr().AddNewSourceBuffer(std::move(*Buf), llvm::SMLoc());
  return parseConfig(ID, Diags, Opts);
}
