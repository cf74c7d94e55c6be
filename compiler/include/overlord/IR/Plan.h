//===- Plan.h - The execution plan IR ---------------------------*- C++ -*-===//
//
// API STABLE: lowering (Sema) and the engine code against this header; add to
// it, do not change what is here without telling them.
//
// A Plan is what `overlordc plan` produces, what people review and what the
// node engines execute: a header (format version, compiler, source digests,
// cluster digest, secret key id) and targets sorted by route, each holding
// queue ops in execution order. Ops are plain structs generated from
// Ops.def, stored in one ID-indexed vector per op kind; a target refers to its
// ops through OpRefs. Generic code (printer, parser, JSON, diff) walks fields
// with forEachField(), which is generated from the same registry.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_IR_PLAN_H
#define OVERLORD_IR_PLAN_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace llvm {
class raw_ostream;
namespace json {
class Value;
}
} // namespace llvm

namespace overlord {
class DiagnosticEngine;

namespace ir {

/// The closed set of field types (Ops.def).
enum class FieldType {
  String,     ///< one line, printed quoted
  Text,       ///< multi-line text, printed as a <<EOT block
  Int,        ///< signed 64-bit
  Bool,       ///< true / false
  Size,       ///< bytes, printed with the largest exact binary unit (20G)
  StringList, ///< ["a", "b"], order kept
  StringMap,  ///< {"k": "v"}, ordered by key
  SecretMap,  ///< {"k": secret:hmac-sha256:<hex>}, ordered by key
  Digest,     ///< sha256:<hex>
  Secret,     ///< secret:hmac-sha256:<hex>, never the clear value
};

/// Field flags (Ops.def). Plain enumerators so the registry can or them.
enum FieldFlags : unsigned { NoFlags = 0, Optional = 1, ForcesReplace = 2 };

/// The ordered op categories: ops in a target run in this order.
enum class OpCategory { Route, Metadata, Namespace, Project, Vm, Hook, Autoscale };

/// Every op kind, in Ops.def order.
enum class OpKind : uint16_t {
#define OVERLORD_OP(CLASS, MNEMONIC, CATEGORY) CLASS,
#include "overlord/IR/Ops.def"
  NumKinds
};

/// Static facts about one field of an op.
struct FieldInfo {
  llvm::StringRef Name; ///< printed name
  FieldType Type;
  unsigned Flags;
  unsigned Index;             ///< position among the op's fields
  llvm::StringRef Reason;     ///< why a change forces a replace ("" if not)
  bool isOptional() const { return Flags & Optional; }
  bool forcesReplace() const { return Flags & ForcesReplace; }
};

/// Static facts about an op kind.
struct OpInfo {
  OpKind Kind;
  llvm::StringRef Mnemonic;
  OpCategory Category;
  llvm::ArrayRef<FieldInfo> Fields;
};
const OpInfo &getOpInfo(OpKind K);
/// The kind with this mnemonic, or nullopt.
std::optional<OpKind> lookupMnemonic(llvm::StringRef Mnemonic);
/// All mnemonics, in registry order (for suggestions).
std::vector<llvm::StringRef> allMnemonics();

/// A map value that must be kept secret, stored as its digest text
/// ("secret:hmac-sha256:<hex>").
using SecretMapType = std::map<std::string, std::string>;

/// The C++ type of a field of type T.
template <FieldType T> struct FieldCType;
template <> struct FieldCType<FieldType::String> { using type = std::string; };
template <> struct FieldCType<FieldType::Text> { using type = std::string; };
template <> struct FieldCType<FieldType::Int> { using type = int64_t; };
template <> struct FieldCType<FieldType::Bool> { using type = bool; };
template <> struct FieldCType<FieldType::Size> { using type = uint64_t; };
template <> struct FieldCType<FieldType::StringList> {
  using type = std::vector<std::string>;
};
template <> struct FieldCType<FieldType::StringMap> {
  using type = std::map<std::string, std::string>;
};
template <> struct FieldCType<FieldType::SecretMap> {
  using type = SecretMapType;
};
template <> struct FieldCType<FieldType::Digest> { using type = std::string; };
template <> struct FieldCType<FieldType::Secret> { using type = std::string; };
/// std::optional<...> when the field is Optional.
template <FieldType T, unsigned Flags>
using FieldStorage =
    std::conditional_t<(Flags & Optional) != 0,
                       std::optional<typename FieldCType<T>::type>,
                       typename FieldCType<T>::type>;

/// Index of a target in Plan::Targets.
using TargetID = uint32_t;

/// What every op has: its symbol (a name from the source, never a number)
/// and, when parsed from text, its locations.
struct OpBase {
  std::string Symbol;
  TargetID Target = 0;                 ///< owning target (unused for targets)
  llvm::SMRange Loc;                   ///< mnemonic + symbol, when parsed
  std::vector<llvm::SMRange> FieldLocs; ///< by FieldInfo::Index, when parsed
  llvm::SMRange fieldLoc(unsigned I) const {
    return I < FieldLocs.size() ? FieldLocs[I] : Loc;
  }
};

// One struct per op: `struct ProjectUpOp : OpBase { ... }`. Each
// OVERLORD_OP closes the previous struct and opens its own.
struct OpsDefStart {
#define OVERLORD_OP(CLASS, MNEMONIC, CATEGORY)                                 \
  }                                                                            \
  ;                                                                            \
  struct CLASS##Op : OpBase {                                                  \
    static constexpr OpKind Kind = OpKind::CLASS;
#define OVERLORD_OP_FIELD(CLASS, MEMBER, TYPE, NAME, FLAGS)                    \
  FieldStorage<FieldType::TYPE, (FLAGS)> MEMBER{};
#include "overlord/IR/Ops.def"
};

/// Calls Fn(const FieldInfo &, Member &) for every field of Op, in printed
/// order. OpT may be const.
template <typename OpT, typename F> void forEachField(OpT &Op, F &&Fn) {
  using T = std::remove_const_t<OpT>;
  const FieldInfo *Info = getOpInfo(T::Kind).Fields.data();
  (void)Info;
#define OVERLORD_OP_FIELD(CLASS, MEMBER, TYPE, NAME, FLAGS)                    \
  if constexpr (std::is_same_v<T, CLASS##Op>)                                  \
    Fn(*Info++, Op.MEMBER);
#include "overlord/IR/Ops.def"
}

/// Calls Fn(const FieldInfo &, const Member &A, const Member &B) for every
/// field of two ops of the same kind.
template <typename T, typename F>
void forEachFieldPair(const T &A, const T &B, F &&Fn) {
  const FieldInfo *Info = getOpInfo(T::Kind).Fields.data();
  (void)Info;
#define OVERLORD_OP_FIELD(CLASS, MEMBER, TYPE, NAME, FLAGS)                    \
  if constexpr (std::is_same_v<T, CLASS##Op>)                                  \
    Fn(*Info++, A.MEMBER, B.MEMBER);
#include "overlord/IR/Ops.def"
}

/// A reference to an op: its kind and its index in that kind's vector.
struct OpRef {
  OpKind Kind;
  uint32_t Index;
};

/// One deployment the plan was compiled from. `overlordc plan` records its
/// name (the file name without folder and extension: "web" for
/// examples/web.yml and web.ovl) and the digest of its canonical
/// specification, so that equivalent inputs (a YAML file and its DSL twin,
/// a reformatted or converted file) give byte-identical plans
/// (driver::addPlanSource, docs/PlanIR.md "Header").
struct SourceDigest {
  std::string Path;   ///< the deployment's name (older plans: the file path)
  std::string Digest; ///< "sha256:<hex>"
};

/// The plan header.
struct PlanHeader {
  unsigned Version = 1;
  std::string Compiler;     ///< "overlordc 0.1.0"
  std::string SecretKeyId;  ///< "key:<16 hex>" or "ephemeral:<16 hex>"
  std::vector<SourceDigest> Sources; ///< sorted by name, then digest
  std::optional<std::string> Cluster; ///< snapshot digest, "sha256:<hex>"
  llvm::SMRange SecretKeyIdLoc;       ///< when parsed
};

/// The current text format version.
inline constexpr unsigned PlanFormatVersion = 1;

/// The execution plan.
class Plan {
public:
  PlanHeader Header;
  /// Targets, sorted by route once canonical.
  std::vector<TargetOp> Targets;
  /// The ops of each target (parallel to Targets), in execution order.
  std::vector<std::vector<OpRef>> TargetOps;

  /// The storage of one op kind.
  template <typename T> std::vector<T> &ops();
  template <typename T> const std::vector<T> &ops() const {
    return const_cast<Plan *>(this)->ops<T>();
  }
  template <typename T> T &get(OpRef R) { return ops<T>()[R.Index]; }
  template <typename T> const T &get(OpRef R) const {
    return ops<T>()[R.Index];
  }
  /// The common part of any op.
  const OpBase &base(OpRef R) const;
  /// Total number of ops, targets excluded.
  size_t numOps() const;

private:
  template <typename T>
  static std::vector<T> &pick(std::vector<TargetOp> &Ts, std::vector<T> &Own) {
    if constexpr (std::is_same_v<T, TargetOp>)
      return Ts;
    else
      return Own;
  }
#define OVERLORD_OP(CLASS, MNEMONIC, CATEGORY)                                 \
  std::vector<CLASS##Op> CLASS##Store;
#include "overlord/IR/Ops.def"
};

#define OVERLORD_OP(CLASS, MNEMONIC, CATEGORY)                                 \
  template <> inline std::vector<CLASS##Op> &Plan::ops<CLASS##Op>() {          \
    return pick(Targets, CLASS##Store);                                        \
  }
#include "overlord/IR/Ops.def"

/// Calls Fn(const XOp &) (or XOp &) for the op R refers to.
template <typename PlanT, typename F>
decltype(auto) visitOp(PlanT &P, OpRef R, F &&Fn) {
  switch (R.Kind) {
#define OVERLORD_OP(CLASS, MNEMONIC, CATEGORY)                                 \
  case OpKind::CLASS:                                                          \
    return Fn(P.template get<CLASS##Op>(R));
#include "overlord/IR/Ops.def"
  default:
    break;
  }
  return Fn(P.template get<TargetOp>(R));
}

/// A type tag for visitKind().
template <typename T> struct OpTag {
  using type = T;
};
/// Calls Fn(OpTag<XOp>{}) for kind K (no op instance needed).
template <typename F> decltype(auto) visitKind(OpKind K, F &&Fn) {
  switch (K) {
#define OVERLORD_OP(CLASS, MNEMONIC, CATEGORY)                                 \
  case OpKind::CLASS:                                                          \
    return Fn(OpTag<CLASS##Op>{});
#include "overlord/IR/Ops.def"
  default:
    break;
  }
  return Fn(OpTag<TargetOp>{});
}

/// The VM an op of the Vm category belongs to: its symbol up to ':'.
llvm::StringRef vmNameOf(llvm::StringRef Symbol);
/// The group an op is ordered by within its category: its symbol, or the VM
/// name for Vm steps.
llvm::StringRef orderGroupOf(OpKind K, llvm::StringRef Symbol);
/// Strict weak order of the canonical execution order within a target
/// (category, group, registry order); equal keys keep their insertion order.
bool opOrderLess(OpKind KA, llvm::StringRef SA, OpKind KB,
                 llvm::StringRef SB);
/// The datacenter of a route: its first '.'-separated segment.
llvm::StringRef datacenterOf(llvm::StringRef Route);

//===----------------------------------------------------------------------===//
// Secrets
//===----------------------------------------------------------------------===//

/// The key secrets are sealed with. A keyed digest lets two plans built with
/// the same key be compared without showing the value; an ephemeral key
/// (random, never stored) makes digests incomparable across plans.
class SecretKey {
public:
  /// From `OVERLORD_PLAN_KEY` when set (the text is the key), else ephemeral.
  static SecretKey fromEnvironment();
  /// The whole content of a key file; nullopt when unreadable (Error set).
  static std::optional<SecretKey> fromFile(llvm::StringRef Path,
                                           std::string &Error);
  static SecretKey fromBytes(llvm::StringRef Bytes);
  static SecretKey ephemeral();

  /// "key:<16 hex>" (a fingerprint of the key) or "ephemeral:<16 hex>".
  const std::string &id() const { return Id; }
  bool isEphemeral() const { return Ephemeral; }
  /// "secret:hmac-sha256:<64 hex>" of Value under this key.
  std::string seal(llvm::StringRef Value) const;

private:
  std::string Bytes, Id;
  bool Ephemeral = false;
};

/// HMAC-SHA256 of Message under Key, as 64 lowercase hex digits.
std::string hmacSha256Hex(llvm::StringRef Key, llvm::StringRef Message);
/// SHA-256 of Data as "sha256:<64 hex>".
std::string sha256Digest(llvm::StringRef Data);

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

/// Builds a plan: add targets, then ops under them in any order; finish()
/// sorts targets and ops into canonical order.
class PlanBuilder {
public:
  explicit PlanBuilder(SecretKey Key = SecretKey::ephemeral());

  void setCompiler(llvm::StringRef Compiler);
  /// Records an input by name and the SHA-256 digest of Contents.
  void addSource(llvm::StringRef Path, llvm::StringRef Contents);
  /// Records an input by name and a digest ("sha256:<hex>") computed by the
  /// caller (the canonical specification's: driver::addPlanSource).
  void addSourceDigest(llvm::StringRef Name, llvm::StringRef Digest);
  void setClusterDigest(llvm::StringRef Digest);

  /// The target with this route, created (datacenter = first segment, no
  /// labels) on first use.
  TargetOp &target(llvm::StringRef Route, TargetID *ID = nullptr);
  /// Adds an op of type T under a target; returns it to fill in.
  template <typename T> T &add(TargetID Target, llvm::StringRef Symbol) {
    std::vector<T> &V = P.ops<T>();
    V.emplace_back();
    V.back().Symbol = Symbol.str();
    V.back().Target = Target;
    P.TargetOps[Target].push_back(
        {T::Kind, static_cast<uint32_t>(V.size() - 1)});
    return V.back();
  }
  /// The secret digest of Value under the builder's key.
  std::string seal(llvm::StringRef Value) const { return Key.seal(Value); }
  const SecretKey &key() const { return Key; }
  /// The plan built so far, not yet in canonical order.
  const Plan &current() const { return P; }

  /// Canonical order, then hands over the plan. Run verifyPlan() on it.
  Plan finish();

private:
  Plan P;
  SecretKey Key;
};

/// Sorts sources, targets and each target's ops into canonical order.
void canonicalize(Plan &P);

//===----------------------------------------------------------------------===//
// Verifying, printing, parsing, JSON
//===----------------------------------------------------------------------===//

/// Checks every rule (docs/PlanIR.md "Verifier"): local invariants, then
/// references, then whole-plan rules. Reports every error; true if none.
bool verifyPlan(const Plan &P, DiagnosticEngine &Diags);

/// Prints the canonical `.oplan` text.
void printPlan(const Plan &P, llvm::raw_ostream &OS);
std::string printPlanToString(const Plan &P);

/// Parses `.oplan` text from a SourceMgr buffer; errors go to Diags (with
/// carets). Returns nullopt when the text has syntax errors; does not verify.
std::optional<Plan> parsePlan(unsigned BufferID, DiagnosticEngine &Diags);

/// The plan as JSON (objects print with sorted keys).
llvm::json::Value planToJson(const Plan &P);

//===----------------------------------------------------------------------===//
// Value formatting shared by the printer, the diff and JSON
//===----------------------------------------------------------------------===//

/// "20G", "512M", "1536B"...: the largest binary unit dividing Bytes.
std::string formatSize(uint64_t Bytes);
/// Parses "20G", "1536", "1536B", "4K"; nullopt on a bad unit or overflow.
std::optional<uint64_t> parseSize(llvm::StringRef Text);
/// Writes S as a double-quoted string with escapes.
void printQuoted(llvm::raw_ostream &OS, llvm::StringRef S);
std::string quoted(llvm::StringRef S);

} // namespace ir
} // namespace overlord

#endif // OVERLORD_IR_PLAN_H
