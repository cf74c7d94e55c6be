//===- LogCommands.cpp - overlordc get-project-log / get-jail-log -*- C++ -*-=//
//
//   overlordc get-project-log -f FILE -d DATE -s SVC -l LOG ENTRYPOINT
//   overlordc get-jail-log -f FILE -t TYPE -e ENTITY -s SUBTYPE -l LOG
//                          ENTRYPOINT
//
// print one Director or AppJail log file of a node (`GET
// /v1/projects/log/...`, `GET /v1/jail/log/...`), ANSI-stripped by the
// node. ENTRYPOINT is a datacenter of the file (`main`) or a node below it
// (`main.alpha.charlie`), reached through the chain
// (`/v1/chain/alpha.charlie/projects/log/...`). Unlike the reference, which only rejects a
// '/' in the first character, every component is checked whole against the
// node's own patterns before anything is sent, and both commands honour the
// datacenter's `cacert`.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/ClientCommands.h"
#include "overlord/Client/ClusterWalk.h"
#include "overlord/Client/Session.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Regex.h"

using namespace overlord;
using namespace overlord::client;
namespace cl = llvm::cl;

namespace {

cl::SubCommand ProjectLogCmd("get-project-log",
                             "Print a Director log file of a node");
cl::SubCommand JailLogCmd("get-jail-log", "Print an AppJail log file of a "
                                          "node");

cl::opt<std::string> PFile("f", cl::desc("Deployment file"),
                           cl::value_desc("file"), cl::sub(ProjectLogCmd));
cl::alias PFileLong("file", cl::aliasopt(PFile));
cl::list<std::string> PEnv("env-file", cl::desc("Load variables from this "
                                                "file (repeatable)"),
                           cl::value_desc("envfile"), cl::sub(ProjectLogCmd));
cl::opt<std::string> Date("d", cl::desc("Date directory "
                                        "(2025-04-24_10h15m02s)"),
                          cl::value_desc("date"), cl::sub(ProjectLogCmd));
cl::alias DateLong("date", cl::aliasopt(Date));
cl::opt<std::string> Service("s", cl::desc("Service"), cl::value_desc("svc"),
                             cl::sub(ProjectLogCmd));
cl::alias ServiceLong("service", cl::aliasopt(Service));
cl::opt<std::string> PLog("l", cl::desc("Log file (e.g. makejail.log)"),
                          cl::value_desc("log"), cl::sub(ProjectLogCmd));
cl::alias PLogLong("log", cl::aliasopt(PLog));
cl::opt<std::string> PEntry(cl::Positional, cl::desc("<entrypoint>"),
                            cl::sub(ProjectLogCmd));
driver::DiagOptions PDiag(ProjectLogCmd);

cl::opt<std::string> JFile("f", cl::desc("Deployment file"),
                           cl::value_desc("file"), cl::sub(JailLogCmd));
cl::alias JFileLong("file", cl::aliasopt(JFile));
cl::list<std::string> JEnv("env-file", cl::desc("Load variables from this "
                                                "file (repeatable)"),
                           cl::value_desc("envfile"), cl::sub(JailLogCmd));
cl::opt<std::string> JType("t", cl::desc("Type (jails, ...)"),
                           cl::value_desc("type"), cl::sub(JailLogCmd));
cl::alias JTypeLong("type", cl::aliasopt(JType));
cl::opt<std::string> Entity("e", cl::desc("Entity (a jail name)"),
                            cl::value_desc("entity"), cl::sub(JailLogCmd));
cl::alias EntityLong("entity", cl::aliasopt(Entity));
cl::opt<std::string> Subtype("s", cl::desc("Subtype (console, ...)"),
                             cl::value_desc("subtype"), cl::sub(JailLogCmd));
cl::alias SubtypeLong("subtype", cl::aliasopt(Subtype));
cl::opt<std::string> JLog("l", cl::desc("Log file"), cl::value_desc("log"),
                          cl::sub(JailLogCmd));
cl::alias JLogLong("log", cl::aliasopt(JLog));
cl::opt<std::string> JEntry(cl::Positional, cl::desc("<entrypoint>"),
                            cl::sub(JailLogCmd));
driver::DiagOptions JDiag(JailLogCmd);

/// One path component: non-empty, not '.' or '..', no '/' or control
/// character anywhere, and (when given) a full match of Pattern.
bool checkComponent(llvm::StringRef Cmd, llvm::StringRef Opt,
                    llvm::StringRef Value, llvm::StringRef Pattern,
                    llvm::StringRef Example) {
  std::string Why;
  if (Value.empty())
    Why = "is missing";
  else if (Value == "." || Value == "..")
    Why = "cannot be '.' or '..'";
  else if (Value.contains('/'))
    Why = "cannot contain '/'";
  else if (llvm::any_of(Value, [](char C) {
             return static_cast<unsigned char>(C) < 0x20 || C == 0x7f;
           }))
    Why = "cannot contain control characters";
  else if (!Pattern.empty() && !llvm::Regex(Pattern).match(Value))
    Why = ("does not match '" + Pattern + "'").str();
  if (Why.empty())
    return true;
  llvm::errs() << "overlordc " << Cmd << ": error: " << Opt << " '" << Value
               << "' " << Why;
  if (!Example.empty())
    llvm::errs() << " (e.g. '" << Example << "')";
  llvm::errs() << "\n";
  return false;
}

/// Loads the file, resolves ENTRYPOINT and prints the log at Path.
int fetchLog(llvm::StringRef Cmd, const std::string &File,
             const std::vector<std::string> &Env, llvm::StringRef Entry,
             const driver::DiagOptions &Diag, const std::string &Path) {
  Session S(Cmd);
  if (int RC = S.load(File, Env, Diag))
    return RC;
  llvm::StringRef Dc = ir::datacenterOf(Entry);
  if (!S.datacenter(Dc)) {
    llvm::errs() << "overlordc " << Cmd << ": error: datacenter '" << Dc
                 << "' is not declared in '" << File << "'\n";
    return ClientUnknownDc;
  }
  std::string Chain = chainOf(Entry).str();
  if (!Chain.empty()) {
    llvm::SmallVector<llvm::StringRef, 8> Segs;
    llvm::StringRef(Chain).split(Segs, '.');
    for (llvm::StringRef Seg : Segs)
      if (!lower::isValidChainName(Seg)) {
        llvm::errs() << "overlordc " << Cmd << ": error: entry point '"
                     << Entry << "': chain name '" << Seg
                     << "' does not match '^[a-zA-Z0-9_][a-zA-Z0-9_-]*$'\n";
        return ClientUsage;
      }
  }
  HttpClient *C = S.client(Dc);
  if (!C)
    return S.exitCode();
  std::string At = chainPath(Chain, Path);
  llvm::Expected<JsonResponse> R = C->call("GET", At);
  if (!R) {
    S.error(Entry, R.takeError());
    return S.exitCode();
  }
  auto Text = R->Body.getString("log_content");
  if (!Text) {
    S.error(Entry, "GET " + C->url(At) + ": the answer has no 'log_content'");
    return S.exitCode();
  }
  S.print(*Text);
  return ClientOk;
}

bool checkEntry(llvm::StringRef Cmd, llvm::StringRef Entry) {
  if (!Entry.empty())
    return true;
  llvm::errs() << "overlordc " << Cmd
               << ": error: no entry point; give a datacenter name or a "
                  "chain below it ('main.alpha')\n";
  return false;
}

} // namespace

