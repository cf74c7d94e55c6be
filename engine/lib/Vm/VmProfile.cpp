//===- VmProfile.cpp - The vm.create message, typed -------------*- C++ -*-===//
//
// parseVmProfile() checks a vm.create payload as the reference's VMHandler
// validators and create_vm's lookups do (overlord-behaviour.md §2.7, §4.2),
// reporting the first problem in the reference's InvalidSpec wording, with
// the validator bugs of §12.1 #8 fixed (`diskLayout.size` is checked, the
// `from` keys are checked for their type). vmDirectorFile() generates the
// Director file of the VM jail as create_vm does (§10.2 step 4).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/VmBuilder.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace overlord;
using namespace overlord::engine;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace {

llvm::Error invalid(const llvm::Twine &Msg) {
  return llvm::createStringError(
      std::make_error_code(std::errc::invalid_argument), Msg);
}

llvm::Error required(llvm::StringRef Key) {
  return invalid("'" + Key + "' is required but hasn't been specified.");
}

llvm::Error wrongType(llvm::StringRef Key, llvm::StringRef Type) {
  return invalid("'" + Key + "' must be " + Type + ".");
}

/// Reads an optional string; a null value counts as absent.
llvm::Error optString(const Object &O, llvm::StringRef Key,
                      llvm::StringRef Path, std::optional<std::string> &Out) {
  const Value *V = O.get(Key);
  if (!V || V->kind() == Value::Null)
    return llvm::Error::success();
  auto S = V->getAsString();
  if (!S)
    return wrongType(Path, "a string");
  Out = S->str();
  return llvm::Error::success();
}

llvm::Error reqString(const Object &O, llvm::StringRef Key,
                      llvm::StringRef Path, std::string &Out) {
  std::optional<std::string> S;
  if (llvm::Error E = optString(O, Key, Path, S))
    return E;
  if (!S)
    return required(Path);
  Out = std::move(*S);
  return llvm::Error::success();
}

llvm::Error optBool(const Object &O, llvm::StringRef Key, bool &Out) {
  const Value *V = O.get(Key);
  if (!V || V->kind() == Value::Null)
    return llvm::Error::success();
  auto B = V->getAsBoolean();
  if (!B)
    return wrongType(Key, "a boolean");
  Out = *B;
  return llvm::Error::success();
}

llvm::Error stringList(const Object &O, llvm::StringRef Key,
                       llvm::StringRef Path, std::vector<std::string> &Out,
                       bool Required) {
  const Value *V = O.get(Key);
  if (!V || V->kind() == Value::Null)
    return Required ? required(Path) : llvm::Error::success();
  const Array *A = V->getAsArray();
  if (!A)
    return wrongType(Path, "a list of strings");
  for (const Value &Item : *A) {
    auto S = Item.getAsString();
    if (!S)
      return wrongType(Path, "a list of strings");
    Out.push_back(S->str());
  }
  return llvm::Error::success();
}

/// A list of single-key `{NAME: value}` objects; null values only when
/// AllowNull.
llvm::Error kvList(const Object &O, llvm::StringRef Key, VmKeyValueList &Out,
                   bool AllowNull = false) {
  const Value *V = O.get(Key);
  if (!V || V->kind() == Value::Null)
    return llvm::Error::success();
  const Array *A = V->getAsArray();
  if (!A)
    return wrongType(Key, "a list of 'NAME: value' items");
  for (const Value &Item : *A) {
    const Object *KV = Item.getAsObject();
    if (!KV || KV->size() != 1)
      return wrongType(Key, "a list of 'NAME: value' items");
    const auto &[Name, Val] = *KV->begin();
    if (Val.kind() == Value::Null && AllowNull) {
      Out.emplace_back(Name.str(), std::nullopt);
      continue;
    }
    auto S = Val.getAsString();
    if (!S)
      return invalid("'" + Key + "." + Name.str() + "' must be a string.");
    Out.emplace_back(Name.str(), S->str());
  }
  return llvm::Error::success();
}

llvm::Error parsePartition(const Value &V, size_t I, VmPartitionSpec &P) {
  std::string Path = llvm::formatv("diskLayout.disk.partitions.{0}", I);
  const Object *O = V.getAsObject();
  if (!O)
    return wrongType(Path, "a dictionary");
  for (const auto &KV : *O)
    if (!llvm::is_contained(
            llvm::ArrayRef<llvm::StringRef>{"type", "alignment", "start",
                                            "size", "label", "format"},
            llvm::StringRef(KV.first)))
      return invalid("'" + Path + "." + KV.first.str() +
                     "' is not a valid key.");
  if (llvm::Error E = reqString(*O, "type", Path + ".type", P.Type))
    return E;
  std::pair<const char *, std::optional<std::string> *> Opts[] = {
      {"alignment", &P.Alignment},
      {"start", &P.Start},
      {"size", &P.Size},
      {"label", &P.Label}};
  for (auto &[K, Out] : Opts)
    if (llvm::Error E = optString(*O, K, Path + "." + K, *Out))
      return E;
  const Value *F = O->get("format");
  if (!F || F->kind() == Value::Null)
    return llvm::Error::success();
  const Object *FO = F->getAsObject();
  if (!FO)
    return wrongType(Path + ".format", "a dictionary");
  if (llvm::Error E = optString(*FO, "flags", Path + ".format.flags",
                                P.FormatFlags))
    return E;
  if (llvm::Error E = optString(*FO, "script", Path + ".format.script",
                                P.FormatScript))
    return E;
  if (bool(P.FormatFlags) == bool(P.FormatScript))
    return invalid("'" + Path +
                   ".format' needs exactly one of 'flags' or 'script'.");
  return llvm::Error::success();
}

llvm::Error parseDisk(const Object &D, VmDiskLayoutSpec &L) {
  L.HasDisk = true;
  if (llvm::Error E =
          reqString(D, "scheme", "diskLayout.disk.scheme", L.Scheme))
    return E;
  if (const Value *Ps = D.get("partitions")) {
    const Array *A = Ps->getAsArray();
    if (!A)
      return wrongType("diskLayout.disk.partitions", "a list");
    for (size_t I = 0; I < A->size(); ++I) {
      VmPartitionSpec P;
      if (llvm::Error E = parsePartition((*A)[I], I, P))
        return E;
      L.Partitions.push_back(std::move(P));
    }
  }
  if (L.Partitions.empty())
    return required("diskLayout.disk.partitions");
  const Value *B = D.get("bootcode");
  if (!B || B->kind() == Value::Null)
    return llvm::Error::success();
  const Object *BO = B->getAsObject();
  if (!BO)
    return wrongType("diskLayout.disk.bootcode", "a dictionary");
  if (llvm::Error E = optString(*BO, "bootcode",
                                "diskLayout.disk.bootcode.bootcode",
                                L.Bootcode))
    return E;
  if (llvm::Error E = optString(*BO, "partcode",
                                "diskLayout.disk.bootcode.partcode",
                                L.Partcode))
    return E;
  if (const Value *Idx = BO->get("index"); Idx && Idx->kind() != Value::Null) {
    auto N = Idx->getAsInteger();
    if (!N || *N < 0)
      return wrongType("diskLayout.disk.bootcode.index",
                       "an integer >= 0");
    L.PartcodeIndex = *N;
  }
  if (bool(L.Partcode) != bool(L.PartcodeIndex))
    return invalid("'diskLayout.disk.bootcode.partcode' and "
                   "'diskLayout.disk.bootcode.index' go together.");
  return llvm::Error::success();
}

llvm::Error parseFstab(const Value &V, VmDiskLayoutSpec &L) {
  const Array *A = V.getAsArray();
  if (!A || A->empty())
    return wrongType("diskLayout.fstab", "a non-empty list");
  std::vector<VmFstabSpec> Out;
  for (size_t I = 0; I < A->size(); ++I) {
    std::string Path = llvm::formatv("diskLayout.fstab.{0}", I);
    const Object *O = (*A)[I].getAsObject();
    if (!O)
      return wrongType(Path, "a dictionary");
    VmFstabSpec F;
    std::pair<const char *, std::string *> Strs[] = {
        {"device", &F.Device},
        {"mountpoint", &F.MountPoint},
        {"type", &F.Type},
        {"options", &F.Options}};
    for (auto &[K, Dst] : Strs)
      if (llvm::Error E = reqString(*O, K, Path + "." + K, *Dst))
        return E;
    std::pair<const char *, int64_t *> Ints[] = {{"dump", &F.Dump},
                                                 {"pass", &F.Pass}};
    for (auto &[K, Dst] : Ints) {
      const Value *N = O->get(K);
      if (!N)
        return required(Path + "." + K);
      auto I64 = N->getAsInteger();
      if (!I64 || *I64 < 0)
        return wrongType(Path + "." + K, "an integer >= 0");
      *Dst = *I64;
    }
    Out.push_back(std::move(F));
  }
  L.Fstab = std::move(Out);
  return llvm::Error::success();
}

llvm::Error parseFrom(const Object &F, VmFromSpec &From) {
  if (llvm::Error E = reqString(F, "type", "diskLayout.from.type", From.Type))
    return E;
  llvm::StringRef T = From.Type;
  auto Str = [&](const char *K, std::string &Out) {
    return reqString(F, K, std::string("diskLayout.from.") + K, Out);
  };
  auto OptStr = [&](const char *K, std::optional<std::string> &Out) {
    return optString(F, K, std::string("diskLayout.from.") + K, Out);
  };
  if (T == "components") {
    if (auto E = stringList(F, "components", "diskLayout.from.components",
                            From.Components, true))
      return E;
    if (auto E = Str("osVersion", From.OsVersion))
      return E;
    if (auto E = Str("osArch", From.OsArch))
      return E;
    return OptStr("downloadURL", From.DownloadURL);
  }
  if (T == "appjailImage") {
    for (auto [K, Out] : {std::pair{"entrypoint", &From.Entrypoint},
                          std::pair{"imageName", &From.ImageName},
                          std::pair{"imageArch", &From.ImageArch},
                          std::pair{"imageTag", &From.ImageTag}})
      if (auto E = Str(K, *Out))
        return E;
    return llvm::Error::success();
  }
  if (T == "pkgbase") {
    if (auto E = stringList(F, "packages", "diskLayout.from.packages",
                            From.Packages, true))
      return E;
    if (auto E = Str("osVersion", From.OsVersion))
      return E;
    if (auto E = Str("osArch", From.OsArch))
      return E;
    if (auto E = OptStr("pkgConf", From.PkgConf))
      return E;
    return OptStr("fingerprints", From.Fingerprints);
  }
  if (T == "iso" || T == "img") {
    if (T == "iso")
      if (auto E = Str("isoFile", From.IsoFile))
        return E;
    if (T == "img")
      if (auto E = OptStr("imgFile", From.ImgFile))
        return E;
    return optBool(F, "installed", From.Installed);
  }
  return invalid("'diskLayout.from.type' is '" + T +
                 "'; use components, appjailImage, pkgbase, iso or img.");
}

llvm::Error parseLayout(const Object &D, VmDiskLayoutSpec &L) {
  if (llvm::Error E = reqString(D, "driver", "diskLayout.driver", L.Driver))
    return E;
  if (!llvm::is_contained(
          llvm::ArrayRef<llvm::StringRef>{"virtio-blk", "nvme", "ahci-hd"},
          llvm::StringRef(L.Driver)))
    return invalid("'diskLayout.driver' is '" + L.Driver +
                   "'; use virtio-blk, nvme or ahci-hd.");
  if (llvm::Error E = reqString(D, "size", "diskLayout.size", L.Size))
    return E;
  const Value *F = D.get("from");
  if (!F)
    return required("diskLayout.from");
  const Object *FO = F->getAsObject();
  if (!FO)
    return wrongType("diskLayout.from", "a dictionary");
  if (llvm::Error E = parseFrom(*FO, L.From))
    return E;
  if (const Value *Disk = D.get("disk"); Disk && Disk->kind() != Value::Null) {
    const Object *DO = Disk->getAsObject();
    if (!DO)
      return wrongType("diskLayout.disk", "a dictionary");
    if (llvm::Error E = parseDisk(*DO, L))
      return E;
  }
  if (const Value *Fs = D.get("fstab"); Fs && Fs->kind() != Value::Null)
    if (llvm::Error E = parseFstab(*Fs, L))
      return E;
  return llvm::Error::success();
}

llvm::Error parseTemplate(const Value *T, VmProfile &P) {
  if (!T)
    return required("template");
  const Object *O = T->getAsObject();
  if (!O)
    return wrongType("template", "a dictionary");
  // Message order is kept (json::Object does not keep it; sort so the
  // result is deterministic and matches the plan's canonical order).
  std::vector<std::pair<std::string, std::string>> Out;
  for (const auto &[K, V] : *O) {
    auto S = V.getAsString();
    if (!S)
      return invalid("'template." + K.str() + "' must be a string.");
    Out.emplace_back(K.str(), S->str());
  }
  llvm::sort(Out);
  P.Template = std::move(Out);
  return llvm::Error::success();
}

llvm::Error parseCloudInit(const Value *C, VmProfile &P) {
  if (!C || C->kind() == Value::Null)
    return llvm::Error::success();
  const Object *O = C->getAsObject();
  if (!O)
    return wrongType("cloud-init", "a dictionary");
  for (const auto &[K, V] : *O) {
    llvm::StringRef Key = K;
    if (Key == "flags") {
      if (!V.getAsString() && V.kind() != Value::Null)
        return wrongType("cloud-init.flags", "a string");
    } else if (Key == "meta-data" || Key == "user-data" ||
               Key == "network-config") {
      if (!V.getAsObject() && V.kind() != Value::Null)
        return wrongType("cloud-init." + Key.str(), "a dictionary");
    } else {
      return invalid("'cloud-init." + Key + "' is not a valid key.");
    }
  }
  P.CloudInit = *O;
  return llvm::Error::success();
}

llvm::Error parseOptions(const Value *V, VmProfile &P) {
  if (!V || V->kind() == Value::Null)
    return llvm::Error::success();
  const Array *A = V->getAsArray();
  if (!A)
    return wrongType("options", "a list of 'option: value' items");
  for (const Value &Item : *A) {
    const Object *O = Item.getAsObject();
    if (!O || O->size() != 1)
      return wrongType("options", "a list of 'option: value' items");
    const Value &Val = O->begin()->second;
    if (Val.kind() != Value::Null && !Val.getAsString())
      return invalid("'options." + O->begin()->first.str() +
                     "' must be a string or null.");
  }
  P.Options = *A;
  return llvm::Error::success();
}

llvm::Error parseProfile(const Object &O, VmProfile &P) {
  if (llvm::Error E = optString(O, "makejail", "makejail", P.Makejail))
    return E;
  if (llvm::Error E = optString(O, "makejailFromMetadata",
                                "makejailFromMetadata", P.MakejailFromMetadata))
    return E;
  if (!P.Makejail && !P.MakejailFromMetadata)
    return invalid("'makejail' or 'makejailFromMetadata' is required but "
                   "hasn't been specified.");
  if (llvm::Error E = optString(O, "datastore", "datastore", P.Datastore))
    return E;
  if (llvm::Error E = optString(O, "script", "script", P.Script))
    return E;
  if (llvm::Error E = parseTemplate(O.get("template"), P))
    return E;
  const Value *DL = O.get("diskLayout");
  if (!DL)
    return required("diskLayout");
  const Object *DLO = DL->getAsObject();
  if (!DLO)
    return wrongType("diskLayout", "a dictionary");
  if (llvm::Error E = parseLayout(*DLO, P.DiskLayout))
    return E;
  if (llvm::Error E = stringList(O, "metadata", "metadata", P.Metadata, false))
    return E;
  std::pair<const char *, VmKeyValueList *> Lists[] = {
      {"script-environment", &P.ScriptEnvironment},
      {"start-environment", &P.StartEnvironment},
      {"start-arguments", &P.StartArguments},
      {"build-environment", &P.BuildEnvironment},
      {"build-arguments", &P.BuildArguments}};
  for (auto &[K, Out] : Lists)
    if (llvm::Error E = kvList(O, K, *Out))
      return E;
  if (llvm::Error E = parseOptions(O.get("options"), P))
    return E;
  if (llvm::Error E = parseCloudInit(O.get("cloud-init"), P))
    return E;
  for (auto [K, Out] : {std::pair{"restart", &P.Restart},
                        std::pair{"overwrite", &P.Overwrite},
                        std::pair{"poweroff", &P.Poweroff}})
    if (llvm::Error E = optBool(O, K, *Out))
      return E;
  return llvm::Error::success();
}

/// `[{NAME: value}, ...]` as the message carries it.
Array kvArray(const VmKeyValueList &L) {
  Array A;
  for (const auto &[K, V] : L)
    A.push_back(Object{{K, V ? Value(*V) : Value(nullptr)}});
  return A;
}

} // namespace

