//===- ConfigSections.cpp - Chains, services, etcd, overlordd ---*- C++ -*-===//
//
// The sections of overlord.yml that name other systems: downstream chains,
// advertised labels, the beanstalkd address, the HAProxy Data Plane API and
// stats clients, etcd endpoints, and overlordd's own `overlordd` section.
//
//===----------------------------------------------------------------------===//
#include "ConfigParser.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <iterator>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::detail;

static constexpr const char *ChainNameRegex = "^[a-zA-Z0-9_][a-zA-Z0-9_-]*$";

/// `^[a-zA-Z0-9_][a-zA-Z0-9_-]*$`: chain names and labels.
static bool isChainName(llvm::StringRef S) {
  if (S.empty() || S.front() == '-')
    return false;
  return llvm::all_of(
      S, [](char C) { return llvm::isAlnum(C) || C == '_' || C == '-'; });
}

void ConfigParser::parseChains(const Value &C) {
  for (const ast::MapEntry &E : C.Entries) {
    if (!E.Key)
      continue;
    if (!E.Key->isString()) {
      R.diags().emit(E.Key->Range, diag::NonStringKey, std::string("chains"),
                     kindNoun(E.Key->Kind).str());
      continue;
    }
    if (!isChainName(E.Key->Text)) {
      R.diags().emit(E.Key->Range, diag::PatternMismatch,
                     std::string("chain name"), E.Key->Text,
                     std::string(ChainNameRegex));
      continue;
    }
    ChainConfig Chain;
    Chain.Name = E.Key->Text;
    if (!E.Val || E.Val->isNull()) {
      missing(*E.Key, "entrypoint", "chains." + Chain.Name);
      continue;
    }
    if (!R.expectMap(*E.Val, "chains." + Chain.Name))
      continue;
    parseChain(*E.Key, *E.Val, Chain);
    Cfg.Chains.push_back(std::move(Chain));
  }
  llvm::sort(Cfg.Chains, [](const ChainConfig &A, const ChainConfig &B) {
    return A.Name < B.Name;
  });
}

void ConfigParser::parseChain(const Value &KeyV, const Value &V,
                              ChainConfig &Chain) {
  static const llvm::StringRef Keys[] = {"entrypoint",
                                         "access_token",
                                         "disable",
                                         "timeout",
                                         "read_timeout",
                                         "write_timeout",
                                         "connect_timeout",
                                         "pool_timeout",
                                         "max_keepalive_connections",
                                         "max_connections",
                                         "keepalive_expiry",
                                         "cacert",
                                         "retry"};
  std::string P = "chains." + Chain.Name;
  R.checkKeys(V, Keys, P);
  if (!R.lookup(V, "entrypoint"))
    missing(KeyV, "entrypoint", P);
  if (!R.lookup(V, "access_token"))
    missing(KeyV, "access_token", P);
  R.getString(V, "entrypoint", P, Chain.Entrypoint);
  R.getString(V, "access_token", P, Chain.AccessToken);
  R.getBool(V, "disable", P, Chain.Disable);
  // `timeout` below 0 means "none" in the reference; keep it as written.
  R.getInt(V, "timeout", P, Chain.Timeout, INT64_MIN);
  R.getInt(V, "read_timeout", P, Chain.ReadTimeout, 0);
  R.getInt(V, "write_timeout", P, Chain.WriteTimeout, 0);
  R.getInt(V, "connect_timeout", P, Chain.ConnectTimeout, 0);
  R.getInt(V, "pool_timeout", P, Chain.PoolTimeout, 0);
  R.getInt(V, "max_keepalive_connections", P, Chain.MaxKeepaliveConnections, 0);
  R.getInt(V, "max_connections", P, Chain.MaxConnections, 1);
  R.getInt(V, "keepalive_expiry", P, Chain.KeepaliveExpiry, 0);
  R.getOptString(V, "cacert", P, Chain.CACert);
  const Value *Retry = R.getMap(V, "retry", P);
  if (!Retry)
    return;
  static const llvm::StringRef RKeys[] = {
      "total", "max_backoff_wait", "backoff_factor",
      "respect_retry_after_header", "backoff_jitter"};
  std::string RP = P + ".retry";
  RetryConfig &RC = Chain.Retry;
  const double Inf = HUGE_VAL;
  R.checkKeys(*Retry, RKeys, RP);
  R.getNumber(*Retry, "total", RP, RC.Total, 0, Inf);
  R.getNumber(*Retry, "max_backoff_wait", RP, RC.MaxBackoffWait, 0, Inf);
  R.getNumber(*Retry, "backoff_factor", RP, RC.BackoffFactor, 0, Inf);
  R.getBool(*Retry, "respect_retry_after_header", RP,
            RC.RespectRetryAfterHeader);
  R.getNumber(*Retry, "backoff_jitter", RP, RC.BackoffJitter, 0, 1);
}

