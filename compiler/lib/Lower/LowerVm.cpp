//===- LowerVm.cpp - vmJail lowering ----------------------------*- C++ -*-===//
//
// A vmJail becomes the VM job and its steps in the order the node runs them
// (libexec/create.py create_vm, overlord-behaviour.md §10): the job
// (`vm.create`), the VM jail (`vm.jail`: Makejail and the vm-bhyve template
// including the disk0_*/disk1_* keys Overlord adds), the cloud-init seed,
// then for the sources the node partitions itself the disk image, the
// partition table, each partition and its format, the boot code, the
// install source, the fstab lines and the script; `iso` and `img` sources
// get only their install step.
//
// Environment and argument values written `!SECRET` print as
// `NAME=secret:hmac-sha256:<hex>`, sealed with the plan key.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/Lowering.h"

using namespace overlord;
using namespace overlord::lower;

namespace {

/// `NAME=value` items; values written `!SECRET` are sealed (Ctx.seal).
std::vector<std::string> kvList(const std::vector<ast::VmKeyValue> &L,
                                LowerContext &Ctx) {
  std::vector<std::string> Out;
  for (const ast::VmKeyValue &KV : L) {
    if (!KV.Value)
      Out.push_back(KV.Name);
    else
      Out.push_back(KV.Name + "=" +
                    (KV.Secret ? Ctx.seal(*KV.Value) : *KV.Value));
  }
  return Out;
}

/// Options as the Director file's `options:` items print (`name: value`).
std::vector<std::string> optionList(const std::vector<ast::VmKeyValue> &L) {
  std::vector<std::string> Out;
  for (const ast::VmKeyValue &KV : L)
    Out.push_back(KV.Value ? KV.Name + ": " + *KV.Value : KV.Name);
  return Out;
}

/// A size in bytes; a size whose text only the node can read (an empty
/// `!ENV`) lowers to 0 and the verifier's size rules skip nothing.
uint64_t bytesOf(const ast::VmSize &S) {
  if (S.Bytes)
    return *S.Bytes;
  return ir::parseSize(S.Text).value_or(0);
}

std::optional<uint64_t> bytesOf(const std::optional<ast::VmSize> &S) {
  if (!S)
    return std::nullopt;
  return bytesOf(*S);
}

void lowerJail(const ast::VmJailSpec &V, const std::string &Vm,
               ir::TargetID ID, LowerContext &Ctx) {
  ir::VmJailOp &J = Ctx.Builder.add<ir::VmJailOp>(ID, Vm);
  J.Makejail = V.Makejail;
  J.MakejailMetadata = V.MakejailFromMetadata;
  for (const auto &[K, Val] : V.Template)
    J.Template[K] = Val;
  if (V.DiskLayout) {
    J.Template["disk0_type"] = ast::vmDiskDriverName(V.DiskLayout->Driver);
    J.Template["disk0_name"] = "disk0.img";
    J.Template["disk0_dev"] = "file";
    J.Template["disk0_size"] = V.DiskLayout->Size.Text;
  }
  if (V.CloudInit.Enabled) {
    J.Template["disk1_type"] = "ahci-cd";
    J.Template["disk1_name"] = "seed.iso";
    J.Template["disk1_dev"] = "file";
    ir::CloudInitOp &C = Ctx.Builder.add<ir::CloudInitOp>(ID, Vm);
    C.Flags = V.CloudInit.Flags;
    C.MetaData = V.CloudInit.MetaDataJson;
    C.UserData = V.CloudInit.UserDataJson;
    C.NetworkConfig = V.CloudInit.NetworkConfigJson;
  }
}

std::string partitionSymbol(const std::string &Vm, const ast::VmPartition &P) {
  if (P.Label)
    return Vm + ":" + *P.Label;
  return Vm + ":p" + std::to_string(P.Index);
}

void lowerDisk(const ast::VmDisk &D, const std::string &Vm, ir::TargetID ID,
               LowerContext &Ctx) {
  Ctx.Builder.add<ir::GpartCreateOp>(ID, Vm).Scheme = D.Scheme;
  for (const ast::VmPartition &P : D.Partitions) {
    std::string Sym = partitionSymbol(Vm, P);
    ir::GpartAddOp &G = Ctx.Builder.add<ir::GpartAddOp>(ID, Sym);
    G.Alignment = bytesOf(P.Alignment);
    G.Index = P.Index;
    G.Label = P.Label;
    G.Size = bytesOf(P.Size);
    G.Start = bytesOf(P.Start);
    G.Type = P.Type;
    if (!P.Format)
      continue;
    if (P.Format->FormatKind == ast::VmPartitionFormat::Kind::Flags)
      Ctx.Builder.add<ir::NewfsOp>(ID, Sym).Flags = P.Format->Text;
    else
      Ctx.Builder.add<ir::FormatScriptOp>(ID, Sym).Script = P.Format->Text;
  }
  if (D.Bootcode) {
    ir::BootcodeOp &B = Ctx.Builder.add<ir::BootcodeOp>(ID, Vm);
    B.Bootcode = D.Bootcode->Bootcode;
    B.Partcode = D.Bootcode->Partcode;
    if (D.Bootcode->PartcodeIndex)
      B.PartcodeIndex = *D.Bootcode->PartcodeIndex;
  }
}

void lowerInstall(const ast::VmInstallFrom &F, const std::string &Vm,
                  ir::TargetID ID, LowerContext &Ctx) {
  switch (F.Type) {
  case ast::VmInstallSource::Components: {
    auto &Op = Ctx.Builder.add<ir::InstallComponentsOp>(ID, Vm);
    Op.Components = F.Components;
    Op.DownloadUrl = F.resolvedDownloadURL();
    Op.OsArch = F.OsArch;
    Op.OsVersion = F.OsVersion;
    break;
  }
  case ast::VmInstallSource::AppjailImage: {
    auto &Op = Ctx.Builder.add<ir::InstallAppjailImageOp>(ID, Vm);
    Op.Entrypoint = F.Entrypoint;
    Op.ImageArch = F.ImageArch;
    Op.ImageName = F.ImageName;
    Op.ImageTag = F.ImageTag;
    break;
  }
  case ast::VmInstallSource::Pkgbase: {
    auto &Op = Ctx.Builder.add<ir::InstallPkgbaseOp>(ID, Vm);
    Op.Fingerprints = F.Fingerprints;
    Op.OsArch = F.OsArch;
    Op.OsVersion = F.OsVersion;
    Op.Packages = F.Packages;
    Op.PkgConf = F.PkgConf;
    break;
  }
  case ast::VmInstallSource::Iso: {
    auto &Op = Ctx.Builder.add<ir::InstallIsoOp>(ID, Vm);
    Op.Installed = F.Installed;
    Op.IsoFile = F.IsoFile;
    break;
  }
  case ast::VmInstallSource::Img: {
    auto &Op = Ctx.Builder.add<ir::InstallImgOp>(ID, Vm);
    Op.ImgFile = F.ImgFile;
    Op.Installed = F.Installed;
    break;
  }
  }
}

void lowerLayout(const ast::VmJailSpec &V, const std::string &Vm,
                 ir::TargetID ID, LowerContext &Ctx) {
  const ast::VmDiskLayout &L = *V.DiskLayout;
  if (L.partitionsDisk()) {
    ir::DiskCreateOp &D = Ctx.Builder.add<ir::DiskCreateOp>(ID, Vm);
    D.Driver = ast::vmDiskDriverName(L.Driver);
    D.Size = bytesOf(L.Size);
    if (L.Disk)
      lowerDisk(*L.Disk, Vm, ID, Ctx);
  }
  lowerInstall(L.From, Vm, ID, Ctx);
  if (!L.partitionsDisk())
    return;
  for (const ast::VmFstabEntry &E : L.Fstab) {
    ir::FstabOp &F = Ctx.Builder.add<ir::FstabOp>(ID, Vm + ":" + E.MountPoint);
    F.Device = E.Device;
    F.Dump = E.Dump;
    F.Options = E.Options;
    F.Pass = E.Pass;
    F.Type = E.Type;
  }
}

} // namespace

