//===- Spec.h - Typed deployment specification ------------------*- C++ -*-===//
//
// A checked deployment file (overlord-spec(5)) as plain typed structs with
// every default filled in. Built by Sema from an ast::Document; consumed by
// print-spec and by lowering to the plan IR.
//
// Defaults are the reference's (src/overlord/default.py and the get_*
// accessors of src/overlord/spec/*.py). Maps keep the order they were
// written in. Source ranges point into buffers owned by the SourceMgr of the
// run, for diagnostics raised after checking (lowering, plan verification).
//
// The datacenters and deployIn sections are also kept as written (`Raw*`)
// because the reference's print-spec prints them unchanged.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_AST_SPEC_H
#define OVERLORD_AST_SPEC_H

#include "overlord/AST/VmJailSpec.h"
#include "overlord/AST/DirectorFile.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace overlord::ast {

/// The five kinds of deployment file.
enum class DeploymentKind {
  DirectorProject,
  Metadata,
  VmJail,
  ReadOnly,
  AppConfig
};

/// The name a kind is written with (`directorProject`).
inline llvm::StringRef kindName(DeploymentKind K) {
  switch (K) {
  case DeploymentKind::DirectorProject:
    return "directorProject";
  case DeploymentKind::Metadata:
    return "metadata";
  case DeploymentKind::VmJail:
    return "vmJail";
  case DeploymentKind::ReadOnly:
    return "readOnly";
  case DeploymentKind::AppConfig:
    return "appConfig";
  }
  return "readOnly";
}

/// Name/value pairs in the order written (environment variables).
using StringPairs = std::vector<std::pair<std::string, std::string>>;

/// Names of the pairs of a StringPairs whose value was written `!SECRET`
/// (docs/DeploymentFiles.md, "Secrets"); sealed in plans, masked by
/// print-spec.
using SecretNames = std::set<std::string>;

/// One `datacenters.<name>` entry: how to reach a node's API.
struct Datacenter {
  std::string Name;
  std::optional<std::string> Entrypoint;  ///< base URL, e.g. http://h:8888
  std::optional<std::string> AccessToken; ///< secret: masked by print-spec
  std::optional<std::string> CACert;
  /// Timeouts in seconds; nullopt means "no timeout" (a negative value).
  std::optional<int64_t> Timeout = 0;
  std::optional<int64_t> ReadTimeout = 120;
  std::optional<int64_t> WriteTimeout = 120;
  std::optional<int64_t> ConnectTimeout = 10;
  std::optional<int64_t> PoolTimeout = 60;
  int64_t MaxKeepaliveConnections = 1000;
  int64_t MaxConnections = 1024;
  int64_t KeepaliveExpiry = 60;
  llvm::SMRange Range; ///< the datacenter name
};

/// `deployIn`: which chains of which datacenters receive the deployment.
struct DeployIn {
  /// `dc[.chain...]`; defaults to every datacenter name, in order.
  std::vector<std::string> Entrypoints;
  bool EntrypointsDefaulted = true;
  std::vector<std::string> Labels = {"all"};
  std::vector<std::string> Exclude;
};

/// One rctl resource threshold of autoScale.rules / autoScale.economy.
struct RctlThreshold {
  std::string Resource; ///< e.g. memoryuse, pcpu
  int64_t Amount = 0;   ///< sizes in bytes (`512m` -> 536870912)
};

/// A metric rule of the load-balancer autoscale trigger.
struct LoadBalancerMetric {
  enum class ValueKind { Int, String, Range };
  std::string Metric; ///< HAProxy stats field, e.g. scur
  ValueKind Kind = ValueKind::Int;
  int64_t IntValue = 0;
  std::string StringValue;
  int64_t Begin = 0, End = 0; ///< Kind == Range
  std::optional<int64_t> Each;
};

/// `autoScale.load-balancer.<frontend|backend>`.
struct LoadBalancerTarget {
  std::string Name; ///< HAProxy proxy name
  std::vector<LoadBalancerMetric> Or, And;
};

