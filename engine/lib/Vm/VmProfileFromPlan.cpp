//===- VmProfileFromPlan.cpp - vm.* ops back to the VM message --*- C++ -*-===//
//
// The inverse of compiler/lib/Lower/LowerVm.cpp: the ops of one VM in one
// target of a verified plan (vm.create, vm.jail, disk.create, gpart.create,
// gpart.add, newfs, format.script, bootcode, install.*, fstab, script,
// cloudinit; docs/PlanIR.md) become the profile `overlord apply` POSTs to
// `/v1/vm/<name>` (overlord-behaviour.md §1.3 step 6, §4.2), which is the
// vm.create payload.
//
// What lowering keeps differently comes back in the form the node reads the
// same way: partition sizes print canonically (`512K`, sectors when not a
// whole KiB), `downloadURL` is already substituted, the template loses the
// disk0_*/disk1_* keys lowering added (the node adds them again) and gives
// `diskLayout.driver`/`size` their text, `cloud-init.flags` is explicit.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/VmBuilder.h"
#include "overlord/IR/Plan.h"

using namespace overlord;
using namespace overlord::engine;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace {

constexpr llvm::StringLiteral SecretPrefix = "secret:hmac-sha256:";

llvm::Error error(const llvm::Twine &Msg) {
  return llvm::createStringError(
      std::make_error_code(std::errc::invalid_argument), Msg);
}

/// A gpart size: the largest exact binary unit, or 512-byte sectors when
/// the value is not a whole KiB (gpart reads a bare number as sectors).
std::string gpartSize(uint64_t Bytes) {
  if (Bytes % 1024 != 0 && Bytes % 512 == 0)
    return std::to_string(Bytes / 512);
  return ir::formatSize(Bytes);
}

class Rebuilder {
public:
  Rebuilder(const std::map<std::string, std::string> &Secrets)
      : Secrets(Secrets) {}

  llvm::Error unseal(std::string &V) const {
    if (!llvm::StringRef(V).startswith(SecretPrefix))
      return llvm::Error::success();
    auto It = Secrets.find(V);
    if (It == Secrets.end())
      return error("secret '" + V + "' has no value");
    V = It->second;
    return llvm::Error::success();
  }

  /// "NAME=value" / "NAME" items back to `[{NAME: value}]`.
  llvm::Expected<Array> kvList(const std::vector<std::string> &L,
                               llvm::StringRef Field) const {
    Array A;
    for (const std::string &Item : L) {
      auto [Name, Val] = llvm::StringRef(Item).split('=');
      if (Name.empty())
        return error("'" + Field + "' item '" + Item + "' has no name");
      if (Name.size() == Item.size()) {
        A.push_back(Object{{Name, nullptr}});
        continue;
      }
      std::string V = Val.str();
      if (llvm::Error E = unseal(V))
        return E;
      A.push_back(Object{{Name, std::move(V)}});
    }
    return A;
  }

private:
  const std::map<std::string, std::string> &Secrets;
};

/// "name: value" / "name" items back to `[{name: value|null}]`.
Array optionList(const std::vector<std::string> &L) {
  Array A;
  for (const std::string &Item : L) {
    size_t Sep = Item.find(": ");
    if (Sep == std::string::npos)
      A.push_back(Object{{Item, nullptr}});
    else
      A.push_back(Object{{Item.substr(0, Sep), Item.substr(Sep + 2)}});
  }
  return A;
}

Array strings(const std::vector<std::string> &L) {
  Array A;
  for (const std::string &S : L)
    A.push_back(S);
  return A;
}

llvm::Expected<Value> parseDoc(const std::optional<std::string> &Text,
                               llvm::StringRef Name) {
  if (!Text)
    return Value(nullptr);
  llvm::Expected<Value> V = llvm::json::parse(*Text);
  if (!V)
    return error("cloudinit '" + Name + "' is not JSON: " +
                 llvm::toString(V.takeError()));
  return std::move(*V);
}

/// The ops of one VM, by kind.
struct VmOps {
  const ir::VmCreateOp *Create = nullptr;
  const ir::VmJailOp *Jail = nullptr;
  const ir::GpartCreateOp *Gpart = nullptr;
  std::vector<const ir::GpartAddOp *> Parts;
  std::map<std::string, const ir::NewfsOp *> Newfs;
  std::map<std::string, const ir::FormatScriptOp *> Formats;
  const ir::BootcodeOp *Bootcode = nullptr;
  std::optional<Object> From;
  std::vector<const ir::FstabOp *> Fstab;
  const ir::ScriptOp *Script = nullptr;
  const ir::CloudInitOp *CloudInit = nullptr;
};

Object fromOf(const ir::InstallComponentsOp &O) {
  return Object{{"type", "components"},
                {"components", strings(O.Components)},
                {"osVersion", O.OsVersion},
                {"osArch", O.OsArch},
                {"downloadURL", O.DownloadUrl}};
}
Object fromOf(const ir::InstallAppjailImageOp &O) {
  return Object{{"type", "appjailImage"},
                {"entrypoint", O.Entrypoint},
                {"imageName", O.ImageName},
                {"imageArch", O.ImageArch},
                {"imageTag", O.ImageTag}};
}
Object fromOf(const ir::InstallPkgbaseOp &O) {
  return Object{{"type", "pkgbase"},
                {"osVersion", O.OsVersion},
                {"osArch", O.OsArch},
                {"packages", strings(O.Packages)},
                {"pkgConf", O.PkgConf},
                {"fingerprints", O.Fingerprints}};
}
Object fromOf(const ir::InstallIsoOp &O) {
  return Object{{"type", "iso"}, {"isoFile", O.IsoFile},
                {"installed", O.Installed}};
}
Object fromOf(const ir::InstallImgOp &O) {
  Object F{{"type", "img"}, {"installed", O.Installed}};
  F["imgFile"] = O.ImgFile ? Value(*O.ImgFile) : Value(nullptr);
  return F;
}

llvm::Error collect(const ir::Plan &P, size_t T, llvm::StringRef Vm,
                    VmOps &Ops) {
  for (const ir::OpRef &R : P.TargetOps[T]) {
    if (ir::getOpInfo(R.Kind).Category != ir::OpCategory::Vm ||
        ir::vmNameOf(P.base(R).Symbol) != Vm)
      continue;
    const std::string &Sym = P.base(R).Symbol;
    switch (R.Kind) {
    case ir::OpKind::VmCreate:
      Ops.Create = &P.get<ir::VmCreateOp>(R);
      break;
    case ir::OpKind::VmJail:
      Ops.Jail = &P.get<ir::VmJailOp>(R);
      break;
    case ir::OpKind::DiskCreate:
      break; // driver and size text come from the template
    case ir::OpKind::GpartCreate:
      Ops.Gpart = &P.get<ir::GpartCreateOp>(R);
      break;
    case ir::OpKind::GpartAdd:
      Ops.Parts.push_back(&P.get<ir::GpartAddOp>(R));
      break;
    case ir::OpKind::Newfs:
      Ops.Newfs[Sym] = &P.get<ir::NewfsOp>(R);
      break;
    case ir::OpKind::FormatScript:
      Ops.Formats[Sym] = &P.get<ir::FormatScriptOp>(R);
      break;
    case ir::OpKind::Bootcode:
      Ops.Bootcode = &P.get<ir::BootcodeOp>(R);
      break;
    case ir::OpKind::InstallComponents:
      Ops.From = fromOf(P.get<ir::InstallComponentsOp>(R));
      break;
    case ir::OpKind::InstallAppjailImage:
      Ops.From = fromOf(P.get<ir::InstallAppjailImageOp>(R));
      break;
    case ir::OpKind::InstallPkgbase:
      Ops.From = fromOf(P.get<ir::InstallPkgbaseOp>(R));
      break;
    case ir::OpKind::InstallIso:
      Ops.From = fromOf(P.get<ir::InstallIsoOp>(R));
      break;
    case ir::OpKind::InstallImg:
      Ops.From = fromOf(P.get<ir::InstallImgOp>(R));
      break;
    case ir::OpKind::Fstab:
      Ops.Fstab.push_back(&P.get<ir::FstabOp>(R));
      break;
    case ir::OpKind::Script:
      Ops.Script = &P.get<ir::ScriptOp>(R);
      break;
    case ir::OpKind::CloudInit:
      Ops.CloudInit = &P.get<ir::CloudInitOp>(R);
      break;
    default:
      return error("unexpected op '" + ir::getOpInfo(R.Kind).Mnemonic +
                   "' for VM '" + Vm + "'");
    }
  }
  if (!Ops.Create)
    return error("the target has no 'vm.create " + Vm + "'");
  if (!Ops.Jail)
    return error("VM '" + Vm + "' has no 'vm.jail' op");
  if (!Ops.From)
    return error("VM '" + Vm + "' has no 'install.*' op");
  llvm::sort(Ops.Parts, [](const ir::GpartAddOp *A, const ir::GpartAddOp *B) {
    return A->Index < B->Index;
  });
  return llvm::Error::success();
}

Object partitionOf(const ir::GpartAddOp &G, const VmOps &Ops) {
  Object O{{"type", G.Type}};
  if (G.Alignment)
    O["alignment"] = gpartSize(*G.Alignment);
  if (G.Start)
    O["start"] = gpartSize(*G.Start);
  if (G.Size)
    O["size"] = gpartSize(*G.Size);
  if (G.Label)
    O["label"] = *G.Label;
  if (auto It = Ops.Newfs.find(G.Symbol); It != Ops.Newfs.end())
    O["format"] = Object{{"flags", It->second->Flags}};
  else if (auto It = Ops.Formats.find(G.Symbol); It != Ops.Formats.end())
    O["format"] = Object{{"script", It->second->Script}};
  return O;
}

/// `diskLayout`; the template keys lowering added are taken out of Tpl.
llvm::Expected<Object> diskLayoutOf(const VmOps &Ops, Object &Tpl) {
  Object L;
  for (auto [Key, Field] : {std::pair{"disk0_type", "driver"},
                            std::pair{"disk0_size", "size"}}) {
    auto V = Tpl.getString(Key);
    if (!V)
      return error("the VM template has no '" + llvm::StringRef(Key) + "'");
    L[Field] = V->str();
  }
  for (const char *K : {"disk0_type", "disk0_name", "disk0_dev", "disk0_size"})
    Tpl.erase(K);
  if (Ops.CloudInit)
    for (const char *K : {"disk1_type", "disk1_name", "disk1_dev"})
      Tpl.erase(K);
  L["from"] = Object(*Ops.From);
  if (Ops.Gpart) {
    Array Parts;
    for (const ir::GpartAddOp *G : Ops.Parts)
      Parts.push_back(partitionOf(*G, Ops));
    Object Disk{{"scheme", Ops.Gpart->Scheme}, {"partitions", std::move(Parts)}};
    if (const ir::BootcodeOp *B = Ops.Bootcode) {
      Object BO;
      if (B->Bootcode)
        BO["bootcode"] = *B->Bootcode;
      if (B->Partcode)
        BO["partcode"] = *B->Partcode;
      if (B->PartcodeIndex)
        BO["index"] = *B->PartcodeIndex;
      Disk["bootcode"] = std::move(BO);
    }
    L["disk"] = std::move(Disk);
  }
  if (!Ops.Fstab.empty()) {
    Array F;
    for (const ir::FstabOp *E : Ops.Fstab)
      F.push_back(Object{{"device", E->Device},
                         {"mountpoint", llvm::StringRef(E->Symbol)
                                            .split(':')
                                            .second.str()},
                         {"type", E->Type},
                         {"options", E->Options},
                         {"dump", E->Dump},
                         {"pass", E->Pass}});
    L["fstab"] = std::move(F);
  }
  return L;
}

llvm::Expected<Object> cloudInitOf(const ir::CloudInitOp *C) {
  if (!C)
    return Object{};
  Object O{{"flags", C->Flags}};
  std::pair<const char *, const std::optional<std::string> *> Docs[] = {
      {"meta-data", &C->MetaData},
      {"user-data", &C->UserData},
      {"network-config", &C->NetworkConfig}};
  for (auto [K, Text] : Docs) {
    if (!*Text)
      continue;
    llvm::Expected<Value> V = parseDoc(*Text, K);
    if (!V)
      return V.takeError();
    O[K] = std::move(*V);
  }
  return O;
}

} // namespace

