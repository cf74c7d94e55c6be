//===- VmJailDisk.cpp - vmJail diskLayout checking --------------*- C++ -*-===//
//
// Checks `diskLayout` of a vmJail deployment and builds VmDiskLayout: the
// driver, the disk size, the install source `from` with the key whitelist of
// each source type enforced (the reference means to, but looks the keys up
// in the wrong dict), the GPT partition table, bootcode and fstab. Keys
// written one level off ('osArch' directly under 'diskLayout', 'bootcode'
// inside a partition, as in the article's vm.yml) get a message saying where
// they belong. When the whole layout is well formed, the cross-field checks
// of VmJailLayout.cpp run.
//
//===----------------------------------------------------------------------===//
#include "SchemaCheck.h"
#include "VmJailChecker.h"

#include "overlord/Support/Suggest.h"

#include <algorithm>
#include <limits>

using namespace overlord;
using namespace overlord::sema;
using namespace overlord::ast;
using llvm::StringRef;

namespace {

/// Where each key of the vmJail schema lives, for keys written at the wrong
/// level. Keys that live at several levels ('type', 'size', 'flags') are
/// not listed.
struct KeyHome {
  StringRef Key;
  StringRef Path; ///< "" is the top level
};

const KeyHome KeyHomes[] = {
    {"vmName", ""},          {"makejail", ""},
    {"template", ""},        {"diskLayout", ""},
    {"script", ""},          {"metadataPrefix", ""},
    {"cloud-init", ""},      {"script-environment", ""},
    {"overwrite", ""},       {"datastore", ""},
    {"poweroff", ""},        {"start-environment", ""},
    {"driver", "diskLayout"}, {"from", "diskLayout"},
    {"disk", "diskLayout"},  {"fstab", "diskLayout"},
    {"components", "diskLayout.from"}, {"osVersion", "diskLayout.from"},
    {"osArch", "diskLayout.from"},     {"downloadURL", "diskLayout.from"},
    {"imageName", "diskLayout.from"},  {"imageArch", "diskLayout.from"},
    {"imageTag", "diskLayout.from"},   {"packages", "diskLayout.from"},
    {"pkgConf", "diskLayout.from"},    {"fingerprints", "diskLayout.from"},
    {"isoFile", "diskLayout.from"},    {"imgFile", "diskLayout.from"},
    {"installed", "diskLayout.from"},  {"scheme", "diskLayout.disk"},
    {"partitions", "diskLayout.disk"}, {"bootcode", "diskLayout.disk"},
    {"partcode", "diskLayout.disk.bootcode"},
    {"meta-data", "cloud-init"},       {"user-data", "cloud-init"},
    {"network-config", "cloud-init"},
};

/// One install source type: its keys (the whitelist) and required keys.
struct SourceInfo {
  StringRef Name;
  VmInstallSource Type;
  std::vector<StringRef> Keys;
  std::vector<StringRef> Required;
};

const SourceInfo Sources[] = {
    {"components",
     VmInstallSource::Components,
     {"type", "components", "osVersion", "osArch", "downloadURL"},
     {"components", "osVersion", "osArch"}},
    {"appjailImage",
     VmInstallSource::AppjailImage,
     {"type", "entrypoint", "imageName", "imageArch", "imageTag"},
     {"entrypoint", "imageName", "imageArch", "imageTag"}},
    {"pkgbase",
     VmInstallSource::Pkgbase,
     {"type", "osVersion", "osArch", "packages", "pkgConf", "fingerprints"},
     {"osVersion", "osArch", "packages"}},
    {"iso", VmInstallSource::Iso, {"type", "isoFile", "installed"}, {"isoFile"}},
    {"img", VmInstallSource::Img, {"type", "imgFile", "installed"}, {}},
};

const StringRef SourceNames[] = {"components", "appjailImage", "pkgbase", "iso",
                                 "img"};
const StringRef AllFromKeys[] = {
    "type",      "components", "osVersion", "osArch",   "downloadURL",
    "entrypoint", "imageName", "imageArch", "imageTag", "packages",
    "pkgConf",   "fingerprints", "isoFile", "imgFile",  "installed"};
const StringRef DriverNames[] = {"virtio-blk", "nvme", "ahci-hd"};

/// gpart(8) partition type aliases usable in a GPT table.
const StringRef GpartTypes[] = {
    "apple-apfs",        "apple-boot",        "apple-core-storage",
    "apple-hfs",         "apple-label",       "apple-raid",
    "apple-raid-offline", "apple-tv-recovery", "apple-ufs",
    "apple-zfs",         "bios-boot",         "chromeos-firmware",
    "chromeos-kernel",   "chromeos-reserved", "chromeos-root",
    "dragonfly-ccd",     "dragonfly-hammer",  "dragonfly-hammer2",
    "dragonfly-label32", "dragonfly-label64", "dragonfly-legacy",
    "dragonfly-swap",    "dragonfly-ufs1",    "dragonfly-vinum",
    "efi",               "fat32",             "freebsd",
    "freebsd-boot",      "freebsd-nandfs",    "freebsd-swap",
    "freebsd-ufs",       "freebsd-vinum",     "freebsd-zfs",
    "hifive-bbl",        "hifive-fsbl",       "linux-data",
    "linux-lvm",         "linux-raid",        "linux-swap",
    "mbr",               "ms-basic-data",     "ms-ldm-data",
    "ms-ldm-metadata",   "ms-recovery",       "ms-reserved",
    "ms-spaces",         "netbsd-ccd",        "netbsd-cgd",
    "netbsd-ffs",        "netbsd-lfs",        "netbsd-raid",
    "netbsd-swap",       "openbsd-data",      "prep-boot",
    "solaris-altsec",    "solaris-backup",    "solaris-boot",
    "solaris-home",      "solaris-reserved",  "solaris-root",
    "solaris-swap",      "solaris-var",       "vmware-reserved",
    "vmware-vmfs",       "vmware-vmkdiag",    "vmware-vsanhdr"};

/// "in 'diskLayout.from'" or "at the top level".
std::string placeOf(StringRef Path) {
  return Path.empty() ? std::string("at the top level")
                      : "in '" + Path.str() + "'";
}

/// Where to report a key missing from a list item: its first key.
llvm::SMRange itemRange(const Value &Item) {
  for (const MapEntry &E : Item.Entries)
    if (E.Key)
      return E.Key->Range;
  return Item.Range;
}

std::string itemPath(StringRef Path, size_t I) {
  return (Path + "[" + llvm::Twine(I) + "]").str();
}

} // namespace