/// `autoScale` (directorProject only).
struct AutoScale {
  bool Enabled = false; ///< a non-empty autoScale section was written
  int64_t ReplicasMin = 1;
  std::optional<int64_t> ReplicasMax; ///< nullopt: number of matched nodes
  std::string Type = "any-jail";
  std::optional<int64_t> Value; ///< required for percent-* types
  std::vector<RctlThreshold> Rules, Economy;
  std::vector<std::string> Labels = {"all"};
  std::vector<std::string> Metadata;
  std::optional<LoadBalancerTarget> Frontend, Backend;
};

/// `reserve_port.<iface>`: reserve a free TCP port on the node.
struct ReservePort {
  std::string Interface;
  std::optional<std::string> Network;
};

/// An environment scoped to a label, chain path or datacenter.
struct ScopedEnvironment {
  std::string Scope;
  StringPairs Vars;
  SecretNames Secrets = {}; ///< names in Vars marked `!SECRET`
};

/// kind: directorProject.
struct DirectorProjectSpec {
  std::string ProjectName;
  std::optional<std::string> ProjectFile; ///< the Director file text
  std::optional<std::string> ProjectFromMetadata;
  std::optional<appjail::DirectorFile> Director; ///< ProjectFile, checked
  StringPairs Environment;
  SecretNames EnvironmentSecrets = {}; ///< names in Environment marked secret
  std::vector<ScopedEnvironment> LabelsEnvironment;
  std::vector<ScopedEnvironment> ChainsEnvironment; ///< `<root>` or a.b
  std::vector<ScopedEnvironment> DatacentersEnvironment;
  std::optional<std::string> EnvironFromMetadata;
  AutoScale Scale;
  llvm::json::Value RawAutoScale = llvm::json::Object{}; ///< sizes as ints
  std::vector<ReservePort> ReservePorts;
};

/// One `namespace.mapping[]` item.
struct NamespaceMapping {
  /// `file`: the metadata key (prefix resolved) and the path it maps to.
  std::optional<std::pair<std::string, std::string>> File;
  std::optional<std::string> Directory;
  std::optional<llvm::json::Value> Owner, Group; ///< int or string
  std::optional<int64_t> Mode, Umask;
  /// `prefix` as written when metadataPrefix is not set (passed through).
  std::optional<llvm::json::Value> Prefix;
};

struct Namespace {
  std::string Name;
  std::vector<NamespaceMapping> Mapping;
};

/// One metadata entry; Key carries metadataPrefix.
struct MetadataEntry {
  std::string Key;
  std::string Value;
  llvm::SMRange Range; ///< the key as written (inline or included file)
  bool Secret = false; ///< the value was written `!SECRET`
};

/// kind: metadata.
struct MetadataSpec {
  std::vector<MetadataEntry> Metadata; ///< inline then included, merged
  std::optional<std::string> MetadataPrefix;
  std::vector<std::string> Include;
  std::optional<Namespace> NS;
};

/// kind: appConfig.
struct AppConfigSpec {
  std::string AppName;
  std::string AppFrom;
  StringPairs AppConfig;
  SecretNames Secrets = {}; ///< names in AppConfig marked `!SECRET`
};

/// A checked deployment file.
struct Deployment {
  DeploymentKind Kind = DeploymentKind::ReadOnly;
  std::vector<Datacenter> Datacenters; ///< in the order written
  DeployIn Deploy;
  int64_t MaximumDeployments = 0; ///< 0: unlimited
  llvm::json::Value RawDatacenters = llvm::json::Object{};
  llvm::json::Value RawDeployIn = llvm::json::Object{};

  std::optional<DirectorProjectSpec> Project;
  std::optional<MetadataSpec> Metadata;
  std::optional<VmJailSpec> VmJail;
  std::optional<AppConfigSpec> App;
};

} // namespace overlord::ast

#endif // OVERLORD_AST_SPEC_H