void overlord::lower::lowerVmJail(const ast::VmJailSpec &V, ir::TargetID ID,
                                  LowerContext &Ctx) {
  std::string Vm = V.VmName.value_or("");
  ir::VmCreateOp &C = Ctx.Builder.add<ir::VmCreateOp>(ID, Vm);
  C.BuildArguments = kvList(V.BuildArguments, Ctx);
  C.BuildEnvironment = kvList(V.BuildEnvironment, Ctx);
  C.Datastore = V.Datastore;
  C.Options = optionList(V.Options);
  C.Overwrite = V.Overwrite;
  C.Poweroff = V.Poweroff;
  C.Restart = Ctx.Restart;
  C.StartArguments = kvList(V.StartArguments, Ctx);
  C.StartEnvironment = kvList(V.StartEnvironment, Ctx);
  lowerJail(V, Vm, ID, Ctx);
  if (V.DiskLayout)
    lowerLayout(V, Vm, ID, Ctx);
  bool Partitions = V.DiskLayout && V.DiskLayout->partitionsDisk();
  if (V.Script || (Partitions && (!V.Metadata.empty() ||
                                  !V.ScriptEnvironment.empty()))) {
    ir::ScriptOp &S = Ctx.Builder.add<ir::ScriptOp>(ID, Vm);
    S.Environment = kvList(V.ScriptEnvironment, Ctx);
    S.Metadata = V.Metadata;
    S.Script = V.Script.value_or("");
  }
}
