//===- Collect.cpp - Reading jails and projects for NodeState -------------===//
//
// The commands behind NodeState (overlord-behaviour.md §7.1, §7.7;
// appjail-interface.md §1.3–1.6): `appjail jail get -I` per configured
// keyword, `appjail status -q`, `rctl -u`, `appjail cpuset`, the racct
// probe, `appjail-director ls` and `describe`. Every command runs with its
// configured timeout and output limit; one that cannot start, times out,
// exits with an unexpected status or prints something unparsable makes its
// part of the update absent, so the previous value is kept.
//
//===----------------------------------------------------------------------===//
#include "StateInternal.h"

#include "overlord/Engine/AppJailOutput.h"
#include "overlord/Engine/DirectorOutput.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <system_error>
#include <thread>

using namespace overlord::engine;
using namespace overlord::engine::state;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Reporter, Context
//===----------------------------------------------------------------------===//

void Reporter::failure(const std::string &Key, const llvm::Twine &Message) {
  ++CommandFailures;
  std::lock_guard<std::mutex> L(M);
  if (!Failing.insert(Key).second)
    return;
  std::string Text = Message.str();
  if (Log)
    Log(Text);
  else
    llvm::errs() << "overlordd: state: " << Text << "\n";
}

void Reporter::success(const std::string &Key) {
  std::lock_guard<std::mutex> L(M);
  Failing.erase(Key);
}

void Reporter::log(const llvm::Twine &Message) {
  std::lock_guard<std::mutex> L(M);
  std::string Text = Message.str();
  if (Log)
    Log(Text);
  else
    llvm::errs() << "overlordd: state: " << Text << "\n";
}

void Reporter::setLogger(NodeState::LogFn Fn) {
  std::lock_guard<std::mutex> L(M);
  Log = std::move(Fn);
}

namespace {

/// The first line of a command's stderr, without colours, for a log line.
std::string firstLine(StringRef Text) {
  std::string Clean = stripAnsi(normalizeNewlines(Text));
  StringRef Line = StringRef(Clean).trim();
  Line = Line.take_until([](char C) { return C == '\n'; });
  return Line.take_front(200).str();
}

/// "`appjail status -q web` exited with 70: <stderr line>".
std::string describeExit(const ProcessSpec &Spec, const ProcessResult &R) {
  std::string Msg = "`" + formatCommandLine(Spec.Program, Spec.Args) + "` ";
  Msg += R.Exited ? "exited with " + std::to_string(R.ExitCode)
                  : "was killed by signal " + std::to_string(R.Signal);
  std::string Err = firstLine(R.Stderr);
  if (!Err.empty())
    Msg += ": " + Err;
  return Msg;
}

} // namespace

std::optional<ProcessResult> Context::runOk(const ProcessSpec &Spec,
                                            StringRef TimeoutName,
                                            const std::string &Key) const {
  std::optional<ProcessResult> R = run(Spec, TimeoutName, Key);
  if (R && !R->succeeded()) {
    Report.failure(Key, describeExit(Spec, *R));
    return std::nullopt;
  }
  return R;
}

std::optional<ProcessResult> Context::run(ProcessSpec Spec,
                                          StringRef TimeoutName,
                                          const std::string &Key) const {
  int64_t Seconds = Cfg.timeoutFor(TimeoutName);
  Spec.Timeout = std::chrono::seconds(Seconds > 0 ? Seconds : 0);
  if (Cfg.Overlordd.MaxOutput > 0)
    Spec.StdoutLimit = static_cast<size_t>(Cfg.Overlordd.MaxOutput);
  Spec.StderrLimit = 64 * 1024;
  ++Report.CommandsRun;
  llvm::Expected<ProcessResult> R = runProcess(Spec);
  std::string Cmd = formatCommandLine(Spec.Program, Spec.Args);
  if (!R) {
    Report.failure(Key, "`" + Cmd +
                            "` cannot run: " + llvm::toString(R.takeError()));
    return std::nullopt;
  }
  if (R->TimedOut) {
    Report.failure(Key, "`" + Cmd + "` timed out after " +
                            std::to_string(Seconds) + " s");
    return std::nullopt;
  }
  if (R->StdoutTruncated) {
    Report.failure(Key, "`" + Cmd + "` printed more than " +
                            std::to_string(Spec.StdoutLimit) + " bytes");
    return std::nullopt;
  }
  return std::move(*R);
}

