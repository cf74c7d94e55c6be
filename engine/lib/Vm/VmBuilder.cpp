//===- VmBuilder.cpp - The create_vm flow (vm.create jobs) ------*- C++ -*-===//
//
// overlord-behaviour.md §10.1–10.2 and §10.4, step by step: the busy check,
// the datastore, the done marker and the restart/overwrite/poweroff paths,
// the Director file and `appjail-director up`, the cloud-init seed, the
// vm-bhyve template, `vm create`, the per-source install and the `.done`
// marker. Every command is a named step (VmSteps.h); the disk and payload
// steps are in VmInstall.cpp.
//
// Deliberate differences from the reference: every step's result is checked
// (safe-exc.sh's "always 0" is gone, §12.1 #1); a Director `up` succeeds
// only by the success rule of DirectorOutput.h (exit 0, errlevel 0, nothing
// failed, DONE); `down` on restart is checked too; a busy project fails the
// job instead of dropping it silently; `start:` comes from start-arguments
// (§12.1 #6); the template is written in key order (then the keys overlord
// adds); and a missing jail directory fails the job instead of returning
// without a status.
//
//===----------------------------------------------------------------------===//
#include "VmSteps.h"

#include "overlord/Engine/DirectorOutput.h"
#include "overlord/Engine/MetadataStore.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::vm;
namespace fs = llvm::sys::fs;

VmBuilder::VmBuilder(const EngineConfig &Cfg, ToolPaths Tools,
                     MetadataStore &Meta)
    : Cfg(Cfg), Tools(std::move(Tools)), Vm(vmToolsFromConfig(Cfg)),
      Meta(Meta) {}

VmTools engine::vmToolsFromConfig(const EngineConfig &Cfg) {
  const OverlorddConfig &O = Cfg.Overlordd;
  VmTools T;
  T.Makefs = O.Makefs;
  T.Mdconfig = O.Mdconfig;
  T.Gpart = O.Gpart;
  T.Newfs = O.Newfs;
  T.Mount = O.Mount;
  T.Umount = O.Umount;
  T.Fetch = O.Fetch;
  T.Tar = O.Tar;
  T.Pkg = O.Pkg;
  T.Cp = O.Cp;
  return T;
}

namespace {

/// The state of one create_vm run.
struct Flow {
  const EngineConfig &Cfg;
  const ToolPaths &Tools;
  const VmTools &Vm;
  MetadataStore &Meta;
  StepRunner &R;
  VmProfile P;
  std::string Makejail;   ///< the makejail value of the Director file
  std::string JailPath;   ///< <appjail.jails>/<vm>/jail, once known
  std::optional<std::string> DirectorFile; ///< cached (restart) or generated
  bool Done = false;

  const std::string &name() const { return P.Name; }

  /// `appjail-director check -p VM` == 0.
  std::optional<bool> projectExists(llvm::StringRef Step) {
    StepOutput O = R.run(Step, directorCheck(Tools, name()), "director-check");
    if (!O.Started || O.TimedOut) {
      R.fail(Step, "'appjail-director check' could not run", O.Rc);
      return std::nullopt;
    }
    return O.Rc == 0;
  }

  /// Another Director works on the project: the reference drops the job
  /// silently; here it fails with the reason.
  bool checkNotBusy() {
    std::optional<bool> Exists = projectExists("director-check");
    if (!Exists)
      return false;
    if (!*Exists)
      return true;
    StepOutput O;
    if (!R.check("director-describe", directorDescribe(Tools, name()),
                 "director-describe", &O))
      return false;
    llvm::Expected<DirectorDescription> D = parseDirectorDescription(O.Output);
    if (!D) {
      R.fail("director-describe", llvm::toString(D.takeError()));
      return false;
    }
    if (D->busy()) {
      R.fail("director-describe", "project '" + name() +
                                      "' is locked by a running Director");
      return false;
    }
    return true;
  }

  bool makeDatastore() {
    if (!P.Datastore || fs::is_directory(*P.Datastore))
      return true;
    for (const char *Sub : {"", ".img", ".iso"}) {
      std::string Dir = joinPath(*P.Datastore, Sub);
      if (std::error_code EC = fs::create_directories(Dir)) {
        R.exception("OSError", "cannot create '" + Dir + "': " + EC.message());
        return false;
      }
    }
    R.note("==> datastore: created " + *P.Datastore);
    return true;
  }

