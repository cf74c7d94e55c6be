//===- VmBuilder.h - The vmJail flow of a node (vm.create) ------*- C++ -*-===//
//
// A `vm.create` job (the reference's VM message, overlord-behaviour.md
// §6.1, §10) run to completion on the node: the VM jail is a Director
// project generated the way the reference generates it (label
// `overlord.vm:1`), brought up with `appjail-director up`; then the
// cloud-init seed, the vm-bhyve template, `vm create`, the disk layout
// (partitions, formats, boot code), the install payload (components,
// appjailImage, pkgbase, iso, img), the fstab lines, the user's script, the
// `.done` marker and `vm start` — each a named step run with the configured
// programs, so that a failure names its step and a cancel is noticed
// between steps. Unlike the reference, no step's failure is swallowed
// (§12.1 #1, #7): the job is FAILED and the `.done` marker is not written.
//
// The fragment side, vmProfileFromPlan(), rebuilds the VM message from the
// vm.* ops of a verified plan (the inverse of compiler/lib/Lower/LowerVm.cpp)
// so that a plan fragment enqueues exactly what `overlord apply` would POST.
//
// See docs/VmEngine.md.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_VMBUILDER_H
#define OVERLORD_ENGINE_VMBUILDER_H

#include "overlord/Engine/Config.h"
#include "overlord/Engine/ExecCommands.h"
#include "overlord/Engine/Job.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace overlord {
namespace ir {
class Plan;
} // namespace ir

