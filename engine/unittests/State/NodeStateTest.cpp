//===- NodeStateTest.cpp - What NodeState serves, against ajsim -*- C++ -*-===//
//
// Every accessor of NodeState after a full refresh of a simulated node with
// one Director project; stopped jails, racct disabled, failing commands
// (non-zero exit, garbage, timeout) keeping the previous value and being
// logged once, vanished jails and projects being forgotten, and
// refreshProject() making an engine change visible at once.
//
//===----------------------------------------------------------------------===//
#include "StateTestSupport.h"

#include "overlord/Engine/AppJailOutput.h"
#include "overlord/Engine/DirectorOutput.h"

using namespace overlord::engine;
using namespace overlord::engine::statetest;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace {

TEST(NodeStateItems, NamesRoundTrip) {
  EXPECT_EQ(allJailItems().size(), 8u);
  for (JailItem I : allJailItems())
    EXPECT_EQ(parseJailItem(jailItemName(I)), I);
  EXPECT_EQ(jailItemName(JailItem::Labels), "labels");
  EXPECT_EQ(jailItemKeywordGroup(JailItem::Labels), "label");
  EXPECT_EQ(jailItemKeywordGroup(JailItem::Volumes), "volume");
  EXPECT_EQ(jailItemKeywordGroup(JailItem::Fstab), "fstab");
  EXPECT_FALSE(parseJailItem("label"));
  EXPECT_FALSE(parseJailItem("cpuset"));
}

TEST_F(StateTest, EmptyNode) {
  auto S = makeState();
  S->refreshAll();
  EXPECT_TRUE(S->jails().empty());
  EXPECT_TRUE(S->projects().empty());
  EXPECT_FALSE(S->hasJail("web1"));
  EXPECT_FALSE(S->jailInfo("web1"));
  EXPECT_FALSE(S->projectInfo("demo"));
  EXPECT_EQ(str(Value(S->totalStats())), "{}");
  NodeState::Counters C = S->counters();
  EXPECT_EQ(C.FullRefreshes, 1u);
  EXPECT_EQ(C.CommandsRun, 1u); // appjail-director ls
  EXPECT_EQ(C.CommandFailures, 0u);
  EXPECT_TRUE(logs().empty());
}

TEST_F(StateTest, FullRefreshServesEverything) {
  up("demo", DemoDirectorFile);
  ASSERT_EQ(sim("appjail", {"devfs", "set", "-N", "mine", "--", "web1", "path",
                            "bpf*", "unhide"})
                .ExitCode,
            0);
  ASSERT_EQ(sim("ajsim", {"rctl", "set", "web1", "cputime=5", "memoryuse=1024",
                          "pcpu=3"})
                .ExitCode,
            0);
  auto S = makeState();
  S->refreshAll();

  EXPECT_EQ(S->jails(), (std::vector<std::string>{"db1", "web1"}));
  EXPECT_EQ(S->projects(), (std::vector<std::string>{"demo"}));
  EXPECT_TRUE(S->hasJail("web1"));
  EXPECT_TRUE(S->hasProject("demo"));
  EXPECT_FALSE(S->hasProject("nope"));

  EXPECT_EQ(str(S->projectInfo("demo")),
            R"({"last_log":"2025-04-23_10h15m02s","locked":false,)"
            R"("name":"demo","services":[{"jail":"db1","name":"db",)"
            R"("status":0},{"jail":"web1","name":"web","status":0}],)"
            R"("state":"DONE"})");

  // Info: every configured keyword, strings as `jail get -I` prints them.
  std::optional<Object> Info = S->jailInfo("web1");
  ASSERT_TRUE(Info);
  EXPECT_EQ(Info->size(), 6u) << str(Info);
  EXPECT_EQ(field(Info, "name"), "web1");
  EXPECT_EQ(field(Info, "status"), "UP");
  EXPECT_EQ(field(Info, "ports"), "8080/tcp");
  EXPECT_EQ(field(Info, "type"), "thin");
  EXPECT_EQ(field(Info, "version"), "14.2-RELEASE");
  EXPECT_TRUE(Info->getString("network_ip4")->startswith("10.0.0."));
  // An empty value stays "" as in the reference.
  EXPECT_EQ(field(S->jailInfo("db1"), "ports"), "");

  // Stats: the configured keywords rctl printed.
  EXPECT_EQ(str(S->jailStats("web1")),
            R"({"cputime":5,"memoryuse":1024,"pcpu":3})");
  EXPECT_EQ(S->jailStats("db1")->size(), 25u);
  Object Total = S->totalStats();
  EXPECT_EQ(Total.size(), 25u);
  EXPECT_EQ(Total.getInteger("memoryuse"), int64_t(1024));
  EXPECT_EQ(Total.getInteger("cputime"), int64_t(5));
  EXPECT_EQ(Total.getInteger("swapuse"), int64_t(0));

  EXPECT_EQ(str(S->jailCpuset("web1")), R"("0, 1")");

  // Items: every configured keyword, null when absent, ids as strings.
  EXPECT_EQ(
      str(S->jailItems(JailItem::Devfs, "web1")),
      R"([{"enabled":"1","name":"mine","nro":"0","rule":"path bpf* unhide"}])");
  EXPECT_EQ(str(S->jailItems(JailItem::Expose, "web1")),
            R"([{"enabled":"1","ext_if":"lo","hport":"8080","jport":"8080",)"
            R"("name":null,"network_name":"ajnet","nro":"0","on_if":"lo",)"
            R"("protocol":"tcp"}])");
  EXPECT_EQ(str(S->jailItems(JailItem::Healthcheck, "web1")),
            R"([{"enabled":"1","health_cmd":"appjail status -q %j",)"
            R"("health_type":"host","name":"check","nro":"0",)"
            R"("recover_cmd":"appjail restart %j","recover_type":"host",)"
            R"("status":"starting"}])");
  EXPECT_EQ(
      str(S->jailItems(JailItem::Limits, "web1")),
      R"([{"enabled":"1","name":null,"nro":"0","rule":"memoryuse:deny=512M"}])");
  // `pass` is fs_passno (the reference's typo always served null).
  EXPECT_EQ(
      str(S->jailItems(JailItem::Fstab, "web1")),
      R"([{"device":"/tmp","dump":"0","enabled":"1","mountpoint":"/mnt",)"
      R"("name":null,"nro":"0","options":"ro","pass":"1","type":"nullfs"}])");
  EXPECT_EQ(str(S->jailItems(JailItem::Labels, "web1")),
            R"([{"name":"overlord.skydns.group","value":"web"}])");
  std::optional<Array> Nat = S->jailItems(JailItem::Nat, "web1");
  ASSERT_TRUE(Nat && Nat->size() == 1) << str(Nat);
  EXPECT_EQ((*Nat)[0].getAsObject()->getString("network"),
            llvm::StringRef("ajnet"));
  EXPECT_TRUE(
      (*Nat)[0].getAsObject()->getString("rule")->startswith("nat on \"lo\""));
  EXPECT_EQ(str(S->jailItems(JailItem::Volumes, "web1")),
            R"([{"gid":null,"mountpoint":"/data","name":"data","perm":null,)"
            R"("type":"<pseudofs>","uid":null}])");
  // A jail without entries has empty lists.
  for (JailItem I : allJailItems()) {
    if (I != JailItem::Nat) {
      EXPECT_EQ(str(S->jailItems(I, "db1")), "[]") << jailItemName(I).str();
    }
  }
  EXPECT_FALSE(S->jailItems(JailItem::Devfs, "nope"));

  NodeState::Counters C = S->counters();
  EXPECT_EQ(C.Jails, 2u);
  EXPECT_EQ(C.Projects, 1u);
  // ls + describe + sysctl; per jail one `jail get -It` (all six keywords),
  // status, rctl, cpuset.
  EXPECT_EQ(C.CommandsRun, 3u + 2 * 4);
  EXPECT_EQ(C.CommandFailures, 0u);
  EXPECT_GT(C.LastFullRefresh.count(), 0);
  EXPECT_TRUE(logs().empty()) << logs().front();
}

TEST_F(StateTest, ConfiguredKeywordsOnly) {
  Cfg.Polling.Keywords["jail"] = {"name", "dirty", "priority"};
  Cfg.Polling.Keywords["stats"] = {"memoryuse", "nthr"};
  Cfg.Polling.Keywords["expose"] = {"hport", "rule", "ext_ip"};
  Cfg.Polling.Keywords["label"] = {};
  up("demo", DemoDirectorFile);
  auto S = makeState();
  S->refreshAll();
  EXPECT_EQ(str(S->jailInfo("web1")),
            R"({"dirty":"0","name":"web1","priority":"0"})");
  EXPECT_EQ(str(S->jailStats("web1")), R"({"memoryuse":0,"nthr":0})");
  std::optional<Array> E = S->jailItems(JailItem::Expose, "web1");
  ASSERT_TRUE(E && E->size() == 1);
  const Object &X = *(*E)[0].getAsObject();
  EXPECT_EQ(X.size(), 4u);
  EXPECT_EQ(X.getString("hport"), llvm::StringRef("8080"));
  EXPECT_TRUE(X.getString("rule")->startswith("rdr pass on \"lo\""));
  EXPECT_EQ(X.get("ext_ip")->kind(), Value::Null); // empty file
  // No label keywords: entries carry only their id.
  EXPECT_EQ(str(S->jailItems(JailItem::Labels, "web1")),
            R"([{"name":"overlord.skydns.group"}])");
}

TEST_F(StateTest, StoppedJailHasNoStatsOrCpuset) {
  up("demo", DemoDirectorFile);
  auto S = makeState();
  S->refreshAll();
  ASSERT_EQ(S->jailStats("web1")->size(), 25u);
  ASSERT_EQ(sim("appjail", {"stop", "web1"}).ExitCode, 0);
  S->refreshJail("web1");
  EXPECT_EQ(str(S->jailStats("web1")), "{}");
  EXPECT_EQ(str(*S->jailCpuset("web1")), "null");
  EXPECT_EQ(field(S->jailInfo("web1"), "status"), "DOWN");
  EXPECT_EQ(S->totalStats().size(), 25u); // db1 still runs
  EXPECT_EQ(S->counters().CommandFailures, 0u);
}

TEST_F(StateTest, RacctDisabledGivesEmptyStatsQuietly) {
  simConfig("racct=0");
  up("demo", DemoDirectorFile);
  auto S = makeState();
  S->refreshAll();
  S->refreshAll();
  EXPECT_EQ(str(S->jailStats("web1")), "{}");
  EXPECT_EQ(str(Value(S->totalStats())), "{}");
  EXPECT_EQ(S->counters().CommandFailures, 0u);
  // Logged once, sysctl asked once, rctl never run.
  std::vector<std::string> L = logs();
  ASSERT_EQ(L.size(), 1u);
  EXPECT_NE(L[0].find("racct is disabled"), std::string::npos) << L[0];
  // Per jail: `jail get -It` + status + cpuset, per refresh; + ls + describe.
  EXPECT_EQ(S->counters().CommandsRun, 1u + 2 * (2 + 2 * 3));
}

TEST_F(StateTest, FailedRacctProbeIsRetried) {
  up("demo", DemoDirectorFile);
  fault(R"(sysctl "*" rc=1 stderr="sysctl: boom")");
  auto S = makeState();
  S->refreshAll();
  EXPECT_EQ(str(S->jailStats("web1")), "{}"); // never read yet
  EXPECT_GE(S->counters().CommandFailures, 1u);
  clearFaults();
  S->refreshAll();
  EXPECT_EQ(S->jailStats("web1")->size(), 25u);
}

TEST_F(StateTest, FailuresKeepThePreviousValueAndLogOnce) {
  Cfg.Polling.Keywords["jail"] = {"name", "priority", "status"};
  up("demo", DemoDirectorFile);
  ASSERT_EQ(sim("ajsim", {"rctl", "set", "web1", "memoryuse=1024"}).ExitCode,
            0);
  auto S = makeState();
  S->refreshAll();
  std::optional<Object> Info = S->jailInfo("web1");
  std::optional<Object> Project = S->projectInfo("demo");
  ASSERT_TRUE(Info && Project);
  ASSERT_EQ(field(Info, "priority"), "0");

  // The world changes, and every command that would show it fails.
  for (const char *J : {"web1", "db1"})
    write(Cfg.AppjailJails + "/" + J + "/conf/boot/startup/priority", "5");
  ASSERT_EQ(sim("ajsim", {"rctl", "set", "web1", "memoryuse=2048"}).ExitCode,
            0);
  fault(R"(appjail "jail get *" jail=web1 rc=1 stderr="boom")");
  fault(R"(rctl "-u jail:web1" stdout="memoryuse=lots" rc=0)");
  fault(R"(appjail-director "describe *" stdout="not json" rc=0)");
  fault(R"(appjail-director "ls" rc=1 stderr="ls broke")");
  uint64_t Before = S->counters().CommandFailures;
  S->refreshAll();
  EXPECT_EQ(str(S->jailInfo("web1")), str(Info));
  EXPECT_EQ(S->jailStats("web1")->getInteger("memoryuse"), int64_t(1024));
  EXPECT_EQ(str(S->projectInfo("demo")), str(Project));
  EXPECT_EQ(S->projects(), (std::vector<std::string>{"demo"}));
  // db1 is not affected by the faults.
  EXPECT_EQ(field(S->jailInfo("db1"), "priority"), "5");
  EXPECT_EQ(S->counters().CommandFailures, Before + 4);
  std::vector<std::string> L = logs();
  ASSERT_EQ(L.size(), 4u);
  std::string All;
  for (const std::string &Line : L)
    All += Line + "\n";
  EXPECT_NE(All.find("jail get -I -- web1 name` exited with 1: boom"),
            std::string::npos)
      << All;
  EXPECT_NE(All.find("rctl -u jail:web1"), std::string::npos) << All;
  EXPECT_NE(All.find("describe -p demo"), std::string::npos) << All;
  EXPECT_NE(All.find("ls broke"), std::string::npos) << All;

  // Still failing: counted, not logged again.
  S->refreshAll();
  EXPECT_EQ(S->counters().CommandFailures, Before + 8);
  EXPECT_EQ(logs().size(), 4u);

  // Fixed: the new values show; a later failure is logged again.
  clearFaults();
  S->refreshAll();
  EXPECT_EQ(field(S->jailInfo("web1"), "priority"), "5");
  EXPECT_EQ(S->jailStats("web1")->getInteger("memoryuse"), int64_t(2048));
  EXPECT_EQ(logs().size(), 4u);
  fault(R"(appjail "jail get *" jail=web1 rc=1 stderr="boom again")");
  S->refreshAll();
  ASSERT_EQ(logs().size(), 5u);
  EXPECT_NE(logs().back().find("boom again"), std::string::npos);
}

TEST_F(StateTest, TimeoutKeepsThePreviousValue) {
  up("demo", DemoDirectorFile);
  auto S = makeState();
  S->refreshAll();
  ASSERT_EQ(str(S->jailCpuset("web1")), R"("0, 1")");
  Cfg.Overlordd.Timeouts["appjail"] = 1;
  simConfig("cpuset=2, 3");
  fault(R"(appjail "cpuset web1" hang=30)");
  auto Start = std::chrono::steady_clock::now();
  S->refreshJail("web1");
  EXPECT_LT(std::chrono::steady_clock::now() - Start, std::chrono::seconds(10));
  EXPECT_EQ(str(S->jailCpuset("web1")), R"("0, 1")");
  ASSERT_EQ(logs().size(), 1u);
  EXPECT_NE(logs()[0].find("timed out after 1 s"), std::string::npos)
      << logs()[0];
  clearFaults();
  S->refreshJail("web1");
  EXPECT_EQ(str(S->jailCpuset("web1")), R"("2, 3")");
}

TEST_F(StateTest, VanishedJailIsForgotten) {
  up("demo", DemoDirectorFile);
  auto S = makeState();
  S->refreshAll();
  ASSERT_TRUE(S->hasJail("web1"));
  ASSERT_EQ(sim("ajsim", {"jail", "rm", "web1"}).ExitCode, 0);
  S->refreshAll();
  EXPECT_EQ(S->jails(), (std::vector<std::string>{"db1"}));
  EXPECT_FALSE(S->jailInfo("web1"));
  EXPECT_FALSE(S->jailStats("web1"));
  EXPECT_FALSE(S->jailCpuset("web1"));
  for (JailItem I : allJailItems())
    EXPECT_FALSE(S->jailItems(I, "web1"));
  EXPECT_EQ(S->totalStats().size(), 25u);
  // Director now reports the service's jail as missing (66).
  std::optional<Object> Demo = S->projectInfo("demo");
  ASSERT_TRUE(Demo);
  const Array *Services = Demo->getArray("services");
  ASSERT_TRUE(Services && Services->size() == 2);
  EXPECT_EQ((*Services)[1].getAsObject()->getInteger("status"), int64_t(66));
  // A stray file or a non-jail name in the jails directory is no jail.
  write(Cfg.AppjailJails + "/README", "not a jail");
  ASSERT_FALSE(llvm::sys::fs::create_directories(Cfg.AppjailJails + "/.zfs"));
  S->refreshAll();
  EXPECT_EQ(S->jails(), (std::vector<std::string>{"db1"}));
}

TEST_F(StateTest, RefreshProjectShowsEngineChangesAtOnce) {
  auto S = makeState();
  S->refreshAll();
  up("demo", DemoDirectorFile);
  EXPECT_FALSE(S->hasProject("demo"));
  S->refreshProject("demo");
  EXPECT_TRUE(S->hasProject("demo"));
  EXPECT_EQ(S->jails(), (std::vector<std::string>{"db1", "web1"}));
  EXPECT_EQ(field(S->jailInfo("web1"), "status"), "UP");
  EXPECT_EQ(S->jailItems(JailItem::Fstab, "web1")->size(), 1u);
  EXPECT_EQ(field(S->projectInfo("demo"), "state"), "DONE");

  // Restart-like change: a stopped service shows at once.
  ASSERT_EQ(sim("appjail", {"stop", "db1"}).ExitCode, 0);
  S->refreshProject("demo");
  EXPECT_EQ(field(S->jailInfo("db1"), "status"), "DOWN");
  std::optional<Object> Demo = S->projectInfo("demo");
  ASSERT_TRUE(Demo);
  const Array *Services = Demo->getArray("services");
  ASSERT_TRUE(Services && Services->size() == 2);
  EXPECT_EQ((*Services)[0].getAsObject()->getInteger("status"), int64_t(1));

  // Destroyed: the project and its jails are forgotten.
  ProcessResult R = sim("appjail-director", {"down", "-j", "-d", "-p", "demo"});
  ASSERT_EQ(R.ExitCode, 0) << R.Stdout << R.Stderr;
  S->refreshProject("demo");
  EXPECT_FALSE(S->hasProject("demo"));
  EXPECT_FALSE(S->projectInfo("demo"));
  EXPECT_TRUE(S->jails().empty());
  EXPECT_EQ(S->counters().CommandFailures, 0u);
  // A project that never existed stays unknown.
  S->refreshProject("ghost");
  EXPECT_FALSE(S->hasProject("ghost"));
  EXPECT_TRUE(logs().empty());
}

TEST_F(StateTest, ProjectInfoWhileLockedAndUnfinished) {
  up("demo", DemoDirectorFile);
  ASSERT_EQ(sim("ajsim", {"state", "stale-lock", "demo"}).ExitCode, 0);
  auto S = makeState();
  S->refreshAll();
  std::optional<Object> P = S->projectInfo("demo");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->getString("state"), llvm::StringRef("UNFINISHED"));
  EXPECT_EQ(P->getBoolean("locked"), true);
}