std::vector<std::string> Context::keywords(StringRef Group) const {
  auto It = Cfg.Polling.Keywords.find(Group.str());
  if (It != Cfg.Polling.Keywords.end())
    return It->second;
  std::vector<std::string> Out;
  for (StringRef K : defaultKeywords(Group))
    Out.push_back(K.str());
  return Out;
}

std::optional<bool> RacctProbe::enabled(const Context &Ctx) {
  std::lock_guard<std::mutex> L(M);
  if (Enabled)
    return Enabled;
  const std::string Key = "sysctl kern.racct.enable";
  ProcessSpec Spec = sysctlRacctEnabled(Ctx.Tools);
  std::optional<ProcessResult> R = Ctx.run(Spec, "sysctl", Key);
  if (!R)
    return std::nullopt;
  StringRef V = StringRef(R->Stdout).trim();
  if (!R->succeeded() || (V != "0" && V != "1")) {
    Ctx.Report.failure(
        Key, R->succeeded() ? "`sysctl -n kern.racct.enable` printed '" +
                                  firstLine(R->Stdout) + "', expected 0 or 1"
                            : describeExit(Spec, *R));
    return std::nullopt;
  }
  Ctx.Report.success(Key);
  Enabled = V == "1";
  if (!*Enabled)
    Ctx.Report.log("racct is disabled (kern.racct.enable=0): jail stats are "
                   "served empty");
  return Enabled;
}

//===----------------------------------------------------------------------===//
// Jails
//===----------------------------------------------------------------------===//