  bool locateJail() {
    std::string Path = joinPath(joinPath(Cfg.AppjailJails, name()), "jail");
    if (!fs::is_directory(Path)) {
      R.fail("jail-path", "the jail directory '" + Path + "' does not exist");
      return false;
    }
    JailPath = Path;
    return true;
  }

  bool isDone() const {
    return fs::exists(joinPath(JailPath, ".done")) ||
           fs::exists(joinPath(JailPath, "vm/.done"));
  }

  /// The Director file kept in the done marker (legacy `.done` first).
  std::optional<std::string> readDone() const {
    for (const char *F : {".done", "vm/.done"})
      if (auto S = readWholeFile(joinPath(JailPath, F)))
        return S;
    return std::nullopt;
  }

  /// poweroff_if_vm: the jail carries the overlord.vm label, so its VM is
  /// forced off. A VM that is already off is not an error.
  bool powerOff() {
    StepOutput L = R.run("vm-label",
                         appjailLabelGet(Tools, name(), "overlord.vm"),
                         "appjail");
    if (!L.ok())
      return true;
    if (R.cancelled())
      return false;
    StepOutput O = R.run(
        "vm-poweroff", appjailJexec(Tools, name(), {"vm", "poweroff", "-f",
                                                    name()}),
        "vm-install");
    if (!O.ok())
      R.note("==> vm-poweroff: ignored (the VM may already be off)");
    return true;
  }

  /// `down -j -p VM` with the daemon's environment, checked.
  bool checkedDown() {
    ProcessSpec S = directorDown(Tools, name(), DownFlags(), {});
    S.InheritEnv = true;
    StepOutput O = R.run("director-down", std::move(S), "director-down");
    llvm::Expected<DirectorResult> Res = parseDirectorResult(O.Output);
    if (!O.ok() || !Res || !Res->clean()) {
      std::string Why = !Res ? llvm::toString(Res.takeError())
                             : "exit status " + std::to_string(O.Rc) +
                                   ", errlevel " +
                                   std::to_string(Res->ErrLevel);
      R.fail("director-down", Why, O.Rc);
      return false;
    }
    return true;
  }

  /// `up -j -f FILE -p VM [--overwrite]`, judged by the success rule.
  bool directorUp(bool Overwrite) {
    llvm::SmallString<128> Tmp;
    int Fd = -1;
    if (std::error_code EC =
            fs::createTemporaryFile("overlord", "yml", Fd, Tmp)) {
      R.exception("OSError", "cannot create a temporary file: " + EC.message());
      return false;
    }
    ::close(Fd);
    if (llvm::Error E = writeFileSynced(Tmp, *DirectorFile, 0600)) {
      fs::remove(Tmp);
      R.exception("OSError", llvm::toString(std::move(E)));
      return false;
    }
    ProcessSpec S = engine::directorUp(Tools, Tmp, name(), Overwrite, {});
    S.InheritEnv = true;
    StepOutput O = R.run("director-up", std::move(S), "director-up");
    fs::remove(Tmp);
    llvm::Expected<DirectorResult> Res = parseDirectorResult(O.Output);
    if (!Res) {
      R.fail("director-up", "unreadable result: " +
                                llvm::toString(Res.takeError()),
             O.Rc);
      return false;
    }
    if (R.cancelled())
      return false;
    StepOutput D = R.run("director-describe", directorDescribe(Tools, name()),
                         "director-describe");
    llvm::Expected<DirectorDescription> Desc =
        parseDirectorDescription(D.Output);
    if (!D.ok() && Desc) {
      // A describe that failed cannot vouch for the project.
      llvm::consumeError(Desc.takeError());
    }
    std::optional<DirectorDescription> DescV;
    if (D.ok() && Desc)
      DescV = std::move(*Desc);
    else if (!Desc)
      llvm::consumeError(Desc.takeError());
    DirectorVerdict V =
        judgeDirectorRun(name(), O.TimedOut ? 124 : O.Rc, &*Res,
                         DescV ? &*DescV : nullptr);
    if (!V.Success) {
      R.fail("director-up", V.Reason, O.Rc);
      return false;
    }
    return true;
  }

