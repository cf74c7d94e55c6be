//===- ConfigParser.h - The overlord.yml section readers --------*- C++ -*-===//
//
// Internal to engine/lib/Config: the class that walks an overlord.yml
// document and fills an EngineConfig, split over ConfigParse.cpp (top level,
// tls, polling, memcache, secrets) and ConfigSections.cpp (chains, labels,
// beanstalkd_addr, dataplaneapi/haproxy_stats, etcd, overlordd).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_CONFIG_CONFIGPARSER_H
#define OVERLORD_ENGINE_CONFIG_CONFIGPARSER_H

#include "ConfigReader.h"

#include "overlord/Engine/Config.h"

namespace overlord::engine::detail {

using ast::Value;

/// Fills an EngineConfig from the root map of overlord.yml. The top-level
/// keys and the small sections are read in ConfigParse.cpp, chains, labels,
/// addresses, HTTP services, etcd and `overlordd` in ConfigSections.cpp.
class ConfigParser {
public:
  ConfigParser(DiagnosticEngine &Diags, EngineConfig &Cfg)
      : R(Diags), Cfg(Cfg) {}

  void parseRoot(const Value &Root);

private:
  void parseTls(const Value &Root);
  void parsePolling(const Value &P);
  void parseKeywords(const Value &K);
  void parseSkew(const Value &P);
  void parseMemcache(const Value &M);
  void parseSecrets(const Value &Root);
  void parseChains(const Value &C);
  void parseChain(const Value &KeyV, const Value &V, ChainConfig &Chain);
  void parseLabels(const Value &Root);
  void parseBeanstalkdAddr(const Value &Root);
  void parseHttpService(const Value &Root, llvm::StringRef Name,
                        HttpServiceConfig &Out, bool NeedEntrypoint);
  void parseEtcd(const Value &E);
  void parseOverlordd(const Value &O);
  /// The missing-key error for Key of Map (at Map's key in its parent).
  void missing(const Value &Where, llvm::StringRef Key, llvm::StringRef Path);

  ConfigReader R;
  EngineConfig &Cfg;
};

} // namespace overlord::engine::detail

#endif // OVERLORD_ENGINE_CONFIG_CONFIGPARSER_H