bool vmjail::checkKeysAt(const Value &Map, llvm::ArrayRef<StringRef> Allowed,
                         StringRef Path, SchemaChecker &C) {
  std::vector<StringRef> Accept(Allowed.begin(), Allowed.end());
  bool Ok = true;
  for (const MapEntry &E : Map.Entries) {
    if (!E.Key || !E.Key->isString() ||
        llvm::is_contained(Allowed, StringRef(E.Key->Text)))
      continue;
    for (const KeyHome &H : KeyHomes) {
      if (H.Key != E.Key->Text || H.Path == Path)
        continue;
      C.diags().emit(E.Key->Range, diag::VmKeyMisplaced, E.Key->Text,
                     placeOf(H.Path), placeOf(Path));
      Accept.push_back(H.Key);
      Ok = false;
      break;
    }
  }
  return C.checkKeys(Map, Accept, Path) && Ok;
}

/// Depth-limited search of maps (not lists, not the free-form `template`
/// and `cloud-init`) for an entry named Key.
static bool hasKeyBelow(const Value &V, StringRef Key, unsigned Depth) {
  if (!V.isMap() || Depth == 0)
    return false;
  for (const MapEntry &E : V.Entries) {
    if (!E.Key || !E.Key->isString())
      continue;
    if (E.Key->Text == Key)
      return true;
    if (E.Val && E.Key->Text != "template" && E.Key->Text != "cloud-init" &&
        hasKeyBelow(*E.Val, Key, Depth - 1))
      return true;
  }
  return false;
}

bool vmjail::writtenElsewhere(const Value &Root, StringRef Key) {
  return hasKeyBelow(Root, Key, 4);
}

//===----------------------------------------------------------------------===//
// diskLayout.from
//===----------------------------------------------------------------------===//

