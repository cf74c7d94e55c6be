//===- DirectorRun.cpp - Director `up` and `down` ----------------*- C++
//-*-===//
//
// appjail-interface.md §2.3-§2.4 literally: the lock, the stored spec
// replaced before any work, change detection (whole-service comparison of
// the stored and new specs, the fail flag, the Makejail mtime, the global
// options), the remove phase, the create phase in priority order with every
// appjail call made as a subprocess with Director's exact argv, and `down`
// with its exit-code quirks.
//
//===----------------------------------------------------------------------===//
#include "DirectorSim.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace overlord::sim {

int Director::fail(StringRef Type, StringRef Service, int ChildRc) {
  Result.Failed.push_back({Type.str(), Service.str()});
  Result.Errlevel = ChildRc;
  return ChildRc;
}

bool Director::dieAfter(StringRef Phase, StringRef Service) const {
  if (S.TheFault.DieAfter == (Phase + ":" + Service).str()) {
    S.journal(137);
    ::raise(SIGKILL);
  }
  return false;
}

/// os.path.getmtime of a local Makejail as Python prints the float, or
/// "0.0" for a remote reference.
static std::string makejailMtime(StringRef Makejail) {
  sys::fs::file_status St;
  if (Makejail.contains('+') || sys::fs::status(Makejail, St) ||
      !sys::fs::is_regular_file(St))
    return "0.0";
  auto T = St.getLastModificationTime().time_since_epoch();
  double Secs = std::chrono::duration<double>(T).count();
  std::string Out = formatv("{0:f6}", Secs).str();
  while (Out.back() == '0' && Out[Out.size() - 2] != '.')
    Out.pop_back();
  return Out;
}

int Director::removeService(const std::string &Name, const std::string &Jail,
                            bool Leaving) {
  int R;
  Current = Jail;
  appjailOut({"jail", "get", "--", Jail, "name"}, R);
  if (R == 0) {
    DidWork = true;
    setKey("last_log", logDir());
    int St =
        S.runChild("appjail", {"status", "-q", "--", Jail}, "", "", Timeout);
    bool Ephemeral = false;
    if (St == 0) {
      Ephemeral =
          appjailOut({"jail", "get", "--", Jail, "ephemeral"}, R) == "1";
      if (appjail({"stop", "--", Jail}, Name + "/stop.log"))
        Result.Failed.push_back({"stop", Name});
    }
    if (Terminated)
      return ExSoftware;
    if (!Ephemeral) {
      std::vector<std::string> Argv{"jail", "destroy"};
      if (RemoveRecursive)
        Argv.push_back("-R");
      if (RemoveForce)
        Argv.push_back("-f");
      Argv.insert(Argv.end(), {"--", Jail});
      if (int D = appjail(Argv, Name + "/destroy.log")) {
        setKey(Name + "/fail", "");
        return fail("destroy", Name, D);
      }
    }
  }
  if (Leaving)
    removeTree(key(Name));
  return ExOk;
}

std::vector<std::string>
Director::makejailArgv(const DirectorSpec &Next,
                       const appjail::DirectorService &Svc,
                       const std::string &Jail) const {
  std::vector<std::string> A{"makejail", "-j", Jail, "-f", Svc.Makejail};
  for (const appjail::KeyValue &E : Svc.Environment)
    A.insert(A.end(), {"-V", E.Value ? E.Key + "=" + *E.Value : E.Key});
  char Cwd[4096];
  std::string Base = getcwd(Cwd, sizeof Cwd) ? Cwd : ".";
  for (const appjail::KeyValue &V : Svc.Volumes)
    for (const appjail::DirectorVolume &Vol : Next.File.Volumes)
      if (Vol.Name == V.Key)
        A.insert(A.end(), {"-o", fstabOption(Next.File, Vol,
                                             V.Value.value_or(""), Base)});
  auto AddOptions = [&](const std::vector<appjail::KeyValue> &Opts) {
    for (const appjail::KeyValue &O : Opts)
      A.insert(A.end(), {"-o", O.Value ? O.Key + "=" + *O.Value : O.Key});
  };
  if (!Svc.ResetOptions)
    AddOptions(Next.File.Options);
  AddOptions(Svc.Options);
  if (!Svc.Arguments.empty()) {
    A.push_back("--");
    for (const appjail::KeyValue &Arg : Svc.Arguments)
      A.insert(A.end(), {"--" + Arg.Key, Arg.Value.value_or("")});
  }
  return A;
}

