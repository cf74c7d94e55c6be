//===- MakejailSim.cpp - The simulated `appjail makejail` --------*- C++
//-*-===//
//
// appjail-interface.md §5.3: resolves `-f` like INCLUDE (local files, and
// gh+/git+ references against fixtures under sim/makejails), parses the
// Makejail with the compiler's Makejail parser, applies the OPTIONs and the
// `-o` options (virtualnet, nat, expose, label, limits, healthcheck, fstab,
// volume, ephemeral, start, overwrite, ...) by writing AppJail's jail tree
// byte for byte, and checks the build-stage ARGs against `-- --k v`.
// Instructions are validated, never executed.
//
//===----------------------------------------------------------------------===//
#include "Sim.h"

#include "overlord/AppJail/Makejail.h"
#include "overlord/AppJail/Options.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <set>
#include <unistd.h>

using namespace llvm;

namespace overlord::sim {
namespace {

/// appjail-quick(1) option names (AJ:share/appjail/cmd/quick).
const std::set<std::string> QuickOptions = {"alias",
                                            "boot",
                                            "brandelf",
                                            "brandelf_abi",
                                            "bridge",
                                            "clone+jail",
                                            "clone+release",
                                            "container",
                                            "copy",
                                            "copydir",
                                            "cpuset",
                                            "create_args",
                                            "defaultrouter",
                                            "defaultrouter6",
                                            "depend",
                                            "devfs_ruleset",
                                            "device",
                                            "dhcp",
                                            "env",
                                            "ephemeral",
                                            "empty",
                                            "expose",
                                            "file",
                                            "files",
                                            "from",
                                            "fstab",
                                            "healthcheck",
                                            "ifconfig",
                                            "ifconfig6",
                                            "import+jail",
                                            "import+root",
                                            "initscript",
                                            "ip4",
                                            "ip4_disable",
                                            "ip4_inherit",
                                            "ip6",
                                            "ip6_disable",
                                            "ip6_inherit",
                                            "jng",
                                            "label",
                                            "limits",
                                            "linuxfs",
                                            "login",
                                            "login_user",
                                            "macaddr",
                                            "meta",
                                            "mount_devfs",
                                            "nat",
                                            "network",
                                            "noboot",
                                            "nomount_devfs",
                                            "nonat",
                                            "nologin",
                                            "nooverwrite",
                                            "noresolv_conf",
                                            "norestart",
                                            "norun",
                                            "nostart",
                                            "notzdata",
                                            "osarch",
                                            "osversion",
                                            "overwrite",
                                            "pkg",
                                            "priority",
                                            "release",
                                            "resolv_conf",
                                            "restart",
                                            "run",
                                            "run_args",
                                            "run_env",
                                            "secret",
                                            "slaac",
                                            "start",
                                            "start_args",
                                            "start_env",
                                            "stop_args",
                                            "stop_env",
                                            "template",
                                            "tiny+import",
                                            "tmpdir",
                                            "type",
                                            "tzdata",
                                            "virtualnet",
                                            "vnet",
                                            "volume",
                                            "x11",
                                            "zfs+import+jail",
                                            "zfs+import+root"};

/// AppJail's sh-like tokenizer: quotes group words and are removed.
std::vector<std::string> shWords(StringRef T) {
  std::vector<std::string> Out;
  std::string W;
  bool In = false;
  char Q = 0;
  for (size_t I = 0; I < T.size(); ++I) {
    char C = T[I];
    if (Q) {
      if (C == Q)
        Q = 0;
      else if (C == '\\' && Q == '"' && I + 1 < T.size())
        W += T[++I];
      else
        W += C;
      continue;
    }
    if (C == '"' || C == '\'') {
      Q = C, In = true;
      continue;
    }
    if (isSpace(C)) {
      if (In)
        Out.push_back(W), W.clear(), In = false;
      continue;
    }
    if (C == '\\' && I + 1 < T.size())
      C = T[++I];
    W += C, In = true;
  }
  if (In)
    Out.push_back(W);
  return Out;
}

/// Everything collected from one Makejail and its INCLUDEs.
struct Collected {
  std::vector<std::string> Options; ///< OPTION values, in order
  std::vector<std::pair<std::string, std::string>> Labels;
  std::vector<std::string> Volumes; ///< VOLUME parameter strings
  /// ARGs per stage: name -> (optional, default).
  std::map<std::string,
           std::map<std::string, std::pair<bool, std::optional<std::string>>>>
      Args;
  std::set<std::string> Seen; ///< included real paths
};

class Makejail {
public:
  Makejail(Sim &S) : S(S) {}
  int run(const std::vector<std::string> &A);

private:
  Sim &S;
  Collected C;
  std::map<std::string, std::string> BuildArgs; ///< -b
  std::string Jail, Network = "ajnet", Ip;
  bool Overwrite = false, Start = false;

