//===- DirectorSim.cpp - The simulated appjail-director(1) -------*- C++
//-*-===//
//
// appjail-interface.md §2.3-§2.6 and §5.4: the command line (click-style
// usage errors with rc 2 and no JSON), the project state under
// $AJSIM_ROOT/director (or the paths of a director.ini), the lock, the
// exception path (rc 70, `Exception:` block, exception.log), and the
// commands check, describe, info, ls and cancel. `up` and `down` are in
// DirectorRun.cpp; both share the Director class declared in DirectorSim.h.
//
//===----------------------------------------------------------------------===//
#include "DirectorSim.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <random>
#include <unistd.h>

using namespace llvm;

namespace overlord::sim {

volatile sig_atomic_t Director::Terminated = 0;

static void onTerminate(int) {
  Director::Terminated = 1;
  if (CurrentChild > 0)
    ::kill(CurrentChild, SIGTERM);
}

bool isProjectName(StringRef N) {
  return !N.empty() && all_of(N, [](char C) {
    return isAlnum(C) || C == '.' || C == '_' || C == '-';
  });
}

static void loadIni(const std::string &Path,
                    std::map<std::string, std::string> &Out) {
  std::string Text;
  if (!readFile(Path, Text))
    return;
  std::string Section;
  SmallVector<StringRef, 32> Lines;
  StringRef(Text).split(Lines, '\n');
  for (StringRef L : Lines) {
    L = L.trim();
    if (L.empty() || L[0] == '#' || L[0] == ';')
      continue;
    if (L.front() == '[' && L.back() == ']') {
      Section = L.drop_front().drop_back().trim().str();
      continue;
    }
    size_t Eq = L.find_first_of("=:");
    if (Eq != StringRef::npos)
      Out[Section + "." + L.take_front(Eq).trim().str()] =
          L.drop_front(Eq + 1).trim().str();
  }
}

/// python-dotenv without overriding: KEY=VALUE, `export`, quotes, comments.
static void loadDotEnv(const std::string &Path) {
  std::string Text;
  if (!readFile(Path, Text))
    return;
  SmallVector<StringRef, 32> Lines;
  StringRef(Text).split(Lines, '\n');
  for (StringRef L : Lines) {
    L = L.trim();
    L.consume_front("export ");
    if (L.empty() || L[0] == '#' || !L.contains('='))
      continue;
    auto [K, V] = L.split('=');
    V = V.trim();
    if (V.size() >= 2 && (V.front() == '"' || V.front() == '\'') &&
        V.back() == V.front())
      V = V.drop_front().drop_back();
    setenv(K.trim().str().c_str(), V.str().c_str(), 0);
  }
}

int Director::usageError(StringRef Cmd, StringRef Message) {
  errs() << "Usage: appjail-director " << Cmd << " [OPTIONS]\n"
         << "Try 'appjail-director " << Cmd << " --help' for help.\n\n"
         << "Error: " << Message << "\n";
  return 2;
}

bool Director::parseGlobal(size_t &I) {
  std::string ConfigFile, EnvFile = ".env";
  const std::vector<std::string> &A = S.Args;
  for (; I < A.size(); ++I) {
    StringRef O = A[I];
    if ((O == "-c" || O == "--config" || O == "-e" || O == "--env-file") &&
        I + 1 < A.size()) {
      (O == "-c" || O == "--config" ? ConfigFile : EnvFile) = A[++I];
    } else if (O.startswith("-")) {
      Rc = usageError("", "No such option: " + O.str());
      return false;
    } else {
      break;
    }
  }
  loadDotEnv(EnvFile);
  std::map<std::string, std::string> Ini;
  if (const char *Extra = std::getenv("DIRECTOR_CONFIG"); Extra && *Extra) {
    if (!fileExists(Extra)) {
      errs() << Extra << ": configuration file cannot be found.\n";
      Rc = ExNoInput;
      return false;
    }
    loadIni(Extra, Ini);
  }
  if (!ConfigFile.empty()) {
    if (!fileExists(ConfigFile)) {
      errs() << ConfigFile << ": configuration file cannot be found.\n";
      Rc = ExNoInput;
      return false;
    }
    loadIni(ConfigFile, Ini);
  }
  auto Get = [&](const std::string &K, std::string D) {
    auto It = Ini.find(K);
    return It == Ini.end() ? D : It->second;
  };
  LogsDir = Get("logs.directory", S.path("director/logs"));
  ProjectsDir = Get("projects.directory", S.path("director/projects"));
  LocksDir = Get("locks.directory", S.path("director/locks"));
  auto Bool = [](StringRef V) {
    return V.equals_insensitive("true") || V == "1" ||
           V.equals_insensitive("yes");
  };
  RemoveRecursive = Bool(Get("jails.remove_recursive", "false"));
  RemoveForce = Bool(Get("jails.remove_force", "true"));
  Timeout = std::strtoul(Get("commands.timeout", "1800").c_str(), nullptr, 10);
  return true;
}

std::string Director::logDir() {
  if (LogDirName.empty()) {
    time_t T = S.now() + time_t(S.bumpCounter("director-log") - 1);
    struct tm TM;
    gmtime_r(&T, &TM);
    char Buf[64];
    strftime(Buf, sizeof Buf, "%Y-%m-%d_%Hh%Mm%Ss", &TM);
    LogDirName = LogsDir + "/" + Buf;
  }
  return LogDirName;
}

int Director::exception(StringRef Type, StringRef Error) {
  std::string File = logDir() + "/exception.log";
  writeFile(File, "Traceback (most recent call last):\n  File \"director\", "
                  "line 1, in <module>\ndirector.exceptions." +
                      Type.str() + ": " + Error.str() + "\n");
  errs() << "Exception:\n type: " << Type << "\n error: " << Error
         << "\n file: " << File << "\n";
  Result.Errlevel = ExSoftware;
  Result.Message.reset();
  return ExSoftware;
}

void Director::printResult() const {
  std::string Out = "{\n  \"errlevel\": " + std::to_string(Result.Errlevel) +
                    ",\n  \"message\": ";
  if (Result.Message) {
    std::string Q;
    raw_string_ostream OS(Q);
    OS << json::Value(*Result.Message);
    Out += OS.str();
  } else {
    Out += "null";
  }
  Out += ",\n  \"failed\": [";
  for (size_t I = 0; I < Result.Failed.size(); ++I)
    Out += std::string(I ? "," : "") + "\n    {\n      \"type\": \"" +
           Result.Failed[I].first + "\",\n      \"service\": \"" +
           Result.Failed[I].second + "\"\n    }";
  Out += Result.Failed.empty() ? "]\n}\n" : "\n  ]\n}\n";
  outs() << Out;
  outs().flush();
}

std::string Director::key(StringRef Rel) const {
  return ProjectsDir + "/" + Project + "/" + Rel.str();
}

void Director::setKey(StringRef Rel, StringRef V) const {
  writeFile(key(Rel), V);
}

void Director::setState(StringRef State) const { setKey("state", State); }

bool Director::lock() {
  std::string L = LocksDir + "/" + Project + "/lock";
  if (fileExists(L)) {
    Rc = exception("ProjectLocked",
                   Project + ": Project locked. Run `rm -f " + L +
                       "` if you are sure that no other process is locking "
                       "this project.");
    return false;
  }
  writeFile(L, "");
  Locked = true;
  return true;
}

void Director::unlock() {
  if (Locked)
    ::unlink((LocksDir + "/" + Project + "/lock").c_str());
  Locked = false;
}

std::string Director::jailName(const appjail::DirectorService &Svc) {
  std::string N = readValue(key(Svc.Name + "/name"));
  if (N.empty()) {
    N = Svc.JailName.value_or(S.randomName(10));
    setKey(Svc.Name + "/name", N);
  }
  return N;
}

int Director::appjail(const std::vector<std::string> &Argv,
                      const std::string &Log) {
  std::string File = Log.empty() ? "" : logDir() + "/" + Log;
  if (!Log.empty())
    setKey("last_log", logDir());
  int R =
      S.runChild("appjail", Argv, File, File, Timeout, {"GIT_ASKPASS=true"});
  return R < 0 ? ExSoftware : R;
}

std::optional<std::string>
Director::appjailOut(const std::vector<std::string> &Argv, int &R) {
  std::string Out;
  R = S.capture("appjail", Argv, Out);
  if (!Out.empty() && Out.back() == '\n')
    Out.pop_back();
  return Out;
}

void Director::orderServices(std::vector<const appjail::DirectorService *> &V,
                             bool ByPriority) const {
  std::string Order = S.config("order", "sorted");
  std::sort(V.begin(), V.end(),
            [](auto *A, auto *B) { return A->Name < B->Name; });
  if (Order == "reverse")
    std::reverse(V.begin(), V.end());
  else if (Order == "shuffle")
    std::shuffle(
        V.begin(), V.end(),
        std::mt19937(std::strtoul(S.config("seed", "0").c_str(), nullptr, 10) +
                     S.Seq));
  if (ByPriority)
    std::stable_sort(V.begin(), V.end(), [](auto *A, auto *B) {
      return A->Priority < B->Priority;
    });
}

bool Director::loadStored(std::optional<DirectorSpec> &Spec) {
  std::string Error;
  Spec = loadDirectorSpec(key("appjail-director.yml"), Error);
  if (!Spec) {
    Rc = exception("InvalidSpec", Error);
    return false;
  }
  return true;
}

int Director::describe(bool Json) {
  if (!isDir(ProjectsDir + "/" + Project)) {
    errs() << Project << ": Project not found.\n";
    return ExNoInput;
  }
  std::optional<DirectorSpec> Spec;
  if (!loadStored(Spec))
    return Rc;
  std::vector<const appjail::DirectorService *> Svcs;
  for (const appjail::DirectorService &Svc : Spec->File.Services)
    Svcs.push_back(&Svc);
  orderServices(Svcs, false);
  std::string State = StringRef(readValue(key("state"))).upper();
  if (State.empty())
    State = "UNFINISHED";
  std::string LastLog = readValue(key("last_log"));
  bool IsLocked = fileExists(LocksDir + "/" + Project + "/lock");
  std::string Out;
  raw_string_ostream OS(Out);
  if (Json) {
    json::OStream J(OS, 2);
    J.object([&] {
      J.attribute("name", Project);
      J.attribute("state", State);
      J.attribute("last_log", LastLog.empty() ? json::Value(nullptr)
                                              : json::Value(LastLog));
      J.attribute("locked", IsLocked);
      J.attributeArray("services", [&] {
        for (const appjail::DirectorService *Svc : Svcs) {
          std::string Jail = jailName(*Svc);
          int St = S.runChild("appjail", {"status", "-q", "--", Jail}, "", "",
                              Timeout);
          J.object([&] {
            J.attribute("name", Svc->Name);
            J.attribute("status", St);
            J.attribute("jail", Jail);
          });
        }
      });
    });
    OS << "\n";
  } else {
    OS << Project << ":\n state: " << State
       << "\n last log: " << (LastLog.empty() ? "none" : LastLog)
       << "\n locked: " << (IsLocked ? "true" : "false") << "\n services:\n";
    for (const appjail::DirectorService *Svc : Svcs) {
      std::string Jail = jailName(*Svc);
      int St =
          S.runChild("appjail", {"status", "-q", "--", Jail}, "", "", Timeout);
      OS << "  "
         << (St == 0   ? "+"
             : St == 1 ? "-"
                       : "!")
         << " " << Svc->Name << " (" << Jail << ")"
         << (St > 1 ? " [" + std::to_string(St) + "]" : "") << "\n";
    }
  }
  outs() << OS.str();
  return ExOk;
}

int Director::ls(const std::vector<std::string> &States) {
  static const std::map<std::string, std::string> Symbols = {
      {"done", "+"}, {"failed", "-"}, {"unfinished", "!"}, {"destroying", "x"}};
  for (const std::string &St : States)
    if (!Symbols.count(St)) {
      errs() << St << ": Invalid state.\n";
      return ExDataErr;
    }
  std::vector<std::string> Lines;
  for (const std::string &P : listDir(ProjectsDir)) {
    if (!isDir(ProjectsDir + "/" + P))
      continue;
    std::string St = readValue(ProjectsDir + "/" + P + "/state");
    if (St.empty())
      St = "unfinished";
    if (!States.empty() && !is_contained(States, St))
      continue;
    auto It = Symbols.find(St);
    Lines.push_back(" " + (It == Symbols.end() ? "?" : It->second) + " " + P);
  }
  if (Lines.empty()) {
    outs() << "No project has been created.\n";
    return ExOk;
  }
  outs() << "Projects:\n";
  for (const std::string &L : Lines)
    outs() << L << "\n";
  return ExOk;
}

/// The parent pid of Pid from /proc, or -1.
static long parentOf(long Pid) {
  std::string Stat;
  if (!readFile("/proc/" + std::to_string(Pid) + "/stat", Stat))
    return -1;
  size_t Close = Stat.rfind(')');
  if (Close == std::string::npos)
    return -1;
  SmallVector<StringRef, 4> F;
  StringRef(Stat).drop_front(Close + 2).split(F, ' ', 3);
  long P = -1;
  return F.size() >= 2 && !F[1].getAsInteger(10, P) ? P : -1;
}

int Director::cancel() {
  if (!isDir(ProjectsDir + "/" + Project)) {
    errs() << Project << ": Project not found.\n";
    return ExNoInput;
  }
  std::string Pid = readValue(key("pid")), PPid = readValue(key("ppid"));
  if (readValue(key("state")) != "unfinished" || Pid.empty() || PPid.empty())
    return ExOk;
  long P = std::strtol(Pid.c_str(), nullptr, 10);
  if (parentOf(P) != std::strtol(PPid.c_str(), nullptr, 10))
    return exception("AccessDenied", Project + ": The process " + Pid +
                                         " is not a child of " + PPid + ".");
  ::kill(P, SIGTERM);
  ::unlink(key("pid").c_str());
  ::unlink(key("ppid").c_str());
  return ExOk;
}

int Director::run() {
  size_t I = 0;
  if (!parseGlobal(I))
    return Rc;
  if (I >= S.Args.size())
    return usageError("", "Missing command.");
  std::string Cmd = S.Args[I++];
  static const std::set<std::string> Cmds = {
      "up", "down", "describe", "info", "check", "cancel", "ls"};
  if (!Cmds.count(Cmd))
    return usageError("", "No such command '" + Cmd + "'.");
  std::vector<std::string> States;
  for (; I < S.Args.size(); ++I) {
    StringRef O = S.Args[I];
    bool HasValue = I + 1 < S.Args.size();
    if ((O == "-p" || O == "--project") && HasValue && Cmd != "ls")
      Project = S.Args[++I];
    else if ((O == "-f" || O == "--file") && HasValue && Cmd == "up")
      File = S.Args[++I];
    else if ((O == "-s" || O == "--state") && HasValue && Cmd == "ls")
      States.push_back(S.Args[++I]);
    else if (O == "-j" && (Cmd == "up" || Cmd == "down"))
      Json = true;
    else if (O == "--overwrite" && Cmd == "up")
      Overwrite = true;
    else if ((O == "-d" || O == "--destroy") && Cmd == "down")
      Destroy = true;
    else if (O == "--ignore-failed" && Cmd == "down")
      IgnoreFailed = true;
    else if (O == "--ignore-services" && Cmd == "down")
      IgnoreServices = true;
    else if (O == "-q" && Cmd == "down")
      continue;
    else if (O.startswith("-") && !HasValue &&
             (O == "-p" || O == "-f" || O == "-s" || O == "--project"))
      return usageError(Cmd, "Option '" + O.str() + "' requires an argument.");
    else if (O.startswith("-"))
      return usageError(Cmd, "No such option: " + O.str());
    else
      return usageError(Cmd, "Got unexpected extra argument (" + O.str() + ")");
  }
  if (Cmd == "ls")
    return ls(States);
  if (Project.empty())
    if (const char *P = std::getenv("DIRECTOR_PROJECT"))
      Project = P;
  if (Project.empty() && Cmd == "up")
    Project = S.randomName(10);
  if (Project.empty()) {
    errs() << "The project name is not specified. Use --project or set the "
              "DIRECTOR_PROJECT environment variable.\n";
    return ExDataErr;
  }
  if (!isProjectName(Project)) {
    if (Cmd == "up" || Cmd == "down") {
      Rc = exception("InvalidProjectName", Project + ": Invalid project name.");
      if (Json)
        printResult();
      return Rc;
    }
    return exception("InvalidProjectName", Project + ": Invalid project name.");
  }
  if (Cmd == "check")
    return isDir(ProjectsDir + "/" + Project) ? ExOk : ExNoInput;
  if (Cmd == "describe" || Cmd == "info")
    return describe(Cmd == "describe");
  if (Cmd == "cancel")
    return cancel();
  struct sigaction SA = {};
  SA.sa_handler = onTerminate;
  for (int Sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGXCPU, SIGXFSZ})
    sigaction(Sig, &SA, nullptr);
  for (int Sig : {SIGALRM, SIGVTALRM, SIGPROF, SIGUSR1, SIGUSR2})
    signal(Sig, SIG_IGN);
  Rc = Cmd == "up" ? up() : down();
  if (Terminated) {
    // As Director's signal handler: stop the jail being processed.
    if (!Current.empty() &&
        S.runChild("appjail", {"status", "-q", "--", Current}, "", "", 60) == 0)
      S.runChild("appjail", {"stop", "--", Current}, "", "", 60);
    Result.Errlevel = ExSoftware;
    Rc = ExSoftware;
  }
  if (Locked) {
    if (!(Cmd == "down" && Destroy && Rc == 0))
      setState(Rc == 0 ? "done" : "failed");
    ::unlink(key("pid").c_str());
    ::unlink(key("ppid").c_str());
    unlock();
  }
  if (Json)
    printResult();
  else if (Rc == 0 && Cmd == "up")
    outs() << (DidWork ? "Finished: " + Project : "Nothing to do.") << "\n";
  return Rc;
}

int runDirector(Sim &S) {
  Director D(S);
  return D.run();
}

} // namespace overlord::sim
