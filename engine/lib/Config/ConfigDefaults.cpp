//===- ConfigDefaults.cpp - Defaults of overlord.yml ------------*- C++ -*-===//
//
// The reference's defaults (`src/overlord/default.py`): paths under
// `<sys.prefix>/overlord`, the polling keyword tables (VALID_KEYWORDS and
// POLLING["keywords"]), and the helpers on EngineConfig.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Config.h"

#include "llvm/ADT/STLExtras.h"

using namespace overlord;
using namespace overlord::engine;

namespace {
struct KeywordGroup {
  llvm::StringRef Name;
  llvm::ArrayRef<llvm::StringRef> Valid;
  llvm::ArrayRef<llvm::StringRef> Default;
};

const llvm::StringRef JailValid[] = {"alt_name",
                                     "appjail_version",
                                     "arch",
                                     "boot",
                                     "container",
                                     "container_boot",
                                     "container_image",
                                     "container_pid",
                                     "created",
                                     "devfs_ruleset",
                                     "dirty",
                                     "ephemeral",
                                     "hostname",
                                     "inet",
                                     "inet6",
                                     "ip4",
                                     "ip6",
                                     "is_container",
                                     "locked",
                                     "name",
                                     "network_ip4",
                                     "networks",
                                     "path",
                                     "priority",
                                     "ports",
                                     "release_name",
                                     "status",
                                     "type",
                                     "version",
                                     "version_extra",
                                     "x11_display",
                                     "xephyr_pid"};
const llvm::StringRef JailDefault[] = {"name",   "network_ip4", "ports",
                                       "status", "type",        "version"};
const llvm::StringRef Stats[] = {
    "cputime",      "datasize", "stacksize",  "coredumpsize", "memoryuse",
    "memorylocked", "maxproc",  "openfiles",  "vmemoryuse",   "pseudoterminals",
    "swapuse",      "nthr",     "msgqqueued", "msgqsize",     "nmsgq",
    "nsem",         "nsemop",   "nshm",       "shmsize",      "wallclock",
    "pcpu",         "readbps",  "writebps",   "readiops",     "writeiops"};
const llvm::StringRef DevfsValid[] = {"enabled", "name", "rule"};
const llvm::StringRef DevfsDefault[] = {"enabled", "rule", "name"};
const llvm::StringRef ExposeValid[] = {"enabled", "name",  "network_name",
                                       "hport",   "jport", "protocol",
                                       "ext_if",  "on_if", "rule"};
const llvm::StringRef ExposeDefault[] = {"enabled", "name",  "network_name",
                                         "hport",   "jport", "protocol",
                                         "ext_if",  "on_if"};
const llvm::StringRef HealthValid[] = {
    "enabled",         "health_cmd",
    "health_type",     "interval",
    "kill_after",      "name",
    "recover_cmd",     "recover_kill_after",
    "recover_timeout", "recover_timeout_signal",
    "recover_total",   "recover_type",
    "retries",         "start_period",
    "status",          "timeout",
    "timeout_signal"};
const llvm::StringRef HealthDefault[] = {
    "enabled",     "name",        "status",      "health_cmd",
    "health_type", "recover_cmd", "recover_type"};
const llvm::StringRef Label[] = {"value"};
const llvm::StringRef LimitsValid[] = {"action", "enabled",  "name",
                                       "per",    "resource", "rule"};
const llvm::StringRef LimitsDefault[] = {"enabled", "name", "rule"};
const llvm::StringRef Nat[] = {"rule"};
const llvm::StringRef VolumeValid[] = {"name", "mountpoint", "type",
                                       "uid",  "gid",        "perm"};
const llvm::StringRef VolumeDefault[] = {"mountpoint", "type", "uid", "gid",
                                         "perm"};
const llvm::StringRef Fstab[] = {"enabled", "name",    "device", "mountpoint",
                                 "type",    "options", "dump",   "pass"};

const KeywordGroup Groups[] = {
    {"jail", JailValid, JailDefault},
    {"stats", Stats, Stats},
    {"devfs", DevfsValid, DevfsDefault},
    {"expose", ExposeValid, ExposeDefault},
    {"healthcheck", HealthValid, HealthDefault},
    {"label", Label, Label},
    {"limits", LimitsValid, LimitsDefault},
    {"nat", Nat, Nat},
    {"volume", VolumeValid, VolumeDefault},
    {"fstab", Fstab, Fstab},
};

const KeywordGroup *findGroup(llvm::StringRef Name) {
  for (const KeywordGroup &G : Groups)
    if (G.Name == Name)
      return &G;
  return nullptr;
}

std::vector<llvm::StringRef> groupNames() {
  std::vector<llvm::StringRef> N;
  for (const KeywordGroup &G : Groups)
    N.push_back(G.Name);
  return N;
}
} // namespace

llvm::ArrayRef<llvm::StringRef> engine::keywordGroups() {
  static const std::vector<llvm::StringRef> Names = groupNames();
  return Names;
}

llvm::ArrayRef<llvm::StringRef> engine::defaultKeywords(llvm::StringRef Group) {
  const KeywordGroup *G = findGroup(Group);
  return G ? G->Default : llvm::ArrayRef<llvm::StringRef>();
}

llvm::ArrayRef<llvm::StringRef> engine::validKeywords(llvm::StringRef Group) {
  const KeywordGroup *G = findGroup(Group);
  return G ? G->Valid : llvm::ArrayRef<llvm::StringRef>();
}

EngineConfig engine::defaultConfig(const ConfigOptions &Opts) {
  EngineConfig C;
  std::string Dir = Opts.Prefix + "/overlord";
  C.ServerId = Dir + "/serverid";
  C.SecretKeyFile = Dir + "/keyfile";
  C.DirectorLogs = Opts.Home + "/.director/logs";
  C.Components = Dir + "/components";
  C.BeanstalkdSecret = Dir + "/beanstalkd_secret";
  C.MetadataLocation = Dir + "/metadata";
  C.MetadataNamespaces = Dir + "/namespace";
  C.MaxWatchCommands = Opts.CpuCount > 0 ? Opts.CpuCount : 1;
  C.Etcd.emplace_back();
  C.Etcd.back().Host = "localhost";
  C.Overlordd.Database = Dir + "/overlordd.db";
  for (llvm::StringRef G : keywordGroups()) {
    std::vector<std::string> &K = C.Polling.Keywords[G.str()];
    for (llvm::StringRef W : defaultKeywords(G))
      K.push_back(W.str());
  }
  return C;
}

int64_t EngineConfig::timeoutFor(llvm::StringRef Command) const {
  auto It = Overlordd.Timeouts.find(Command.str());
  if (It != Overlordd.Timeouts.end())
    return It->second;
  if (Command == "director-up" || Command == "director-down" ||
      Command == "vm-install")
    return ExecutionTime ? *ExecutionTime : 0;
  return Overlordd.DefaultTimeout;
}

const ChainConfig *EngineConfig::findChain(llvm::StringRef Name) const {
  for (const ChainConfig &C : Chains)
    if (C.Name == Name)
      return &C;
  return nullptr;
}

std::string engine::defaultConfigPath(const Environment &Env) {
  if (std::optional<std::string> P = Env.lookup("OVERLORD_CONFIG"))
    if (!P->empty())
      return *P;
  return ".overlord.yml";
}
