//===- NodeStateRefreshTest.cpp - NodeState refresher and races -*- C++ -*-===//
//
// The background refresher (interval, start/stop, prompt stop during a slow
// cycle), the ordering rule that keeps an older observation from undoing a
// newer one (stale info, resurrected jails), concurrent readers, and the
// time of a full refresh of 100 simulated jails.
//
//===----------------------------------------------------------------------===//
#include "StateTestSupport.h"

#include <sys/resource.h>
#include <thread>

using namespace overlord::engine;
using namespace overlord::engine::statetest;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// Polls Cond every 20 ms until it holds or Limit passes.
template <typename F> bool waitFor(F Cond, std::chrono::milliseconds Limit) {
  auto End = Clock::now() + Limit;
  while (Clock::now() < End) {
    if (Cond())
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return Cond();
}

class StateRefreshTest : public StateTest {
protected:
  /// True once the simulator journaled a call whose argv contains Needle.
  bool journaled(const std::string &Needle) {
    std::ifstream In(Root + "/sim/calls.jsonl");
    std::string Line;
    while (std::getline(In, Line))
      if (Line.find(Needle) != std::string::npos)
        return true;
    return false;
  }
  void setAllIntervals(int64_t S) {
    PollingConfig &P = Cfg.Polling;
    P.Jails = P.JailInfo = P.JailStats = P.JailExtras = P.Projects =
        P.ProjectInfo = S;
  }
};

TEST_F(StateRefreshTest, IntervalIsTheSmallestNeverUnderOneSecond) {
  auto S = makeState();
  EXPECT_EQ(S->interval(), 4s); // polling.jails
  Cfg.Polling.ProjectInfo = 2;
  EXPECT_EQ(S->interval(), 2s);
  setAllIntervals(0);
  EXPECT_EQ(S->interval(), 1s);
  Cfg.Polling.Autoscale = 0; // not a refresh interval
  setAllIntervals(30);
  EXPECT_EQ(S->interval(), 30s);
}

TEST_F(StateRefreshTest, BackgroundRefresherSeesOutsideChanges) {
  setAllIntervals(1);
  up("demo", DemoDirectorFile);
  auto S = makeState();
  S->start();
  S->start(); // idempotent
  ASSERT_TRUE(waitFor([&] { return S->hasProject("demo"); }, 10s));
  ASSERT_TRUE(waitFor([&] { return S->counters().FullRefreshes >= 1; }, 10s));
  EXPECT_TRUE(S->hasJail("web1"));
  EXPECT_GT(S->counters().LastFullRefresh.count(), 0);

  // Changes made outside overlord show within a few intervals.
  ASSERT_EQ(sim("ajsim", {"rctl", "set", "web1", "memoryuse=777"}).ExitCode, 0);
  ASSERT_TRUE(waitFor(
      [&] {
        std::optional<llvm::json::Object> St = S->jailStats("web1");
        return St && St->getInteger("memoryuse") == int64_t(777);
      },
      10s));
  ASSERT_EQ(sim("ajsim", {"jail", "rm", "db1"}).ExitCode, 0);
  ASSERT_TRUE(waitFor([&] { return !S->hasJail("db1"); }, 10s));

  auto Start = Clock::now();
  S->stop();
  EXPECT_LT(Clock::now() - Start, 3s);
  S->stop(); // idempotent
  uint64_t Refreshes = S->counters().Refreshes;
  EXPECT_GE(Refreshes, 2u);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(S->counters().Refreshes, Refreshes) << "refresher still running";

  // It can be started again.
  S->start();
  EXPECT_TRUE(
      waitFor([&] { return S->counters().Refreshes > Refreshes; }, 10s));
  S->stop();
}

TEST_F(StateRefreshTest, StopIsPromptDuringASlowCycle) {
  up("demo", DemoDirectorFile);
  // An AppJail without the several-keyword form (usage error), and every
  // one-keyword `jail get` takes a second: a full cycle needs 6 s per jail.
  fault(R"(appjail "jail get -It *" rc=64)");
  fault(R"(appjail "jail get -I -- *" delay=1)");
  auto S = makeState();
  S->start();
  ASSERT_TRUE(
      waitFor([&] { return journaled(R"("jail","get","-I","--")"); }, 10s));
  auto Start = Clock::now();
  S->stop();
  EXPECT_LT(Clock::now() - Start, 3500ms); // uncancelled: 5 s more
  // A cancelled cycle publishes no half-read listing.
  EXPECT_EQ(S->counters().FullRefreshes, 0u);
}

TEST_F(StateRefreshTest, OlderObservationNeverUndoesNewerOne) {
  Cfg.Polling.Keywords["jail"] = {"status", "name"};
  up("demo", DemoDirectorFile);
  // One keyword at a time (the several-keyword form fails): the full
  // refresh reads web1's status, then stalls on its name.
  fault(R"(appjail "jail get -It *" rc=64)");
  fault(R"(appjail "jail get -I -- web1 name" times=1 delay=2)");
  auto S = makeState();
  std::thread Full([&] { S->refreshAll(); });
  ASSERT_TRUE(waitFor(
      [&] { return journaled(R"(["jail","get","-I","--","web1","status"])"); },
      10s));
  // Meanwhile the engine stops the jail and refreshes it.
  ASSERT_EQ(sim("appjail", {"stop", "web1"}).ExitCode, 0);
  S->refreshJail("web1");
  EXPECT_EQ(field(S->jailInfo("web1"), "status"), "DOWN");
  Full.join();
  // The full refresh's "UP", read before the change, is not served.
  EXPECT_EQ(field(S->jailInfo("web1"), "status"), "DOWN");
  EXPECT_EQ(field(S->jailInfo("db1"), "status"), "UP");
}

TEST_F(StateRefreshTest, OlderListingNeverResurrectsAJail) {
  up("demo", DemoDirectorFile);
  // The full refresh lists both jails, reads web1 quickly and stalls on db1.
  fault(R"(appjail "jail get -I -- db1 name" times=1 delay=2)");
  auto S = makeState();
  std::thread Full([&] { S->refreshAll(); });
  ASSERT_TRUE(waitFor([&] { return journaled(R"(["cpuset","web1"])"); }, 10s));
  std::this_thread::sleep_for(200ms); // web1's conf/ files are read too
  ASSERT_EQ(sim("ajsim", {"jail", "rm", "web1"}).ExitCode, 0);
  S->refreshJail("web1");
  EXPECT_FALSE(S->hasJail("web1"));
  Full.join();
  EXPECT_FALSE(S->hasJail("web1"));
  EXPECT_FALSE(S->jailInfo("web1"));
  EXPECT_TRUE(S->hasJail("db1"));
  // The next full refresh agrees.
  S->refreshAll();
  EXPECT_EQ(S->jails(), (std::vector<std::string>{"db1"}));
}

TEST_F(StateRefreshTest, ReadersRunDuringRefreshes) {
  up("demo", DemoDirectorFile);
  auto S = makeState();
  S->refreshAll();
  std::atomic<bool> Done{false};
  std::atomic<unsigned> Reads{0}, Bad{0};
  std::vector<std::thread> Readers;
  for (int T = 0; T < 3; ++T)
    Readers.emplace_back([&] {
      while (!Done) {
        for (const std::string &J : S->jails()) {
          std::optional<llvm::json::Object> I = S->jailInfo(J);
          // A jail of this project never disappears here.
          if (!I || !S->jailStats(J) || !S->jailCpuset(J) ||
              !S->jailItems(JailItem::Expose, J))
            ++Bad;
        }
        if (!S->projectInfo("demo"))
          ++Bad;
        S->totalStats();
        S->counters();
        ++Reads;
        std::this_thread::sleep_for(1ms); // leave the CPU to the refresh
      }
    });
  for (int I = 0; I < 2; ++I) {
    S->refreshAll();
    S->refreshProject("demo");
    S->refreshJail("web1");
  }
  Done = true;
  for (std::thread &T : Readers)
    T.join();
  EXPECT_GT(Reads.load(), 0u);
  EXPECT_EQ(Bad.load(), 0u);
  EXPECT_EQ(S->jails(), (std::vector<std::string>{"db1", "web1"}));
}

TEST_F(StateRefreshTest, HundredJailsRefreshInSeconds) {
  std::string File = "options:\n  - virtualnet: ':<random> default'\n"
                     "services:\n";
  for (int I = 0; I < 100; ++I)
    File += "  s" + std::to_string(I) + ":\n    name: j" + std::to_string(I) +
            "\n    makejail: Makejail\n";
  up("big", File);
  auto S = makeState();
  struct rusage Before, After;
  ::getrusage(RUSAGE_CHILDREN, &Before);
  auto Start = Clock::now();
  S->refreshAll();
  auto Took = Clock::now() - Start;
  ::getrusage(RUSAGE_CHILDREN, &After);
  auto Cpu = [](const struct rusage &R) {
    return R.ru_utime.tv_sec + R.ru_stime.tv_sec +
           (R.ru_utime.tv_usec + R.ru_stime.tv_usec) / 1e6;
  };
  NodeState::Counters C = S->counters();
  EXPECT_EQ(C.Jails, 100u);
  EXPECT_EQ(C.CommandFailures, 0u);
  // ls, describe, sysctl; per jail: one `jail get -It` + status + rctl + cpuset.
  EXPECT_EQ(C.CommandsRun, 3u + 100 * 4);
  EXPECT_EQ(S->projectInfo("big")->getArray("services")->size(), 100u);
  EXPECT_EQ(S->totalStats().size(), 25u);
  double Secs = std::chrono::duration<double>(Took).count();
  RecordProperty("full_refresh_100_jails_ms", int(Secs * 1000));
  std::printf("[ measure  ] full refresh of 100 jails: %.2f s wall, %.2f s "
              "CPU in %llu commands\n",
              Secs, Cpu(After) - Cpu(Before),
              (unsigned long long)C.CommandsRun);
  // "Must not take minutes": bounded well below one, even on a busy host.
  EXPECT_LT(Secs, 45.0);
}

} // namespace
