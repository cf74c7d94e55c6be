//===- VmJailJson.cpp - print-spec form of a vmJail deployment --*- C++ -*-===//
//
// vmJailToJson renders the typed VmJailSpec in the shape of the reference's
// `overlord print-spec` (overlord-behaviour.md §1.7): vmName, makejail,
// template, diskLayout, script, metadata (prefixed), options, the five
// environment/argument lists, cloud-init, overwrite, datastore, poweroff.
// Unlike the reference, which prints `diskLayout` raw, the defaults the node
// applies to `diskLayout.from` are written out. Also here: the small helpers
// of the typed model declared in VmJailSpec.h.
//
//===----------------------------------------------------------------------===//
#include "VmJailChecker.h"

#include "llvm/ADT/StringExtras.h"

using namespace overlord;
using namespace overlord::ast;
using llvm::json::Array;
using llvm::json::Object;

//===----------------------------------------------------------------------===//
// VmJailSpec.h helpers
//===----------------------------------------------------------------------===//

const char *ast::vmDiskDriverName(VmDiskDriver D) {
  switch (D) {
  case VmDiskDriver::VirtioBlk:
    return "virtio-blk";
  case VmDiskDriver::Nvme:
    return "nvme";
  case VmDiskDriver::AhciHd:
    return "ahci-hd";
  }
  return "virtio-blk";
}

const char *ast::vmInstallSourceName(VmInstallSource S) {
  switch (S) {
  case VmInstallSource::Components:
    return "components";
  case VmInstallSource::AppjailImage:
    return "appjailImage";
  case VmInstallSource::Pkgbase:
    return "pkgbase";
  case VmInstallSource::Iso:
    return "iso";
  case VmInstallSource::Img:
    return "img";
  }
  return "components";
}

std::string VmInstallFrom::resolvedDownloadURL() const {
  // Python's str.format with ARCH and VERSION; the checker has rejected any
  // other placeholder, so only these and the `{{`/`}}` escapes remain.
  std::string Out;
  llvm::StringRef S = DownloadURL;
  while (!S.empty()) {
    if (S.startswith("{{") || S.startswith("}}")) {
      Out += S.front();
      S = S.drop_front(2);
    } else if (S.startswith("{ARCH}")) {
      Out += OsArch;
      S = S.drop_front(6);
    } else if (S.startswith("{VERSION}")) {
      Out += OsVersion;
      S = S.drop_front(9);
    } else {
      Out += S.front();
      S = S.drop_front();
    }
  }
  return Out;
}