namespace {

/// Whether the jail runs: `appjail status -q` 0 running, 1 stopped, 66 no
/// root file system (being created or destroyed; not running, as the
/// reference treats any non-zero status). nullopt: failure.
std::optional<bool> jailRunning(const Context &Ctx, const std::string &Jail) {
  const std::string Key = "status " + Jail;
  ProcessSpec Spec = appjailStatus(Ctx.Tools, Jail);
  std::optional<ProcessResult> R = Ctx.run(Spec, "appjail", Key);
  if (!R)
    return std::nullopt;
  if (R->Exited) {
    switch (classifyJailStatus(R->ExitCode)) {
    case JailRunState::Running:
      Ctx.Report.success(Key);
      return true;
    case JailRunState::Stopped:
    case JailRunState::Missing:
      Ctx.Report.success(Key);
      return false;
    default:
      break;
    }
  }
  Ctx.Report.failure(Key, describeExit(Spec, *R));
  return std::nullopt;
}

/// The configured keywords, each once, in their order.
std::vector<std::string> distinctKeywords(const Context &Ctx) {
  std::vector<std::string> Out;
  for (std::string &K : Ctx.keywords("jail"))
    if (!llvm::is_contained(Out, K))
      Out.push_back(std::move(K));
  return Out;
}

/// All keywords in one `jail get -It` run. nullopt when that form did not
/// give one value per keyword (a non-zero exit, an unknown keyword, a value
/// with a tab, an AppJail without the form): the caller then asks one
/// keyword at a time, which also reports a failure as before. When the
/// command could not run or timed out (Context::run reported it), Failed is
/// set: asking again would only wait again.
std::optional<llvm::json::Object>
collectInfoAtOnce(const Context &Ctx, const std::string &Jail,
                  const std::vector<std::string> &Keywords, bool &Failed) {
  const std::string Key = "info " + Jail;
  ProcessSpec Spec = appjailJailGetMany(Ctx.Tools, Jail, Keywords);
  std::optional<ProcessResult> R = Ctx.run(Spec, "appjail", Key);
  if (!R) {
    Failed = true;
    return std::nullopt;
  }
  if (!R->succeeded())
    return std::nullopt;
  llvm::Expected<std::vector<std::string>> Values =
      parseJailGetValues(R->Stdout, Keywords.size());
  if (!Values) {
    llvm::consumeError(Values.takeError());
    return std::nullopt;
  }
  llvm::json::Object Info;
  for (size_t I = 0; I < Keywords.size(); ++I)
    Info[Keywords[I]] = jsonString(std::move((*Values)[I]));
  Ctx.Report.success(Key);
  return Info;
}

/// The configured keywords of the jail: all in one `jail get -It` run when
/// there are several, else (or when that form gives no usable row) `jail get
/// -I` per keyword, where the first failing keyword fails the whole info
/// (the reference aborts that jail too).
std::optional<llvm::json::Object> collectInfo(const Context &Ctx,
                                              const std::string &Jail) {
  const std::string Key = "info " + Jail;
  std::vector<std::string> Keywords = distinctKeywords(Ctx);
  if (Keywords.size() >= 2) {
    bool Failed = false;
    if (std::optional<llvm::json::Object> Info =
            collectInfoAtOnce(Ctx, Jail, Keywords, Failed))
      return Info;
    if (Failed)
      return std::nullopt;
  }
  llvm::json::Object Info;
  for (const std::string &Kw : Keywords) {
    if (Ctx.cancelled())
      return std::nullopt;
    ProcessSpec Spec = appjailJailGet(Ctx.Tools, Jail, Kw);
    std::optional<ProcessResult> R = Ctx.runOk(Spec, "appjail", Key);
    if (!R)
      return std::nullopt;
    Info[Kw] = jsonString(parseJailGetValue(R->Stdout));
  }
  Ctx.Report.success(Key);
  return Info;
}

/// The configured stats keywords from `rctl -u jail:J`; {} for a stopped
/// jail or when racct is off.
std::optional<llvm::json::Object>
collectStats(const Context &Ctx, const std::string &Jail, bool Running) {
  std::vector<std::string> Keywords = Ctx.keywords("stats");
  if (Keywords.empty() || !Running)
    return llvm::json::Object();
  std::optional<bool> Racct = Ctx.Racct.enabled(Ctx);
  if (!Racct)
    return std::nullopt;
  if (!*Racct)
    return llvm::json::Object();
  const std::string Key = "rctl " + Jail;
  ProcessSpec Spec = rctlUsage(Ctx.Tools, Jail);
  std::optional<ProcessResult> R = Ctx.runOk(Spec, "rctl", Key);
  if (!R)
    return std::nullopt;
  llvm::Expected<RctlUsage> U = parseRctlUsage(R->Stdout);
  if (!U) {
    Ctx.Report.failure(Key, "`rctl -u jail:" + Jail +
                                "`: " + llvm::toString(U.takeError()));
    return std::nullopt;
  }
  llvm::json::Object Stats;
  for (const auto &[Name, Value] : U->Resources)
    if (llvm::is_contained(Keywords, Name))
      Stats[Name] = Value;
  Ctx.Report.success(Key);
  return Stats;
}

/// `appjail cpuset J` as printed (minus the newline) for a running jail,
/// null otherwise. The output is checked with parseCpuset so garbage is a
/// failure rather than a served value.
std::optional<llvm::json::Value>
collectCpuset(const Context &Ctx, const std::string &Jail, bool Running) {
  if (!Running)
    return llvm::json::Value(nullptr);
  const std::string Key = "cpuset " + Jail;
  ProcessSpec Spec = appjailCpuset(Ctx.Tools, Jail);
  std::optional<ProcessResult> R = Ctx.runOk(Spec, "appjail", Key);
  if (!R)
    return std::nullopt;
  std::string Text = chompOne(normalizeNewlines(R->Stdout)).str();
  if (llvm::Expected<std::vector<unsigned>> C = parseCpuset(Text); !C) {
    Ctx.Report.failure(Key, "`appjail cpuset " + Jail +
                                "`: " + llvm::toString(C.takeError()));
    return std::nullopt;
  }
  Ctx.Report.success(Key);
  // A jail stopped between `status` and `cpuset` prints nothing.
  if (Text.empty())
    return llvm::json::Value(nullptr);
  return jsonString(std::move(Text));
}

/// Runs A and B, at the same time when Together (B on a new thread; in turn
/// if the thread cannot be created), else one after the other.
void alongside(bool Together, llvm::function_ref<void()> A,
               llvm::function_ref<void()> B) {
  std::thread T;
  if (Together) {
    try {
      T = std::thread([&B] { B(); });
    } catch (const std::system_error &) {
      Together = false;
    }
  }
  A();
  if (Together)
    T.join();
  else
    B();
}

bool isJailName(StringRef N) {
  if (N.empty() || !(llvm::isAlnum(N[0]) || N[0] == '_'))
    return false;
  return llvm::all_of(
      N, [](char C) { return llvm::isAlnum(C) || C == '_' || C == '-'; });
}

} // namespace