/// Python str.format placeholders of downloadURL: only {ARCH} and {VERSION}
/// (and the {{ }} escapes) survive the node's `.format(ARCH=, VERSION=)`.
static bool checkDownloadURL(const Value &V, SchemaChecker &C) {
  StringRef S = V.Text;
  for (size_t I = 0; I < S.size(); ++I) {
    if ((S[I] == '{' || S[I] == '}') && I + 1 < S.size() && S[I + 1] == S[I]) {
      ++I;
      continue;
    }
    if (S[I] == '}') {
      C.diags().emit(V.Range, diag::VmDownloadURLPlaceholder, std::string("}"));
      return false;
    }
    if (S[I] != '{')
      continue;
    size_t End = S.find('}', I);
    StringRef Field =
        End == StringRef::npos ? S.substr(I) : S.slice(I, End + 1);
    if (Field != "{ARCH}" && Field != "{VERSION}") {
      C.diags().emit(V.Range, diag::VmDownloadURLPlaceholder, Field.str());
      return false;
    }
    I = End;
  }
  return true;
}

/// Reports keys of the source whitelist of another type.
static bool checkSourceKeys(const Value &From, const SourceInfo &Info,
                            SchemaChecker &C) {
  bool Ok = true;
  for (const MapEntry &E : From.Entries) {
    if (!E.Key || !E.Key->isString() ||
        !llvm::is_contained(AllFromKeys, StringRef(E.Key->Text)) ||
        llvm::is_contained(Info.Keys, StringRef(E.Key->Text)))
      continue;
    std::vector<StringRef> Users;
    for (const SourceInfo &S : Sources)
      if (llvm::is_contained(S.Keys, StringRef(E.Key->Text)))
        Users.push_back(S.Name);
    C.diags().emit(E.Key->Range, diag::VmFromKeyWrongType, E.Key->Text,
                   Info.Name.str(), SchemaChecker::quoteList(Users));
    Ok = false;
  }
  return Ok;
}

static bool checkSourceFields(const Value &From, const Value &Root,
                              const SourceInfo &Info, SchemaChecker &C,
                              VmInstallFrom &Out) {
  const char *P = "diskLayout.from";
  bool Ok = true;
  for (StringRef R : Info.Required) {
    if (SchemaChecker::lookup(From, R) ||
        (!From.get(R) && vmjail::writtenElsewhere(Root, R)))
      continue;
    C.diags().emit(SchemaChecker::keyRange(From, "type"), diag::MissingKey,
                   R.str(),
                   " in '" + std::string(P) + "'; a '" + Info.Name.str() +
                       "' installation needs it");
    Ok = false;
  }
  Ok &= C.getStringList(From, "components", P, Out.Components, true);
  Ok &= C.getString(From, "osVersion", P, Out.OsVersion);
  Ok &= C.getString(From, "osArch", P, Out.OsArch);
  Ok &= C.getString(From, "entrypoint", P, Out.Entrypoint);
  Ok &= C.getString(From, "imageName", P, Out.ImageName);
  Ok &= C.getString(From, "imageArch", P, Out.ImageArch);
  Ok &= C.getString(From, "imageTag", P, Out.ImageTag);
  Ok &= C.getStringList(From, "packages", P, Out.Packages, true);
  Ok &= C.getString(From, "pkgConf", P, Out.PkgConf);
  Ok &= C.getString(From, "fingerprints", P, Out.Fingerprints);
  Ok &= C.getString(From, "isoFile", P, Out.IsoFile);
  Ok &= C.getString(From, "imgFile", P, Out.ImgFile);
  Ok &= C.getBool(From, "installed", P, Out.Installed);
  if (const Value *URL = SchemaChecker::lookup(From, "downloadURL")) {
    if (C.expectString(*URL, "diskLayout.from.downloadURL") &&
        checkDownloadURL(*URL, C))
      Out.DownloadURL = URL->Text;
    else
      Ok = false;
  }
  return Ok;
}

/// Checks `from`. TypeKnown tells whether `from.type` named a source, so
/// that the rest of the layout can still be checked when a field failed.
static bool checkFrom(const Value &From, llvm::SMRange KeyRange,
                      const Value &Root, SchemaChecker &C, VmInstallFrom &Out,
                      bool &TypeKnown) {
  const char *P = "diskLayout.from";
  TypeKnown = false;
  if (!C.expectMap(From, P))
    return false;
  bool Ok = vmjail::checkKeysAt(From, AllFromKeys, P, C);
  const Value *Type = C.require(From, "type", P, KeyRange);
  if (!Type || !C.expectString(*Type, "diskLayout.from.type") ||
      !C.checkOneOf(*Type, SourceNames, "installation type"))
    return false;
  const SourceInfo *Info = &Sources[0];
  for (const SourceInfo &S : Sources)
    if (S.Name == Type->Text)
      Info = &S;
  Out.Type = Info->Type;
  TypeKnown = true;
  Ok &= checkSourceKeys(From, *Info, C);
  Ok &= checkSourceFields(From, Root, *Info, C, Out);
  return Ok;
}