namespace engine {

class MetadataStore;

//===----------------------------------------------------------------------===//
// The VM message (vm.create payload)
//===----------------------------------------------------------------------===//

/// A `- NAME: value` item of the message's KV-lists, in order. Value is
/// nullopt for `- NAME:` (Director `options:` items without a value).
using VmKeyValueList =
    std::vector<std::pair<std::string, std::optional<std::string>>>;

/// One partition of `diskLayout.disk.partitions` (gpart `-i` = position,
/// from 1). Sizes are passed to gpart as written.
struct VmPartitionSpec {
  std::string Type;
  std::optional<std::string> Alignment, Start, Size, Label;
  std::optional<std::string> FormatFlags;  ///< newfs flags
  std::optional<std::string> FormatScript; ///< script content
  bool formatted() const { return FormatFlags || FormatScript; }
};

/// One line appended to the VM's /etc/fstab.
struct VmFstabSpec {
  std::string Device, MountPoint, Type, Options;
  int64_t Dump = 0, Pass = 0;
};

/// `diskLayout.from`.
struct VmFromSpec {
  std::string Type; ///< components | appjailImage | pkgbase | iso | img
  std::vector<std::string> Components, Packages;
  std::string OsVersion, OsArch;
  std::optional<std::string> DownloadURL, PkgConf, Fingerprints;
  std::string Entrypoint, ImageName, ImageArch, ImageTag;
  std::string IsoFile;
  std::optional<std::string> ImgFile;
  bool Installed = false;
  /// The node partitions and populates the disk itself.
  bool partitionsDisk() const {
    return Type == "components" || Type == "appjailImage" ||
           Type == "pkgbase";
  }
};

/// `diskLayout`.
struct VmDiskLayoutSpec {
  std::string Driver, Size;
  VmFromSpec From;
  bool HasDisk = false; ///< `disk` given
  std::string Scheme;
  std::vector<VmPartitionSpec> Partitions;
  std::optional<std::string> Bootcode, Partcode;
  std::optional<int64_t> PartcodeIndex;
  std::optional<std::vector<VmFstabSpec>> Fstab; ///< nullopt: not given
};

/// The whole message, typed. The JSON sub-documents that are only written
/// out (cloud-init documents, Director options) stay JSON.
struct VmProfile {
  std::string Name;
  std::optional<std::string> Makejail, MakejailFromMetadata;
  std::optional<std::string> Datastore, Script;
  /// vm-bhyve template, in message order (written `key=<sh-quoted value>`).
  std::vector<std::pair<std::string, std::string>> Template;
  VmDiskLayoutSpec DiskLayout;
  std::vector<std::string> Metadata;
  VmKeyValueList ScriptEnvironment, StartEnvironment, StartArguments,
      BuildEnvironment, BuildArguments;
  /// Director top-level `options:` items, as given (objects).
  llvm::json::Array Options;
  /// `cloud-init` as given; empty: no seed.
  llvm::json::Object CloudInit;
  bool Restart = false, Overwrite = false, Poweroff = false;
};

/// Parses and checks a vm.create payload (the checks of the reference's
/// VMHandler and of create_vm's lookups, with §12.1 #8 fixed: `size` is
/// required). Name is Job::Project; a payload `name` must agree with it.
/// Errors read "'diskLayout.size' is required but hasn't been specified."
/// in the reference's InvalidSpec words.
llvm::Expected<VmProfile> parseVmProfile(llvm::StringRef Payload,
                                         llvm::StringRef Name);

/// The Director file create_vm generates, byte for byte as PyYAML's
/// `yaml.dump` prints it (keys sorted). MakejailPath is the makejail value
/// (the metadata file path for makejailFromMetadata). The reference's
/// `start-arguments` bug (§12.1 #6) is fixed: `start:` comes from
/// start-arguments.
std::string vmDirectorFile(const VmProfile &P, llvm::StringRef MakejailPath);

/// PyYAML `yaml.dump(V)` with its defaults (block style, sorted keys,
/// indent 2, width 80, plain scalars when they read back as the same
/// string, single quotes otherwise, double quotes for non-printable text).
std::string pyyamlDump(const llvm::json::Value &V);

/// Python's `shlex.quote`.
std::string shellQuote(llvm::StringRef S);
/// Python's `shlex.split` (POSIX mode); an unterminated quote or trailing
/// backslash is an error.
llvm::Expected<std::vector<std::string>> shellSplit(llvm::StringRef S);

//===----------------------------------------------------------------------===//
// The flow
//===----------------------------------------------------------------------===//

/// The programs the VM flow runs besides appjail and appjail-director
/// (`overlordd.binaries.<name>`; bare names are looked up in PATH).
struct VmTools {
  std::string Makefs = "makefs", Mdconfig = "mdconfig", Gpart = "gpart",
              Newfs = "newfs", Mount = "mount", Umount = "umount",
              Fetch = "fetch", Tar = "tar", Pkg = "pkg", Cp = "cp";
};

/// Runs the §10 create_vm flow for one vm.create job; returns how it ended.
///
/// Outcomes: NOOP when the VM is done (`.done` marker) and neither
/// `restart` nor `overwrite` is set; COMPLETED (Restarted set for the
/// restart path); FAILED with Message "step '<step>' failed: <why>" and Rc
/// of the failing command, or with an exception type/message for a payload
/// or file error; FAILED "Cancelled" when Cancelled() turned true between
/// steps (cleanup steps — umount, mdconfig -du — still run). Stdout is the
/// transcript of every step (`==> <step>: <command line>` then its merged,
/// ANSI-stripped output), the tail kept within `overlordd.max_output`.
class VmBuilder {
public:
  /// Cfg and Meta must outlive the builder. Tools name appjail and
  /// appjail-director; the other programs come from Cfg.Overlordd.
  VmBuilder(const EngineConfig &Cfg, ToolPaths Tools, MetadataStore &Meta);

  /// Safe to call from several threads for different VMs.
  JobResult create(const Job &J, const std::function<bool()> &Cancelled);

  /// The programs used for the disk and seed steps.
  const VmTools &vmTools() const { return Vm; }
  void setVmTools(VmTools T) { Vm = std::move(T); }

private:
  const EngineConfig &Cfg;
  ToolPaths Tools;
  VmTools Vm;
  MetadataStore &Meta;
};

/// The VmTools configured in `overlordd.binaries`.
VmTools vmToolsFromConfig(const EngineConfig &Cfg);

//===----------------------------------------------------------------------===//
// Fragment side
//===----------------------------------------------------------------------===//

/// The reference VM profile (vm.create payload JSON) rebuilt from the vm.*
/// ops of target TargetIndex of a verified plan whose VM is VmName (the
/// inverse of compiler/lib/Lower/LowerVm.cpp). Secret digests
/// (`secret:hmac-sha256:<hex>`) in environment/argument values are replaced
/// by their value from Secrets; a digest without a value is an error.
/// Sizes print canonically (ir::formatSize) and `downloadURL` is the
/// resolved URL; everything else is as the deployment file wrote it.
llvm::Expected<llvm::json::Object>
vmProfileFromPlan(const ir::Plan &P, size_t TargetIndex, llvm::StringRef VmName,
                  const std::map<std::string, std::string> &Secrets);

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_VMBUILDER_H