JailUpdate state::collectJail(const Context &Ctx, const std::string &Jail,
                              unsigned Parts, std::optional<bool> Known) {
  JailUpdate U;
  llvm::SmallString<256> Dir(Ctx.Cfg.AppjailJails);
  llvm::sys::path::append(Dir, Jail);
  if (!llvm::sys::fs::is_directory(Dir)) {
    U.Exists = false;
    return U;
  }
  // Eager: the keywords alongside status, then rctl alongside cpuset; with
  // Known, the keywords alongside rctl and cpuset.
  bool Eager = Ctx.Eager;
  alongside(
      Eager && (Parts & PartInfo) && (Parts & (PartStats | PartExtras)),
      [&] {
        if (Parts & PartInfo)
          U.Info = collectInfo(Ctx, Jail);
      },
      [&] {
        if (!(Parts & (PartStats | PartExtras)) || Ctx.cancelled())
          return;
        std::optional<bool> Running = Known ? Known : jailRunning(Ctx, Jail);
        if (!Running)
          return;
        alongside(
            Eager && (Parts & PartStats) && (Parts & PartExtras),
            [&] {
              if (Parts & PartStats)
                U.Stats = collectStats(Ctx, Jail, *Running);
            },
            [&] {
              if ((Parts & PartExtras) && !Ctx.cancelled())
                U.Cpuset = collectCpuset(Ctx, Jail, *Running);
            });
      });
  if (Parts & PartExtras) {
    for (JailItem Item : allJailItems()) {
      const std::string Key = "conf/" + jailItemName(Item).str() + " " + Jail;
      llvm::Expected<llvm::json::Array> A = readJailItem(
          Ctx.Cfg, Item, Jail, Ctx.keywords(jailItemKeywordGroup(Item)));
      if (!A) {
        Ctx.Report.failure(Key, "jail '" + Jail + "' " + jailItemName(Item) +
                                    ": " + llvm::toString(A.takeError()));
        continue;
      }
      Ctx.Report.success(Key);
      U.Items[static_cast<size_t>(Item)] = std::move(*A);
    }
  }
  // The directory may have gone while we read it (destroyed meanwhile).
  if (!llvm::sys::fs::is_directory(Dir))
    U = JailUpdate{/*Exists=*/false, {}, {}, {}, {}};
  return U;
}

