//===- AppJailSim.cpp - The simulated appjail(1) -----------------*- C++
//-*-===//
//
// The appjail subcommands the engine and Director run (appjail-interface.md
// §1.3, §1.8, §5.2): status, jail get/list/destroy/mark, start/stop/restart,
// enable, cmd, oci, label, cpuset, sysrc, image import, apply. State is the
// AppJail jail tree under $AJSIM_ROOT/appjail/jails written byte for byte as
// AppJail writes it, plus sim/running/<jail> for the run state. makejail is
// in MakejailSim.cpp.
//
//===----------------------------------------------------------------------===//
#include "Sim.h"

#include "overlord/AppJail/Options.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <csignal>
#include <ctime>
#include <set>
#include <unistd.h>

using namespace llvm;

namespace overlord::sim {

bool isJailName(StringRef N) {
  if (N.empty() || !(isAlnum(N[0]) || N[0] == '_'))
    return false;
  return llvm::all_of(
      N, [](char C) { return isAlnum(C) || C == '_' || C == '-'; });
}

bool jailExists(const Sim &S, StringRef J) {
  return isDir(S.jailDir(J) + "/jail");
}

bool jailRunning(const Sim &S, StringRef J) {
  return fileExists(S.path("sim/running/" + J.str()));
}

void destroyJail(const Sim &S, StringRef J) {
  ::unlink(S.path("sim/running/" + J.str()).c_str());
  ::unlink(S.path("appjail/networks/ajnet/jails/" + J.str()).c_str());
  removeTree(S.jailDir(J));
  // Its vm-bhyve guests die with it (VmSim.cpp).
  removeTree(S.path("sim/vm/" + J.str()));
}

namespace {

/// Positional arguments after the options of one subcommand: flags listed
/// in NoArg take no value, those in WithArg take one; `--` ends options.
struct ParsedArgs {
  std::map<char, std::vector<std::string>> Opts;
  std::vector<std::string> Pos;
  bool has(char C) const { return Opts.count(C); }
  std::string last(char C) const {
    auto It = Opts.find(C);
    return It == Opts.end() ? "" : It->second.back();
  }
};

bool parseArgs(const std::vector<std::string> &Args, size_t From,
               StringRef NoArg, StringRef WithArg, ParsedArgs &Out,
               std::string &Bad) {
  size_t I = From;
  for (; I < Args.size(); ++I) {
    StringRef A = Args[I];
    if (A == "--") {
      ++I;
      break;
    }
    if (A.size() < 2 || A[0] != '-')
      break;
    for (size_t K = 1; K < A.size(); ++K) {
      char C = A[K];
      if (NoArg.contains(C)) {
        Out.Opts[C];
        continue;
      }
      if (!WithArg.contains(C)) {
        Bad = std::string("-") + C;
        return false;
      }
      std::string V = A.substr(K + 1).str();
      if (V.empty()) {
        if (++I >= Args.size()) {
          Bad = std::string("-") + C;
          return false;
        }
        V = Args[I];
      }
      Out.Opts[C].push_back(V);
      break;
    }
  }
  Out.Pos.assign(Args.begin() + std::min(I, Args.size()), Args.end());
  return true;
}

/// Checks that J names an existing jail: 65 bad name, 66 missing, else 0.
int checkJail(const Sim &S, StringRef J) {
  if (!isJailName(J)) {
    S.log("error", "Invalid jail name \"" + J.str() + "\"");
    return ExDataErr;
  }
  if (!jailExists(S, J)) {
    S.log("error", "Cannot find the jail `" + J.str() + "`");
    return ExNoInput;
  }
  return ExOk;
}

std::string conf(const Sim &S, StringRef J, StringRef Rel) {
  return S.jailDir(J) + "/conf/" + Rel.str();
}

/// `ports` as `appjail expose get` formats it: `jport/proto`, or
/// `hport -> jport/proto` when they differ, comma-joined.
std::string ports(const Sim &S, StringRef J) {
  std::vector<std::string> Out;
  std::string Dir = conf(S, J, "boot/expose");
  for (const std::string &Nro : listDir(Dir)) {
    std::string E = Dir + "/" + Nro + "/";
    if (readValue(E + "enabled") != "1")
      continue;
    std::string H = readValue(E + "hport"), P = readValue(E + "jport");
    std::string Proto = readValue(E + "protocol");
    Out.push_back((H == P ? "" : H + " -> ") + P + "/" + Proto);
  }
  return join(Out, ",");
}

/// The value of `appjail-config`-style `key: value` line Key in File.
std::string configValue(const std::string &File, StringRef Key) {
  std::string Text;
  readFile(File, Text);
  SmallVector<StringRef, 16> Lines;
  StringRef(Text).split(Lines, '\n');
  for (StringRef L : Lines)
    if (L.consume_front(Key) && L.consume_front(": "))
      return L.str();
  return "";
}

/// One `jail get` keyword; nullopt when the keyword is unknown.
std::optional<std::string> jailKeyword(const Sim &S, StringRef J, StringRef K) {
  std::string Cfg = conf(S, J, "config.conf");
  auto Flag = [](bool B) { return std::string(B ? "1" : "0"); };
  if (K == "name")
    return J.str();
  if (K == "status")
    return std::string(jailRunning(S, J) ? "UP" : "DOWN");
  if (K == "dirty")
    return Flag(!fileExists(S.jailDir(J) + "/.done"));
  if (K == "ephemeral")
    return Flag(fileExists(conf(S, J, "boot/lifetime/ephemeral")));
  if (K == "locked")
    return Flag(fileExists(conf(S, J, "boot/lock/locked")));
  if (K == "boot")
    return Flag(fileExists(conf(S, J, "boot/startup/boot")));
  if (K == "is_container" || K == "container_boot")
    return std::string("0");
  if (K == "priority") {
    std::string P = readValue(conf(S, J, "boot/startup/priority"));
    return P.empty() ? "0" : P;
  }
  if (K == "type")
    return configValue(Cfg, "jail_type");
  if (K == "version")
    return configValue(Cfg, "osversion");
  if (K == "arch")
    return configValue(Cfg, "osarch");
  if (K == "release_name")
    return configValue(Cfg, "release_name");
  if (K == "path")
    return S.jailDir(J) + "/jail";
  if (K == "network_ip4")
    return readValue(S.path("appjail/networks/ajnet/jails/" + J.str()));
  if (K == "ports")
    return ports(S, J);
  if (K == "created") {
    std::string B = configValue(Cfg, "birth");
    time_t T = std::strtoll(B.c_str(), nullptr, 10);
    struct tm TM;
    gmtime_r(&T, &TM);
    char Buf[32];
    strftime(Buf, sizeof Buf, "%Y-%m-%d %H:%M:%S", &TM);
    return std::string(Buf);
  }
  if (K == "devfs_ruleset" || K == "hostname" || K == "inherit" ||
      K == "network_ip6" || K == "alt_name" || K == "container" ||
      K == "container_pid")
    return std::string();
  return std::nullopt;
}

/// Prints one table row with AppJail's lib_table rules.
void printRow(const std::vector<std::string> &Values, bool Tabs,
              bool EmptyBlank) {
  std::string Row;
  for (size_t I = 0; I < Values.size(); ++I) {
    if (I)
      Row += Tabs ? "\t" : " ";
    Row += Values[I].empty() ? (EmptyBlank ? "" : "-") : Values[I];
  }
  while (!Row.empty() && Row.back() == ' ')
    Row.pop_back();
  outs() << Row << "\n";
}

const std::vector<std::string> DefaultColumns = {
    "status", "name", "type", "version", "ports", "network_ip4"};

/// Blank as AppJail's lib_check_empty: empty, or some line is only white
/// space (`grep -Eq '^[[:space:]]+$'` matches per line).
bool blankValue(StringRef V) {
  if (V.empty())
    return true;
  SmallVector<StringRef, 4> Lines;
  V.split(Lines, '\n');
  return llvm::any_of(Lines, [](StringRef L) {
    return !L.empty() && llvm::all_of(L, [](char C) { return isSpace(C); });
  });
}

/// `jail get`'s row as AppJail's lib_table_print writes it (AJ
/// share/appjail/lib/table): every column followed by the separator (a tab
/// with -p or -t, else a space), a blank value as "-" or, with -I, as one
/// space ("" when the row has one column), tabs in values as "<TAB>" with
/// -e or -p, the header (-H) as " NAME STATUS" (tabs for the spaces with
/// -p/-t), then `sed 's/ *$//'` on every line. The `column -t` pass of -p
/// is not simulated.
void printGetTable(const std::vector<std::string> &Kws,
                   const std::vector<std::string> &Values, const ParsedArgs &P) {
  bool Tabs = P.has('p') || P.has('t');
  bool Escape = P.has('p') || P.has('e');
  std::string Out;
  if (P.has('H')) {
    std::string Header;
    for (const std::string &K : Kws)
      Header += (Tabs ? "\t" : " ") + StringRef(K).upper();
    Out += Header + "\n";
  }
  for (size_t I = 0; I < Values.size(); ++I) {
    std::string Content = Values[I];
    if (blankValue(Content)) {
      Content = P.has('I') ? (Values.size() == 1 ? "" : " ") : "-";
    } else if (Escape) {
      std::string E;
      for (char C : Content)
        E += C == '\t' ? std::string("<TAB>") : std::string(1, C);
      Content = E;
    }
    Out += Content + (Tabs ? "\t" : " ");
  }
  Out += "\n";
  SmallVector<StringRef, 8> Lines;
  StringRef(Out).drop_back().split(Lines, '\n');
  for (StringRef L : Lines)
    outs() << L.rtrim(' ') << "\n";
}

int jailGet(Sim &S, const std::vector<std::string> &Args, size_t From) {
  ParsedArgs P;
  std::string Bad;
  if (!parseArgs(Args, From, "eHIpt", "", P, Bad) || P.Pos.empty()) {
    S.log("error", "Usage: appjail jail get [-eHIpt] [--] jail [keyword ...]");
    return ExUsage;
  }
  std::string J = P.Pos[0];
  if (int Rc = checkJail(S, J))
    return Rc;
  std::vector<std::string> Asked(P.Pos.begin() + 1, P.Pos.end());
  if (Asked.empty())
    Asked = DefaultColumns;
  // As AppJail: an empty keyword is skipped, a repeated one printed once,
  // an unknown one skipped with a warning; no column left, no output.
  std::vector<std::string> Kws, Values;
  std::set<std::string> Seen;
  for (const std::string &K : Asked) {
    if (StringRef(K).trim().empty())
      continue;
    std::optional<std::string> V = jailKeyword(S, J, K);
    if (!V) {
      S.log("warn", K + ": keyword not found.");
      continue;
    }
    if (!Seen.insert(K).second)
      continue;
    Kws.push_back(K);
    Values.push_back(*V);
  }
  if (!Kws.empty())
    printGetTable(Kws, Values, P);
  return ExOk;
}

int jailList(Sim &S, const std::vector<std::string> &Args, size_t From) {
  ParsedArgs P;
  std::string Bad;
  if (!parseArgs(Args, From, "eHIpt", "j", P, Bad)) {
    S.log("error", "Usage: appjail jail list [-eHIpt] [-j jail] [keyword ...]");
    return ExUsage;
  }
  std::vector<std::string> Kws = P.Pos.empty() ? DefaultColumns : P.Pos;
  std::vector<std::string> Jails;
  if (P.has('j')) {
    if (int Rc = checkJail(S, P.last('j')))
      return Rc;
    Jails.push_back(P.last('j'));
  } else {
    for (const std::string &J : listDir(S.jailsDir()))
      if (jailExists(S, J))
        Jails.push_back(J);
  }
  // jail list inverts the table flags: tabs, a header and `-` by default.
  bool Tabs = !P.has('t');
  if (!P.has('H')) {
    std::vector<std::string> Header;
    for (const std::string &K : Kws)
      Header.push_back(StringRef(K).upper());
    printRow(Header, Tabs, false);
  }
  for (const std::string &J : Jails) {
    std::vector<std::string> Row;
    for (const std::string &K : Kws)
      Row.push_back(jailKeyword(S, J, K).value_or(""));
    if (P.has('I'))
      for (std::string &V : Row)
        if (V.empty())
          V = " ";
    printRow(Row, Tabs, false);
  }
  return ExOk;
}

int jailDestroy(Sim &S, const std::vector<std::string> &Args, size_t From) {
  ParsedArgs P;
  std::string Bad;
  if (!parseArgs(Args, From, "fR", "", P, Bad) || P.Pos.size() != 1) {
    S.log("error", "Usage: appjail jail destroy [-fR] [--] jail");
    return ExUsage;
  }
  const std::string &J = P.Pos[0];
  if (int Rc = checkJail(S, J))
    return Rc;
  if (jailRunning(S, J) && !P.has('f')) {
    S.log("error", "The jail `" + J + "` is running. Stop it first.");
    return ExNoPerm;
  }
  destroyJail(S, J);
  return ExOk;
}

int jailMark(Sim &S, const std::vector<std::string> &Args, size_t From) {
  if (Args.size() != From + 2) {
    S.log("error", "Usage: appjail jail mark what jail");
    return ExUsage;
  }
  StringRef What = Args[From];
  const std::string &J = Args[From + 1];
  if (int Rc = checkJail(S, J))
    return Rc;
  std::string Done = S.jailDir(J) + "/.done";
  std::string Eph = conf(S, J, "boot/lifetime/ephemeral");
  std::string Lock = conf(S, J, "boot/lock/locked");
  if (What == "clean")
    writeFile(Done, "");
  else if (What == "dirty")
    ::unlink(Done.c_str());
  else if (What == "ephemeral")
    writeFile(Eph, "");
  else if (What == "permanent")
    ::unlink(Eph.c_str());
  else if (What == "locked")
    writeFile(Lock, "");
  else if (What == "unlocked")
    ::unlink(Lock.c_str());
  else {
    S.log("error", What.str() + ": Invalid mark.");
    return ExUsage;
  }
  return ExOk;
}

int status(Sim &S, const std::vector<std::string> &Args) {
  ParsedArgs P;
  std::string Bad;
  if (!parseArgs(Args, 1, "q", "", P, Bad) || P.Pos.size() != 1) {
    S.log("error", "Usage: appjail status [-q] [--] jail");
    return ExUsage;
  }
  const std::string &J = P.Pos[0];
  if (!isJailName(J)) {
    S.log("error", "Invalid jail name \"" + J + "\"");
    return ExDataErr;
  }
  if (!isDir(S.jailDir(J))) {
    S.log("error", "Cannot find the jail `" + J + "`");
    return ExNoInput;
  }
  bool Up = jailRunning(S, J);
  if (!P.has('q'))
    S.log(Up ? "info" : "warn", J + (Up ? " is running." : " is not running."));
  return Up ? 0 : 1;
}

/// start / stop / restart: the last positional argument is the jail.
int startStop(Sim &S, const std::vector<std::string> &Args) {
  std::vector<std::string> Pos;
  for (size_t I = 1; I < Args.size(); ++I)
    if (Args[I] != "--")
      Pos.push_back(Args[I]);
  if (Pos.empty()) {
    S.log("error", "Usage: appjail " + Args[0] + " [options] [--] jail");
    return ExUsage;
  }
  std::string J = Pos.back();
  if (int Rc = checkJail(S, J))
    return Rc;
  std::string Run = S.path("sim/running/" + J);
  bool Up = jailRunning(S, J);
  bool Ephemeral = fileExists(conf(S, J, "boot/lifetime/ephemeral"));
  if (Args[0] == "stop" || Args[0] == "restart") {
    if (!Up)
      S.log("warn", "Jail `" + J + "` is not running.");
    ::unlink(Run.c_str());
    if (Ephemeral) {
      destroyJail(S, J);
      return ExOk;
    }
  }
  if (Args[0] == "start" || Args[0] == "restart") {
    if (Up && Args[0] == "start")
      S.log("warn", "Jail `" + J + "` is currently running.");
    writeFile(Run, "");
  }
  return ExOk;
}

int label(Sim &S, const std::vector<std::string> &Args) {
  if (Args.size() < 2) {
    S.log("error", "Usage: appjail label add|get|list|remove ...");
    return ExUsage;
  }
  StringRef Cmd = Args[1];
  ParsedArgs P;
  std::string Bad;
  if (!parseArgs(Args, 2, "eHIptA", "l", P, Bad) || P.Pos.empty()) {
    S.log("error", "Usage: appjail label " + Cmd.str() + " ...");
    return ExUsage;
  }
  const std::string &J = P.Pos[0];
  if (int Rc = checkJail(S, J))
    return Rc;
  std::string Dir = conf(S, J, "labels");
  bool Tabs = P.has('p') || P.has('t');
  if (Cmd == "add") {
    if (P.Pos.size() < 2 || P.Pos.size() > 3)
      return S.log("error", "Usage: appjail label add jail key [value]"),
             ExUsage;
    const std::string &K = P.Pos[1];
    if (!appjail::isLabelKey(K))
      return S.log("error", "Invalid label name: " + K), ExDataErr;
    if (isDir(Dir + "/" + K))
      return S.log("error", "Label `" + K + "` already exists."), ExCantCreat;
    writeFile(Dir + "/" + K + "/value", P.Pos.size() == 3 ? P.Pos[2] : "");
    return ExOk;
  }
  if (Cmd == "get") {
    std::string K = P.last('l');
    if (K.empty())
      return S.log("error", "Usage: appjail label get -l label jail"), ExUsage;
    if (!isDir(Dir + "/" + K))
      return S.log("error", "Cannot find the label `" + K + "`"), ExNoInput;
    std::vector<std::string> Kws(P.Pos.begin() + 1, P.Pos.end());
    if (Kws.empty())
      Kws = {"name", "value"};
    std::vector<std::string> Row;
    for (const std::string &W : Kws)
      Row.push_back(W == "name" ? K : readValue(Dir + "/" + K + "/value"));
    if (P.has('H'))
      printRow({"NAME", "VALUE"}, Tabs, false);
    printRow(Row, Tabs, P.has('I'));
    return ExOk;
  }
  if (Cmd == "list") {
    if (!P.has('H'))
      printRow({"NAME", "VALUE"}, !P.has('t'), false);
    for (const std::string &K : listDir(Dir))
      printRow({K, readValue(Dir + "/" + K + "/value")}, !P.has('t'),
               P.has('I'));
    return ExOk;
  }
  if (Cmd == "remove") {
    std::string K =
        P.has('l') ? P.last('l') : (P.Pos.size() > 1 ? P.Pos[1] : "");
    if (K.empty())
      return S.log("error", "Usage: appjail label remove -l label jail"),
             ExUsage;
    if (!isDir(Dir + "/" + K))
      return S.log("error", "Cannot find the label `" + K + "`"), ExNoInput;
    removeTree(Dir + "/" + K);
    return ExOk;
  }
  S.log("error", "Usage: appjail label add|get|list|remove ...");
  return ExUsage;
}

/// Records the argv of a command whose effect is not simulated in
/// <jail>/conf/sim/<name> (sim-private), one argument per line.
int record(Sim &S, const std::vector<std::string> &Args, const std::string &J,
           StringRef Name) {
  if (int Rc = checkJail(S, J))
    return Rc;
  std::string Text;
  readFile(S.path("sim/records/" + J + "/" + Name.str()), Text);
  Text += join(Args, "\x1f") + "\n";
  writeFile(S.path("sim/records/" + J + "/" + Name.str()), Text);
  return ExOk;
}

int cmd(Sim &S, const std::vector<std::string> &Args) {
  if (Args.size() >= 4 && Args[1] == "jaildir" && Args[2] == "kill") {
    StringRef Pid = Args.back();
    int N = 0;
    if (Pid.getAsInteger(10, N) || N <= 1)
      return S.log("error", "Invalid pid"), ExDataErr;
    ::kill(N, SIGKILL);
    return ExOk;
  }
  if (Args.size() < 3) {
    S.log("error", "Usage: appjail cmd jexec|local|chroot jail [--] cmd ...");
    return ExUsage;
  }
  const std::string &J = Args[2];
  if (int Rc = checkJail(S, J))
    return Rc;
  std::vector<std::string> Rest;
  for (size_t I = 3; I < Args.size(); ++I)
    if (!(Rest.empty() && Args[I] == "--"))
      Rest.push_back(Args[I]);
  if (Args[1] == "local" && Rest.size() == 2 && Rest[0] == "realpath" &&
      Rest[1] == ".") {
    outs() << S.jailDir(J) << "/jail\n";
    return ExOk;
  }
  if (Args[1] == "jexec")
    if (int Rc = runJexec(S, J, Rest); Rc >= 0) {
      record(S, Args, J, "cmd");
      return Rc;
    }
  return record(S, Args, J, "cmd");
}

/// `appjail devfs set [-E|-e] [-N name] [--] jail rule...` (cmd/devfs):
/// a new conf/boot/devfs/<nro> with enabled, name and rule, each "%s\n".
int devfs(Sim &S, const std::vector<std::string> &Args) {
  ParsedArgs P;
  std::string Bad;
  if (Args.size() < 2 || Args[1] != "set" ||
      !parseArgs(Args, 2, "Ee", "N", P, Bad) || P.Pos.size() < 2) {
    S.log("error", "Usage: appjail devfs set [-E|-e] [-N name] jail rule");
    return ExUsage;
  }
  const std::string &J = P.Pos[0];
  if (int Rc = checkJail(S, J))
    return Rc;
  std::vector<std::string> Rule(P.Pos.begin() + 1, P.Pos.end());
  std::string Dir;
  for (unsigned N = 0; Dir.empty(); ++N)
    if (!isDir(conf(S, J, "boot/devfs/" + std::to_string(N))))
      Dir = conf(S, J, "boot/devfs/" + std::to_string(N));
  writeFile(Dir + "/enabled", P.has('e') ? "0\n" : "1\n");
  writeFile(Dir + "/name", P.last('N') + "\n");
  writeFile(Dir + "/rule", join(Rule, " ") + "\n");
  return ExOk;
}

int cpuset(Sim &S, const std::vector<std::string> &Args) {
  if (Args.size() != 2)
    return S.log("error", "Usage: appjail cpuset jail [cpu-list]"), ExUsage;
  if (int Rc = checkJail(S, Args[1]))
    return Rc;
  if (jailRunning(S, Args[1]))
    outs() << S.config("cpuset", "0, 1") << "\n";
  return ExOk;
}

} // namespace

int runAppJail(Sim &S) {
  const std::vector<std::string> &A = S.Args;
  if (A.empty()) {
    S.log("error", "Usage: appjail command [args...]");
    return ExUsage;
  }
  StringRef C = A[0];
  if (C == "status")
    return status(S, A);
  if (C == "jail" && A.size() >= 2) {
    if (A[1] == "get")
      return jailGet(S, A, 2);
    if (A[1] == "list")
      return jailList(S, A, 2);
    if (A[1] == "destroy")
      return jailDestroy(S, A, 2);
    if (A[1] == "mark")
      return jailMark(S, A, 2);
  }
  if (C == "start" || C == "stop" || C == "restart")
    return startStop(S, A);
  if (C == "makejail")
    return runMakejail(S, A);
  if (C == "apply") {
    if (A.size() < 2)
      return S.log("error", "Usage: appjail apply jail [makejail] ..."),
             ExUsage;
    std::vector<std::string> M{"makejail", "-A", "-j", A[1]};
    size_t I = 2;
    if (I < A.size() && A[I] != "--" && StringRef(A[I]).front() != '-')
      M.insert(M.end(), {"-f", A[I++]});
    M.insert(M.end(), A.begin() + I, A.end());
    return runMakejail(S, M);
  }
  if (C == "label")
    return label(S, A);
  if (C == "cpuset")
    return cpuset(S, A);
  if (C == "devfs")
    return devfs(S, A);
  if (C == "cmd")
    return cmd(S, A);
  if ((C == "enable" || C == "disable") && A.size() >= 3)
    return record(S, A, A[1], "enable-" + A[2]);
  if (C == "oci" && A.size() >= 3)
    return record(S, A, A[2], "oci");
  if (C == "sysrc" && A.size() >= 3)
    return A[1] == "jail" ? record(S, A, A[2], "sysrc") : ExOk;
  if (C == "image")
    return ExOk;
  S.log("error", "Command not found: " + C.str());
  return ExUsage;
}

} // namespace overlord::sim