void ConfigParser::parseLabels(const Value &Root) {
  const Value *L = R.lookup(Root, "labels");
  std::vector<std::string> Labels;
  if (!L || !R.getStringList(Root, "labels", "", Labels))
    return;
  if (Labels.empty()) {
    R.diags().emit(L->Range, diag::EmptyValue, std::string("labels"),
                   std::string("label"));
    return;
  }
  bool Ok = true;
  for (size_t I = 0; I < Labels.size(); ++I)
    if (!isChainName(Labels[I])) {
      R.diags().emit(L->Items[I]->Range, diag::PatternMismatch,
                     std::string("label"), Labels[I],
                     std::string(ChainNameRegex));
      Ok = false;
    }
  if (Ok)
    Cfg.Labels = std::move(Labels);
}

void ConfigParser::parseBeanstalkdAddr(const Value &Root) {
  std::optional<std::string> A;
  R.getOptString(Root, "beanstalkd_addr", "", A);
  if (!A)
    return;
  llvm::StringRef S(*A);
  const Value &V = *R.lookup(Root, "beanstalkd_addr");
  if (S.consume_front("unix:")) {
    if (S.empty()) {
      R.diags().emit(V.Range, diag::ConfigBadAddress,
                     std::string("beanstalkd_addr"), *A,
                     std::string("'unix:/path/to/socket'"));
      return;
    }
    Cfg.BeanstalkdUnixPath = S.str();
    return;
  }
  // The reference turns a bare "host" into (["host"], 11300), a bug; a bare
  // host here gets the default port.
  auto [Host, Port] = S.rsplit(':');
  unsigned long long N = 11300;
  bool HasPort = Host.size() != S.size();
  if (Host.empty() || (HasPort && (llvm::getAsUnsignedInteger(Port, 10, N) ||
                                   N < 1 || N > 65535))) {
    R.diags().emit(V.Range, diag::ConfigBadAddress,
                   std::string("beanstalkd_addr"), *A,
                   std::string("'host:port' with a port from 1 to 65535, "
                               "'host' or 'unix:/path'"));
    return;
  }
  Cfg.BeanstalkdHost = Host.str();
  Cfg.BeanstalkdPort = (int64_t)N;
}

void ConfigParser::parseHttpService(const Value &Root, llvm::StringRef Name,
                                    HttpServiceConfig &Out,
                                    bool NeedEntrypoint) {
  const Value *S = R.getMap(Root, Name, "");
  // `{}` is the reference's default and is falsy in Python: not configured.
  if (!S || S->Entries.empty())
    return;
  static const llvm::StringRef Keys[] = {
      "entrypoint",      "auth",
      "timeout",         "read_timeout",
      "write_timeout",   "connect_timeout",
      "pool_timeout",    "max_keepalive_connections",
      "max_connections", "keepalive_expiry",
      "cacert"};
  std::string P = Name.str();
  Out.Present = true;
  R.checkKeys(*S, Keys, P);
  const Value &KeyV = *Root.getEntry(Name)->Key;
  if (NeedEntrypoint && !R.lookup(*S, "entrypoint"))
    missing(KeyV, "entrypoint", P);
  R.getOptString(*S, "entrypoint", P, Out.Entrypoint);
  if (!R.lookup(*S, "auth")) {
    missing(KeyV, "auth", P);
  } else if (const Value *A = R.getMap(*S, "auth", P)) {
    static const llvm::StringRef AKeys[] = {"username", "password"};
    std::string AP = P + ".auth";
    R.checkKeys(*A, AKeys, AP);
    R.getString(*A, "username", AP, Out.Username);
    R.getString(*A, "password", AP, Out.Password);
  }
  R.getInt(*S, "timeout", P, Out.Timeout, 0);
  R.getInt(*S, "read_timeout", P, Out.ReadTimeout, 0);
  R.getInt(*S, "write_timeout", P, Out.WriteTimeout, 0);
  R.getInt(*S, "connect_timeout", P, Out.ConnectTimeout, 0);
  R.getInt(*S, "pool_timeout", P, Out.PoolTimeout, 0);
  R.getInt(*S, "max_keepalive_connections", P, Out.MaxKeepaliveConnections, 0);
  R.getInt(*S, "max_connections", P, Out.MaxConnections, 1);
  R.getInt(*S, "keepalive_expiry", P, Out.KeepaliveExpiry, 0);
  R.getOptString(*S, "cacert", P, Out.CACert);
}