TEST_F(StateTest, MissingToolIsAFailureNotACrash) {
  up("demo", DemoDirectorFile);
  Tools.AppJail = Dir + "/no-such-appjail";
  Tools.Director = Dir + "/no-such-director";
  auto S = makeState();
  S->refreshAll();
  // The jails are listed from the directory; nothing else could be read.
  EXPECT_EQ(S->jails(), (std::vector<std::string>{"db1", "web1"}));
  EXPECT_EQ(str(S->jailInfo("web1")), "{}");
  EXPECT_EQ(str(S->jailStats("web1")), "{}");
  EXPECT_TRUE(S->projects().empty());
  EXPECT_GT(S->counters().CommandFailures, 0u);
  // The conf/ items need no command.
  EXPECT_EQ(S->jailItems(JailItem::Fstab, "web1")->size(), 1u);
  bool Mentioned = false;
  for (const std::string &L : logs())
    Mentioned |= L.find("cannot run") != std::string::npos;
  EXPECT_TRUE(Mentioned);
}

TEST_F(StateTest, UnreadableItemKeepsThePreviousValue) {
  up("demo", DemoDirectorFile);
  auto S = makeState();
  S->refreshAll();
  std::string Before = str(S->jailItems(JailItem::Fstab, "web1"));
  // Not a keyword file AppJail writes (and unreadable for the reader).
  std::string File = Cfg.AppjailJails + "/web1/conf/boot/fstab/0/fs_mntops";
  write(File, std::string(100 * 1024, 'x'));
  S->refreshJail("web1");
  EXPECT_EQ(str(S->jailItems(JailItem::Fstab, "web1")), Before);
  ASSERT_EQ(logs().size(), 1u);
  EXPECT_NE(logs()[0].find("fstab"), std::string::npos) << logs()[0];
  EXPECT_NE(logs()[0].find("larger than"), std::string::npos) << logs()[0];
  EXPECT_EQ(S->counters().CommandFailures, 1u);
  write(File, "rw\n");
  S->refreshJail("web1");
  EXPECT_NE(
      str(S->jailItems(JailItem::Fstab, "web1")).find(R"("options":"rw")"),
      std::string::npos);
}