//===----------------------------------------------------------------------===//
// diskLayout.disk
//===----------------------------------------------------------------------===//

static bool checkFormat(const Value &F, StringRef Path, SchemaChecker &C,
                        VmPartitionFormat &Out) {
  if (!C.expectMap(F, Path) || !vmjail::checkKeysAt(F, {"flags", "script"},
                                                    Path, C))
    return false;
  const Value *Flags = SchemaChecker::lookup(F, "flags");
  const Value *Script = SchemaChecker::lookup(F, "script");
  if (Flags && Script) {
    C.diags().emit(SchemaChecker::keyRange(F, "script"),
                   diag::VmFormatExactlyOne, Path.str(),
                   "sets both 'flags' and 'script'")
        .note(SchemaChecker::keyRange(F, "flags"), diag::NoteKeyHere,
              SchemaChecker::join(Path, "flags"));
    return false;
  }
  if (!Flags && !Script) {
    C.diags().emit(F.Range, diag::VmFormatExactlyOne, Path.str(),
                   "sets neither 'flags' nor 'script'");
    return false;
  }
  const Value &V = Flags ? *Flags : *Script;
  if (!C.expectString(V, SchemaChecker::join(Path, Flags ? "flags" : "script")))
    return false;
  Out.FormatKind = Flags ? VmPartitionFormat::Kind::Flags
                         : VmPartitionFormat::Kind::Script;
  Out.Text = V.Text;
  return true;
}

static bool checkPartitionType(const Value &V, StringRef Path,
                               SchemaChecker &C) {
  if (!C.expectString(V, Path))
    return false;
  // `!<GUID>` or `!<number>` is a raw type gpart accepts as is.
  if (llvm::StringRef(V.Text).startswith("!") && V.Text.size() > 1)
    return true;
  if (llvm::is_contained(GpartTypes, StringRef(V.Text)))
    return true;
  std::string Best = suggestClosest(V.Text, GpartTypes);
  std::string Hint = Best.empty() ? "; see 'PARTITION TYPES' in gpart(8)"
                                  : didYouMean(Best);
  auto B = C.diags().emit(V.Range, diag::UnknownValue,
                          std::string("partition type"), V.Text, Hint);
  if (!Best.empty() && V.Style == ScalarStyle::Plain)
    B.fixit(V.Range, Best);
  return false;
}

static bool checkPartition(const Value &Item, size_t I, SchemaChecker &C,
                           VmPartition &Out) {
  std::string Path = itemPath("diskLayout.disk.partitions", I);
  if (!C.expectMap(Item, Path))
    return false;
  static const StringRef Keys[] = {"type",  "alignment", "start",
                                   "size",  "label",     "format"};
  bool Ok = vmjail::checkKeysAt(Item, Keys, Path, C);
  Out.Index = static_cast<unsigned>(I + 1);
  Out.Loc = Item.Range;
  if (const Value *T = C.require(Item, "type", Path, itemRange(Item))) {
    Ok &= checkPartitionType(*T, SchemaChecker::join(Path, "type"), C);
    Out.Type = T->Text;
  } else {
    Ok = false;
  }
  std::pair<StringRef, std::optional<VmSize> *> Sizes[] = {
      {"alignment", &Out.Alignment}, {"start", &Out.Start}, {"size", &Out.Size}};
  for (auto &[Key, Field] : Sizes) {
    const Value *V = SchemaChecker::lookup(Item, Key);
    if (!V)
      continue;
    VmSize S;
    if (vmjail::checkSize(*V, SchemaChecker::join(Path, Key), true, C, S))
      *Field = std::move(S);
    else
      Ok = false;
  }
  Ok &= C.getString(Item, "label", Path, Out.Label);
  if (const Value *F = SchemaChecker::lookup(Item, "format")) {
    VmPartitionFormat Fmt;
    if (checkFormat(*F, SchemaChecker::join(Path, "format"), C, Fmt))
      Out.Format = std::move(Fmt);
    else
      Ok = false;
  }
  return Ok;
}