/// shlex.split of a script's `shell` (quotes group, no escapes inside '').
static std::vector<std::string> shlexSplit(StringRef T) {
  std::vector<std::string> Out;
  std::string W;
  bool In = false;
  char Q = 0;
  for (char C : T) {
    if (Q) {
      if (C == Q)
        Q = 0;
      else
        W += C;
    } else if (C == '"' || C == '\'') {
      Q = C, In = true;
    } else if (isSpace(C)) {
      if (In)
        Out.push_back(W), W.clear(), In = false;
    } else {
      W += C, In = true;
    }
  }
  if (In)
    Out.push_back(W);
  return Out;
}

int Director::scripts(const appjail::DirectorService &Svc,
                      const std::string &Jail, bool PostStart) {
  for (const appjail::DirectorScript &Sc : Svc.Scripts) {
    if (Sc.PostStart != PostStart)
      continue;
    std::vector<std::string> A{"cmd", Sc.Type, Jail, "--"};
    for (std::string &W : shlexSplit(Sc.Shell))
      A.push_back(W);
    A.push_back(Sc.Text);
    if (int R = appjail(A, Svc.Name + "/scripts.log")) {
      if (!PostStart)
        setKey(Svc.Name + "/fail", "");
      return fail("scripts", Svc.Name, R);
    }
  }
  return ExOk;
}

int Director::createService(const DirectorSpec &Next,
                            const appjail::DirectorService &Svc,
                            const std::optional<std::string> &Remembered) {
  for (const appjail::KeyValue &V : Svc.Volumes)
    if (none_of(Next.File.Volumes,
                [&](auto &Vol) { return Vol.Name == V.Key; }))
      return exception("VolumeNotFound", V.Key + ": Volume not found.");
  std::string Last = readValue(key(Svc.Name + "/name"));
  if (Last.empty())
    Last = Remembered ? *Remembered : S.randomName(10);
  std::string Jail = Svc.JailName.value_or(Last);
  setKey(Svc.Name + "/name", Jail);
  Current = Jail;
  int R;
  appjailOut({"jail", "get", "--", Jail, "name"}, R);
  bool Build = R != 0;
  if (!Build)
    Build = appjailOut({"jail", "get", "--", Jail, "dirty"}, R) != "0" || R;
  if (Build) {
    DidWork = true;
    setKey(Svc.Name + "/makejail_mtime", makejailMtime(Svc.Makejail));
    if (int M = appjail(makejailArgv(Next, Svc, Jail),
                        Svc.Name + "/makejail.log")) {
      setKey(Svc.Name + "/fail", "");
      return fail("makejail", Svc.Name, M);
    }
    dieAfter("makejail", Svc.Name);
    if (!Svc.Start.empty() || !Svc.StartEnvironment.empty()) {
      std::vector<std::string> A{"enable", Jail, "start"};
      for (const appjail::KeyValue &K : Svc.Start)
        A.insert(A.end(), {"-s", K.Key + "=" + K.Value.value_or("")});
      for (const appjail::KeyValue &K : Svc.StartEnvironment)
        A.insert(A.end(), {"-V", K.Value ? K.Key + "=" + *K.Value : K.Key});
      if (int E = appjail(A, Svc.Name + "/enable-start.log")) {
        setKey(Svc.Name + "/fail", "");
        return fail("enable-start", Svc.Name, E);
      }
    }
    auto Oci = [&](std::vector<std::string> A, StringRef Type) {
      int E = appjail(A, Svc.Name + "/" + Type.str() + ".log");
      if (E) {
        setKey(Svc.Name + "/fail", "");
        fail(Type, Svc.Name, E);
      }
      return E;
    };
    if (Svc.OciUser && Oci({"oci", "set-user", Jail, *Svc.OciUser}, "oci-user"))
      return Result.Errlevel;
    if (Svc.OciWorkdir &&
        Oci({"oci", "set-workdir", Jail, *Svc.OciWorkdir}, "oci-workdir"))
      return Result.Errlevel;
    for (const appjail::KeyValue &K : Svc.OciEnvironment)
      if (Oci({"oci", "set-env", Jail, K.Key, K.Value.value_or("")},
              "oci-environment"))
        return Result.Errlevel;
    if (int E = scripts(Svc, Jail, false))
      return E;
  }
  if (Terminated)
    return ExSoftware;
  if (S.runChild("appjail", {"status", "-q", "--", Jail}, "", "", Timeout)) {
    DidWork = true;
    if (int E = appjail({"start", "--", Jail}, Svc.Name + "/start.log")) {
      setKey(Svc.Name + "/fail", "");
      return fail("start", Svc.Name, E);
    }
    dieAfter("start", Svc.Name);
  }
  ::unlink(key(Svc.Name + "/fail").c_str());
  if (int E = scripts(Svc, Jail, true))
    return E;
  if (Svc.RuntimeMakejail) {
    std::vector<std::string> A{"apply", Jail, *Svc.RuntimeMakejail};
    for (const appjail::KeyValue &K : Svc.RuntimeEnvironment)
      A.insert(A.end(), {"-V", K.Value ? K.Key + "=" + *K.Value : K.Key});
    if (!Svc.RuntimeArguments.empty()) {
      A.push_back("--");
      for (const appjail::KeyValue &K : Svc.RuntimeArguments)
        A.insert(A.end(), {"--" + K.Key, K.Value.value_or("")});
    }
    if (int E = appjail(A, Svc.Name + "/runtime-makejail.log"))
      return fail("runtime-makejail", Svc.Name, E);
  }
  return Terminated ? ExSoftware : ExOk;
}