  /// §10.2 step 8: the NoCloud seed, built with makefs.
  bool writeSeed(std::vector<std::pair<std::string, std::string>> &Tpl) {
    if (P.CloudInit.empty())
      return true;
    std::string Dir = joinPath(JailPath, "cloud-init");
    struct Doc {
      const char *Key, *Prefix;
    } Docs[] = {{"meta-data", ""},
                {"user-data", "#cloud-config\n"},
                {"network-config", ""}};
    for (const Doc &D : Docs) {
      const llvm::json::Value *V = P.CloudInit.get(D.Key);
      if (!V || V->kind() == llvm::json::Value::Null)
        continue;
      if (llvm::Error E = writeFileSynced(joinPath(Dir, D.Key),
                                          D.Prefix + pyyamlDump(*V))) {
        R.exception("OSError", llvm::toString(std::move(E)));
        return false;
      }
    }
    if (std::error_code EC = fs::create_directories(Dir)) {
      R.exception("OSError", "cannot create '" + Dir + "': " + EC.message());
      return false;
    }
    std::string Flags = "-o R,L=cidata";
    if (auto F = P.CloudInit.getString("flags"))
      Flags = F->str();
    llvm::Expected<std::vector<std::string>> Words = shellSplit(Flags);
    if (!Words) {
      R.exception("InvalidSpec", "'cloud-init.flags' cannot be split: " +
                                     llvm::toString(Words.takeError()));
      return false;
    }
    std::vector<std::string> Args{"-t", "cd9660"};
    Args.insert(Args.end(), Words->begin(), Words->end());
    Args.insert(Args.end(), {"--", joinPath(JailPath, "seed.iso"), Dir});
    if (!R.check("makefs", tool(Vm.Makefs, std::move(Args)), "vm-install"))
      return false;
    setTemplate(Tpl, "disk1_type", "ahci-cd");
    setTemplate(Tpl, "disk1_name", "seed.iso");
    setTemplate(Tpl, "disk1_dev", "file");
    return true;
  }

  /// Python's dict assignment: an existing key keeps its place.
  static void setTemplate(std::vector<std::pair<std::string, std::string>> &T,
                          llvm::StringRef K, llvm::StringRef V) {
    for (auto &KV : T)
      if (KV.first == K) {
        KV.second = V.str();
        return;
      }
    T.emplace_back(K.str(), V.str());
  }

  bool writeTemplate(const std::vector<std::pair<std::string, std::string>> &T) {
    std::string Text;
    for (const auto &[K, V] : T)
      Text += K + "=" + shellQuote(V) + "\n";
    if (llvm::Error E = writeFileSynced(
            joinPath(JailPath, "vm/.templates/overlord.conf"), Text)) {
      R.exception("OSError", llvm::toString(std::move(E)));
      return false;
    }
    R.note("==> template: wrote vm/.templates/overlord.conf");
    return true;
  }

  /// §10.2 step 11: the template over the VM's conf, the seed beside it.
  bool placeVmFiles() {
    std::string VmDir = joinPath(JailPath, "vm/" + name());
    std::string Conf = joinPath(VmDir, name() + ".conf");
    if (!fs::is_directory(VmDir)) {
      R.fail("vm-conf", "the VM directory '" + VmDir + "' does not exist");
      return false;
    }
    if (std::error_code EC = fs::copy_file(
            joinPath(JailPath, "vm/.templates/overlord.conf"), Conf)) {
      R.fail("vm-conf", "cannot copy the template to '" + Conf +
                            "': " + EC.message());
      return false;
    }
    std::string Seed = joinPath(JailPath, "seed.iso");
    if (fs::exists(Seed))
      if (std::error_code EC =
              fs::rename(Seed, joinPath(VmDir, "seed.iso"))) {
        R.fail("seed", "cannot move '" + Seed + "': " + EC.message());
        return false;
      }
    return true;
  }