std::optional<std::vector<std::string>> state::listJails(const Context &Ctx) {
  const std::string &Dir = Ctx.Cfg.AppjailJails;
  const std::string Key = "list " + Dir;
  std::vector<std::string> Out;
  if (!llvm::sys::fs::is_directory(Dir)) {
    // AppJail creates it with the first jail: no directory, no jails.
    Ctx.Report.success(Key);
    return Out;
  }
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
       It.increment(EC)) {
    StringRef Name = llvm::sys::path::filename(It->path());
    // Only what AppJail can have created: a directory with a jail name.
    if (isJailName(Name) && llvm::sys::fs::is_directory(It->path()))
      Out.push_back(Name.str());
  }
  if (EC) {
    Ctx.Report.failure(Key, "cannot list the jails directory '" + Dir +
                                "': " + EC.message());
    return std::nullopt;
  }
  Ctx.Report.success(Key);
  llvm::sort(Out);
  return Out;
}

//===----------------------------------------------------------------------===//
// Projects
//===----------------------------------------------------------------------===//

std::optional<std::vector<std::string>>
state::listProjects(const Context &Ctx) {
  const std::string Key = "director ls";
  ProcessSpec Spec = directorList(Ctx.Tools);
  std::optional<ProcessResult> R = Ctx.runOk(Spec, "director-ls", Key);
  if (!R)
    return std::nullopt;
  auto L = parseDirectorList(R->Stdout);
  if (!L) {
    Ctx.Report.failure(Key, "`appjail-director ls`: " +
                                llvm::toString(L.takeError()));
    return std::nullopt;
  }
  Ctx.Report.success(Key);
  std::vector<std::string> Out;
  for (const DirectorListEntry &E : *L)
    Out.push_back(E.Name);
  llvm::sort(Out);
  Out.erase(std::unique(Out.begin(), Out.end()), Out.end());
  return Out;
}

ProjectUpdate state::collectProject(const Context &Ctx,
                                    const std::string &Project) {
  ProjectUpdate U;
  const std::string Key = "describe " + Project;
  ProcessSpec Spec = directorDescribe(Ctx.Tools, Project);
  std::optional<ProcessResult> R = Ctx.run(Spec, "director-describe", Key);
  if (!R)
    return U;
  if (R->Exited && R->ExitCode == 66 && !R->TimedOut) {
    Ctx.Report.success(Key);
    U.K = ProjectUpdate::Kind::Gone;
    return U;
  }
  if (!R->succeeded()) {
    Ctx.Report.failure(Key, describeExit(Spec, *R));
    return U;
  }
  auto D = parseDirectorDescription(R->Stdout);
  if (!D) {
    Ctx.Report.failure(Key, "`appjail-director describe -p " + Project +
                                "`: " + llvm::toString(D.takeError()));
    return U;
  }
  Ctx.Report.success(Key);
  return projectUpdate(*D);
}

ProjectUpdate state::projectUpdate(const DirectorDescription &D) {
  ProjectUpdate U;
  llvm::json::Array Services;
  for (const DirectorService &S : D.Services) {
    Services.push_back(llvm::json::Object{{"name", jsonString(S.Name)},
                                          {"status", S.Status},
                                          {"jail", jsonString(S.Jail)}});
    U.Jails.push_back(S.Jail);
  }
  std::string LastLog = D.lastLogName();
  U.Info =
      llvm::json::Object{{"name", jsonString(D.Name)},
                         {"state", directorStateName(D.State)},
                         {"last_log", D.LastLog ? jsonString(LastLog)
                                                : llvm::json::Value(nullptr)},
                         {"locked", D.Locked},
                         {"services", std::move(Services)}};
  for (const DirectorService &S : D.Services) {
    JailRunState R = S.runState();
    if (R == JailRunState::Running)
      U.Running[S.Jail] = true;
    else if (R == JailRunState::Stopped || R == JailRunState::Missing)
      U.Running[S.Jail] = false;
  }
  U.K = ProjectUpdate::Kind::Described;
  return U;
}
