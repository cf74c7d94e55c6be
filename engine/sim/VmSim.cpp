//===- VmSim.cpp - vm-bhyve in a jail, and the VM disk tools ------*- C++ -*-=//
//
// What the engine's vmJail flow runs besides Director (docs/VmEngine.md,
// appjail-interface.md §1.3 A5/A6, §1.4): vm-bhyve inside the VM jail
// (`appjail cmd jexec J vm create|install|start|poweroff ...`, and the
// user's `/run.sh`, recorded, not executed) and the FreeBSD tools that
// build the disk: mdconfig, gpart, newfs, mount, umount, makefs, fetch (local
// files, file:// URLs, and http(s) URLs mapped into the sim/config
// `fetch_root` directory) and pkg (records the packages). State lives
// under $AJSIM_ROOT/sim: vm/<jail>/<vm> (stopped|running|installing),
// md/<unit> (the attached file), md/<unit>.gpart (the table), md/<unit>.fs
// (formatted partitions) and mounts (device<TAB>dir lines).
//
//===----------------------------------------------------------------------===//
#include "Sim.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <unistd.h>

using namespace llvm;

namespace overlord::sim {

namespace {

const char *const VmToolNames[] = {"makefs", "mdconfig", "gpart", "newfs",
                                   "mount",  "umount",   "fetch", "pkg"};

int fail(StringRef Tool, const Twine &Msg, int Rc = 1) {
  errs() << Tool << ": " << Msg << "\n";
  return Rc;
}

std::vector<std::string> lines(const std::string &Path) {
  std::string Text;
  std::vector<std::string> Out;
  if (!readFile(Path, Text))
    return Out;
  SmallVector<StringRef, 16> L;
  StringRef(Text).split(L, '\n', -1, false);
  for (StringRef X : L)
    Out.push_back(X.str());
  return Out;
}

void writeLines(const std::string &Path, const std::vector<std::string> &L) {
  std::string Text;
  for (const std::string &X : L)
    Text += X + "\n";
  writeFile(Path, Text);
}

//===----------------------------------------------------------------------===//
// vm-bhyve inside the jail
//===----------------------------------------------------------------------===//

std::string vmState(const Sim &S, StringRef J, StringRef Vm) {
  return S.path("sim/vm/" + J.str() + "/" + Vm.str());
}

int vmCreate(Sim &S, StringRef J, ArrayRef<std::string> A) {
  std::string Tpl = "default", Img, Name;
  for (size_t I = 0; I < A.size(); ++I) {
    if ((A[I] == "-t" || A[I] == "-d" || A[I] == "-s" || A[I] == "-i") &&
        I + 1 < A.size()) {
      if (A[I] == "-t")
        Tpl = A[I + 1];
      if (A[I] == "-i")
        Img = A[I + 1];
      ++I;
    } else if (Name.empty() && !StringRef(A[I]).startswith("-")) {
      Name = A[I];
    } else {
      return fail("vm", "usage: vm create [-d datastore] [-t template] "
                        "[-s size] [-i image] name");
    }
  }
  if (Name.empty())
    return fail("vm", "usage: vm create [-d datastore] [-t template] "
                      "[-s size] [-i image] name");
  std::string Root = S.jailDir(J) + "/jail/vm";
  std::string TplFile = Root + "/.templates/" + Tpl + ".conf";
  if (!fileExists(TplFile))
    return fail("/usr/local/sbin/vm", "unable to find template " + TplFile);
  std::string Dir = Root + "/" + Name;
  if (isDir(Dir))
    return fail("/usr/local/sbin/vm", Dir + " already exists");
  // The image (vm/.img/<img>, on the datastore) is copied when present;
  // datastores are not simulated, so a missing one is not an error.
  std::string Disk;
  if (!Img.empty())
    readFile(Root + "/.img/" + Img, Disk);
  std::string Conf;
  readFile(TplFile, Conf);
  writeFile(Dir + "/" + Name + ".conf", Conf);
  writeFile(Dir + "/disk0.img", Disk);
  writeFile(vmState(S, J, Name), "stopped");
  return ExOk;
}

int vmOp(Sim &S, StringRef J, StringRef Op, ArrayRef<std::string> A) {
  std::vector<std::string> Pos;
  for (const std::string &X : A)
    if (!(X == "-f" && (Op == "poweroff" || Op == "install")))
      Pos.push_back(X);
  size_t Want = Op == "install" ? 2 : 1;
  if (Pos.size() != Want)
    return fail("vm", "usage: vm " + Op + (Op == "install" ? " [-f] name iso"
                                                           : " name"));
  const std::string &Name = Pos[0];
  // vm-bhyve knows a guest by its directory (which may live on a datastore
  // that outlives the jail); the run state is the simulator's.
  std::string State;
  if (!readFile(vmState(S, J, Name), State)) {
    if (!fileExists(S.jailDir(J) + "/jail/vm/" + Name + "/" + Name + ".conf"))
      return fail("/usr/local/sbin/vm", Name + " doesn't exist");
    State = "stopped";
  }
  if (Op == "start") {
    if (State != "stopped")
      return fail("/usr/local/sbin/vm", Name + " is already running");
    writeFile(vmState(S, J, Name), "running");
    outs() << "Starting " << Name << "\n  * found guest in " << S.jailDir(J)
           << "/jail/vm/" << Name << "\n";
    return ExOk;
  }
  if (Op == "poweroff") {
    if (State == "stopped")
      return fail("/usr/local/sbin/vm",
                  Name + " doesn't appear to be a running virtual machine");
    writeFile(vmState(S, J, Name), "stopped");
    return ExOk;
  }
  // install: the ISO lives on the datastore, which is not simulated.
  std::string Iso = Pos[1];
  if (State != "stopped")
    return fail("/usr/local/sbin/vm", Name + " is already running");
  writeFile(vmState(S, J, Name), "installing");
  outs() << "Starting " << Name << "\n  * booting " << Iso << "\n";
  return ExOk;
}

//===----------------------------------------------------------------------===//
// Disk tools
//===----------------------------------------------------------------------===//

std::string mdFile(const Sim &S, StringRef Unit) {
  return S.path("sim/md/" + Unit.str());
}

/// "/dev/md3" -> "md3"; "/dev/md3p2" -> "md3" and Part = 2.
bool parseDev(StringRef Dev, std::string &Unit, unsigned *Part = nullptr) {
  if (!Dev.consume_front("/dev/md"))
    return false;
  size_t P = Dev.find('p');
  StringRef N = Dev.substr(0, P);
  unsigned X;
  if (N.empty() || N.getAsInteger(10, X))
    return false;
  Unit = "md" + N.str();
  if (P == StringRef::npos)
    return Part == nullptr;
  if (!Part || Dev.substr(P + 1).getAsInteger(10, *Part))
    return false;
  return true;
}

int mdconfig(Sim &S) {
  const auto &A = S.Args;
  bool Attach = false, Detach = false;
  std::string File, Unit, Type;
  for (size_t I = 0; I < A.size(); ++I) {
    StringRef X = A[I];
    if (X.startswith("-") && !X.startswith("--")) {
      for (size_t C = 1; C < X.size(); ++C) {
        char F = X[C];
        if (F == 'a')
          Attach = true;
        else if (F == 'd')
          Detach = true;
        else if ((F == 't' || F == 'f' || F == 'u') && C + 1 == X.size() &&
                 I + 1 < A.size())
          (F == 't' ? Type : F == 'f' ? File : Unit) = A[++I];
        else
          return fail("mdconfig", "illegal option -- " + std::string(1, F));
      }
      continue;
    }
    return fail("mdconfig", "usage: mdconfig -a -t vnode -f file | -d -u unit");
  }
  if (Attach && !Detach) {
    if (Type != "vnode" || File.empty())
      return fail("mdconfig", "usage: mdconfig -a -t vnode -f file");
    if (!fileExists(File))
      return fail("mdconfig", File + ": No such file or directory");
    for (unsigned N = 0;; ++N) {
      std::string U = "md" + std::to_string(N);
      if (!fileExists(mdFile(S, U))) {
        writeFile(mdFile(S, U), File);
        outs() << U << "\n";
        return ExOk;
      }
    }
  }
  if (Detach && !Attach && !Unit.empty()) {
    if (!StringRef(Unit).startswith("md"))
      Unit = "md" + Unit;
    if (!fileExists(mdFile(S, Unit)))
      return fail("mdconfig",
                  "ioctl(/dev/mdctl): No such file or directory");
    for (const char *Ext : {"", ".gpart", ".fs"})
      ::unlink(mdFile(S, Unit + Ext).c_str());
    return ExOk;
  }
  return fail("mdconfig", "usage: mdconfig -a -t vnode -f file | -d -u unit");
}

int gpart(Sim &S) {
  const auto &A = S.Args;
  if (A.empty())
    return fail("gpart", "usage: gpart add|bootcode|create ...");
  std::string Dev = A.back(), Unit;
  if (!parseDev(Dev, Unit) || !fileExists(mdFile(S, Unit)))
    return fail("gpart", "No such geom: " + StringRef(Dev).rsplit('/').second +
                             ".");
  std::string TableFile = mdFile(S, Unit) + ".gpart";
  std::vector<std::string> Table = lines(TableFile);
  std::map<std::string, std::string> Opt;
  // Options come in pairs between the verb and the provider.
  for (size_t I = 1; I + 1 < A.size(); I += 2) {
    if (!StringRef(A[I]).startswith("-") || I + 2 >= A.size())
      return fail("gpart", "usage: gpart " + A[0] + " ... provider");
    Opt[A[I]] = A[I + 1];
  }
  if (A[0] == "create") {
    if (!Opt.count("-s") || Opt.size() != 1)
      return fail("gpart", "usage: gpart create -s scheme provider");
    if (!Table.empty())
      return fail("gpart", "geom '" + Unit + "': File exists");
    writeLines(TableFile, {"scheme " + Opt["-s"]});
    outs() << Unit << " created\n";
    return ExOk;
  }
  if (Table.empty())
    return fail("gpart", "No such geom: " + Unit + ".");
  if (A[0] == "add") {
    if (!Opt.count("-t"))
      return fail("gpart", "usage: gpart add -t type [-a alignment] [-b start] "
                           "[-s size] [-i index] [-l label] provider");
    unsigned Index = unsigned(Table.size());
    if (Opt.count("-i") && StringRef(Opt["-i"]).getAsInteger(10, Index))
      return fail("gpart", "Invalid value for 'i' argument: Invalid argument");
    std::string Key = "p" + std::to_string(Index) + " ";
    for (const std::string &L : Table)
      if (StringRef(L).startswith(Key))
        return fail("gpart", "index '" + std::to_string(Index) +
                                 "': File exists");
    std::string Row = Key + Opt["-t"];
    for (const auto &[K, V] : Opt)
      if (K != "-t" && K != "-i")
        Row += " " + K + "=" + V;
    Table.push_back(Row);
    writeLines(TableFile, Table);
    outs() << Unit << "p" << Index << " added\n";
    return ExOk;
  }
  if (A[0] == "bootcode") {
    if (Opt.count("-p")) {
      std::string Key = "p" + Opt["-i"] + " ";
      if (!llvm::any_of(Table, [&](const std::string &L) {
            return StringRef(L).startswith(Key);
          }))
        return fail("gpart", "invalid partition index");
      outs() << "partcode written to " << Unit << "p" << Opt["-i"] << "\n";
    }
    if (Opt.count("-b"))
      outs() << "bootcode written to " << Unit << "\n";
    if (!Opt.count("-p") && !Opt.count("-b"))
      return fail("gpart", "usage: gpart bootcode [-b bootcode] [-p partcode "
                           "-i index] provider");
    return ExOk;
  }
  return fail("gpart", "Unknown command: " + A[0] + ".");
}

/// True when partition Part of Unit exists in the table.
bool hasPartition(const Sim &S, StringRef Unit, unsigned Part) {
  std::string Key = "p" + std::to_string(Part) + " ";
  return llvm::any_of(lines(mdFile(S, Unit) + ".gpart"),
                      [&](const std::string &L) {
                        return StringRef(L).startswith(Key);
                      });
}

int newfs(Sim &S) {
  if (S.Args.empty())
    return fail("newfs", "usage: newfs [-options] special-device");
  std::string Dev = S.Args.back(), Unit;
  unsigned Part = 0;
  if (!parseDev(Dev, Unit, &Part) || !fileExists(mdFile(S, Unit)) ||
      !hasPartition(S, Unit, Part))
    return fail("newfs", Dev + ": could not find special device");
  std::vector<std::string> Fs = lines(mdFile(S, Unit) + ".fs");
  Fs.push_back(std::to_string(Part));
  writeLines(mdFile(S, Unit) + ".fs", Fs);
  outs() << Dev << ": 1024.0MB (2097152 sectors) block size 32768, "
         << "fragment size 4096\n";
  return ExOk;
}

int mount(Sim &S) {
  if (S.Args.size() != 2)
    return fail("mount", "usage: mount special node");
  const std::string &Dev = S.Args[0], &Dir = S.Args[1];
  std::string Unit;
  unsigned Part = 0;
  if (!isDir(Dir))
    return fail("mount", Dir + ": No such file or directory");
  if (!parseDev(Dev, Unit, &Part) || !fileExists(mdFile(S, Unit)) ||
      !hasPartition(S, Unit, Part))
    return fail("mount", Dev + ": No such file or directory");
  std::vector<std::string> Fs = lines(mdFile(S, Unit) + ".fs");
  if (!llvm::is_contained(Fs, std::to_string(Part)))
    return fail("mount", Dev + ": Invalid argument");
  std::vector<std::string> M = lines(S.path("sim/mounts"));
  for (const std::string &L : M)
    if (StringRef(L).split('\t').second == Dir)
      return fail("mount", Dev + ": Device busy");
  M.push_back(Dev + "\t" + Dir);
  writeLines(S.path("sim/mounts"), M);
  return ExOk;
}

int umount(Sim &S) {
  std::vector<std::string> A;
  for (const std::string &X : S.Args)
    if (X != "--")
      A.push_back(X);
  if (A.size() != 1)
    return fail("umount", "usage: umount [-f] special ... | node ...");
  std::vector<std::string> M = lines(S.path("sim/mounts")), Keep;
  for (const std::string &L : M) {
    auto [Dev, Dir] = StringRef(L).split('\t');
    if (Dir != A[0] && Dev != A[0])
      Keep.push_back(L);
  }
  if (Keep.size() == M.size())
    return fail("umount", A[0] + ": not a file system root directory");
  writeLines(S.path("sim/mounts"), Keep);
  return ExOk;
}

int makefs(Sim &S) {
  std::string Type = "ffs";
  std::vector<std::string> Opts, Pos;
  const auto &A = S.Args;
  bool Dashes = false;
  for (size_t I = 0; I < A.size(); ++I) {
    StringRef X = A[I];
    if (!Dashes && X == "--") {
      Dashes = true;
    } else if (!Dashes && X.startswith("-") && X.size() == 2) {
      if (I + 1 >= A.size())
        return fail("makefs", "option requires an argument -- " + X.substr(1));
      if (X == "-t")
        Type = A[++I];
      else if (X == "-o")
        Opts.push_back(A[++I]);
      else
        Opts.push_back(X.str() + " " + A[++I]);
    } else {
      Pos.push_back(X.str());
    }
  }
  if (Pos.size() != 2)
    return fail("makefs", "usage: makefs [-t fs-type] [-o fs-options] "
                          "image-file directory");
  if (Type != "cd9660" && Type != "ffs")
    return fail("makefs", "Unknown fs type `" + Type + "'.");
  if (!isDir(Pos[1]))
    return fail("makefs", Pos[1] + ": No such file or directory");
  std::string Image = "ajsim " + Type + " image\n";
  for (const std::string &O : Opts)
    Image += "option " + O + "\n";
  for (const std::string &N : listDir(Pos[1])) {
    std::string Body;
    readFile(Pos[1] + "/" + N, Body);
    Image += "file " + N + " " + std::to_string(Body.size()) + "\n";
  }
  if (!writeFile(Pos[0], Image))
    return fail("makefs", Pos[0] + ": Permission denied");
  return ExOk;
}

int fetch(Sim &S) {
  std::string Out, Url;
  const auto &A = S.Args;
  for (size_t I = 0; I < A.size(); ++I) {
    if (A[I] == "-o" && I + 1 < A.size())
      Out = A[++I];
    else if (StringRef(A[I]).startswith("-"))
      continue; // -R -p -m ...: no effect here
    else
      Url = A[I];
  }
  if (Url.empty() || Out.empty())
    return fail("fetch", "usage: fetch [-Rpm] -o file URL");
  // file:// URLs and paths are read directly; http(s)/ftp URLs come from
  // the sim/config `fetch_root` mirror (<root>/<host>/<path>), never the
  // network.
  StringRef Path = Url;
  std::string Mapped;
  if (Path.consume_front("file://") || Path.startswith("/")) {
    Mapped = Path.str();
  } else {
    StringRef Rest = Path;
    std::string Root = S.config("fetch_root", "");
    if (Root.empty() || !(Rest.consume_front("http://") ||
                          Rest.consume_front("https://") ||
                          Rest.consume_front("ftp://")))
      return fail("fetch", Url + ": No address record");
    Mapped = Root + "/" + Rest.str();
  }
  std::string Body;
  if (!readFile(Mapped, Body))
    return fail("fetch", Url + ": No such file or directory");
  if (!writeFile(Out, Body))
    return fail("fetch", Out + ": Permission denied");
  return ExOk;
}

int pkg(Sim &S) {
  const auto &A = S.Args;
  std::string Root, Conf;
  size_t I = 0;
  for (; I < A.size(); ++I) {
    if (A[I] == "--rootdir" && I + 1 < A.size())
      Root = A[++I];
    else if (A[I] == "--repo-conf-dir" && I + 1 < A.size())
      Conf = A[++I];
    else
      break;
  }
  if (I >= A.size() || A[I] != "install")
    return fail("pkg", "usage: pkg [--rootdir dir] [--repo-conf-dir dir] "
                       "install -- pkg...");
  std::vector<std::string> Pkgs;
  for (++I; I < A.size(); ++I)
    if (A[I] != "--")
      Pkgs.push_back(A[I]);
  const char *Abi = std::getenv("ABI");
  if (!Abi || !*Abi)
    return fail("pkg", "Unable to determine ABI");
  if (!Root.empty() && !isDir(Root))
    return fail("pkg", "rootdir " + Root + ": No such file or directory");
  if (!Conf.empty() && !isDir(Conf))
    return fail("pkg", "repo-conf-dir " + Conf + ": No such file or directory");
  if (Pkgs.empty())
    return fail("pkg", "no packages to install");
  // A base system: what the next steps (fstab) expect to find.
  makeDirs(Root + "/etc");
  for (const std::string &P : Pkgs) {
    writeFile(Root + "/var/db/ajsim-pkg/" + P, std::string(Abi) + "\n");
    outs() << "[1/1] Installing " << P << "...\n";
  }
  return ExOk;
}

} // namespace

bool isVmTool(StringRef Tool) { return llvm::is_contained(VmToolNames, Tool); }

ArrayRef<const char *> vmToolNames() { return VmToolNames; }

int runVmTool(Sim &S) {
  StringRef T = S.Tool;
  if (T == "mdconfig")
    return mdconfig(S);
  if (T == "gpart")
    return gpart(S);
  if (T == "newfs")
    return newfs(S);
  if (T == "mount")
    return mount(S);
  if (T == "umount")
    return umount(S);
  if (T == "makefs")
    return makefs(S);
  if (T == "fetch")
    return fetch(S);
  return pkg(S);
}

int runJexec(Sim &S, const std::string &J, const std::vector<std::string> &Rest) {
  if (Rest.empty())
    return -1;
  if (Rest[0] == "/run.sh") {
    std::string Script = S.jailDir(J) + "/jail/run.sh";
    if (!fileExists(Script))
      return fail("jexec", "execvp: /run.sh: No such file or directory", 127);
    if (!sys::fs::can_execute(Script))
      return fail("jexec", "execvp: /run.sh: Permission denied", 126);
    return ExOk;
  }
  if (Rest[0] != "vm" || Rest.size() < 2)
    return -1;
  ArrayRef<std::string> A(Rest);
  A = A.drop_front(2);
  if (Rest[1] == "create")
    return vmCreate(S, J, A);
  if (Rest[1] == "start" || Rest[1] == "poweroff" || Rest[1] == "install")
    return vmOp(S, J, Rest[1], A);
  return -1;
}

} // namespace overlord::sim
