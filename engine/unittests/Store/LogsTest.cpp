//===- LogsTest.cpp - Tests of the log listing and reading ----------------===//
//
// Listing shapes of the Director and AppJail log trees, the route regexes,
// ANSI stripping, the size cap, and every way out of the log directory the
// readers must refuse: "..", ".", empty and slashed components, NUL, and
// symlinks (file or directory) that point outside.
//
//===----------------------------------------------------------------------===//
#include "StoreTestSupport.h"

#include "overlord/Engine/Logs.h"

#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::storetest;
using llvm::json::Array;
using llvm::json::Object;

namespace {

constexpr const char *Date = "2025-01-02_03h04m05s";

class LogsTest : public StoreTest {
protected:
  std::string director() const { return path("director"); }
  std::string appjail() const { return path("appjail"); }
};

TEST(LogNamesTest, RouteRegexes) {
  EXPECT_TRUE(isLogDate("2025-01-02_03h04m05s"));
  for (llvm::StringRef S :
       {"2025-01-02_03h04m05", "2025-01-02-03h04m05s", "20a5-01-02_03h04m05s",
        "", "../01-02_03h04m05s", "2025-01-02_03h04m05ss"})
    EXPECT_FALSE(isLogDate(S)) << S.str();
  EXPECT_TRUE(isLogService("web.1_a-b"));
  for (llvm::StringRef S : {"", ".", "..", "a/b", "a b"})
    EXPECT_FALSE(isLogService(S)) << S.str();
  EXPECT_TRUE(isLogName("up.log"));
  EXPECT_TRUE(isLogName("health-check.log"));
  for (llvm::StringRef S : {".log", "Up.log", "up1.log", "up.txt", "a/b.log",
                            "up.log.1", "../x.log"})
    EXPECT_FALSE(isLogName(S)) << S.str();
  EXPECT_TRUE(isLogComponent("anything goes: even spaces.log"));
  EXPECT_TRUE(isLogComponent("..."));
  for (llvm::StringRef S : {"", ".", "..", "a/b", "/etc"})
    EXPECT_FALSE(isLogComponent(S)) << S.str();
  EXPECT_FALSE(isLogComponent(llvm::StringRef("a\0b", 3)));
}

TEST_F(LogsTest, MissingDirectoriesListEmpty) {
  EXPECT_EQ(listProjectLogs(director()), Object{});
  EXPECT_EQ(listJailLogs(appjail()), Object{});
  EXPECT_EQ(readProjectLog(director(), Date, "web", "up.log", 0), std::nullopt);
  EXPECT_EQ(readJailLog(appjail(), "jails", "web", "console", "a.log", 0),
            std::nullopt);
}

TEST_F(LogsTest, ProjectLogListing) {
  writeFile("director/2025-01-02_03h04m05s/web/up.log", "x");
  writeFile("director/2025-01-02_03h04m05s/web/down.log", "x");
  writeFile("director/2025-01-02_03h04m05s/db/up.log", "x");
  writeFile("director/2025-01-02_03h04m05s/exception.log", "skipped");
  writeFile("director/2024-12-31_23h59m59s/web/up.log", "x");
  makeDir("director/2024-12-31_23h59m59s/web/subdir");
  makeDir("director/2025-02-01_00h00m00s");
  writeFile("director/stray.txt", "not a date directory");
  Object Want{
      {"2024-12-31_23h59m59s", Object{{"web", Array{"up.log"}}}},
      {"2025-01-02_03h04m05s",
       Object{{"db", Array{"up.log"}}, {"web", Array{"down.log", "up.log"}}}},
      {"2025-02-01_00h00m00s", Object{}}};
  EXPECT_EQ(listProjectLogs(director()), Want);
  // Output is sorted whatever the directory order.
  std::string Printed;
  llvm::raw_string_ostream(Printed) << llvm::json::Value(Object(Want));
  std::string Got;
  llvm::raw_string_ostream(Got)
      << llvm::json::Value(listProjectLogs(director()));
  EXPECT_EQ(Got, Printed);
}

TEST_F(LogsTest, JailLogListing) {
  writeFile("appjail/jails/web/console/2025-01-01.log", "x");
  writeFile("appjail/jails/web/console/2025-01-02.log", "x");
  writeFile("appjail/jails/web/startup-start/a.log", "x");
  writeFile("appjail/commands/makejail/web/b.log", "x");
  writeFile("appjail/jails/web/loose.log", "files above a subtype: skipped");
  writeFile("appjail/toplevel.log", "skipped");
  Object Want{
      {"commands", Object{{"makejail", Object{{"web", Array{"b.log"}}}}}},
      {"jails", Object{{"web", Object{{"console", Array{"2025-01-01.log",
                                                        "2025-01-02.log"}},
                                      {"startup-start", Array{"a.log"}}}}}}};
  EXPECT_EQ(listJailLogs(appjail()), Want);
}

TEST_F(LogsTest, ReadsStripAnsi) {
  writeFile(std::string("director/") + Date + "/web/up.log",
            "\x1b[1;32mok\x1b[0m line\nplain\n\xC2\x9B"
            "31mred\n");
  EXPECT_EQ(readProjectLog(director(), Date, "web", "up.log", 0),
            std::string("ok line\nplain\nred\n"));
  writeFile("appjail/jails/web/console/x.log", "\x1b[Kcleared");
  EXPECT_EQ(readJailLog(appjail(), "jails", "web", "console", "x.log", 0),
            std::string("cleared"));
}

TEST_F(LogsTest, ProjectComponentsMustMatchTheirRegexes) {
  writeFile(std::string("director/") + Date + "/web/up.log", "x");
  writeFile("director/notadate/web/up.log", "x");
  writeFile(std::string("director/") + Date + "/web/UP.LOG", "x");
  EXPECT_TRUE(readProjectLog(director(), Date, "web", "up.log", 0));
  EXPECT_FALSE(readProjectLog(director(), "notadate", "web", "up.log", 0));
  EXPECT_FALSE(readProjectLog(director(), Date, "web", "UP.LOG", 0));
  EXPECT_FALSE(readProjectLog(director(), Date, "..", "up.log", 0));
  EXPECT_FALSE(readProjectLog(director(), Date, "web/../web", "up.log", 0));
  EXPECT_FALSE(readProjectLog(director(), Date, "web", "missing.log", 0));
  EXPECT_FALSE(readProjectLog(director(), Date, "web", "", 0));
}

TEST_F(LogsTest, TraversalIsRefused) {
  writeFile("secret", "TOP SECRET");
  writeFile("appjail/jails/web/console/x.log", "fine");
  std::string Dir = appjail();
  auto Read = [&](llvm::StringRef T, llvm::StringRef E, llvm::StringRef S,
                  llvm::StringRef L) {
    return readJailLog(Dir, T, E, S, L, 0);
  };
  EXPECT_EQ(Read("jails", "web", "console", "x.log"), std::string("fine"));
  // The reference joins these into a path: ../../../../secret.
  EXPECT_FALSE(Read("..", "..", "..", "secret"));
  EXPECT_FALSE(Read("jails", "..", "..", "../secret"));
  EXPECT_FALSE(Read("jails", "web", "console", "../../../../secret"));
  EXPECT_FALSE(Read(".", "jails", "web", "console"));
  EXPECT_FALSE(Read("", "web", "console", "x.log"));
  EXPECT_FALSE(Read("jails", "web", "console", path("secret")));
  EXPECT_FALSE(Read("jails", "web", "console", llvm::StringRef("x.log\0", 6)));
  // A directory is not a log.
  EXPECT_FALSE(Read("jails", "web", "console", "."));
  makeDir("appjail/a/b/c/d");
  EXPECT_FALSE(Read("a", "b", "c", "d"));
}

TEST_F(LogsTest, SymlinksOutsideAreRefusedInsideAreFollowed) {
  writeFile("secret", "TOP SECRET");
  makeDir("outside/web/console");
  writeFile("outside/web/console/x.log", "outside");
  writeFile("appjail/jails/web/console/real.log", "inside");
  ASSERT_EQ(::symlink(path("secret").c_str(),
                      path("appjail/jails/web/console/evil.log").c_str()),
            0);
  ASSERT_EQ(::symlink("real.log",
                      path("appjail/jails/web/console/alias.log").c_str()),
            0);
  ASSERT_EQ(::symlink(path("outside").c_str(), path("appjail/escape").c_str()),
            0);
  ASSERT_EQ(::symlink("console", path("appjail/jails/web/inner").c_str()), 0);
  EXPECT_FALSE(
      readJailLog(appjail(), "jails", "web", "console", "evil.log", 0));
  EXPECT_FALSE(readJailLog(appjail(), "escape", "web", "console", "x.log", 0));
  EXPECT_EQ(readJailLog(appjail(), "jails", "web", "console", "alias.log", 0),
            std::string("inside"));
  EXPECT_EQ(readJailLog(appjail(), "jails", "web", "inner", "real.log", 0),
            std::string("inside"));
  // The listing shows only what can be read.
  Object Want{
      {"jails",
       Object{{"web", Object{{"console", Array{"alias.log", "real.log"}},
                             {"inner", Array{"alias.log", "real.log"}}}}}}};
  EXPECT_EQ(listJailLogs(appjail()), Want);

  // The same for Director logs.
  writeFile(std::string("director/") + Date + "/web/up.log", "up");
  ASSERT_EQ(::symlink(path("outside/web").c_str(),
                      (path("director/") + Date + "/db").c_str()),
            0);
  writeFile("outside/web/up.log", "outside");
  EXPECT_FALSE(readProjectLog(director(), Date, "db", "up.log", 0));
  EXPECT_EQ(listProjectLogs(director()),
            (Object{{Date, Object{{"web", Array{"up.log"}}}}}));
}

TEST_F(LogsTest, LogDirectoryMayItselfBeASymlink) {
  writeFile("real-logs/jails/web/console/x.log", "via link");
  ASSERT_EQ(::symlink(path("real-logs").c_str(), appjail().c_str()), 0);
  EXPECT_EQ(readJailLog(appjail(), "jails", "web", "console", "x.log", 0),
            std::string("via link"));
  EXPECT_EQ(listJailLogs(appjail()).size(), 1u);
}

TEST_F(LogsTest, FifoDoesNotHang) {
  makeDir("appjail/jails/web/console");
  ASSERT_EQ(::mkfifo(path("appjail/jails/web/console/pipe.log").c_str(), 0644),
            0);
  EXPECT_FALSE(
      readJailLog(appjail(), "jails", "web", "console", "pipe.log", 0));
  EXPECT_EQ(listJailLogs(appjail()),
            (Object{{"jails", Object{{"web", Object{{"console", Array{}}}}}}}));
}

TEST_F(LogsTest, LongLogsKeepTheirTail) {
  std::string Content;
  for (int I = 0; I < 100; ++I)
    Content += "line " + std::to_string(I) + " \x1b[31mred\x1b[0m\n";
  writeFile("appjail/t/e/s/big.log", Content);
  std::optional<std::string> Got =
      readJailLog(appjail(), "t", "e", "s", "big.log", 100);
  ASSERT_TRUE(Got);
  // Starts after the first line break inside the last 100 bytes.
  size_t Offset = Content.size() - 100;
  size_t Start = Content.find('\n', Offset) + 1;
  std::string Note = "[overlord: " + std::to_string(Start) +
                     " bytes cut from the start of this log]\n";
  EXPECT_EQ(Got->substr(0, Note.size()), Note);
  std::string Tail = Got->substr(Note.size());
  EXPECT_EQ(Tail.find('\x1b'), std::string::npos);
  EXPECT_EQ(Tail.rfind("line 99 red\n"), Tail.size() - 12);
  EXPECT_EQ(Tail.find("line 9"), 0u) << Tail;
  EXPECT_LE(Tail.size(), 100u);
  // Uncapped and a cap above the size read everything.
  std::optional<std::string> All =
      readJailLog(appjail(), "t", "e", "s", "big.log", 0);
  ASSERT_TRUE(All);
  EXPECT_EQ(All->find("[overlord:"), std::string::npos);
  EXPECT_EQ(All->substr(0, 11), "line 0 red\n");
  EXPECT_EQ(readJailLog(appjail(), "t", "e", "s", "big.log", Content.size()),
            All);
}

TEST_F(LogsTest, OneLongLineIsCutAtACharacterBoundary) {
  std::string Content;
  for (int I = 0; I < 50; ++I)
    Content += "\xC3\xA9"; // é, 2 bytes each, no line break
  writeFile("appjail/t/e/s/utf.log", Content);
  std::optional<std::string> Got =
      readJailLog(appjail(), "t", "e", "s", "utf.log", 11);
  ASSERT_TRUE(Got);
  EXPECT_TRUE(llvm::json::isUTF8(*Got));
  EXPECT_EQ(*Got, "[overlord: 90 bytes cut from the start of this log]\n" +
                      Content.substr(90));
}

TEST_F(LogsTest, InvalidUtf8BecomesReplacementCharacters) {
  writeFile("appjail/t/e/s/bad.log", "ok \xFF\xFE end");
  std::optional<std::string> Got =
      readJailLog(appjail(), "t", "e", "s", "bad.log", 0);
  ASSERT_TRUE(Got);
  EXPECT_TRUE(llvm::json::isUTF8(*Got));
  EXPECT_EQ(*Got, "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST_F(LogsTest, ReadLogFileChecksTheBase) {
  writeFile("appjail/x.log", "in");
  writeFile("other/x.log", "out");
  EXPECT_EQ(readLogFile(appjail(), path("appjail/x.log"), 0),
            std::string("in"));
  EXPECT_FALSE(readLogFile(appjail(), path("other/x.log"), 0));
  EXPECT_FALSE(readLogFile(appjail(), path("appjail/../other/x.log"), 0));
  EXPECT_FALSE(readLogFile(appjail(), appjail(), 0));
  // A sibling whose name starts like the base is not inside it.
  writeFile("appjail2/x.log", "sibling");
  EXPECT_FALSE(readLogFile(appjail(), path("appjail2/x.log"), 0));
}

} // namespace