  /// §10.2 step 12 (files): metadata, environment, partitions, fstab and
  /// the script, under <jail>/metadata and <jail>/run.sh.
  bool writeInstallFiles();
  bool run();
};

bool Flow::writeInstallFiles() {
  std::string MDir = joinPath(JailPath, "metadata");
  auto Put = [&](llvm::StringRef Name, llvm::StringRef Text,
                 unsigned Mode = 0644) {
    if (llvm::Error E = writeFileSynced(joinPath(MDir, Name), Text, Mode)) {
      R.exception("OSError", llvm::toString(std::move(E)));
      return false;
    }
    return true;
  };
  for (const std::string &Key : P.Metadata) {
    if (!MetadataStore::validKey(Key))
      continue;
    llvm::Expected<std::optional<std::string>> V = Meta.get(Key);
    if (!V) {
      R.exception("OSError", llvm::toString(V.takeError()));
      return false;
    }
    if (*V && !Put(Key, **V))
      return false;
  }
  std::string Env;
  for (const auto &[K, V] : P.ScriptEnvironment)
    Env += "export " + shellQuote(K + "=" + V.value_or("")) + "\n";
  Env += "\n";
  if (!Put("environment", Env))
    return false;
  const VmDiskLayoutSpec &L = P.DiskLayout;
  if (!L.HasDisk) {
    R.exception("InvalidSpec",
                "'diskLayout.disk' is required but hasn't been specified.");
    return false;
  }
  if (!L.Fstab) {
    R.exception("InvalidSpec",
                "'diskLayout.fstab' is required but hasn't been specified.");
    return false;
  }
  const std::string Pre = "overlord.diskLayout.disk.";
  if (!Put(Pre + "scheme", L.Scheme))
    return false;
  for (size_t I = 0; I < L.Partitions.size(); ++I) {
    const VmPartitionSpec &Part = L.Partitions[I];
    std::string PP = Pre + "partitions." + std::to_string(I + 1) + ".";
    std::pair<const char *, const std::optional<std::string> *> Fields[] = {
        {"alignment", &Part.Alignment}, {"start", &Part.Start},
        {"size", &Part.Size},           {"label", &Part.Label},
        {"format.flags", &Part.FormatFlags}};
    if (!Put(PP + "type", Part.Type))
      return false;
    for (auto [K, V] : Fields)
      if (*V && !Put(PP + K, **V))
        return false;
    if (Part.FormatScript && !Put(PP + "format.script", *Part.FormatScript, 0755))
      return false;
  }
  if (L.Bootcode && !Put(Pre + "bootcode.bootcode", *L.Bootcode))
    return false;
  if (L.Partcode && !Put(Pre + "bootcode.partcode", *L.Partcode))
    return false;
  if (L.PartcodeIndex &&
      !Put(Pre + "bootcode.index", std::to_string(*L.PartcodeIndex)))
    return false;
  for (size_t J = 0; J < L.Fstab->size(); ++J) {
    const VmFstabSpec &F = (*L.Fstab)[J];
    std::string FP = Pre + "fstab." + std::to_string(J) + ".";
    if (!Put(FP + "device", F.Device) || !Put(FP + "mountpoint", F.MountPoint) ||
        !Put(FP + "type", F.Type) || !Put(FP + "options", F.Options) ||
        !Put(FP + "dump", std::to_string(F.Dump)) ||
        !Put(FP + "pass", std::to_string(F.Pass)))
      return false;
  }
  std::string RunSh = joinPath(JailPath, "run.sh");
  if (P.Script) {
    if (llvm::Error E = writeFileSynced(RunSh, *P.Script, 0555)) {
      R.exception("OSError", llvm::toString(std::move(E)));
      return false;
    }
  } else {
    // A script left by an earlier profile must not run for this one.
    fs::remove(RunSh);
  }
  R.note("==> install-files: wrote metadata/ and run.sh");
  return true;
}

bool Flow::run() {
  if (R.cancelled() || !checkNotBusy() || !makeDatastore() || R.cancelled())
    return false;
  bool Restart = P.Restart, Overwrite = P.Overwrite, Restarted = false;
  StepOutput St = R.run("jail-status", appjailStatus(Tools, name()), "appjail");
  // 0 running, 1 stopped, 66 no such jail; anything else (a bad name, a
  // crash) is not an answer.
  if (!St.Started || St.TimedOut || (St.Rc > 1 && St.Rc != 66)) {
    R.fail("jail-status",
           St.Started ? "'appjail status -q " + name() +
                            "' exited with status " + std::to_string(St.Rc)
                      : "'appjail status' could not run",
           St.Rc);
    return false;
  }
  if (St.Rc < 2) {
    if (!locateJail())
      return false;
    Done = isDone();
    if (Done) {
      if (!Restart && !Overwrite)
        return true; // NOOP, decided by the caller
      if (Restart) {
        std::optional<bool> Exists = projectExists("director-check");
        if (!Exists)
          return false;
        if (*Exists) {
          DirectorFile = readDone();
          if (P.Poweroff && !powerOff())
            return false;
          if (R.cancelled() || !checkedDown())
            return false;
          Restarted = true;
          Overwrite = false;
        }
      }
    }
  }
  R.Restarted = Restarted;
  if (!DirectorFile || DirectorFile->empty() || Overwrite)
    DirectorFile = vmDirectorFile(P, Makejail);
  const VmFromSpec &From = P.DiskLayout.From;
  bool IgnoreDone = false, IgnoreCreate = false, Recreate = true;
  if (From.Type == "iso" && From.Installed) {
    IgnoreCreate = true;
    if (!Done && !Restart)
      Recreate = false;
  }
  if (R.cancelled())
    return false;
  if (Recreate) {
    if (!directorUp(Overwrite))
      return false;
    if (Restarted)
      return true;
  } else {
    R.note("==> director-up: skipped (the installed ISO VM is started "
           "without re-creating its jail)");
  }
  if (JailPath.empty() && !locateJail())
    return false;
  if (R.cancelled())
    return false;
  std::vector<std::pair<std::string, std::string>> Tpl = P.Template;
  if (!writeSeed(Tpl))
    return false;
  setTemplate(Tpl, "disk0_type", P.DiskLayout.Driver);
  setTemplate(Tpl, "disk0_name", "disk0.img");
  setTemplate(Tpl, "disk0_dev", "file");
  setTemplate(Tpl, "disk0_size", P.DiskLayout.Size);
  if (!writeTemplate(Tpl))
    return false;
  Done = isDone();
  if (Overwrite && Done)
    IgnoreCreate = true;
  if (!IgnoreCreate) {
    if (R.cancelled())
      return false;
    std::vector<std::string> Args{"vm", "create", "-t", "overlord"};
    if (From.ImgFile)
      Args.insert(Args.end(), {"-i", *From.ImgFile});
    Args.push_back(name());
    if (!R.check("vm-create", appjailJexec(Tools, name(), std::move(Args)),
                 "vm-install"))
      return false;
  }
  if (!placeVmFiles() || R.cancelled())
    return false;
  if (From.partitionsDisk()) {
    if (!writeInstallFiles())
      return false;
    if (Overwrite && Done) {
      if (!startVm(R, Tools, name()))
        return false;
    } else if (!installSystem(R, Cfg, Tools, Vm, P, JailPath)) {
      return false;
    }
  } else if (From.Type == "iso" && !From.Installed) {
    IgnoreDone = true;
    if (!R.check("vm-install",
                 appjailJexec(Tools, name(),
                              {"vm", "install", name(), From.IsoFile}),
                 "vm-install"))
      return false;
  } else if (!startVm(R, Tools, name())) {
    return false;
  }
  if (IgnoreDone)
    return true;
  if (llvm::Error E = writeFileSynced(joinPath(JailPath, "vm/.done"),
                                      *DirectorFile)) {
    R.exception("OSError", llvm::toString(std::move(E)));
    return false;
  }
  R.note("==> done: wrote vm/.done");
  return true;
}

} // namespace

