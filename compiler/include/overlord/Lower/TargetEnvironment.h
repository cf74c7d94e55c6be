//===- TargetEnvironment.h - Per-target project environment -----*- C++ -*-===//
//
// The environment `project.up` carries to one target, resolved as the
// reference's get_environment() + apply.py do (overlord-behaviour.md §2.5):
//
//   environment
//   < labelsEnvironment[label] for each label the node reports, in its order
//   < chainsEnvironment[relative chain path, or "<root>"]
//   < datacentersEnvironment[datacenter]
//   < environFromMetadata (a YAML mapping read from metadata on the node)
//
// A variable written `!SECRET` in any planned layer stays secret whichever
// layer sets its final value: marking it once is enough.
//
// The last one cannot be known at plan time: it is recorded as a deferred
// merge (`environ_from_metadata`) the node performs after the planned
// variables. On top of the result the node itself sets OVERLORD_METADATA,
// OVERLORD_NAMESPACES and one OVERLORD_FREEPORT_<IFACE> per reserve_port
// interface (libexec/create.py); those are listed by nodeVariables().
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LOWER_TARGETENVIRONMENT_H
#define OVERLORD_LOWER_TARGETENVIRONMENT_H

#include "overlord/AST/Spec.h"
#include "overlord/Lower/Routing.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace overlord::lower {

/// A project environment for one target.
struct ResolvedEnvironment {
  /// Name -> value after every planned layer (keys sorted).
  std::map<std::string, std::string> Vars;
  /// Which layer set each variable last ("environment",
  /// "labelsEnvironment.web", "chainsEnvironment.<root>", ...).
  std::map<std::string, std::string> Origin;
  /// Names marked `!SECRET` in any layer (sealed by lowering).
  std::set<std::string> Secret;
  /// The metadata key merged last on the node, when environFromMetadata is
  /// set.
  std::optional<std::string> DeferredMetadata;
};

/// Resolves the environment of project P on target T.
ResolvedEnvironment resolveEnvironment(const ast::DirectorProjectSpec &P,
                                       const RouteTarget &T);

/// reserve_port as the node receives it: interface -> network ("" = any).
std::map<std::string, std::string>
reservePortMap(const ast::DirectorProjectSpec &P);

/// `OVERLORD_FREEPORT_<IFACE>`: the variable the node sets for a reserved
/// port (Python's str.upper() of the interface, '.' and '-' kept).
std::string freePortVariable(llvm::StringRef Interface);

/// The variables the node adds to every project environment, in the order
/// it sets them (values are only known on the node).
std::vector<std::string> nodeVariables(const ast::DirectorProjectSpec &P);

} // namespace overlord::lower

#endif // OVERLORD_LOWER_TARGETENVIRONMENT_H
