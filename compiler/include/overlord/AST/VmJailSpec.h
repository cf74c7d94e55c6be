//===- VmJailSpec.h - Typed vmJail deployment -------------------*- C++ -*-===//
//
// A checked `kind: vmJail` deployment (overlord-spec(5), overlord-behaviour.md
// §2.7) as plain typed structs with every default written out. The node turns
// it into a jail running vm-bhyve and a VM whose disk is partitioned,
// formatted and populated in the order the fields appear here (§10): disk
// image, `gpart create`, one `gpart add` (+ `newfs`) per partition, bootcode,
// payload from `from`, fstab lines, `script`, then `vm start`.
//
// Sizes keep the text the user wrote (passed verbatim to truncate(1) and
// gpart(8)) next to their value in bytes, which is unknown when the text came
// from an empty `!ENV` substitution.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_AST_VMJAILSPEC_H
#define OVERLORD_AST_VMJAILSPEC_H

#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace overlord::ast {

/// The emulated disk controller (`diskLayout.driver`, vm-bhyve `disk0_type`).
enum class VmDiskDriver { VirtioBlk, Nvme, AhciHd };

/// Where the VM's root file system comes from (`diskLayout.from.type`).
enum class VmInstallSource { Components, AppjailImage, Pkgbase, Iso, Img };

/// A size as written (`20G`, `512k`, `2048`) and its value in bytes.
/// Unit-less gpart sizes count 512-byte sectors; unit-less disk sizes bytes.
struct VmSize {
  std::string Text;
  std::optional<uint64_t> Bytes; ///< nullopt: not known before the node runs
};

/// How a partition is formatted: `newfs <Flags>` or a user script run with
/// OVERLORD_PHASE=format/mount/umount.
struct VmPartitionFormat {
  enum class Kind { Flags, Script };
  Kind FormatKind = Kind::Flags;
  std::string Text; ///< newfs flags, or the script's whole content
};

/// One `gpart add`; Index is gpart's `-i` (1-based, list order).
struct VmPartition {
  unsigned Index = 1;
  std::string Type; ///< gpart type alias (`freebsd-ufs`) or `!<uuid>`
  std::optional<VmSize> Alignment;
  std::optional<VmSize> Start;
  std::optional<VmSize> Size; ///< nullopt: takes the rest of the disk
  std::optional<std::string> Label;
  std::optional<VmPartitionFormat> Format;
  llvm::SMRange Loc; ///< the list item, for later diagnostics
};

/// `gpart bootcode -b Bootcode` and/or `-p Partcode -i PartcodeIndex`.
struct VmBootcode {
  std::optional<std::string> Bootcode;
  std::optional<std::string> Partcode;
  std::optional<unsigned> PartcodeIndex; ///< set exactly when Partcode is
};

/// `diskLayout.disk`: the partition table written into the disk image.
struct VmDisk {
  std::string Scheme = "gpt";
  std::vector<VmPartition> Partitions;
  std::optional<VmBootcode> Bootcode;
  /// 1-based index of the partition mounted and populated: the first one
  /// with `format`; nullopt when none has.
  std::optional<unsigned> RootIndex;
};

/// One line appended to the VM's /etc/fstab, tab separated.
struct VmFstabEntry {
  std::string Device, MountPoint, Type, Options;
  int64_t Dump = 0, Pass = 0;
  llvm::SMRange Loc;
};

/// `diskLayout.from`, with the fields of every source type; only those of
/// Type are meaningful, and each has its default filled in.
struct VmInstallFrom {
  VmInstallSource Type = VmInstallSource::Components;
  // components
  std::vector<std::string> Components;
  std::string DownloadURL =
      "https://download.freebsd.org/releases/{ARCH}/{VERSION}";
  // components and pkgbase
  std::string OsVersion, OsArch;
  // appjailImage
  std::string Entrypoint, ImageName, ImageArch, ImageTag;
  // pkgbase (defaults of vm-install-from-pkgbase.sh, PREFIX=/usr/local)
  std::vector<std::string> Packages;
  std::string PkgConf = "/usr/local/share/overlord/files/pkgbase";
  std::string Fingerprints = "/usr/share/keys/pkg"; ///< `none`: skip
  // iso and img
  std::string IsoFile;
  std::optional<std::string> ImgFile; ///< `vm create -i`; none: blank disk
  bool Installed = false;

  /// The components URL with {ARCH} and {VERSION} substituted.
  std::string resolvedDownloadURL() const;
};

/// `diskLayout`. Disk and Fstab are used only for the sources the node
/// partitions itself (components, appjailImage, pkgbase).
struct VmDiskLayout {
  VmDiskDriver Driver = VmDiskDriver::VirtioBlk;
  VmSize Size;
  VmInstallFrom From;
  std::optional<VmDisk> Disk;
  std::vector<VmFstabEntry> Fstab;
  /// The JSON of `diskLayout` as written (print-spec shows it raw, plus
  /// the defaults of `from`).
  bool partitionsDisk() const;
};

/// A `- NAME: value` item of a KV-list; Value is nullopt for `- NAME:`
/// (allowed in `options` only).
struct VmKeyValue {
  std::string Name;
  std::optional<std::string> Value;
  bool Secret = false; ///< the value was written `!SECRET`
};

/// The NoCloud seed ISO: three documents kept as JSON text (they are
/// written with yaml.dump on the node) and the makefs flags.
struct VmCloudInit {
  bool Enabled = false; ///< `cloud-init` given and non-empty
  std::string Flags = "-o R,L=cidata";
  std::optional<std::string> MetaDataJson, UserDataJson, NetworkConfigJson;
};

/// A checked `kind: vmJail` deployment.
struct VmJailSpec {
  std::optional<std::string> VmName;
  std::optional<std::string> Makejail;             ///< a Makejail reference
  std::optional<std::string> MakejailFromMetadata; ///< a metadata key
  std::vector<std::pair<std::string, std::string>> Template; ///< as written
  std::optional<VmDiskLayout> DiskLayout;
  std::optional<std::string> Script;
  std::vector<std::string> Metadata; ///< already prefixed
  std::optional<std::string> MetadataPrefix;
  std::vector<VmKeyValue> Options;
  std::vector<VmKeyValue> ScriptEnvironment, StartEnvironment,
      StartArguments, BuildEnvironment, BuildArguments;
  VmCloudInit CloudInit;
  bool Overwrite = false;
  std::optional<std::string> Datastore;
  bool Poweroff = false;
};

/// 'virtio-blk', 'nvme', 'ahci-hd'.
const char *vmDiskDriverName(VmDiskDriver D);
/// 'components', 'appjailImage', 'pkgbase', 'iso', 'img'.
const char *vmInstallSourceName(VmInstallSource S);

} // namespace overlord::ast

#endif // OVERLORD_AST_VMJAILSPEC_H
