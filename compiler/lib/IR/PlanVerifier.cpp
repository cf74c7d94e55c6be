//===- PlanVerifier.cpp - Plan IR verifier ----------------------*- C++ -*-===//
//
// Three tiers, each run completely so every error is reported: local
// invariants of one op, references between the ops of a target (VM steps,
// partitions, fstab devices, duplicates), and whole-plan rules (execution
// order, partition numbering and sizes). It runs after lowering, after
// parsing a .oplan file and, later, in the engine before anything executes.
// Rules are listed in docs/PlanIR.md "Verifier".
//
//===----------------------------------------------------------------------===//
#include "overlord/IR/Plan.h"

#include "overlord/Support/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <map>
#include <set>

using namespace overlord;
using namespace overlord::ir;

namespace {

/// Largest metadata value a node accepts (overlord.yml `metadata.size`
/// default, 1 MiB).
constexpr uint64_t MetadataLimit = 1 << 20;

bool isChainSegment(llvm::StringRef S) {
  if (S.empty() || !(llvm::isAlnum(S[0]) || S[0] == '_'))
    return false;
  return llvm::all_of(S, [](char C) {
    return llvm::isAlnum(C) || C == '_' || C == '-';
  });
}

bool isProjectName(llvm::StringRef S) {
  return !S.empty() && llvm::all_of(S, [](char C) {
    return llvm::isAlnum(C) || C == '.' || C == '_' || C == '-';
  });
}

bool isVmName(llvm::StringRef S) {
  if (S.size() < 2 || !llvm::isAlnum(S.front()) || !llvm::isAlnum(S.back()))
    return false;
  return llvm::all_of(S, [](char C) {
    return llvm::isAlnum(C) || C == '.' || C == '_' || C == '-';
  });
}

bool isEnvName(llvm::StringRef S) {
  if (S.empty() || !(llvm::isAlpha(S[0]) || S[0] == '_'))
    return false;
  return llvm::all_of(S, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

/// `[a-zA-Z][a-zA-Z0-9]*((\.|-|_)?[a-zA-Z][a-zA-Z0-9]*)*`
bool isMetadataKey(llvm::StringRef S) {
  size_t I = 0;
  while (I < S.size()) {
    if (I > 0 && (S[I] == '.' || S[I] == '-' || S[I] == '_'))
      ++I;
    if (I >= S.size() || !llvm::isAlpha(S[I]))
      return false;
    while (I < S.size() && llvm::isAlnum(S[I]))
      ++I;
  }
  return !S.empty();
}

bool isHexId(llvm::StringRef S) {
  return S.size() == 16 && llvm::all_of(S, [](char C) {
           return llvm::isDigit(C) || (C >= 'a' && C <= 'f');
         });
}

class Verifier {
public:
  Verifier(const Plan &P, DiagnosticEngine &Diags) : P(P), Diags(Diags) {}
  bool run();

private:
  // Tier 1.
  void local(const TargetOp &T);
  void local(const ProjectUpOp &Op);
  void local(const ProjectDownOp &Op) { projectName(Op); }
  void local(const ProjectCancelOp &Op) { projectName(Op); }
  void local(const AutoscaleOp &Op);
  void local(const MetadataPutOp &Op);
  void local(const MetadataDeleteOp &Op) { metadataKey(Op); }
  void local(const VmCreateOp &Op);
  void local(const DiskCreateOp &Op);
  void local(const GpartCreateOp &Op);
  void local(const ScriptOp &Op);
  void local(const SkydnsRecordOp &Op);
  void local(const LbServerOp &Op);
  template <typename T> void local(const T &) {}

  void projectName(const OpBase &Op);
  void metadataKey(const OpBase &Op);
  void envNames(const OpBase &Op, OpKind K, llvm::StringRef Field,
                const std::map<std::string, std::string> &Clear,
                const std::map<std::string, std::string> &Secret);
  void envList(const OpBase &Op, OpKind K, llvm::StringRef Field,
               const std::vector<std::string> &List);

  // Tier 2 and 3.
  void references(TargetID T);
  void vmSteps(TargetID T);
  void order(TargetID T);
  void partitions(TargetID T, llvm::StringRef Vm);

  llvm::SMRange at(const OpBase &Op, OpKind K, llvm::StringRef Field) const;
  std::string mnemonic(OpKind K) const {
    return getOpInfo(K).Mnemonic.str();
  }

  const Plan &P;
  DiagnosticEngine &Diags;
  unsigned Errors0 = 0;
};

llvm::SMRange Verifier::at(const OpBase &Op, OpKind K,
                           llvm::StringRef Field) const {
  for (const FieldInfo &F : getOpInfo(K).Fields)
    if (F.Name == Field)
      return Op.fieldLoc(F.Index);
  return Op.Loc;
}

//===----------------------------------------------------------------------===//
// Tier 1: local invariants
//===----------------------------------------------------------------------===//

void Verifier::local(const TargetOp &T) {
  llvm::SmallVector<llvm::StringRef, 4> Segs;
  llvm::StringRef(T.Symbol).split(Segs, '.');
  for (llvm::StringRef S : Segs)
    if (!isChainSegment(S)) {
      Diags.emit(T.Loc, diag::PlanRouteSegment, T.Symbol, S.str());
      break;
    }
  if (T.Datacenter != datacenterOf(T.Symbol))
    Diags.emit(at(T, OpKind::Target, "datacenter"),
               diag::PlanDatacenterMismatch, T.Symbol, T.Datacenter,
               datacenterOf(T.Symbol).str());
}

void Verifier::projectName(const OpBase &Op) {
  if (!isProjectName(Op.Symbol))
    Diags.emit(Op.Loc, diag::PlanProjectName, Op.Symbol);
}

void Verifier::metadataKey(const OpBase &Op) {
  if (!isMetadataKey(Op.Symbol))
    Diags.emit(Op.Loc, diag::PlanMetadataKey, Op.Symbol);
}

void Verifier::envNames(const OpBase &Op, OpKind K, llvm::StringRef Field,
                        const std::map<std::string, std::string> &Clear,
                        const std::map<std::string, std::string> &Secret) {
  for (const auto &[Name, V] : Clear)
    if (!isEnvName(Name))
      Diags.emit(at(Op, K, Field), diag::PlanEnvName, Name);
  for (const auto &[Name, V] : Secret) {
    if (!isEnvName(Name))
      Diags.emit(at(Op, K, "secret_environment"), diag::PlanEnvName, Name);
    if (Clear.count(Name))
      Diags.emit(at(Op, K, "secret_environment"),
                 diag::PlanEnvClearAndSecret, Name);
  }
}

void Verifier::envList(const OpBase &Op, OpKind K, llvm::StringRef Field,
                       const std::vector<std::string> &List) {
  for (const std::string &Item : List) {
    llvm::StringRef Name = llvm::StringRef(Item).split('=').first;
    if (!isEnvName(Name))
      Diags.emit(at(Op, K, Field), diag::PlanEnvName, Name.str());
  }
}

void Verifier::local(const ProjectUpOp &Op) {
  projectName(Op);
  if (Op.Director.has_value() == Op.DirectorMetadata.has_value())
    Diags.emit(Op.Loc, diag::PlanOneOf, mnemonic(Op.Kind), Op.Symbol,
               "director", "director_metadata");
  envNames(Op, Op.Kind, "environment", Op.Environment, Op.SecretEnvironment);
}

void Verifier::local(const AutoscaleOp &Op) {
  projectName(Op);
  envNames(Op, Op.Kind, "environment", Op.Environment, Op.SecretEnvironment);
  static const char *Types[] = {"any-jail", "any-project", "average",
                                "percent-jail", "percent-project"};
  if (llvm::none_of(Types, [&](const char *T) { return Op.Type == T; }))
    Diags.emit(at(Op, Op.Kind, "type"), diag::PlanUnknownValue, "type",
               Op.Type,
               "'any-jail', 'any-project', 'average', 'percent-jail', "
               "'percent-project'");
  else if (llvm::StringRef(Op.Type).startswith("percent-") && !Op.Value)
    Diags.emit(at(Op, Op.Kind, "value"), diag::PlanFieldRange, "value",
               "none", "type '" + Op.Type + "' needs a value");
  if (Op.ReplicasMin < 1)
    Diags.emit(at(Op, Op.Kind, "replicas_min"), diag::PlanFieldRange,
               "replicas_min", std::to_string(Op.ReplicasMin),
               "it must be at least 1");
  if (Op.ReplicasMax && *Op.ReplicasMax < Op.ReplicasMin)
    Diags.emit(at(Op, Op.Kind, "replicas_max"), diag::PlanFieldRange,
               "replicas_max", std::to_string(*Op.ReplicasMax),
               "it must be at least replicas_min (" +
                   std::to_string(Op.ReplicasMin) + ")");
}

void Verifier::local(const MetadataPutOp &Op) {
  metadataKey(Op);
  if (Op.Value.has_value() == Op.ValueSecret.has_value())
    Diags.emit(Op.Loc, diag::PlanOneOf, mnemonic(Op.Kind), Op.Symbol, "value",
               "value_secret");
  if (Op.Value && Op.Value->size() != Op.Size)
    Diags.emit(at(Op, Op.Kind, "size"), diag::PlanMetadataSize, Op.Symbol,
               Op.Size, static_cast<uint64_t>(Op.Value->size()));
  if (Op.Size > MetadataLimit)
    Diags.emit(at(Op, Op.Kind, "size"), diag::PlanMetadataTooLarge,
               Op.Symbol, Op.Size, MetadataLimit);
}

void Verifier::local(const VmCreateOp &Op) {
  if (!isVmName(Op.Symbol))
    Diags.emit(Op.Loc, diag::PlanVmName, Op.Symbol);
  envList(Op, Op.Kind, "build_environment", Op.BuildEnvironment);
  envList(Op, Op.Kind, "start_environment", Op.StartEnvironment);
}

void Verifier::local(const DiskCreateOp &Op) {
  if (Op.Driver != "virtio-blk" && Op.Driver != "nvme" &&
      Op.Driver != "ahci-hd")
    Diags.emit(at(Op, Op.Kind, "driver"), diag::PlanUnknownValue, "driver",
               Op.Driver, "'virtio-blk', 'nvme', 'ahci-hd'");
}

void Verifier::local(const GpartCreateOp &Op) {
  if (Op.Scheme != "gpt")
    Diags.emit(at(Op, Op.Kind, "scheme"), diag::PlanUnknownValue, "scheme",
               Op.Scheme, "'gpt'");
}

void Verifier::local(const ScriptOp &Op) {
  envList(Op, Op.Kind, "environment", Op.Environment);
}

void Verifier::local(const SkydnsRecordOp &Op) {
  std::string M = mnemonic(Op.Kind);
  if (Op.Type != "A" && Op.Type != "AAAA" && Op.Type != "PTR" &&
      Op.Type != "SRV") {
    Diags.emit(at(Op, Op.Kind, "type"), diag::PlanUnknownValue, "type",
               Op.Type, "'A', 'AAAA', 'PTR', 'SRV'");
    return;
  }
  if (Op.Type == "SRV") {
    const char *Names[] = {"port", "proto", "service"};
    bool Has[] = {Op.Port.has_value(), Op.Proto.has_value(),
                  Op.Service.has_value()};
    for (int I = 0; I < 3; ++I)
      if (!Has[I])
        Diags.emit(at(Op, Op.Kind, Names[I]), diag::PlanHookParam, M,
                   Op.Symbol, Op.Type, Names[I]);
  } else if (!Op.Interface && !Op.Address) {
    Diags.emit(Op.Loc, diag::PlanHookParam, M, Op.Symbol, Op.Type,
               "interface' or 'address");
  }
  if (Op.Ttl < 0)
    Diags.emit(at(Op, Op.Kind, "ttl"), diag::PlanFieldRange, "ttl",
               std::to_string(Op.Ttl), "a TTL is 0 or more seconds");
  if (Op.Port && (*Op.Port < 1 || *Op.Port > 65535))
    Diags.emit(at(Op, Op.Kind, "port"), diag::PlanFieldRange, "port",
               std::to_string(*Op.Port), "ports are 1 to 65535");
}

void Verifier::local(const LbServerOp &Op) {
  if (Op.Port < 1 || Op.Port > 65535)
    Diags.emit(at(Op, Op.Kind, "port"), diag::PlanFieldRange, "port",
               std::to_string(Op.Port), "ports are 1 to 65535");
  if (!Op.Interface && !Op.Address)
    Diags.emit(Op.Loc, diag::PlanHookParam, mnemonic(Op.Kind), Op.Symbol,
               "server", "interface' or 'address");
}

//===----------------------------------------------------------------------===//
// Tier 2: references within a target
//===----------------------------------------------------------------------===//

void Verifier::references(TargetID T) {
  std::map<std::pair<OpKind, std::string>, llvm::SMRange> Seen;
  for (OpRef R : P.TargetOps[T]) {
    const OpBase &Op = P.base(R);
    auto [It, New] = Seen.emplace(std::make_pair(R.Kind, Op.Symbol), Op.Loc);
    if (!New)
      Diags.emit(Op.Loc, diag::PlanDuplicateOp, mnemonic(R.Kind), Op.Symbol,
                 P.Targets[T].Symbol)
          .note(It->second, diag::PlanPreviousHere);
  }
  vmSteps(T);
}

void Verifier::vmSteps(TargetID T) {
  // Which step kinds, partitions and labels each VM of the target has.
  std::map<std::string, std::set<OpKind>, std::less<>> Kinds;
  std::set<std::string, std::less<>> Partitions, Labels;
  for (OpRef R : P.TargetOps[T]) {
    if (getOpInfo(R.Kind).Category != OpCategory::Vm)
      continue;
    const OpBase &Op = P.base(R);
    Kinds[vmNameOf(Op.Symbol).str()].insert(R.Kind);
    if (R.Kind == OpKind::GpartAdd) {
      Partitions.insert(Op.Symbol);
      const GpartAddOp &G = P.get<GpartAddOp>(R);
      if (G.Label)
        Labels.insert(vmNameOf(Op.Symbol).str() + ":" + *G.Label);
    }
  }
  auto Needs = [&](const OpBase &Op, OpKind K, OpKind Need) {
    const std::set<OpKind> &Have = Kinds[vmNameOf(Op.Symbol).str()];
    if (Have.count(Need))
      return;
    if (Need == OpKind::VmCreate)
      Diags.emit(Op.Loc, diag::PlanVmNoCreate, mnemonic(K),
                 vmNameOf(Op.Symbol).str());
    else
      Diags.emit(Op.Loc, diag::PlanVmNeeds, mnemonic(K),
                 vmNameOf(Op.Symbol).str(), mnemonic(Need));
  };
  for (OpRef R : P.TargetOps[T]) {
    if (getOpInfo(R.Kind).Category != OpCategory::Vm)
      continue;
    const OpBase &Op = P.base(R);
    std::string Vm = vmNameOf(Op.Symbol).str();
    switch (R.Kind) {
    case OpKind::VmCreate:
      break;
    case OpKind::GpartCreate:
      Needs(Op, R.Kind, OpKind::DiskCreate);
      break;
    case OpKind::GpartAdd:
      Needs(Op, R.Kind, OpKind::GpartCreate);
      break;
    case OpKind::Newfs:
    case OpKind::FormatScript:
      if (!Partitions.count(Op.Symbol))
        Diags.emit(Op.Loc, diag::PlanFormatPartition, mnemonic(R.Kind),
                   Op.Symbol, Vm);
      break;
    case OpKind::InstallComponents:
    case OpKind::InstallAppjailImage:
    case OpKind::InstallPkgbase:
      Needs(Op, R.Kind, OpKind::GpartCreate);
      break;
    case OpKind::Fstab: {
      const FstabOp &F = P.get<FstabOp>(R);
      llvm::StringRef Dev = F.Device;
      if (Dev.consume_front("/dev/gpt/") && !Labels.count(Vm + ":" + Dev.str()))
        Diags.emit(at(F, R.Kind, "device"), diag::PlanFstabDevice, F.Device,
                   Dev.str(), Vm);
      break;
    }
    default:
      break;
    }
    if (R.Kind != OpKind::VmCreate)
      Needs(Op, R.Kind, OpKind::VmCreate);
  }
  for (const auto &[Vm, Have] : Kinds)
    if (Have.count(OpKind::GpartAdd))
      partitions(T, Vm);
}

//===----------------------------------------------------------------------===//
// Tier 3: whole plan
//===----------------------------------------------------------------------===//

void Verifier::partitions(TargetID T, llvm::StringRef Vm) {
  std::optional<uint64_t> Disk;
  std::vector<const GpartAddOp *> Parts;
  for (OpRef R : P.TargetOps[T]) {
    if (vmNameOf(P.base(R).Symbol) != Vm)
      continue;
    if (R.Kind == OpKind::DiskCreate)
      Disk = P.get<DiskCreateOp>(R).Size;
    if (R.Kind == OpKind::GpartAdd)
      Parts.push_back(&P.get<GpartAddOp>(R));
  }
  const GpartAddOp *Unsized = nullptr;
  uint64_t Offset = 0;
  bool Overflow = false;
  for (size_t I = 0; I < Parts.size(); ++I) {
    const GpartAddOp &G = *Parts[I];
    if (G.Index != static_cast<int64_t>(I + 1))
      Diags.emit(at(G, G.Kind, "index"), diag::PlanPartitionIndex, G.Symbol,
                 G.Index, static_cast<int64_t>(I + 1));
    if (!G.Size) {
      if (Unsized)
        Diags.emit(G.Loc, diag::PlanUnsizedPartition, Vm.str())
            .note(Unsized->Loc, diag::PlanPreviousHere);
      Unsized = &G;
      continue;
    }
    if (G.Start && *G.Start > Offset)
      Offset = *G.Start;
    if (G.Alignment && *G.Alignment > 0 && Offset % *G.Alignment)
      Offset += *G.Alignment - Offset % *G.Alignment;
    Overflow |= *G.Size > UINT64_MAX - Offset;
    Offset = Overflow ? UINT64_MAX : Offset + *G.Size;
  }
  if (Disk && Offset > *Disk)
    Diags.emit(Parts.front()->Loc, diag::PlanPartitionsOverflow, Vm.str(),
               Offset, *Disk);
}

void Verifier::order(TargetID T) {
  const std::vector<OpRef> &Ops = P.TargetOps[T];
  for (size_t I = 1; I < Ops.size(); ++I) {
    const OpBase &A = P.base(Ops[I - 1]), &B = P.base(Ops[I]);
    if (!opOrderLess(Ops[I].Kind, B.Symbol, Ops[I - 1].Kind, A.Symbol))
      continue;
    bool SameVm = getOpInfo(Ops[I].Kind).Category == OpCategory::Vm &&
                  getOpInfo(Ops[I - 1].Kind).Category == OpCategory::Vm &&
                  vmNameOf(A.Symbol) == vmNameOf(B.Symbol);
    if (SameVm)
      Diags.emit(B.Loc, diag::PlanVmStepOrder, mnemonic(Ops[I].Kind),
                 vmNameOf(B.Symbol).str(), mnemonic(Ops[I - 1].Kind));
    else
      Diags.emit(B.Loc, diag::PlanOpOrder, mnemonic(Ops[I].Kind), B.Symbol,
                 mnemonic(Ops[I - 1].Kind), A.Symbol);
  }
}

bool Verifier::run() {
  Errors0 = Diags.getNumErrors();
  llvm::StringRef Id = P.Header.SecretKeyId;
  if (!((Id.consume_front("key:") || Id.consume_front("ephemeral:")) &&
        isHexId(Id)))
    Diags.emit(P.Header.SecretKeyIdLoc, diag::PlanSecretKeyId, P.Header.SecretKeyId);
  // Tier 1.
  for (TargetID T = 0; T < P.Targets.size(); ++T) {
    local(P.Targets[T]);
    for (OpRef R : P.TargetOps[T])
      visitOp(P, R, [&](const auto &Op) { local(Op); });
  }
  // Tier 2.
  std::map<std::string, llvm::SMRange> Routes;
  for (TargetID T = 0; T < P.Targets.size(); ++T) {
    const TargetOp &Target = P.Targets[T];
    auto [It, New] = Routes.emplace(Target.Symbol, Target.Loc);
    if (!New)
      Diags.emit(Target.Loc, diag::PlanDuplicateTarget, Target.Symbol)
          .note(It->second, diag::PlanPreviousHere);
    references(T);
  }
  // Tier 3.
  for (TargetID T = 0; T < P.Targets.size(); ++T) {
    if (T > 0 && P.Targets[T].Symbol < P.Targets[T - 1].Symbol)
      Diags.emit(P.Targets[T].Loc, diag::PlanOpOrder, "target",
                 P.Targets[T].Symbol, "target", P.Targets[T - 1].Symbol);
    order(T);
  }
  return Diags.getNumErrors() == Errors0;
}

} // namespace

bool ir::verifyPlan(const Plan &P, DiagnosticEngine &Diags) {
  return Verifier(P, Diags).run();
}