void ConfigParser::parseEtcd(const Value &E) {
  std::vector<EtcdHostConfig> Hosts;
  for (const ast::MapEntry &Ent : E.Entries) {
    if (!Ent.Key)
      continue;
    if (!Ent.Key->isString() || Ent.Key->Text.empty()) {
      R.diags().emit(Ent.Key->Range, diag::NonStringKey, std::string("etcd"),
                     kindNoun(Ent.Key->Kind).str());
      continue;
    }
    EtcdHostConfig H;
    H.Host = Ent.Key->Text;
    std::string P = "etcd." + H.Host;
    if (Ent.Val && !Ent.Val->isNull()) {
      if (!R.expectMap(*Ent.Val, P))
        continue;
      const Value &V = *Ent.Val;
      static const llvm::StringRef Keys[] = {
          "port", "protocol", "ca_cert", "cert_key", "timeout", "api_path"};
      R.checkKeys(V, Keys, P);
      R.getInt(V, "port", P, H.Port, 1, 65535);
      R.getString(V, "protocol", P, H.Protocol);
      if (H.Protocol != "http" && H.Protocol != "https") {
        static const llvm::StringRef Protocols[] = {"http", "https"};
        R.diags().emit(R.lookup(V, "protocol")->Range, diag::UnknownValue,
                       std::string("etcd protocol"), H.Protocol,
                       didYouMean(suggestClosest(H.Protocol, Protocols)));
        H.Protocol = "http";
      }
      R.getOptString(V, "ca_cert", P, H.CACert);
      R.getOptString(V, "cert_key", P, H.CertKey);
      R.getOptInt(V, "timeout", P, H.Timeout, 0);
      R.getOptString(V, "api_path", P, H.ApiPath);
    }
    Hosts.push_back(std::move(H));
  }
  llvm::sort(Hosts, [](const EtcdHostConfig &A, const EtcdHostConfig &B) {
    return A.Host < B.Host;
  });
  Cfg.Etcd = std::move(Hosts);
}

void ConfigParser::parseOverlordd(const Value &O) {
  static const llvm::StringRef Keys[] = {
      "database",      "binaries",  "timeouts", "max_output",
      "max_log_bytes", "address",   "io_threads", "workers",
      "refresh_interval", "chain_probe_interval"};
  R.checkKeys(O, Keys, "overlordd");
  OverlorddConfig &C = Cfg.Overlordd;
  R.getString(O, "database", "overlordd", C.Database);
  if (const Value *B = R.getMap(O, "binaries", "overlordd")) {
    static const llvm::StringRef BKeys[] = {
        "appjail", "appjail-director", "rctl", "sysctl", "makefs",
        "mdconfig", "gpart", "newfs", "mount", "umount", "fetch", "tar",
        "pkg", "cp"};
    std::string *Outs[] = {&C.Appjail, &C.AppjailDirector, &C.Rctl,
                           &C.Sysctl,  &C.Makefs,          &C.Mdconfig,
                           &C.Gpart,   &C.Newfs,           &C.Mount,
                           &C.Umount,  &C.Fetch,           &C.Tar,
                           &C.Pkg,     &C.Cp};
    static_assert(std::size(BKeys) == std::size(Outs));
    R.checkKeys(*B, BKeys, "overlordd.binaries");
    for (size_t I = 0; I < std::size(BKeys); ++I) {
      std::string S = *Outs[I];
      R.getString(*B, BKeys[I], "overlordd.binaries", S);
      if (S.empty()) {
        R.diags().emit(R.lookup(*B, BKeys[I])->Range, diag::EmptyValue,
                       "overlordd.binaries." + BKeys[I].str(),
                       std::string("character"));
        continue;
      }
      *Outs[I] = S;
    }
  }
  if (const Value *T = R.getMap(O, "timeouts", "overlordd")) {
    std::vector<llvm::StringRef> TKeys(std::begin(CommandNames),
                                       std::end(CommandNames));
    TKeys.insert(TKeys.begin(), "default");
    R.checkKeys(*T, TKeys, "overlordd.timeouts");
    R.getInt(*T, "default", "overlordd.timeouts", C.DefaultTimeout, 0);
    for (llvm::StringRef Cmd : CommandNames) {
      std::optional<int64_t> V;
      R.getOptInt(*T, Cmd, "overlordd.timeouts", V, 0);
      if (V)
        C.Timeouts[Cmd.str()] = *V;
    }
  }
  R.getInt(O, "max_output", "overlordd", C.MaxOutput, 1024);
  R.getInt(O, "max_log_bytes", "overlordd", C.MaxLogBytes, 1024);
  R.getString(O, "address", "overlordd", C.Address);
  R.getInt(O, "io_threads", "overlordd", C.IoThreads, 1);
  R.getOptInt(O, "workers", "overlordd", C.Workers, 1);
  R.getInt(O, "refresh_interval", "overlordd", C.RefreshInterval, 0);
  R.getInt(O, "chain_probe_interval", "overlordd", C.ChainProbeInterval, 0);
}
