//===- ExecCommandsTest.cpp - Command argv and end-to-end tests -*- C++ -*-===//
//
// The exact argv of appjail-interface.md §1.2–1.4, and one up/describe round
// through runProcess, the parsers and the success rule against a fake
// appjail-director script.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/DirectorOutput.h"
#include "overlord/Engine/ExecCommands.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include "gtest/gtest.h"

#include <fstream>
#include <sys/stat.h>

using namespace overlord::engine;

namespace {

std::string argv(const ProcessSpec &S) {
  return formatCommandLine(S.Program, S.Args);
}

TEST(ExecCommands, DirectorArgv) {
  ToolPaths T;
  ProcessSpec Up = directorUp(T, "/tmp/overlordx1", "demo", false,
                              {{"OVERLORD_METADATA", "/m"}});
  EXPECT_EQ(argv(Up), "appjail-director up -j -f /tmp/overlordx1 -p demo");
  EXPECT_FALSE(Up.InheritEnv);
  EXPECT_EQ(Up.Env.at("OVERLORD_METADATA"), "/m");
  EXPECT_EQ(argv(directorUp(T, "f", "vm1", true, {})),
            "appjail-director up -j -f f -p vm1 --overwrite");
  EXPECT_EQ(argv(directorDown(T, "demo", {}, {})),
            "appjail-director down -j -p demo");
  EXPECT_EQ(argv(directorDown(T, "demo", {true, true, false}, {})),
            "appjail-director down -j -d --ignore-failed -p demo");
  EXPECT_EQ(argv(directorDown(T, "demo", {true, true, true}, {})),
            "appjail-director down -j -d --ignore-failed --ignore-services "
            "-p demo");
  EXPECT_EQ(argv(directorDescribe(T, "demo")),
            "appjail-director describe -p demo");
  EXPECT_EQ(argv(directorCheck(T, "demo")), "appjail-director check -p demo");
  EXPECT_EQ(argv(directorCancel(T, "demo")),
            "appjail-director cancel -p demo");
  EXPECT_EQ(argv(directorList(T)), "appjail-director ls");
  EXPECT_TRUE(directorDescribe(T, "demo").InheritEnv);
}

TEST(ExecCommands, AppJailArgv) {
  ToolPaths T;
  T.AppJail = "/opt/sim/appjail"; // a configured path is used as is
  EXPECT_EQ(argv(appjailStatus(T, "web")), "/opt/sim/appjail status -q web");
  EXPECT_EQ(argv(appjailJailGet(T, "web", "network_ip4")),
            "/opt/sim/appjail jail get -I -- web network_ip4");
  EXPECT_EQ(argv(appjailCpuset(T, "web")), "/opt/sim/appjail cpuset web");
  EXPECT_EQ(argv(appjailLabelGet(T, "vm1", "overlord.vm")),
            "/opt/sim/appjail label get -I -l overlord.vm -- vm1 value");
  EXPECT_EQ(argv(rctlUsage(T, "web")), "rctl -u jail:web");
  EXPECT_EQ(argv(sysctlRacctEnabled(T)), "sysctl -n kern.racct.enable");
}

TEST(ExecCommands, UpThenDescribeEndToEnd) {
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("overlord-exec", Dir));
  std::string Fake = std::string(Dir) + "/appjail-director";
  // A fake Director: up prints the clean result and checks its environment,
  // describe prints the state given by the environment of the test.
  std::ofstream(Fake)
      << "#!/bin/sh\n"
         "case \"$1\" in\n"
         "up) [ \"$OVERLORD_METADATA\" = /m ] || exit 9\n"
         "    printf '{\\n  \"errlevel\": 0,\\n  \"message\": null,\\n"
         "  \"failed\": []\\n}\\n' ;;\n"
         "describe) printf '{\"name\": \"%s\", \"state\": \"%s\", "
         "\"last_log\": null, \"locked\": false, \"services\": []}\\n' "
         "\"$3\" \"${FAKE_STATE:-DONE}\" ;;\n"
         "*) exit 64 ;;\n"
         "esac\n";
  ::chmod(Fake.c_str(), 0755);

  ToolPaths T;
  ProcessSpec Up = directorUp(T, "/dev/null", "demo", false,
                              {{"OVERLORD_METADATA", "/m"}});
  Up.SearchPath = std::string(Dir);
  llvm::Expected<ProcessResult> R = runProcess(Up);
  ASSERT_TRUE(!!R) << llvm::toString(R.takeError());
  llvm::Expected<DirectorResult> Result = parseDirectorResult(R->Stdout);
  ASSERT_TRUE(!!Result) << llvm::toString(Result.takeError());

  auto Describe = [&](const char *State) {
    ProcessSpec D = directorDescribe(T, "demo");
    D.SearchPath = std::string(Dir);
    D.InheritEnv = false;
    D.Env = {{"FAKE_STATE", State}};
    llvm::Expected<ProcessResult> DR = runProcess(D);
    EXPECT_TRUE(DR && DR->succeeded());
    return parseDirectorDescription(DR ? DR->Stdout : "");
  };
  auto Done = Describe("DONE");
  ASSERT_TRUE(!!Done);
  EXPECT_TRUE(judgeDirectorRun("demo", R->shellStatus(), &*Result, &*Done)
                  .Success);
  auto Failed = Describe("FAILED");
  ASSERT_TRUE(!!Failed);
  EXPECT_EQ(judgeDirectorRun("demo", R->shellStatus(), &*Result, &*Failed)
                .Reason,
            "Project 'demo' has an unexpected state 'FAILED'");
  llvm::sys::fs::remove_directories(Dir);
}

} // namespace