  int load(StringRef Ref, StringRef BaseDir, unsigned Depth);
  int parse(StringRef Text, StringRef Name, StringRef Dir, unsigned Depth);
  int substitute(std::string &Text);
  int checkArgs(StringRef Stage, const std::vector<std::string> &Passed);
  int applyOption(StringRef Opt);
  std::string conf(StringRef Rel) const {
    return S.jailDir(Jail) + "/conf/" + Rel.str();
  }
  std::string nextNro(StringRef Rel) const {
    for (unsigned N = 0;; ++N)
      if (!isDir(conf(Rel) + "/" + std::to_string(N)))
        return conf(Rel) + "/" + std::to_string(N);
  }
  void writeFields(const std::string &Dir,
                   const std::vector<std::pair<std::string, std::string>> &F) {
    for (const auto &[K, V] : F)
      writeFile(Dir + "/" + K, V + "\n");
  }
  std::string allocateIp(StringRef Static);
  int expose(const std::vector<std::string> &W);
};

int Makejail::substitute(std::string &Text) {
  std::string Out;
  for (size_t I = 0; I < Text.size(); ++I) {
    if (Text.compare(I, 3, "%%{") == 0) {
      Out += "%{";
      I += 2;
      continue;
    }
    size_t End;
    if (Text.compare(I, 2, "%{") != 0 ||
        (End = Text.find('}', I)) == std::string::npos) {
      Out += Text[I];
      continue;
    }
    StringRef Body = StringRef(Text).slice(I + 2, End);
    size_t Sep = Body.find_first_of(":!");
    std::string Name = Body.substr(0, Sep).str();
    auto It = BuildArgs.find(Name);
    if (It != BuildArgs.end())
      Out += It->second;
    else if (Sep != StringRef::npos && Body[Sep] == ':')
      Out += Body.substr(Sep + 1).str();
    else {
      S.log("error", Name + ": build argument requires a value.");
      return ExDataErr;
    }
    I = End;
  }
  Text = std::move(Out);
  return ExOk;
}

int Makejail::load(StringRef Ref, StringRef BaseDir, unsigned Depth) {
  if (Depth > 16) {
    S.log("error", "Too many nested INCLUDEs.");
    return ExDataErr;
  }
  StringRef Method = "file", Rest = Ref.trim();
  if (Rest.contains('+'))
    std::tie(Method, Rest) = Rest.split('+');
  std::vector<std::string> W = shWords(Rest);
  if (W.empty()) {
    S.log("error", "Makejail reference is empty.");
    return ExDataErr;
  }
  std::string File = "Makejail", Path;
  for (size_t I = 1; I + 1 < W.size(); ++I)
    if (W[I] == "--file")
      File = W[I + 1];
  if (Method == "file") {
    SmallString<256> P(W[0]);
    if (!sys::path::is_absolute(P))
      P = (BaseDir + "/" + W[0]).str();
    Path = std::string(P);
  } else if (is_contained(std::vector<StringRef>{"gh", "github", "gh-ssh",
                                                 "github-ssh", "gl", "gitlab",
                                                 "gl-ssh", "gitlab-ssh", "git"},
                          Method)) {
    StringRef Repo = StringRef(W[0]).rtrim('/');
    if (Repo.endswith(".git"))
      Repo = Repo.drop_back(4);
    StringRef R = sys::path::filename(Repo);
    StringRef U = sys::path::filename(sys::path::parent_path(Repo));
    U = U.rsplit(':').second.empty() ? U : U.rsplit(':').second;
    Path = S.path("sim/makejails/" + U.str() + "/" + R.str() + "/" + File);
    if (!fileExists(Path)) {
      if (S.config("strict_remote", "0") == "1") {
        S.log("error", "Failed to get " + W[0] + " using git(1).");
        return 128;
      }
      return ExOk; // lenient: an empty Makejail
    }
  } else if (Method == "cmd" || Method == "fetch") {
    return ExOk; // not simulated: an empty Makejail
  } else {
    S.log("error", Method.str() + ": Invalid method.");
    return ExDataErr;
  }
  std::string Text;
  if (isDir(Path) || !readFile(Path, Text)) {
    S.log("error", Path + ": file does not exist or could not be read.");
    return ExNoInput;
  }
  if (!C.Seen.insert(Path).second) {
    S.log("error", Path + ": Makejail is already included.");
    return ExDataErr;
  }
  if (int Rc = substitute(Text))
    return Rc;
  return parse(Text, Path, sys::path::parent_path(Path), Depth);
}

int Makejail::parse(StringRef Text, StringRef Name, StringRef Dir,
                    unsigned Depth) {
  SourceMgr SM;
  auto Buf = MemoryBuffer::getMemBufferCopy(Text, Name);
  StringRef BufText = Buf->getBuffer();
  SM.AddNewSourceBuffer(std::move(Buf), SMLoc());
  DiagnosticEngine Diags(SM);
  std::optional<appjail::Makejail> MJ =
      appjail::parseMakejail(BufText, appjail::originForBuffer(BufText), Diags);
  if (!MJ || Diags.hasErrors()) {
    int Rc = ExDataErr;
    for (const Diagnostic &D : Diags.getDiagnostics()) {
      if (D.Sev != Severity::Error)
        continue;
      StringRef M = D.Message;
      if (M.startswith("unknown instruction") || M.startswith("unknown stage"))
        Rc = ExNoInput;
      else if (M.startswith("unknown flag"))
        Rc = ExUsage;
      S.log("error", Name.str() + ": " + M.str());
      break;
    }
    return Rc;
  }
  for (const appjail::MakejailInstruction &I : MJ->Instructions) {
    StringRef Args = StringRef(I.Args).trim();
    if (I.Name == "INCLUDE") {
      if (int Rc = load(Args, Dir, Depth + 1))
        return Rc;
    } else if (I.Name == "OPTION") {
      C.Options.push_back(Args.str());
    } else if (I.Name == "LABEL") {
      auto [K, V] = Args.split('=');
      C.Labels.push_back({K.str(), V.str()});
    } else if (I.Name == "VOLUME") {
      // VOLUME [--group g] [--mountpoint m] [--owner o] [--perm p]
      // [--type t] name, as the volume option's `name key:value...`.
      std::vector<std::string> W = shWords(Args);
      std::string Params;
      for (size_t K = 0; K < W.size(); ++K) {
        if (StringRef(W[K]).startswith("--") && K + 1 < W.size()) {
          Params += " \"" + W[K].substr(2) + ":" + W[K + 1] + "\"";
          ++K;
        } else {
          Params = W[K] + Params;
        }
      }
      C.Volumes.push_back(Params);
    } else if (I.Name == "ARG") {
      auto [N, D] = Args.split('=');
      bool Opt = N.consume_back("?");
      std::optional<std::string> Def;
      if (Args.contains('='))
        Def = D.str();
      C.Args[I.Stage][N.str()] = {Opt, Def};
    }
  }
  return ExOk;
}

int Makejail::checkArgs(StringRef Stage, const std::vector<std::string> &P) {
  auto &Decl = C.Args[Stage.str()];
  std::map<std::string, std::string> Given;
  for (size_t I = 0; I < P.size(); ++I) {
    StringRef A = P[I];
    if (!A.consume_front("--") || !Decl.count(A.str())) {
      S.log("error", P[I] + ": Invalid option.");
      return ExUsage;
    }
    Given[A.str()] = I + 1 < P.size() ? P[++I] : "";
  }
  for (const auto &[N, D] : Decl) {
    auto It = Given.find(N);
    std::string V = It != Given.end() ? It->second : D.second.value_or("");
    if (!D.first && V.empty()) {
      S.log("error", "option requires an argument -- " + N);
      return ExDataErr;
    }
  }
  return ExOk;
}

std::string Makejail::allocateIp(StringRef Static) {
  std::string Dir = S.path("appjail/networks/ajnet/jails");
  std::set<std::string> Used;
  for (const std::string &J : listDir(Dir))
    for (StringRef A : split(readValue(Dir + "/" + J), ','))
      Used.insert(A.str());
  std::string Ip = Static.str();
  for (unsigned N = 2; Ip.empty(); ++N) {
    std::string Cand = "10." + std::to_string(N >> 16) + "." +
                       std::to_string((N >> 8) & 255) + "." +
                       std::to_string(N & 255);
    if ((N & 255) != 0 && (N & 255) != 255 && !Used.count(Cand))
      Ip = Cand;
  }
  writeFile(Dir + "/" + Jail, Ip);
  return Ip;
}

/// Sub-parameters `key:value` of an option's words after the first.
std::map<std::string, std::string> subParams(const std::vector<std::string> &W,
                                             size_t From) {
  std::map<std::string, std::string> M;
  for (size_t I = From; I < W.size(); ++I) {
    auto [K, V] = StringRef(W[I]).split(':');
    M[K.str()] = V.str();
  }
  return M;
}

int Makejail::expose(const std::vector<std::string> &W) {
  if (Ip.empty()) {
    S.log("error", "expose: a virtual network is required.");
    return ExConfig;
  }
  std::string First = W.empty() ? "" : W[0];
  auto [H, J] = StringRef(First).split(':');
  if (H.empty()) {
    S.log("error", "expose: port is required.");
    return ExDataErr;
  }
  auto P = subParams(W, 1);
  std::string ExtIf =
      P.count("ext_if") ? P["ext_if"] : S.config("ext_if", "lo");
  std::string OnIf = P.count("on_if") ? P["on_if"] : S.config("on_if", ExtIf);
  std::string Proto = P.count("proto") ? P["proto"] : "tcp";
  std::string Jp = J.empty() ? H.str() : J.str();
  std::replace(Jp.begin(), Jp.end(), '-', ':');
  std::string Hp = H.str();
  std::replace(Hp.begin(), Hp.end(), '-', ':');
  std::string To = P.count("ext_ip") ? P["ext_ip"] : "(\"" + ExtIf + ":0\")";
  std::string Rule = "rdr pass on \"" + OnIf + "\" inet proto " + Proto +
                     " from any to " + To + " port " + Hp + " -> " + Ip +
                     " port " + Jp;
  writeFields(nextNro("boot/expose"),
              {{"enabled", "1"},
               {"name", P["descr"]},
               {"pf-rule", Rule},
               {"network_name", P.count("network") ? P["network"] : Network},
               {"hport", Hp},
               {"jport", Jp},
               {"protocol", Proto},
               {"ext_if", ExtIf},
               {"on_if", OnIf},
               {"ext_ip", P["ext_ip"]}});
  return ExOk;
}

int Makejail::applyOption(StringRef Opt) {
  auto [Name, Value] = Opt.split('=');
  std::vector<std::string> W = shWords(Value);
  if (Name == "virtualnet") {
    if (W.empty() || !StringRef(W[0]).contains(':')) {
      S.log("error", "virtualnet: network:interface is required.");
      return ExDataErr;
    }
    StringRef Net = StringRef(W[0]).split(':').first;
    Network = Net.empty() ? "ajnet" : Net.str();
    Ip = allocateIp(subParams(W, 1)["address"]);
  } else if (Name == "nat" || Name == "nonat") {
    if (Ip.empty()) {
      S.log("error", Name.str() + ": a virtual network is required.");
      return ExConfig;
    }
    auto P = subParams(W, 0);
    std::string ExtIf =
        P.count("ext_if") ? P["ext_if"] : S.config("ext_if", "lo");
    std::string To = P.count("ext_ip") ? P["ext_ip"] : "(\"" + ExtIf + ":0\")";
    std::string Net = P.count("network") ? P["network"] : Network;
    writeFile(conf("boot/nat/" + Net + "/pf-nat.conf"),
              Name == "nat"
                  ? "nat on \"" + ExtIf + "\" from " + Ip + " to any -> " + To +
                        "\n"
                  : "no nat on \"" + ExtIf + "\" from " + Ip + " to any\n");
  } else if (Name == "expose") {
    return expose(W);
  } else if (Name == "label") {
    auto [K, V] = Value.split(':');
    if (!appjail::isLabelKey(K)) {
      S.log("error", "Invalid label name: " + K.str());
      return ExDataErr;
    }
    if (isDir(conf("labels/" + K.str()))) {
      S.log("error", "Label `" + K.str() + "` already exists.");
      return ExCantCreat;
    }
    writeFile(conf("labels/" + K.str() + "/value"), V);
  } else if (Name == "limits") {
    StringRef Rule = W.empty() ? "" : StringRef(W[0]);
    auto [ResAct, Amount] = Rule.split('=');
    auto [Res, Act] = ResAct.split(':');
    auto [Amt, Per] = Amount.split('/');
    writeFields(nextNro("boot/limits"), {{"action", Act.str()},
                                         {"name", subParams(W, 1)["descr"]},
                                         {"enabled", "1"},
                                         {"per", Per.str()},
                                         {"rule", Rule.str()},
                                         {"resource", Res.str()}});
  } else if (Name == "healthcheck") {
    auto P = subParams(W, 0);
    auto Get = [&](StringRef K, StringRef D) {
      return P.count(K.str()) ? P[K.str()] : D.str();
    };
    auto Typed = [&](StringRef K, StringRef D) {
      std::string Full = Get(K, D);
      StringRef V = Full;
      if (V.startswith("host:") || V.startswith("jail:"))
        return std::make_pair(V.split(':').first.str(),
                              V.split(':').second.str());
      return std::make_pair(std::string("host"), V.str());
    };
    auto [HT, HC] = Typed("health_cmd", "appjail status -q %j");
    auto [RT, RC] = Typed("recover_cmd", "appjail restart %j");
    std::string Dir = nextNro("boot/health");
    writeFields(Dir, {{"enabled", "1"},
                      {"health_type", HT},
                      {"health_cmd", HC},
                      {"interval", Get("interval", "30")},
                      {"recover_kill_after", Get("recover_kill_after", "180")},
                      {"kill_after", Get("kill_after", "180")},
                      {"recover_timeout_signal",
                       Get("recover_timeout_signal", "sigterm")},
                      {"name", Get("name", "")},
                      {"retries", Get("retries", "3")},
                      {"recover_type", RT},
                      {"recover_cmd", RC},
                      {"timeout_signal", Get("timeout_signal", "sigterm")},
                      {"recover_total", Get("recover_total", "3")},
                      {"start_period", Get("start_period", "0")},
                      {"timeout", Get("timeout", "120")},
                      {"recover_timeout", Get("recover_timeout", "120")},
                      {"status", S.config("health_status", "starting")}});
  } else if (Name == "fstab") {
    if (W.size() < 2) {
      S.log("error", "fstab: device and mountpoint are required.");
      return ExDataErr;
    }
    W.resize(6);
    const char *Defaults[] = {"", "", "nullfs", "rw", "0", "0"};
    for (size_t I = 2; I < 6; ++I)
      if (W[I].empty())
        W[I] = Defaults[I];
    writeFields(nextNro("boot/fstab"), {{"enabled", "1"},
                                        {"name", ""},
                                        {"fs_spec", W[0]},
                                        {"fs_file", W[1]},
                                        {"fs_vfstype", W[2]},
                                        {"fs_mntops", W[3]},
                                        {"fs_freq", W[4]},
                                        {"fs_passno", W[5]}});
  } else if (Name == "volume") {
    if (W.empty() || !isJailName(W[0])) {
      S.log("error", "volume: a valid volume name is required.");
      return ExDataErr;
    }
    auto P = subParams(W, 1);
    std::string Dir = conf("volumes/" + W[0]);
    if (isDir(Dir)) {
      S.log("error", "Volume `" + W[0] + "` already exists.");
      return ExCantCreat;
    }
    writeFile(Dir + "/mountpoint",
              P.count("mountpoint") ? P["mountpoint"] : "/volumes/" + W[0]);
    writeFile(Dir + "/type", P.count("type") ? P["type"] : "<pseudofs>");
    for (auto [K, F] :
         {std::pair{"owner", "uid"}, {"group", "gid"}, {"perm", "perm"}})
      if (P.count(K))
        writeFile(Dir + "/" + F, P[K]);
  } else if (Name == "ephemeral") {
    writeFile(conf("boot/lifetime/ephemeral"), "");
  } else if (Name == "boot") {
    writeFile(conf("boot/startup/boot"), "");
  } else if (Name == "priority") {
    writeFile(conf("boot/startup/priority"), Value);
  }
  return ExOk;
}

int Makejail::run(const std::vector<std::string> &A) {
  size_t I = 1;
  std::string File = "Makejail";
  std::vector<std::string> Opts, Passed;
  bool Apply = false;
  for (; I < A.size(); ++I) {
    StringRef F = A[I];
    if (F == "--") {
      Passed.assign(A.begin() + I + 1, A.end());
      break;
    }
    if (F == "-A" || F == "-c" || F == "-e" || F == "-v" || F == "-u") {
      Apply |= F == "-A";
      continue;
    }
    if (F.size() != 2 || F[0] != '-' || I + 1 >= A.size() ||
        !StringRef("jfVobaBlnPt").contains(F[1])) {
      S.log("error", "Usage: appjail makejail [-AceUv] [-j jail] [-f makejail] "
                     "[-V var=value]... [-o option]... [-b arg=value]... "
                     "[-- args]");
      return ExUsage;
    }
    const std::string &V = A[++I];
    if (F == "-j")
      Jail = V;
    else if (F == "-f")
      File = V;
    else if (F == "-o")
      Opts.push_back(V);
    else if (F == "-V") {
      StringRef N = StringRef(V).split('=').first;
      if (!StringRef(V).contains('=') || N.empty() || isDigit(N[0]) ||
          !all_of(N, [](char C) { return isAlnum(C) || C == '_'; })) {
        S.log("error", "Invalid environment variable: " + V);
        return ExDataErr;
      }
    } else if (F == "-b") {
      auto [N, Val] = StringRef(V).split('=');
      if (!BuildArgs.insert({N.str(), Val.str()}).second) {
        S.log("error", N.str() + ": build argument already defined.");
        return ExDataErr;
      }
    }
  }
  if (Jail.empty())
    Jail = S.randomName(11);
  if (!isJailName(Jail)) {
    S.log("error", "Invalid jail name \"" + Jail + "\"");
    return ExDataErr;
  }
  char Cwd[4096];
  if (int Rc = load(File, getcwd(Cwd, sizeof Cwd) ? Cwd : ".", 0))
    return Rc;
  if (Apply) {
    if (!jailExists(S, Jail)) {
      S.log("error", "Cannot find the jail `" + Jail + "`");
      return ExNoInput;
    }
    return checkArgs("apply", Passed);
  }
  std::vector<std::string> All = C.Options;
  All.insert(All.end(), Opts.begin(), Opts.end());
  for (const std::string &O : All) {
    std::string N = StringRef(O).split('=').first.str();
    if (!QuickOptions.count(N)) {
      S.log("error", N + ": option not found.");
      return ExNoInput;
    }
    Overwrite |= N == "overwrite";
    Start |= N == "start";
    if (N == "nooverwrite")
      Overwrite = false;
    if (N == "nostart")
      Start = false;
  }
  if (isDir(S.jailDir(Jail))) {
    if (!Overwrite) {
      S.log("error", "Jail already created.");
      return ExCantCreat;
    }
    destroyJail(S, Jail);
  }
  S.log("info", "Creating " + Jail + " ...");
  makeDirs(S.jailDir(Jail) + "/jail");
  writeFile(conf("config.conf"),
            "osversion: " + S.config("osversion", "14.2-RELEASE") +
                "\nosarch: amd64\njail_type: thin\nrelease_name: default\n"
                "birth: " +
                std::to_string(S.now()) + "\n");
  writeFile(conf("template.conf"),
            "exec.start: \"/bin/sh /etc/rc\"\nexec.stop: \"/bin/sh "
            "/etc/rc.shutdown jail\"\nmount.devfs\npersist\n");
  for (const std::string &O : All)
    if (int Rc = applyOption(O))
      return Rc;
  for (const auto &[K, V] : C.Labels)
    if (int Rc = applyOption("label=" + K + ":" + V))
      return Rc;
  for (const std::string &V : C.Volumes)
    if (int Rc = applyOption("volume=" + V))
      return Rc;
  if (int Rc = checkArgs("build", Passed))
    return Rc;
  if (S.TheFault.AfterCreate)
    return ExOk; // main() turns this into the fault's rc; the jail stays dirty
  writeFile(S.jailDir(Jail) + "/init", "#!/bin/sh\n# InitScript (ajsim)\n");
  writeFile(S.jailDir(Jail) + "/.done", "");
  if (Start)
    writeFile(S.path("sim/running/" + Jail), "");
  S.log("info", "Makejail completed: " + Jail);
  return ExOk;
}

} // namespace

int runMakejail(Sim &S, const std::vector<std::string> &Args) {
  Makejail M(S);
  return M.run(Args);
}

} // namespace overlord::sim
