//===- DirectorOutputTest.cpp - Director output parser tests ----*- C++ -*-===//
//
// Byte-exact fixtures from appjail-interface.md §1.6, garbage and truncated
// inputs, and the success rule.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/DirectorOutput.h"

#include "gtest/gtest.h"

using namespace overlord::engine;

namespace {

template <typename T> std::string errorOf(llvm::Expected<T> E) {
  if (E)
    return "";
  return llvm::toString(E.takeError());
}

const char *const CleanResult = "{\n"
                                "  \"errlevel\": 0,\n"
                                "  \"message\": null,\n"
                                "  \"failed\": []\n"
                                "}\n";

const char *const MakejailFailed = "{\n"
                                   "  \"errlevel\": 3,\n"
                                   "  \"message\": null,\n"
                                   "  \"failed\": [\n"
                                   "    {\n"
                                   "      \"type\": \"makejail\",\n"
                                   "      \"service\": \"web\"\n"
                                   "    }\n"
                                   "  ]\n"
                                   "}\n";

const char *const Describe = "{\n"
                             "  \"name\": \"demo\",\n"
                             "  \"state\": \"DONE\",\n"
                             "  \"last_log\": "
                             "\"/root/.director/logs/2025-04-23_10h15m02s\",\n"
                             "  \"locked\": false,\n"
                             "  \"services\": [\n"
                             "    {\n"
                             "      \"name\": \"web\",\n"
                             "      \"status\": 66,\n"
                             "      \"jail\": \"7d96f0a7de\"\n"
                             "    },\n"
                             "    {\n"
                             "      \"name\": \"db\",\n"
                             "      \"status\": 0,\n"
                             "      \"jail\": \"mydb\"\n"
                             "    }\n"
                             "  ]\n"
                             "}\n";

TEST(DirectorOutput, CleanResult) {
  auto R = parseDirectorResult(CleanResult);
  ASSERT_TRUE(!!R) << errorOf(std::move(R));
  EXPECT_EQ(R->ErrLevel, 0);
  EXPECT_EQ(R->Message, std::nullopt);
  EXPECT_TRUE(R->Failed.empty());
  EXPECT_TRUE(R->clean());
}

TEST(DirectorOutput, MakejailFailure) {
  auto R = parseDirectorResult(MakejailFailed);
  ASSERT_TRUE(!!R);
  EXPECT_EQ(R->ErrLevel, 3);
  ASSERT_EQ(R->Failed.size(), 1u);
  EXPECT_EQ(R->Failed[0].Step, DirectorStep::Makejail);
  EXPECT_EQ(R->Failed[0].Type, "makejail");
  EXPECT_EQ(R->Failed[0].Service, "web");
  EXPECT_FALSE(R->clean());
}

TEST(DirectorOutput, MessagesAndSteps) {
  auto R = parseDirectorResult(
      "{\"errlevel\": 66, \"message\": \"nofile.yml: Director file cannot be "
      "found.\", \"failed\": []}");
  ASSERT_TRUE(!!R);
  EXPECT_EQ(R->ErrLevel, 66);
  EXPECT_EQ(R->Message, "nofile.yml: Director file cannot be found.");
  for (const char *T : {"stop", "destroy", "makejail", "enable-start",
                        "oci-user", "oci-workdir", "oci-environment",
                        "scripts", "start", "runtime-makejail"}) {
    EXPECT_NE(parseDirectorStep(T), DirectorStep::Unknown) << T;
    EXPECT_EQ(directorStepName(parseDirectorStep(T)), T);
  }
  auto U = parseDirectorResult(
      "{\"errlevel\":0,\"message\":null,\"failed\":[{\"type\":\"teleport\","
      "\"service\":\"a\"}]}\r\n");
  ASSERT_TRUE(!!U);
  EXPECT_EQ(U->Failed[0].Step, DirectorStep::Unknown);
  EXPECT_EQ(U->Failed[0].Type, "teleport");
}

TEST(DirectorOutput, ResultGarbage) {
  // The reference's json.loads crashes on the first of these.
  EXPECT_EQ(errorOf(parseDirectorResult("")),
            "cannot parse director result: no output");
  EXPECT_EQ(errorOf(parseDirectorResult(" \n")),
            "cannot parse director result: no output");
  std::string Truncated(CleanResult, 20);
  EXPECT_NE(errorOf(parseDirectorResult(Truncated)), "");
  EXPECT_NE(errorOf(parseDirectorResult("Traceback (most recent call last)")),
            "");
  EXPECT_NE(errorOf(parseDirectorResult(std::string(CleanResult) + "Done.")),
            "");
  EXPECT_NE(errorOf(parseDirectorResult("[]")), "");
  EXPECT_NE(errorOf(parseDirectorResult("\xff\xfe{")), "");
  EXPECT_EQ(errorOf(parseDirectorResult(
                "{\"errlevel\":\"0\",\"message\":null,\"failed\":[]}")),
            "cannot parse director result: field 'errlevel' must be an "
            "integer");
  EXPECT_EQ(errorOf(parseDirectorResult(
                "{\"errlevel\":0.5,\"message\":null,\"failed\":[]}")),
            "cannot parse director result: field 'errlevel' must be an "
            "integer");
  EXPECT_EQ(errorOf(parseDirectorResult("{\"errlevel\":0,\"message\":null}")),
            "cannot parse director result: field 'failed' must be an array");
  EXPECT_NE(errorOf(parseDirectorResult(
                "{\"errlevel\":0,\"message\":3,\"failed\":[]}")),
            "");
  EXPECT_NE(errorOf(parseDirectorResult(
                "{\"errlevel\":0,\"message\":null,\"failed\":[1]}")),
            "");
  EXPECT_NE(errorOf(parseDirectorResult(
                "{\"errlevel\":0,\"message\":null,\"failed\":[{\"type\":"
                "\"stop\"}]}")),
            "");
}

TEST(DirectorOutput, Exception) {
  const char *Stderr =
      "Exception:\n"
      " type: InvalidSpec\n"
      " error: services/web: Unknown key \"bogus\".\n"
      " file: /root/.director/logs/2025-04-23_10h15m02s/exception.log\n";
  auto E = parseDirectorException(Stderr);
  ASSERT_TRUE(E.has_value());
  EXPECT_EQ(E->Type, "InvalidSpec");
  EXPECT_EQ(E->Error, "services/web: Unknown key \"bogus\".");
  EXPECT_EQ(E->File, "/root/.director/logs/2025-04-23_10h15m02s/exception.log");
  auto L = parseDirectorException(
      "Exception:\r\n type: ProjectLocked\r\n error: demo: Project locked. Run "
      "`rm -f /tmp/director/locks/demo/lock` if you are sure.\r\n");
  ASSERT_TRUE(L.has_value());
  EXPECT_EQ(L->Type, "ProjectLocked");
  EXPECT_EQ(L->File, "");
  EXPECT_FALSE(parseDirectorException("Usage: appjail-director up [OPTIONS]\n"
                                      "Error: No such option: --bogus\n"));
  EXPECT_FALSE(parseDirectorException(""));
}

TEST(DirectorOutput, Describe) {
  auto D = parseDirectorDescription(Describe);
  ASSERT_TRUE(!!D) << errorOf(std::move(D));
  EXPECT_EQ(D->Name, "demo");
  EXPECT_EQ(D->State, DirectorState::Done);
  EXPECT_EQ(D->LastLog, "/root/.director/logs/2025-04-23_10h15m02s");
  EXPECT_EQ(D->lastLogName(), "2025-04-23_10h15m02s");
  EXPECT_FALSE(D->Locked);
  EXPECT_FALSE(D->busy());
  ASSERT_EQ(D->Services.size(), 2u);
  // Sorted by name whatever order Director printed.
  EXPECT_EQ(D->Services[0].Name, "db");
  EXPECT_EQ(D->Services[0].Jail, "mydb");
  EXPECT_EQ(D->Services[0].runState(), JailRunState::Running);
  EXPECT_EQ(D->Services[1].Name, "web");
  EXPECT_EQ(D->Services[1].Status, 66);
  EXPECT_EQ(D->Services[1].runState(), JailRunState::Missing);
  ASSERT_NE(D->service("web"), nullptr);
  EXPECT_EQ(D->service("nope"), nullptr);
}

TEST(DirectorOutput, DescribeStates) {
  auto Make = [](const char *State, const char *Locked) {
    return std::string("{\"name\":\"p\",\"state\":\"") + State +
           "\",\"last_log\":null,\"locked\":" + Locked + ",\"services\":[]}";
  };
  auto U = parseDirectorDescription(Make("UNFINISHED", "true"));
  ASSERT_TRUE(!!U);
  EXPECT_EQ(U->State, DirectorState::Unfinished);
  EXPECT_EQ(U->LastLog, std::nullopt);
  EXPECT_EQ(U->lastLogName(), "");
  EXPECT_TRUE(U->busy());
  auto D = parseDirectorDescription(Make("DESTROYING", "true"));
  ASSERT_TRUE(!!D);
  EXPECT_TRUE(D->busy());
  auto Stale = parseDirectorDescription(Make("UNFINISHED", "false"));
  ASSERT_TRUE(!!Stale);
  EXPECT_FALSE(Stale->busy()); // the earlier Director died: proceed
  auto F = parseDirectorDescription(Make("FAILED", "true"));
  ASSERT_TRUE(!!F);
  EXPECT_FALSE(F->busy());
  EXPECT_EQ(errorOf(parseDirectorDescription(Make("BROKEN", "false"))),
            "cannot parse director describe: unknown project state 'BROKEN'");
  EXPECT_NE(errorOf(parseDirectorDescription(Make("DONE", "\"no\""))), "");
  for (DirectorState S : {DirectorState::Done, DirectorState::Failed,
                         DirectorState::Unfinished, DirectorState::Destroying})
    EXPECT_EQ(parseDirectorState(directorStateName(S)), S);
}

TEST(DirectorOutput, DescribeGarbage) {
  // Unknown project: rc 66 and no stdout.
  EXPECT_EQ(errorOf(parseDirectorDescription("")),
            "cannot parse director describe: no output");
  std::string Truncated(Describe, 100);
  EXPECT_NE(errorOf(parseDirectorDescription(Truncated)), "");
  EXPECT_NE(errorOf(parseDirectorDescription("demo: Project not found.\n")),
            "");
  EXPECT_NE(errorOf(parseDirectorDescription(
                "{\"name\":\"p\",\"state\":\"DONE\",\"last_log\":null,"
                "\"locked\":false,\"services\":[{\"name\":\"a\",\"status\":"
                "\"0\",\"jail\":\"j\"}]}")),
            "");
  EXPECT_NE(errorOf(parseDirectorDescription(
                "{\"name\":\"p\",\"state\":\"DONE\",\"locked\":false}")),
            "");
}

TEST(DirectorOutput, List) {
  auto L = parseDirectorList("Projects:\n + demo\n x full\n - bad\n ! run\n"
                             " ? odd\n");
  ASSERT_TRUE(!!L) << errorOf(std::move(L));
  ASSERT_EQ(L->size(), 5u);
  EXPECT_EQ((*L)[0].Name, "demo");
  EXPECT_EQ((*L)[0].State, DirectorState::Done);
  EXPECT_EQ((*L)[1].Name, "full");
  EXPECT_EQ((*L)[1].State, DirectorState::Destroying);
  EXPECT_EQ((*L)[2].State, DirectorState::Failed);
  EXPECT_EQ((*L)[3].State, DirectorState::Unfinished);
  EXPECT_EQ((*L)[4].Symbol, '?');
  EXPECT_EQ((*L)[4].State, std::nullopt);
  auto None = parseDirectorList("No project has been created.\n");
  ASSERT_TRUE(!!None);
  EXPECT_TRUE(None->empty());
  auto Header = parseDirectorList("Projects:\n");
  ASSERT_TRUE(!!Header);
  EXPECT_TRUE(Header->empty());
  auto Pty = parseDirectorList("Projects:\r\n + demo\r\n");
  ASSERT_TRUE(!!Pty);
  EXPECT_EQ((*Pty)[0].Name, "demo");
  EXPECT_EQ(errorOf(parseDirectorList("")),
            "cannot parse director ls: no output");
  EXPECT_NE(errorOf(parseDirectorList("Projects:\n+ demo\n")), "");
  EXPECT_NE(errorOf(parseDirectorList("Projects:\n * demo\n")), "");
  EXPECT_NE(errorOf(parseDirectorList("bogus: Invalid state.\n")), "");
  EXPECT_NE(errorOf(parseDirectorList("Projects:\n + \n")), "");
}

TEST(DirectorOutput, SuccessRule) {
  auto R = parseDirectorResult(CleanResult);
  auto D = parseDirectorDescription(Describe);
  ASSERT_TRUE(R && D);
  EXPECT_TRUE(isDirectorSuccess(0, *R, *D));
  // Exit code 0 is not enough.
  EXPECT_FALSE(isDirectorSuccess(1, *R, *D));
  DirectorDescription Failed = *D;
  Failed.State = DirectorState::Failed;
  DirectorVerdict V = judgeDirectorRun("demo", 0, &*R, &Failed);
  EXPECT_FALSE(V.Success);
  EXPECT_EQ(V.Reason, "Project 'demo' has an unexpected state 'FAILED'");
  // down: stop failures keep rc 0 and errlevel 0 but list the step.
  DirectorResult StopFailed = *R;
  StopFailed.Failed.push_back({DirectorStep::Stop, "stop", "web"});
  V = judgeDirectorRun("demo", 0, &StopFailed, &*D);
  EXPECT_FALSE(V.Success);
  EXPECT_EQ(V.Reason,
            "Director reported failed steps in project 'demo': web (stop)");
  DirectorResult Err = *R;
  Err.ErrLevel = 66;
  Err.Message = "demo: Project not found.";
  V = judgeDirectorRun("demo", 66, &Err, &*D);
  EXPECT_EQ(V.Reason, "Director failed on project 'demo' with exit status 66 "
                      "and errlevel 66: demo: Project not found.");
  // rc 0 but errlevel 3 (mismatch injected by the simulator).
  Err.ErrLevel = 3;
  Err.Message.reset();
  EXPECT_FALSE(judgeDirectorRun("demo", 0, &Err, &*D).Success);
  EXPECT_FALSE(judgeDirectorRun("demo", 0, nullptr, &*D).Success);
  V = judgeDirectorRun("demo", 0, &*R, nullptr);
  EXPECT_EQ(V.Reason, "cannot describe project 'demo'");
  V = judgeDirectorRun("demo", 0, &*R, &*D);
  EXPECT_TRUE(V.Success);
  EXPECT_EQ(V.Reason, "");
}

TEST(DirectorOutput, DestroyRule) {
  auto R = parseDirectorResult(CleanResult);
  ASSERT_TRUE(!!R);
  EXPECT_TRUE(judgeDirectorDestroy("demo", 0, &*R, 66).Success);
  EXPECT_EQ(judgeDirectorDestroy("demo", 0, &*R, 0).Reason,
            "Project 'demo' still exists after destroy");
  // rc 74 while the JSON still says errlevel 0 (verified Director behaviour).
  EXPECT_FALSE(judgeDirectorDestroy("demo", 74, &*R, 66).Success);
  DirectorResult Ignored = *R;
  Ignored.Failed.push_back({DirectorStep::Destroy, "destroy", "db"});
  EXPECT_FALSE(judgeDirectorDestroy("demo", 0, &Ignored, 66).Success);
}

} // namespace