int Director::up() {
  SmallString<256> Abs(File);
  if (!fileExists(File) || isDir(File)) {
    Result.Errlevel = ExNoInput;
    Result.Message = File + ": Director file cannot be found.";
    return ExNoInput;
  }
  sys::fs::make_absolute(Abs);
  if (::chdir(sys::path::parent_path(Abs).str().c_str()) != 0)
    return exception("OSError", "cannot change directory");
  if (!lock())
    return Rc;
  std::string Error, Raw;
  std::optional<DirectorSpec> Next = loadDirectorSpec(std::string(Abs), Error);
  std::string Stored = key("appjail-director.yml");
  bool NewProject = !fileExists(Stored);
  std::optional<DirectorSpec> Cur;
  if (Next && !NewProject)
    Cur = loadDirectorSpec(Stored, Error);
  if (!Next || (!NewProject && !Cur)) {
    unlock();
    return exception("InvalidSpec", Error);
  }
  readFile(std::string(Abs), Raw);
  ::unlink(Stored.c_str());
  writeFile(Stored, Raw);
  ::chmod(Stored.c_str(), 0440);
  setState("unfinished");
  setKey("pid", std::to_string(::getpid()));
  setKey("ppid", std::to_string(::getppid()));
  for (double Left = S.TheFault.Hang; Left > 0 && !Terminated; Left -= 0.01)
    ::usleep(10000);
  if (Terminated)
    return ExSoftware;
  const DirectorSpec &Old = Cur ? *Cur : *Next;

  // Remove phase: services that left, and changed services.
  std::vector<std::pair<std::string, bool>> ToRemove;
  for (const appjail::DirectorService &Svc : Old.File.Services)
    if (!Next->ServiceText.count(Svc.Name))
      ToRemove.push_back({Svc.Name, true});
  bool OptionsDiffer = NewProject || Old.OptionsText != Next->OptionsText;
  for (const appjail::DirectorService &Svc : Next->File.Services) {
    auto It = Old.ServiceText.find(Svc.Name);
    bool Differ = NewProject || It == Old.ServiceText.end() ||
                  It->second != Next->ServiceText.at(Svc.Name);
    bool Failed = fileExists(key(Svc.Name + "/fail"));
    std::string Stamp = readValue(key(Svc.Name + "/makejail_mtime"));
    bool Newer = !Svc.IgnoreMtime &&
                 std::strtod(Stamp.c_str(), nullptr) <
                     std::strtod(makejailMtime(Svc.Makejail).c_str(), nullptr);
    if (Overwrite || Differ || Failed || Newer ||
        (!Svc.ResetOptions && OptionsDiffer))
      ToRemove.push_back({Svc.Name, false});
  }
  llvm::sort(ToRemove);
  std::map<std::string, std::string> OldNames;
  for (const appjail::DirectorService &Svc : Old.File.Services)
    if (Svc.JailName)
      OldNames[Svc.Name] = *Svc.JailName;
  for (const auto &[Name, Leaving] : ToRemove) {
    std::string Jail = readValue(key(Name + "/name"));
    if (Jail.empty() && OldNames.count(Name))
      Jail = OldNames[Name];
    if (Jail.empty()) {
      for (const appjail::DirectorService &Svc : Next->File.Services)
        if (Svc.Name == Name)
          Jail = jailName(Svc);
    }
    if (Jail.empty())
      continue;
    if (int R = removeService(Name, Jail, Leaving))
      return R;
  }

  // Create phase, in priority order.
  std::vector<const appjail::DirectorService *> Order;
  for (const appjail::DirectorService &Svc : Next->File.Services)
    Order.push_back(&Svc);
  orderServices(Order, true);
  for (const appjail::DirectorService *Svc : Order) {
    std::optional<std::string> Remembered;
    if (OldNames.count(Svc->Name))
      Remembered = OldNames[Svc->Name];
    if (int R = createService(*Next, *Svc, Remembered))
      return R;
  }
  return ExOk;
}