static bool checkBootcode(const Value &B, SchemaChecker &C, VmBootcode &Out) {
  const char *P = "diskLayout.disk.bootcode";
  if (!C.expectMap(B, P) ||
      !vmjail::checkKeysAt(B, {"bootcode", "partcode", "index"}, P, C))
    return false;
  bool Ok = C.getString(B, "bootcode", P, Out.Bootcode);
  const Value *Partcode = SchemaChecker::lookup(B, "partcode");
  const Value *Index = SchemaChecker::lookup(B, "index");
  if (!Partcode != !Index) {
    StringRef Given = Partcode ? "partcode" : "index";
    StringRef Other = Partcode ? "index" : "partcode";
    C.diags().emit(SchemaChecker::keyRange(B, Given), diag::VmBootcodeIncomplete,
                   SchemaChecker::join(P, Given), SchemaChecker::join(P, Other));
    return false;
  }
  if (!Partcode)
    return Ok;
  Ok &= C.getString(B, "partcode", P, Out.Partcode);
  if (!C.expectInt(*Index, "diskLayout.disk.bootcode.index") ||
      !C.checkIntRange(*Index, "diskLayout.disk.bootcode.index", 1))
    return false;
  Out.PartcodeIndex = static_cast<unsigned>(
      std::min<int64_t>(Index->IntVal, std::numeric_limits<unsigned>::max()));
  return Ok;
}

static bool checkDisk(const Value &D, llvm::SMRange KeyRange, SchemaChecker &C,
                      VmDisk &Out) {
  const char *P = "diskLayout.disk";
  if (!C.expectMap(D, P))
    return false;
  bool Ok = vmjail::checkKeysAt(D, {"scheme", "partitions", "bootcode"}, P, C);
  if (const Value *S = C.require(D, "scheme", P, KeyRange)) {
    if (!C.expectString(*S, "diskLayout.disk.scheme")) {
      Ok = false;
    } else if (S->Text != "gpt") {
      auto B = C.diags().emit(S->Range, diag::VmSchemeUnsupported, S->Text);
      if (S->Style == ScalarStyle::Plain)
        B.fixit(S->Range, "gpt");
      Ok = false;
    }
  } else {
    Ok = false;
  }
  if (const Value *L = C.require(D, "partitions", P, KeyRange)) {
    if (C.expectList(*L, "diskLayout.disk.partitions") &&
        C.checkNonEmpty(*L, "diskLayout.disk.partitions")) {
      for (size_t I = 0; I < L->Items.size(); ++I) {
        VmPartition Part;
        if (L->Items[I] && checkPartition(*L->Items[I], I, C, Part))
          Out.Partitions.push_back(std::move(Part));
        else
          Ok = false;
      }
    } else {
      Ok = false;
    }
  } else {
    Ok = false;
  }
  if (const Value *B = SchemaChecker::lookup(D, "bootcode")) {
    VmBootcode BC;
    if (checkBootcode(*B, C, BC))
      Out.Bootcode = std::move(BC);
    else
      Ok = false;
  }
  for (const VmPartition &Part : Out.Partitions)
    if (Part.Format && !Out.RootIndex)
      Out.RootIndex = Part.Index;
  return Ok;
}

//===----------------------------------------------------------------------===//
// diskLayout.fstab
//===----------------------------------------------------------------------===//

static bool checkFstabEntry(const Value &Item, size_t I, SchemaChecker &C,
                            VmFstabEntry &Out) {
  std::string Path = itemPath("diskLayout.fstab", I);
  if (!C.expectMap(Item, Path))
    return false;
  static const StringRef Keys[] = {"device", "mountpoint", "type",
                                   "options", "dump",      "pass"};
  bool Ok = vmjail::checkKeysAt(Item, Keys, Path, C);
  Out.Loc = Item.Range;
  std::string *Strings[] = {&Out.Device, &Out.MountPoint, &Out.Type,
                            &Out.Options};
  for (size_t K = 0; K < 6; ++K) {
    const Value *V = C.require(Item, Keys[K], Path, itemRange(Item));
    std::string Sub = SchemaChecker::join(Path, Keys[K]);
    if (!V) {
      Ok = false;
    } else if (K < 4) {
      if (C.expectString(*V, Sub))
        *Strings[K] = V->Text;
      else
        Ok = false;
    } else if (C.expectInt(*V, Sub) && C.checkIntRange(*V, Sub, 0)) {
      (K == 4 ? Out.Dump : Out.Pass) = V->IntVal;
    } else {
      Ok = false;
    }
  }
  return Ok;
}