llvm::Expected<Object>
engine::vmProfileFromPlan(const ir::Plan &P, size_t TargetIndex,
                          llvm::StringRef VmName,
                          const std::map<std::string, std::string> &Secrets) {
  if (TargetIndex >= P.TargetOps.size())
    return error("the plan has no target " + llvm::Twine(TargetIndex));
  VmOps Ops;
  if (llvm::Error E = collect(P, TargetIndex, VmName, Ops))
    return E;
  Rebuilder RB(Secrets);
  const ir::VmCreateOp &C = *Ops.Create;
  Object Prof;
  Object Tpl;
  for (const auto &[K, V] : Ops.Jail->Template)
    Tpl[K] = V;
  llvm::Expected<Object> Layout = diskLayoutOf(Ops, Tpl);
  if (!Layout)
    return Layout.takeError();
  Prof["template"] = std::move(Tpl);
  Prof["diskLayout"] = std::move(*Layout);
  llvm::Expected<Object> CI = cloudInitOf(Ops.CloudInit);
  if (!CI)
    return CI.takeError();
  Prof["cloud-init"] = std::move(*CI);
  Prof["options"] = optionList(C.Options);
  std::pair<const char *, const std::vector<std::string> *> Lists[] = {
      {"start-environment", &C.StartEnvironment},
      {"start-arguments", &C.StartArguments},
      {"build-environment", &C.BuildEnvironment},
      {"build-arguments", &C.BuildArguments}};
  for (auto [K, L] : Lists) {
    llvm::Expected<Array> A = RB.kvList(*L, K);
    if (!A)
      return A.takeError();
    Prof[K] = std::move(*A);
  }
  Array ScriptEnv;
  if (Ops.Script) {
    llvm::Expected<Array> A =
        RB.kvList(Ops.Script->Environment, "script-environment");
    if (!A)
      return A.takeError();
    ScriptEnv = std::move(*A);
    if (!Ops.Script->Script.empty())
      Prof["script"] = Ops.Script->Script;
    if (!Ops.Script->Metadata.empty())
      Prof["metadata"] = strings(Ops.Script->Metadata);
  }
  Prof["script-environment"] = std::move(ScriptEnv);
  Prof["restart"] = C.Restart;
  Prof["overwrite"] = C.Overwrite;
  Prof["poweroff"] = C.Poweroff;
  if (Ops.Jail->Makejail)
    Prof["makejail"] = *Ops.Jail->Makejail;
  else if (Ops.Jail->MakejailMetadata)
    Prof["makejailFromMetadata"] = *Ops.Jail->MakejailMetadata;
  else
    return error("VM '" + VmName + "' has neither 'makejail' nor "
                 "'makejail_metadata'");
  if (C.Datastore)
    Prof["datastore"] = *C.Datastore;
  return Prof;
}