/// Every keyword the simulator knows, as a config list.
const std::vector<std::string> AllKeywords = {
    "name",        "status",  "dirty",          "ephemeral",   "locked",
    "boot",        "is_container", "container_boot", "priority", "type",
    "version",     "arch",    "release_name",   "path",        "network_ip4",
    "ports",       "created", "devfs_ruleset",  "hostname",    "alt_name"};

TEST_F(StateTest, SeveralKeywordsAtOnceMatchOneAtATime) {
  up("demo", DemoDirectorFile);
  for (const char *J : {"web1", "db1"}) {
    std::vector<std::string> Args = {"jail", "get", "-It", "--", J};
    Args.insert(Args.end(), AllKeywords.begin(), AllKeywords.end());
    ProcessResult Many = sim("appjail", Args);
    ASSERT_EQ(Many.ExitCode, 0) << Many.Stderr;
    llvm::Expected<std::vector<std::string>> Values =
        parseJailGetValues(Many.Stdout, AllKeywords.size());
    ASSERT_TRUE(bool(Values)) << llvm::toString(Values.takeError());
    for (size_t I = 0; I < AllKeywords.size(); ++I) {
      ProcessResult One = sim("appjail", {"jail", "get", "-I", "--", J,
                                          AllKeywords[I]});
      ASSERT_EQ(One.ExitCode, 0);
      EXPECT_EQ((*Values)[I], parseJailGetValue(One.Stdout))
          << J << " " << AllKeywords[I];
    }
  }
  // NodeState asks once per jail and serves the same values.
  Cfg.Polling.Keywords["jail"] = AllKeywords;
  auto S = makeState();
  S->refreshAll();
  std::optional<Object> Info = S->jailInfo("web1");
  ASSERT_TRUE(Info);
  EXPECT_EQ(Info->size(), AllKeywords.size());
  EXPECT_EQ(field(Info, "ports"), "8080/tcp");
  EXPECT_EQ(field(Info, "hostname"), "");
  EXPECT_EQ(field(Info, "status"), "UP");
  EXPECT_EQ(S->counters().CommandsRun, 3u + 2 * 4);
  EXPECT_EQ(S->counters().CommandFailures, 0u);
}

