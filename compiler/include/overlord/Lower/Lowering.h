//===- Lowering.h - Typed spec x cluster snapshot -> plan IR ----*- C++ -*-===//
//
// Lowers a checked deployment (ast::Deployment) routed against a cluster
// snapshot into plan IR ops, one `target` per routed node:
//
//   directorProject  project.up (or autoscale when autoScale is set), plus
//                    skydns.record / lb.server hooks read from the Director
//                    file's `overlord.skydns*` / `overlord.load-balancer*`
//                    service labels
//   metadata         metadata.put per key, namespace.create for `namespace`
//   vmJail           vm.create, vm.jail, cloudinit, disk.create, gpart.*,
//                    newfs / format.script, bootcode, install.*, fstab,
//                    script, in execution order
//   readOnly         nothing (it only scopes get-info)
//   appConfig        the template from `appFrom` expanded (Template.h), parsed
//                    and checked by the driver's callback, then lowered
//
// Secret values never reach the plan in clear; they are sealed with the
// builder's key: access tokens, and every value the file wrote `!SECRET`
// (environment variables, metadata, VM environments and arguments, and the
// values an appConfig template built from a secret appConfig value). The
// explicit mark is authoritative; as a fallback for unmarked files,
// environment variables and metadata keys whose names look secret and
// metadata values that contain a password are sealed too (isSecretName(),
// isSecretValue()). An appConfig secret the template used anywhere else is
// an error (AppConfigSecretInClear).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LOWER_LOWERING_H
#define OVERLORD_LOWER_LOWERING_H

#include "overlord/AST/Spec.h"
#include "overlord/IR/Plan.h"
#include "overlord/Lower/ClusterSnapshot.h"
#include "overlord/Lower/Routing.h"
#include "overlord/Lower/Template.h"
#include "overlord/Support/Diagnostics.h"

#include "llvm/ADT/StringMap.h"

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace overlord::lower {

/// Metadata known at plan time: the entries of `kind: metadata` files given
/// with `--metadata FILE`, later files overriding earlier ones.
class MetadataStore {
public:
  /// Adds every entry of M; SM locates each value for template errors.
  void add(const ast::MetadataSpec &M, const llvm::SourceMgr &SM);
  /// The template stored under Key, or null.
  const TemplateSource *lookup(llvm::StringRef Key) const;
  bool empty() const { return Index.empty(); }

private:
  std::deque<TemplateSource> Entries;
  llvm::StringMap<const TemplateSource *> Index;
};

/// Parses and checks the text an appConfig template expanded to (the
/// driver's YAML front end + Sema); BufferName names the new buffer.
using ParseExpandedFn = std::function<std::optional<ast::Deployment>(
    llvm::StringRef Text, llvm::StringRef BufferName)>;

struct LowerContext {
  DiagnosticEngine &Diags;
  const ClusterSnapshot &Cluster;
  ir::PlanBuilder &Builder;
  const MetadataStore *Metadata = nullptr;
  ParseExpandedFn ParseExpanded;
  bool Restart = false; ///< `--restart`: project.up / vm.create restart

  /// The builder's seal of Value. Sealing is deterministic for one key, so
  /// each distinct value is sealed once per context (an access token is
  /// otherwise sealed again for every file and target).
  const std::string &seal(llvm::StringRef Value) {
    auto [It, New] = Sealed.try_emplace(Value);
    if (New)
      It->second = Builder.seal(Value);
    return It->second;
  }

  /// Value -> sealed value, filled by seal().
  llvm::StringMap<std::string> Sealed;

  /// Every value sealed so far by its digest ("secret:hmac-sha256:<hex>" ->
  /// clear value): what `overlordc apply` sends to a node with its plan
  /// fragment. Printed plans never contain these values.
  std::map<std::string, std::string> secretValues() const {
    std::map<std::string, std::string> Out;
    for (const auto &KV : Sealed)
      Out.emplace(KV.second, KV.first().str());
    return Out;
  }
};

/// Lowers D into Ctx.Builder. Returns false after errors.
bool lowerDeployment(const ast::Deployment &D, LowerContext &Ctx);

/// Environment variable or metadata key names that hold secrets: a part
/// (split at '_', '.', '-') is TOKEN, SECRET, PASSWORD, PASSWD, PASS, PWD,
/// KEY, APIKEY, AUTH, CREDENTIAL(S) or PRIVATE, case-insensitively.
bool isSecretName(llvm::StringRef Name);
/// Metadata values that embed a password (`password`, `passwd`, `secret`
/// or `token` anywhere, case-insensitively) are sealed whole.
bool isSecretValue(llvm::StringRef Value);

/// Requests one target costs against maximumDeployments (apply.py counts
/// one per metadata key and per namespace).
unsigned requestsPerTarget(const ast::Deployment &D);

/// Lowers the ops of directorProject P on target T (LowerProject.cpp).
void lowerProject(const ast::DirectorProjectSpec &P, const RouteTarget &T,
                  ir::TargetID ID, LowerContext &Ctx);
/// Lowers the hooks of a Director file's special labels (LowerProject.cpp).
void lowerHooks(const ast::DirectorProjectSpec &P, ir::TargetID ID,
                LowerContext &Ctx);
/// Lowers a vmJail deployment on one target (LowerVm.cpp).
void lowerVmJail(const ast::VmJailSpec &V, ir::TargetID ID,
                 LowerContext &Ctx);

} // namespace overlord::lower

#endif // OVERLORD_LOWER_LOWERING_H