int Director::down() {
  if (!isDir(ProjectsDir + "/" + Project)) {
    Result.Errlevel = ExNoInput;
    Result.Message = Project + ": Project not found.";
    return ExNoInput;
  }
  if (!lock())
    return Rc;
  setState("destroying");
  if (!IgnoreServices) {
    std::optional<DirectorSpec> Spec;
    if (!loadStored(Spec))
      return Rc;
    std::vector<const appjail::DirectorService *> Order;
    for (const appjail::DirectorService &Svc : Spec->File.Services)
      Order.push_back(&Svc);
    orderServices(Order, true);
    std::reverse(Order.begin(), Order.end());
    for (const appjail::DirectorService *Svc : Order) {
      std::string Jail = jailName(*Svc);
      int St =
          S.runChild("appjail", {"status", "-q", "--", Jail}, "", "", Timeout);
      bool Ephemeral = false;
      if (St == 0) {
        int R;
        Ephemeral =
            appjailOut({"jail", "get", "--", Jail, "ephemeral"}, R) == "1";
        if (appjail({"stop", "--", Jail}, ""))
          Result.Failed.push_back({"stop", Svc->Name});
      }
      if (Terminated)
        return ExSoftware;
      if (!Destroy || Ephemeral || St == ExNoInput)
        continue;
      std::vector<std::string> Argv{"jail", "destroy"};
      if (RemoveRecursive)
        Argv.push_back("-R");
      if (RemoveForce)
        Argv.push_back("-f");
      Argv.insert(Argv.end(), {"--", Jail});
      if (int D = appjail(Argv, "")) {
        Result.Failed.push_back({"destroy", Svc->Name});
        if (!IgnoreFailed)
          return D; // errlevel stays 0, as upstream
      }
    }
  }
  if (Destroy)
    removeTree(ProjectsDir + "/" + Project);
  return ExOk;
}

} // namespace overlord::sim