static bool checkFstab(const Value &F, SchemaChecker &C,
                       std::vector<VmFstabEntry> &Out) {
  if (!C.expectList(F, "diskLayout.fstab") ||
      !C.checkNonEmpty(F, "diskLayout.fstab"))
    return false;
  bool Ok = true;
  for (size_t I = 0; I < F.Items.size(); ++I) {
    VmFstabEntry E;
    if (F.Items[I] && checkFstabEntry(*F.Items[I], I, C, E))
      Out.push_back(std::move(E));
    else
      Ok = false;
  }
  return Ok;
}

//===----------------------------------------------------------------------===//
// diskLayout
//===----------------------------------------------------------------------===//

/// disk and fstab: required when the node partitions the disk itself,
/// ignored (warning) for iso and img.
static bool checkPartitioning(const Value &V, llvm::SMRange KeyRange,
                              const Value &Root, SchemaChecker &C,
                              VmDiskLayout &Out) {
  const char *Source = vmInstallSourceName(Out.From.Type);
  if (!Out.partitionsDisk()) {
    for (StringRef K : {"disk", "fstab"})
      if (SchemaChecker::lookup(V, K))
        C.diags().emit(SchemaChecker::keyRange(V, K), diag::VmLayoutIgnored,
                       SchemaChecker::join("diskLayout", K), Source);
    return true;
  }
  bool Ok = true;
  for (StringRef K : {"disk", "fstab"}) {
    if (SchemaChecker::lookup(V, K))
      continue;
    // Written at another level: VmKeyMisplaced has said where it goes.
    if (!V.get(K) && vmjail::writtenElsewhere(Root, K)) {
      Ok = false;
      continue;
    }
    C.diags().emit(KeyRange, diag::MissingKey, K.str(),
                   " in 'diskLayout'; a '" + std::string(Source) +
                       "' installation partitions the disk itself");
    Ok = false;
  }
  if (const Value *D = SchemaChecker::lookup(V, "disk")) {
    VmDisk Disk;
    Ok &= checkDisk(*D, SchemaChecker::keyRange(V, "disk"), C, Disk);
    Out.Disk = std::move(Disk);
  }
  if (const Value *F = SchemaChecker::lookup(V, "fstab"))
    Ok &= checkFstab(*F, C, Out.Fstab);
  return Ok;
}

bool vmjail::checkDiskLayout(const Value &V, llvm::SMRange KeyRange,
                             const Value &Root, SchemaChecker &C,
                             VmDiskLayout &Out) {
  const char *P = "diskLayout";
  if (!C.expectMap(V, P))
    return false;
  unsigned Before = C.numErrors();
  bool Ok = checkKeysAt(V, {"driver", "size", "from", "disk", "fstab"}, P, C);
  if (const Value *D = C.require(V, "driver", P, KeyRange)) {
    if (C.expectString(*D, "diskLayout.driver") &&
        C.checkOneOf(*D, DriverNames, "disk driver"))
      Out.Driver = D->Text == "nvme"      ? VmDiskDriver::Nvme
                   : D->Text == "ahci-hd" ? VmDiskDriver::AhciHd
                                          : VmDiskDriver::VirtioBlk;
    else
      Ok = false;
  } else {
    Ok = false;
  }
  if (const Value *S = C.require(V, "size", P, KeyRange))
    Ok &= checkSize(*S, "diskLayout.size", false, C, Out.Size);
  else
    Ok = false;
  const Value *From = C.require(V, "from", P, KeyRange);
  bool TypeKnown = false;
  if (!From || !checkFrom(*From, SchemaChecker::keyRange(V, "from"), Root,
                          C, Out.From, TypeKnown))
    Ok = false;
  // Without a known source type, whether disk and fstab are needed is not
  // known either.
  if (!TypeKnown)
    return false;
  Ok &= checkPartitioning(V, KeyRange, Root, C, Out);
  if (Ok && C.numErrors() == Before && Out.partitionsDisk() && Out.Disk)
    checkLayoutConsistency(V, Out, C);
  return Ok;
}