int overlord::client::runLogCommands() {
  if (ProjectLogCmd) {
    llvm::StringRef Cmd = "get-project-log";
    if (!checkEntry(Cmd, PEntry) ||
        !checkComponent(Cmd, "-d", Date,
                        "^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}h[0-9]{2}m[0-9]{2}s$",
                        "2025-04-24_10h15m02s") ||
        !checkComponent(Cmd, "-s", Service, "^[a-zA-Z0-9._-]+$", "") ||
        !checkComponent(Cmd, "-l", PLog, "^[a-z-]+\\.log$", "makejail.log"))
      return ClientUsage;
    std::string Path = "/v1/projects/log/" + escapeSegment(Date) + "/" +
                       escapeSegment(Service) + "/" + escapeSegment(PLog);
    return fetchLog(Cmd, PFile, {PEnv.begin(), PEnv.end()}, PEntry, PDiag,
                    Path);
  }
  if (JailLogCmd) {
    llvm::StringRef Cmd = "get-jail-log";
    if (!checkEntry(Cmd, JEntry) ||
        !checkComponent(Cmd, "-t", JType, "", "") ||
        !checkComponent(Cmd, "-e", Entity, "", "") ||
        !checkComponent(Cmd, "-s", Subtype, "", "") ||
        !checkComponent(Cmd, "-l", JLog, "", ""))
      return ClientUsage;
    std::string Path = "/v1/jail/log/" + escapeSegment(JType) + "/" +
                       escapeSegment(Entity) + "/" + escapeSegment(Subtype) +
                       "/" + escapeSegment(JLog);
    return fetchLog(Cmd, JFile, {JEnv.begin(), JEnv.end()}, JEntry, JDiag,
                    Path);
  }
  return -1;
}