JobResult VmBuilder::create(const Job &J,
                            const std::function<bool()> &Cancelled) {
  StepRunner R(Cfg, Cancelled);
  llvm::Expected<VmProfile> P = parseVmProfile(J.Payload, J.Project);
  if (!P) {
    R.exception("InvalidSpec", llvm::toString(P.takeError()));
    return R.finish(JobStatus::Failed);
  }
  Flow F{Cfg, Tools, Vm, Meta, R, std::move(*P), {}, {}, {}, false};
  if (F.P.MakejailFromMetadata) {
    const std::string &Key = *F.P.MakejailFromMetadata;
    if (!MetadataStore::validKey(Key) || !Meta.exists(Key)) {
      R.exception("MetadataNotFound", "Metadata '" + Key + "' not found.");
      return R.finish(JobStatus::Failed);
    }
    F.Makejail = Meta.pathOf(Key);
  } else {
    F.Makejail = *F.P.Makejail;
  }
  bool Ok = F.run();
  if (!Ok || R.failed())
    return R.finish(JobStatus::Failed);
  // Done without restart/overwrite: nothing ran but the checks.
  if (F.Done && !F.P.Restart && !F.P.Overwrite && F.DirectorFile == std::nullopt) {
    R.note("==> noop: the VM is installed (vm/.done) and neither restart "
           "nor overwrite was asked");
    JobResult Res = R.finish(JobStatus::Noop);
    Res.Rc.reset();
    return Res;
  }
  return R.finish(JobStatus::Completed);
}