llvm::Expected<VmProfile> engine::parseVmProfile(llvm::StringRef Payload,
                                                 llvm::StringRef Name) {
  llvm::Expected<Value> V = llvm::json::parse(Payload);
  if (!V)
    return invalid("the payload is not JSON: " + llvm::toString(V.takeError()));
  const Object *O = V->getAsObject();
  if (!O)
    return invalid("the payload is not a JSON object.");
  VmProfile P;
  P.Name = Name.str();
  if (auto N = O->getString("name"); N && *N != Name)
    return invalid("the payload names VM '" + *N + "', but the job is for '" +
                   Name + "'.");
  if (Name.empty())
    return required("name");
  if (llvm::Error E = parseProfile(*O, P))
    return E;
  return P;
}

std::string engine::vmDirectorFile(const VmProfile &P,
                                   llvm::StringRef MakejailPath) {
  Object Vm{{"name", P.Name},
            {"makejail", MakejailPath},
            {"options", Array{Object{{"label", "overlord.vm:1"}}}},
            {"ignore_mtime", true}};
  if (!P.StartEnvironment.empty())
    Vm["start-environment"] = kvArray(P.StartEnvironment);
  if (!P.BuildEnvironment.empty())
    Vm["environment"] = kvArray(P.BuildEnvironment);
  if (!P.StartArguments.empty())
    Vm["start"] = kvArray(P.StartArguments);
  if (!P.BuildArguments.empty())
    Vm["arguments"] = kvArray(P.BuildArguments);
  Object File{{"services", Object{{"vm", std::move(Vm)}}}};
  if (!P.Options.empty())
    File["options"] = Array(P.Options);
  return pyyamlDump(Value(std::move(File)));
}