bool VmDiskLayout::partitionsDisk() const {
  return From.Type == VmInstallSource::Components ||
         From.Type == VmInstallSource::AppjailImage ||
         From.Type == VmInstallSource::Pkgbase;
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

llvm::json::Value sema::vmjail::valueToJson(const Value &V) {
  switch (V.Kind) {
  case ValueKind::Null:
    return nullptr;
  case ValueKind::Bool:
    return V.BoolVal;
  case ValueKind::Int:
    return V.IntVal;
  case ValueKind::Float:
    return V.FloatVal;
  case ValueKind::String:
    // llvm::json asserts on invalid UTF-8; repair instead of crashing.
    if (!llvm::json::isUTF8(V.Text))
      return llvm::json::fixUTF8(V.Text);
    return V.Text;
  case ValueKind::List: {
    Array A;
    for (const Value *Item : V.Items)
      A.push_back(Item ? valueToJson(*Item) : llvm::json::Value(nullptr));
    return A;
  }
  case ValueKind::Map: {
    Object O;
    for (const MapEntry &E : V.Entries) {
      if (!E.Key)
        continue;
      std::string Key = E.Key->isString() ? E.Key->Text
                                          : E.Key->asPythonString();
      if (!llvm::json::isUTF8(Key))
        Key = llvm::json::fixUTF8(Key);
      // The first of duplicate keys wins, as in Value::get.
      if (O.find(Key) == O.end())
        O[Key] = E.Val ? valueToJson(*E.Val) : llvm::json::Value(nullptr);
    }
    return O;
  }
  }
  return nullptr;
}

/// A string for llvm::json, which requires valid UTF-8.
static llvm::json::Value str(const std::string &S) {
  if (!llvm::json::isUTF8(S))
    return llvm::json::fixUTF8(S);
  return S;
}

static llvm::json::Value optStr(const std::optional<std::string> &S) {
  return S ? str(*S) : llvm::json::Value(nullptr);
}

static Array strList(const std::vector<std::string> &L) {
  Array A;
  for (const std::string &S : L)
    A.push_back(str(S));
  return A;
}

/// `[{NAME: value}, ...]`, the reference's KV-list shape.
static Array kvList(const std::vector<VmKeyValue> &L,
                    bool ShowSecrets = true) {
  Array A;
  for (const VmKeyValue &KV : L) {
    Object O;
    O[llvm::json::fixUTF8(KV.Name)] =
        KV.Secret && !ShowSecrets ? llvm::json::Value("********")
                                  : optStr(KV.Value);
    A.push_back(std::move(O));
  }
  return A;
}

static Object fromToJson(const VmInstallFrom &F) {
  Object O{{"type", vmInstallSourceName(F.Type)}};
  switch (F.Type) {
  case VmInstallSource::Components:
    O["components"] = strList(F.Components);
    O["osVersion"] = str(F.OsVersion);
    O["osArch"] = str(F.OsArch);
    O["downloadURL"] = str(F.DownloadURL);
    break;
  case VmInstallSource::AppjailImage:
    O["entrypoint"] = str(F.Entrypoint);
    O["imageName"] = str(F.ImageName);
    O["imageArch"] = str(F.ImageArch);
    O["imageTag"] = str(F.ImageTag);
    break;
  case VmInstallSource::Pkgbase:
    O["osVersion"] = str(F.OsVersion);
    O["osArch"] = str(F.OsArch);
    O["packages"] = strList(F.Packages);
    O["pkgConf"] = str(F.PkgConf);
    O["fingerprints"] = str(F.Fingerprints);
    break;
  case VmInstallSource::Iso:
    O["isoFile"] = str(F.IsoFile);
    O["installed"] = F.Installed;
    break;
  case VmInstallSource::Img:
    O["imgFile"] = optStr(F.ImgFile);
    O["installed"] = F.Installed;
    break;
  }
  return O;
}

static Object partitionToJson(const VmPartition &P) {
  Object O{{"type", str(P.Type)}};
  if (P.Alignment)
    O["alignment"] = str(P.Alignment->Text);
  if (P.Start)
    O["start"] = str(P.Start->Text);
  if (P.Size)
    O["size"] = str(P.Size->Text);
  if (P.Label)
    O["label"] = str(*P.Label);
  if (P.Format) {
    bool Flags = P.Format->FormatKind == VmPartitionFormat::Kind::Flags;
    O["format"] = Object{{Flags ? "flags" : "script", str(P.Format->Text)}};
  }
  return O;
}

static Object diskToJson(const VmDisk &D) {
  Array Parts;
  for (const VmPartition &P : D.Partitions)
    Parts.push_back(partitionToJson(P));
  Object O{{"scheme", str(D.Scheme)}, {"partitions", std::move(Parts)}};
  if (D.Bootcode) {
    Object B;
    if (D.Bootcode->Bootcode)
      B["bootcode"] = str(*D.Bootcode->Bootcode);
    if (D.Bootcode->Partcode)
      B["partcode"] = str(*D.Bootcode->Partcode);
    if (D.Bootcode->PartcodeIndex)
      B["index"] = static_cast<int64_t>(*D.Bootcode->PartcodeIndex);
    O["bootcode"] = std::move(B);
  }
  return O;
}

static Object diskLayoutToJson(const VmDiskLayout &L) {
  Object O{{"driver", vmDiskDriverName(L.Driver)},
           {"size", str(L.Size.Text)},
           {"from", fromToJson(L.From)}};
  if (L.Disk)
    O["disk"] = diskToJson(*L.Disk);
  if (!L.Fstab.empty()) {
    Array A;
    for (const VmFstabEntry &E : L.Fstab)
      A.push_back(Object{{"device", str(E.Device)},
                         {"mountpoint", str(E.MountPoint)},
                         {"type", str(E.Type)},
                         {"options", str(E.Options)},
                         {"dump", E.Dump},
                         {"pass", E.Pass}});
    O["fstab"] = std::move(A);
  }
  return O;
}

/// A cloud-init document kept as JSON text in the model.
static llvm::json::Value parsedDoc(const std::optional<std::string> &Text) {
  if (!Text)
    return nullptr;
  if (llvm::Expected<llvm::json::Value> V = llvm::json::parse(*Text))
    return std::move(*V);
  else
    llvm::consumeError(V.takeError());
  return nullptr;
}

static Object cloudInitToJson(const VmCloudInit &CI) {
  if (!CI.Enabled)
    return Object{};
  Object O{{"flags", str(CI.Flags)}};
  if (CI.MetaDataJson)
    O["meta-data"] = parsedDoc(CI.MetaDataJson);
  if (CI.UserDataJson)
    O["user-data"] = parsedDoc(CI.UserDataJson);
  if (CI.NetworkConfigJson)
    O["network-config"] = parsedDoc(CI.NetworkConfigJson);
  return O;
}

Object sema::vmJailToJson(const VmJailSpec &V, bool ShowSecrets) {
  Object O;
  O["vmName"] = optStr(V.VmName);
  O["makejail"] = optStr(V.Makejail);
  if (V.MakejailFromMetadata)
    O["makejailFromMetadata"] = str(*V.MakejailFromMetadata);
  Object Template;
  for (const auto &KV : V.Template)
    Template[llvm::json::fixUTF8(KV.first)] = str(KV.second);
  O["template"] = std::move(Template);
  O["diskLayout"] = V.DiskLayout ? llvm::json::Value(diskLayoutToJson(
                                       *V.DiskLayout))
                                 : llvm::json::Value(nullptr);
  O["script"] = optStr(V.Script);
  O["metadata"] = strList(V.Metadata);
  O["options"] = kvList(V.Options);
  O["script-environment"] = kvList(V.ScriptEnvironment, ShowSecrets);
  O["start-environment"] = kvList(V.StartEnvironment, ShowSecrets);
  O["start-arguments"] = kvList(V.StartArguments, ShowSecrets);
  O["build-environment"] = kvList(V.BuildEnvironment, ShowSecrets);
  O["build-arguments"] = kvList(V.BuildArguments, ShowSecrets);
  O["cloud-init"] = cloudInitToJson(V.CloudInit);
  O["overwrite"] = V.Overwrite;
  O["datastore"] = optStr(V.Datastore);
  O["poweroff"] = V.Poweroff;
  return O;
}