TEST_F(StateTest, UnknownKeywordFallsBackToOneAtATime) {
  // AppJail skips an unknown keyword in a row (with a warning), so the row
  // is short: NodeState asks each keyword alone, as the reference does.
  Cfg.Polling.Keywords["jail"] = {"name", "bogus", "status", "name"};
  up("demo", DemoDirectorFile);
  auto S = makeState();
  S->refreshJail("web1");
  EXPECT_EQ(str(S->jailInfo("web1")),
            R"({"bogus":"","name":"web1","status":"UP"})");
  // One row + three keywords (the repeated one is asked once) + status +
  // sysctl + rctl + cpuset.
  EXPECT_EQ(S->counters().CommandsRun, 1u + 3 + 4);
  EXPECT_EQ(S->counters().CommandFailures, 0u);
  EXPECT_TRUE(logs().empty());
}

/// `describe -p P` through the simulator, parsed.
DirectorDescription describe(StateTest &T, ProcessResult R) {
  EXPECT_EQ(R.ExitCode, 0) << R.Stderr;
  llvm::Expected<DirectorDescription> D = parseDirectorDescription(R.Stdout);
  if (!D) {
    ADD_FAILURE() << llvm::toString(D.takeError());
    return {};
  }
  return std::move(*D);
}

TEST_F(StateTest, CallersDescribeTellsWhichJailsRun) {
  up("demo", DemoDirectorFile);
  ASSERT_EQ(sim("appjail", {"stop", "--", "web1"}).ExitCode, 0);
  auto S = makeState();
  NodeState::Observation Obs = S->beginObservation();
  DirectorDescription D =
      describe(*this, sim("appjail-director", {"describe", "-p", "demo"}));
  S->refreshProject("demo", std::move(Obs), &D);
  EXPECT_EQ(field(S->jailInfo("web1"), "status"), "DOWN");
  EXPECT_EQ(field(S->jailInfo("db1"), "status"), "UP");
  // The stopped jail: its keywords only (no stats, no cpuset, no status).
  EXPECT_EQ(str(S->jailStats("web1")), "{}");
  EXPECT_EQ(str(S->jailCpuset("web1")), "null");
  EXPECT_EQ(str(S->jailCpuset("db1")), R"("0, 1")");
  // sysctl + `jail get -It` of both + rctl and cpuset of the running one.
  EXPECT_EQ(S->counters().CommandsRun, 1u + 2 + 2);
  EXPECT_EQ(S->counters().CommandFailures, 0u);
}

