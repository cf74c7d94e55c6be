//===- VmInstall.cpp - Disk layout and payload of a VM ----------*- C++ -*-===//
//
// What the reference's vm-install-from-{components,appjail-image,pkgbase}.sh
// scripts do (overlord-behaviour.md §10.3), as named steps run with the
// configured programs: the jail's real path, the disk image attached with
// mdconfig, the GPT table and partitions, newfs or the user's format script,
// the boot code, the mount, the payload, the fstab lines, the user's script
// inside the jail, the unmount and detach, then `vm start`.
//
// Fixed on the way (§12.1 #1, #7): every command is checked; `gpart add`
// gets all of -a/-b/-s/-l, not only the last one given; `gpart create` is
// checked; the partition mounted is the first formatted one and the script
// that mounts it is that partition's own; a component's checksum is looked
// up by its exact MANIFEST name (the reference's `grep -F` also matches
// `base-dbg.txz` for `base.txz`) and computed here; a layout without a
// formatted partition fails instead of writing into the jail directory.
// The unmount and detach always run, also after a failure or a cancel.
//
//===----------------------------------------------------------------------===//
#include "VmSteps.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"

#include <chrono>
#include <fcntl.h>
#include <random>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::vm;
namespace fs = llvm::sys::fs;

namespace {

/// "overlord-<random UUID v4>" (the reference: `uuidgen -r`).
std::string makeUuid() {
  std::random_device RD;
  uint8_t B[16];
  for (uint8_t &X : B)
    X = uint8_t(RD());
  B[6] = (B[6] & 0x0F) | 0x40;
  B[8] = (B[8] & 0x3F) | 0x80;
  std::string Hex = llvm::toHex(llvm::ArrayRef<uint8_t>(B), /*LowerCase=*/true);
  return "overlord-" + Hex.substr(0, 8) + "-" + Hex.substr(8, 4) + "-" +
         Hex.substr(12, 4) + "-" + Hex.substr(16, 4) + "-" + Hex.substr(20);
}

/// SHA-256 of a file as lowercase hex (what `sha256 -q` prints).
std::optional<std::string> sha256File(llvm::StringRef Path) {
  int Fd = ::open(Path.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return std::nullopt;
  llvm::SHA256 H;
  std::vector<uint8_t> Buf(1 << 20);
  while (true) {
    ssize_t N = ::read(Fd, Buf.data(), Buf.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0) {
      ::close(Fd);
      return std::nullopt;
    }
    if (N == 0)
      break;
    H.update(llvm::ArrayRef<uint8_t>(Buf.data(), size_t(N)));
  }
  ::close(Fd);
  std::array<uint8_t, 32> D = H.final();
  return llvm::toHex(D, /*LowerCase=*/true);
}

/// An exclusive flock(2) on a file, compatible with `lockf -k` of other
/// nodes' scripts sharing the components cache.
class FileLock {
public:
  ~FileLock() {
    if (Fd >= 0)
      ::close(Fd);
  }
  /// Waits for the lock, giving up when Cancelled() turns true.
  bool acquire(const std::string &Path, StepRunner &R) {
    Fd = ::open(Path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (Fd < 0)
      return false;
    while (::flock(Fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR)
        return false;
      if (R.cancelled())
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
  }

private:
  int Fd = -1;
};

/// One disk being built.
class DiskBuild {
public:
  DiskBuild(StepRunner &R, const EngineConfig &Cfg, const ToolPaths &Tools,
            const VmTools &Vm, const VmProfile &P, llvm::StringRef JailPath)
      : R(R), Cfg(Cfg), Tools(Tools), Vm(Vm), P(P), L(P.DiskLayout),
        Jail(JailPath.str()), Uuid(makeUuid()) {}

  bool build() {
    return attach() && partition() && bootcode() && mount() && payload() &&
           fstab() && script();
  }
  /// Unmounts and detaches whatever is mounted/attached. Checked only when
  /// the build succeeded (Strict): after a failure it is best effort.
  bool cleanup(bool Strict);

private:
  StepRunner &R;
  const EngineConfig &Cfg;
  const ToolPaths &Tools;
  const VmTools &Vm;
  const VmProfile &P;
  const VmDiskLayoutSpec &L;
  std::string Jail; ///< configured path: the files written before
  std::string Root; ///< the jail's real path (`appjail cmd local J realpath .`)
  std::string Md;   ///< "md0"
  std::string Uuid;
  bool Mounted = false;
  size_t MountIndex = 0; ///< 1-based; 0: none

  std::string mnt() const { return Root + "/mnt"; }
  std::string dev() const { return "/dev/" + Md; }
  std::string part(size_t I) const { return dev() + "p" + std::to_string(I); }
  std::string formatScriptPath(size_t I) const {
    return joinPath(Jail, "metadata/overlord.diskLayout.disk.partitions." +
                              std::to_string(I) + ".format.script");
  }
  /// The partition's format script in a phase (format, mount, umount).
  ProcessSpec formatScript(size_t I, llvm::StringRef Phase) const {
    ProcessSpec S = tool(formatScriptPath(I), {});
    S.Env = {{"OVERLORD_PHASE", Phase.str()},
             {"OVERLORD_UUID", Uuid},
             {"OVERLORD_DEVICE", part(I)},
             {"OVERLORD_MNTDIR", mnt()}};
    return S;
  }
  bool step() { return !R.cancelled(); }

  bool attach();
  bool partition();
  bool bootcode();
  bool mount();
  bool payload();
  bool components();
  bool pkgbase();
  bool appjailImage();
  bool fstab();
  bool script();
};

bool DiskBuild::attach() {
  if (!step())
    return false;
  StepOutput O;
  if (!R.check("realpath",
               tool(Tools.AppJail, {"cmd", "local", P.Name, "realpath", "."}),
               "appjail", &O))
    return false;
  Root = llvm::StringRef(O.Output).trim().str();
  if (!llvm::sys::path::is_absolute(Root) || !fs::is_directory(Root)) {
    R.fail("realpath", "'" + Root + "' is not the jail's directory");
    return false;
  }
  if (!step())
    return false;
  std::string Image = Root + "/vm/" + P.Name + "/disk0.img";
  if (!R.check("mdconfig",
               tool(Vm.Mdconfig, {"-at", "vnode", "-f", Image}), "vm-install",
               &O))
    return false;
  llvm::StringRef Unit = llvm::StringRef(O.Output).trim();
  unsigned N = 0;
  if (!Unit.startswith("md") || Unit.drop_front(2).getAsInteger(10, N)) {
    R.fail("mdconfig", "unexpected output '" + Unit + "' (want mdN)");
    return false;
  }
  Md = Unit.str();
  return true;
}

bool DiskBuild::partition() {
  if (!step() || !R.check("gpart-create",
                          tool(Vm.Gpart, {"create", "-s", L.Scheme, dev()}),
                          "vm-install"))
    return false;
  for (size_t I = 1; I <= L.Partitions.size(); ++I) {
    const VmPartitionSpec &Part = L.Partitions[I - 1];
    std::vector<std::string> Args{"add", "-t", Part.Type};
    std::pair<const char *, const std::optional<std::string> *> Flags[] = {
        {"-a", &Part.Alignment},
        {"-b", &Part.Start},
        {"-s", &Part.Size},
        {"-l", &Part.Label}};
    for (auto [F, V] : Flags)
      if (*V)
        Args.insert(Args.end(), {F, **V});
    Args.insert(Args.end(), {"-i", std::to_string(I), dev()});
    if (!step() || !R.check("gpart-add", tool(Vm.Gpart, std::move(Args)),
                            "vm-install"))
      return false;
    if (Part.FormatFlags) {
      llvm::Expected<std::vector<std::string>> W = shellSplit(*Part.FormatFlags);
      if (!W) {
        R.fail("newfs", "the flags of partition " + std::to_string(I) +
                            " cannot be split: " + llvm::toString(W.takeError()));
        return false;
      }
      W->push_back(part(I));
      if (!step() || !R.check("newfs", tool(Vm.Newfs, std::move(*W)),
                              "vm-install"))
        return false;
    } else if (Part.FormatScript) {
      fs::setPermissions(formatScriptPath(I), fs::perms(0755));
      if (!step() ||
          !R.check("format-script", formatScript(I, "format"), "vm-install"))
        return false;
    }
    if (Part.formatted() && MountIndex == 0)
      MountIndex = I;
  }
  return true;
}

bool DiskBuild::bootcode() {
  if (L.Bootcode &&
      (!step() || !R.check("bootcode",
                           tool(Vm.Gpart, {"bootcode", "-b", *L.Bootcode, dev()}),
                           "vm-install")))
    return false;
  if (L.Partcode &&
      (!step() ||
       !R.check("partcode",
                tool(Vm.Gpart, {"bootcode", "-p", *L.Partcode, "-i",
                                std::to_string(L.PartcodeIndex.value_or(1)),
                                dev()}),
                "vm-install")))
    return false;
  return true;
}

bool DiskBuild::mount() {
  if (MountIndex == 0) {
    R.fail("mount", "no partition has 'format', so there is no file system "
                    "to install into");
    return false;
  }
  if (!step())
    return false;
  const VmPartitionSpec &Part = L.Partitions[MountIndex - 1];
  if (std::error_code EC = fs::create_directories(mnt())) {
    R.fail("mount", "cannot create '" + mnt() + "': " + EC.message());
    return false;
  }
  bool Ok = Part.FormatScript
                ? R.check("mount", formatScript(MountIndex, "mount"),
                          "vm-install")
                : R.check("mount",
                          tool(Vm.Mount, {part(MountIndex), mnt()}),
                          "vm-install");
  Mounted = Ok;
  return Ok;
}

bool DiskBuild::components() {
  const VmFromSpec &F = L.From;
  std::string Url = F.DownloadURL.value_or(
      "https://download.freebsd.org/releases/{ARCH}/{VERSION}");
  // str.format(ARCH=..., VERSION=...): only these two fields exist.
  for (auto [Field, Value] : {std::pair{"{ARCH}", &F.OsArch},
                              std::pair{"{VERSION}", &F.OsVersion}})
    for (size_t Pos; (Pos = Url.find(Field)) != std::string::npos;)
      Url.replace(Pos, llvm::StringRef(Field).size(), *Value);
  std::string Dir = joinPath(joinPath(Cfg.Components, F.OsArch), F.OsVersion);
  if (std::error_code EC = fs::create_directories(Dir)) {
    R.fail("fetch", "cannot create '" + Dir + "': " + EC.message());
    return false;
  }
  {
    FileLock Lock;
    if (!Lock.acquire(Dir + "/.lock", R)) {
      if (!R.failed())
        R.fail("fetch", "cannot lock '" + Dir + "/.lock'");
      return false;
    }
    auto Fetch = [&](const std::string &Name) {
      return step() &&
             R.check("fetch",
                     tool(Vm.Fetch, {"-Rpm", "-o", Dir + "/" + Name,
                                     Url + "/" + Name}),
                     "vm-install");
    };
    if (!Fetch("MANIFEST"))
      return false;
    std::optional<std::string> Manifest = readWholeFile(Dir + "/MANIFEST");
    if (!Manifest) {
      R.fail("checksum", "cannot read '" + Dir + "/MANIFEST'");
      return false;
    }
    for (const std::string &C : F.Components) {
      if (!Fetch(C))
        return false;
      std::optional<std::string> Want;
      llvm::SmallVector<llvm::StringRef, 16> Lines;
      llvm::StringRef(*Manifest).split(Lines, '\n');
      for (llvm::StringRef Line : Lines) {
        llvm::SmallVector<llvm::StringRef, 4> Cols;
        Line.split(Cols, '\t');
        if (Cols.size() >= 2 && Cols[0].trim() == C)
          Want = Cols[1].trim().lower();
      }
      std::optional<std::string> Have = sha256File(Dir + "/" + C);
      if (!Want || !Have || *Want != *Have) {
        std::string Msg = !Want ? "'" + C + "' is not listed in MANIFEST"
                          : !Have ? "cannot read '" + Dir + "/" + C + "'"
                                  : "*INVALID CHECKSUM* :: " + *Want +
                                        " != " + *Have;
        R.fail("checksum", Msg);
        return false;
      }
      R.note("==> checksum: " + C + " " + *Have);
    }
  }
  for (const std::string &C : F.Components)
    if (!step() || !R.check("extract",
                            tool(Vm.Tar, {"-C", mnt(), "-xf", Dir + "/" + C}),
                            "vm-install"))
      return false;
  return true;
}

bool DiskBuild::pkgbase() {
  const VmFromSpec &F = L.From;
  std::string Fingerprints = F.Fingerprints.value_or("/usr/share/keys/pkg");
  if (Fingerprints != "none") {
    std::string Keys = mnt() + "/usr/share/keys";
    if (std::error_code EC = fs::create_directories(Keys)) {
      R.fail("fingerprints", "cannot create '" + Keys + "': " + EC.message());
      return false;
    }
    if (!step() ||
        !R.check("fingerprints",
                 tool(Vm.Cp, {"-a", "--", Fingerprints, Keys}), "vm-install"))
      return false;
  }
  std::vector<std::string> Args{
      "--rootdir", mnt(), "--repo-conf-dir",
      F.PkgConf.value_or("/usr/local/share/overlord/files/pkgbase"),
      "install", "--"};
  Args.insert(Args.end(), F.Packages.begin(), F.Packages.end());
  ProcessSpec S = tool(Vm.Pkg, std::move(Args));
  S.Env = {{"IGNORE_OSVERSION", "yes"},
           {"ABI", "FreeBSD:" + F.OsVersion + ":" + F.OsArch},
           {"ASSUME_ALWAYS_YES", "yes"}};
  return step() && R.check("pkg", std::move(S), "vm-install");
}

bool DiskBuild::appjailImage() {
  const VmFromSpec &F = L.From;
  if (F.Entrypoint != "none" &&
      (!step() ||
       !R.check("image-import",
                tool(Tools.AppJail, {"image", "import", "-a", F.ImageArch, "-t",
                                     F.ImageTag, "-n", F.ImageName, "--",
                                     F.Entrypoint}),
                "vm-install")))
    return false;
  std::string File = Cfg.AppjailImages + "/" + F.ImageName + "/" + F.ImageTag +
                     "-" + F.ImageArch + "-image.appjail";
  return step() &&
         R.check("extract",
                 tool(Vm.Tar, {"-C", mnt(), "--strip-components=2", "-xf", File,
                               "./jail/"}),
                 "vm-install");
}

bool DiskBuild::payload() {
  llvm::StringRef T = L.From.Type;
  if (T == "components")
    return components();
  if (T == "pkgbase")
    return pkgbase();
  return appjailImage();
}

bool DiskBuild::fstab() {
  if (!step())
    return false;
  std::string Text;
  for (const VmFstabSpec &F : *L.Fstab)
    Text += F.Device + "\t" + F.MountPoint + "\t" + F.Type + "\t" + F.Options +
            "\t" + std::to_string(F.Dump) + "\t" + std::to_string(F.Pass) +
            "\n";
  std::string Path = mnt() + "/etc/fstab";
  if (llvm::Error E = appendFile(Path, Text)) {
    R.fail("fstab", llvm::toString(std::move(E)));
    return false;
  }
  R.note("==> fstab: appended " + std::to_string(L.Fstab->size()) +
         " line(s) to " + Path);
  return true;
}

bool DiskBuild::script() {
  if (!fs::exists(joinPath(Jail, "run.sh")))
    return true;
  return step() && R.check("script", appjailJexec(Tools, P.Name, {"/run.sh"}),
                           "vm-install");
}

bool DiskBuild::cleanup(bool Strict) {
  bool Ok = true;
  if (Mounted) {
    const VmPartitionSpec &Part = L.Partitions[MountIndex - 1];
    ProcessSpec S = Part.FormatScript ? formatScript(MountIndex, "umount")
                                      : tool(Vm.Umount, {"--", mnt()});
    Ok = Strict ? R.check("umount", std::move(S), "vm-install")
                : R.run("umount", std::move(S), "vm-install").ok();
    Mounted = false;
  }
  if (!Md.empty()) {
    ProcessSpec S = tool(Vm.Mdconfig, {"-du", Md});
    bool D = Strict ? R.check("mdconfig-detach", std::move(S), "vm-install")
                    : R.run("mdconfig-detach", std::move(S), "vm-install").ok();
    Ok = Ok && D;
    Md.clear();
  }
  return Ok;
}

} // namespace

bool vm::installSystem(StepRunner &R, const EngineConfig &Cfg,
                       const ToolPaths &Tools, const VmTools &Vm,
                       const VmProfile &P, llvm::StringRef JailPath) {
  DiskBuild D(R, Cfg, Tools, Vm, P, JailPath);
  bool Ok = D.build();
  // A cancel or failure still releases the disk.
  bool Clean = D.cleanup(Ok && !R.failed());
  if (!Ok || !Clean || R.failed())
    return false;
  return startVm(R, Tools, P.Name);
}