TEST_F(StateTest, CallersDescribeIsServedWithoutDescribingAgain) {
  up("demo", DemoDirectorFile);
  auto S = makeState();
  NodeState::Observation Obs = S->beginObservation();
  ASSERT_TRUE(bool(Obs));
  DirectorDescription D =
      describe(*this, sim("appjail-director", {"describe", "-p", "demo"}));
  S->refreshProject("demo", std::move(Obs), &D);
  EXPECT_EQ(field(S->projectInfo("demo"), "state"), "DONE");
  EXPECT_EQ(S->jails(), (std::vector<std::string>{"db1", "web1"}));
  EXPECT_EQ(field(S->jailInfo("web1"), "status"), "UP");
  EXPECT_EQ(S->jailItems(JailItem::Fstab, "web1")->size(), 1u);
  // sysctl + per jail `jail get -It`, rctl, cpuset; no describe, and no
  // `status` (the describe's service status told whether each jail runs).
  EXPECT_EQ(S->counters().CommandsRun, 1u + 2 * 3);
  EXPECT_EQ(field(S->jailInfo("db1"), "status"), "UP");
  EXPECT_TRUE(S->jailStats("web1").has_value());

  // Destroyed, and the caller saw it (describe/check exited 66).
  ProcessResult R = sim("appjail-director", {"down", "-j", "-d", "-p", "demo"});
  ASSERT_EQ(R.ExitCode, 0) << R.Stdout << R.Stderr;
  S->refreshProject("demo", S->beginObservation(), nullptr);
  EXPECT_FALSE(S->hasProject("demo"));
  EXPECT_TRUE(S->jails().empty());
  EXPECT_EQ(S->counters().CommandFailures, 0u);
}

TEST_F(StateTest, CallersOlderObservationNeverUndoesANewerRefresh) {
  up("demo", DemoDirectorFile);
  auto S = makeState();
  // The caller opens its observation and describes: DONE...
  NodeState::Observation Obs = S->beginObservation();
  DirectorDescription Old =
      describe(*this, sim("appjail-director", {"describe", "-p", "demo"}));
  ASSERT_EQ(Old.State, DirectorState::Done);
  // ...then the project changes and a later refresh sees it...
  ASSERT_EQ(sim("ajsim", {"state", "stale-lock", "demo"}).ExitCode, 0);
  S->refreshProject("demo");
  ASSERT_EQ(field(S->projectInfo("demo"), "state"), "UNFINISHED");
  // ...so the caller's older describe, merged last, is not served.
  S->refreshProject("demo", std::move(Obs), &Old);
  EXPECT_EQ(field(S->projectInfo("demo"), "state"), "UNFINISHED");
  EXPECT_EQ(S->projectInfo("demo")->getBoolean("locked"), true);
}

} // namespace
