//===- ProjectFlowTest.cpp - project.up/down/cancel against ajsim ---------===//
//
// The executor's project flows end to end: a real JobQueue, NodeState,
// MetadataStore and the AppJail/Director simulator, including every fault
// the simulator injects (non-zero exit, errlevel/failed mismatch, hang ->
// timeout, a SIGKILLed Director with its stale lock, garbage JSON).
//
//===----------------------------------------------------------------------===//
#include "ExecutorTestSupport.h"

#include "overlord/Engine/Hooks.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::test;

namespace {

using ExecutorFlow = SimNode;

TEST_F(ExecutorFlow, UpCompletesWithDirectorStateAndRefreshesNodeState) {
  Job J = up("demo");
  EXPECT_EQ(J.Status, JobStatus::Completed) << J.Result.ExceptionMessage;
  ASSERT_TRUE(J.Result.Rc);
  EXPECT_EQ(*J.Result.Rc, 0);
  ASSERT_TRUE(J.Result.State);
  EXPECT_EQ(*J.Result.State, DirectorState::Done);
  EXPECT_EQ(J.Result.Locked, std::optional<bool>(false));
  EXPECT_NE(J.Result.Stdout.find("\"errlevel\": 0"), std::string::npos);
  EXPECT_EQ(J.Result.Restarted, std::optional<bool>(false));
  // Event-driven state: the project is known without any poll.
  std::optional<llvm::json::Object> Info = State->projectInfo("demo");
  ASSERT_TRUE(Info);
  EXPECT_EQ(Info->getString("state").value_or(""), "DONE");
}

TEST_F(ExecutorFlow, UpEnvironmentReachesDirectorAndTempFileIsRemoved) {
  const char *Dir = "services:\n"
                    "  web:\n"
                    "    makejail: gh+overlord/hello\n"
                    "    arguments:\n"
                    "      - tag: !ENV '${OVERLORD_TEST_TAG}'\n";
  Job J = up("envdemo", Dir,
             R"("environment": {"OVERLORD_TEST_TAG": "14.3", "PLAIN": "x"})");
  ASSERT_EQ(J.Status, JobStatus::Completed) << J.Result.ExceptionMessage;
  std::string Calls = journal();
  EXPECT_NE(Calls.find(R"("--tag","14.3")"), std::string::npos) << Calls;
  EXPECT_NE(Calls.find("\"OVERLORD_METADATA\":\"" + Cfg.MetadataLocation),
            std::string::npos);
  EXPECT_NE(Calls.find("\"OVERLORD_NAMESPACES\":\"" + Cfg.MetadataNamespaces),
            std::string::npos);
  // up -j -f <tmp> -p envdemo: the file is gone afterwards.
  size_t F = Calls.find(R"("up","-j","-f",")");
  ASSERT_NE(F, std::string::npos);
  size_t Start = F + std::strlen(R"("up","-j","-f",")");
  std::string Tmp = Calls.substr(Start, Calls.find('"', Start) - Start);
  EXPECT_NE(Tmp.find("overlord-"), std::string::npos);
  EXPECT_FALSE(llvm::sys::fs::exists(Tmp));
}

TEST_F(ExecutorFlow, DirectorFileAndEnvironFromMetadata) {
  mustGet(Meta->put("web.director", "services:\n"
                                    "  web:\n"
                                    "    makejail: gh+overlord/hello\n"
                                    "    arguments:\n"
                                    "      - a: !ENV '${OVERLORD_A}'\n"
                                    "      - b: !ENV '${OVERLORD_B}'\n"));
  mustGet(Meta->put("web.environ",
                    "OVERLORD_A: from-metadata\nOVERLORD_B: 8080\n"));
  Job J = run({JobKind::ProjectUp, "metaweb", "main",
               R"({"director_metadata": "web.director",
                   "environ_from_metadata": "web.environ",
                   "environment": {"OVERLORD_A": "explicit"}})",
               false});
  ASSERT_EQ(J.Status, JobStatus::Completed) << J.Result.ExceptionMessage;
  std::string Calls = journal();
  // Explicit keys win over the metadata map; other keys come from it.
  EXPECT_NE(Calls.find(R"("--a","explicit")"), std::string::npos) << Calls;
  EXPECT_NE(Calls.find(R"("--b","8080")"), std::string::npos) << Calls;
}

TEST_F(ExecutorFlow, MissingOrBadMetadataFailsWithClearMessage) {
  Job A = run({JobKind::ProjectUp, "p1", "main",
               R"({"director_metadata": "nope.director"})", false});
  EXPECT_EQ(A.Status, JobStatus::Failed);
  EXPECT_EQ(A.Result.ExceptionType, "MetadataNotFound");
  EXPECT_NE(A.Result.ExceptionMessage.find("'nope.director'"),
            std::string::npos);

  Job B = up("p2", SimpleDirector, R"("environ_from_metadata": "missing.env")");
  EXPECT_EQ(B.Status, JobStatus::Failed);
  EXPECT_EQ(B.Result.ExceptionType, "MetadataNotFound");

  mustGet(Meta->put("list.env", "- a\n- b\n"));
  Job C = up("p3", SimpleDirector, R"("environ_from_metadata": "list.env")");
  EXPECT_EQ(C.Status, JobStatus::Failed);
  EXPECT_EQ(C.Result.ExceptionType, "InvalidEnviron");
  EXPECT_NE(C.Result.ExceptionMessage.find("expected a map"),
            std::string::npos)
      << C.Result.ExceptionMessage;

  Job D = run({JobKind::ProjectUp, "p4", "main", "not json", false});
  EXPECT_EQ(D.Status, JobStatus::Failed);
  EXPECT_EQ(D.Result.ExceptionType, "InvalidPayload");
  // Nothing reached Director for any of them.
  EXPECT_EQ(journal().find("\"up\""), std::string::npos);
}

TEST_F(ExecutorFlow, MakejailFailureIsFailedNotCompleted) {
  fault(R"(appjail "makejail *" rc=3 stderr="pkg: No packages available")");
  Job J = up("demo");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "DirectorError");
  EXPECT_NE(J.Result.ExceptionMessage.find("errlevel 3"), std::string::npos)
      << J.Result.ExceptionMessage;
  EXPECT_EQ(J.Result.Rc, std::optional<int>(3));
  EXPECT_EQ(J.Result.State, std::optional<DirectorState>(DirectorState::Failed));
}

TEST_F(ExecutorFlow, FailedStepsWithExitZeroAndErrlevelZeroFail) {
  fault(R"(appjail-director "up *" rc=0 stdout="{\"errlevel\": 0, \"message\": null, \"failed\": [{\"type\": \"start\", \"service\": \"web\"}]}")");
  Job J = up("demo");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_NE(J.Result.ExceptionMessage.find("failed steps"), std::string::npos)
      << J.Result.ExceptionMessage;
  EXPECT_NE(J.Result.ExceptionMessage.find("web (start)"), std::string::npos);
}

TEST_F(ExecutorFlow, ExitStatusDisagreeingWithErrlevelFails) {
  fault(R"(appjail-director "up *" rc=74 stdout="{\"errlevel\": 0, \"message\": null, \"failed\": []}")");
  Job J = up("demo");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_NE(J.Result.ExceptionMessage.find("exit status 74"),
            std::string::npos)
      << J.Result.ExceptionMessage;
}

TEST_F(ExecutorFlow, GarbageOutputFails) {
  fault(R"(appjail-director "up *" rc=0 stdout="Traceback (most recent call last):")");
  Job J = up("demo");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_NE(J.Result.ExceptionMessage.find("no usable result"),
            std::string::npos)
      << J.Result.ExceptionMessage;
  EXPECT_NE(J.Result.ExceptionMessage.find("cannot parse"), std::string::npos);
}

TEST_F(ExecutorFlow, GarbageDescribeAfterUpFails) {
  fault(R"(appjail-director "describe *" rc=0 stdout="not json")");
  Job J = up("demo");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_NE(J.Result.ExceptionMessage.find("cannot describe project 'demo'"),
            std::string::npos)
      << J.Result.ExceptionMessage;
}

TEST_F(ExecutorFlow, DirectorExceptionTypeIsKept) {
  Job J = up("demo", "services:\n  web:\n    bogus: 1\n");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "InvalidSpec") << J.Result.ExceptionMessage;
  EXPECT_EQ(J.Result.Rc, std::optional<int>(70));
}

TEST_F(ExecutorFlow, HangEndsInTimeoutWithProcessGroupTerminated) {
  Cfg.Overlordd.Timeouts["director-up"] = 1;
  fault(R"(appjail-director "up *" hang=60)");
  auto Start = std::chrono::steady_clock::now();
  Job J = up("demo");
  auto Took = std::chrono::steady_clock::now() - Start;
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "Timeout");
  EXPECT_NE(J.Result.ExceptionMessage.find("timed out after 1 s"),
            std::string::npos);
  EXPECT_LT(Took, std::chrono::seconds(15));
  // Director's signal handler ran: the project is not left locked.
  EXPECT_EQ(J.Result.Locked, std::optional<bool>(false));
}

TEST_F(ExecutorFlow, KilledDirectorLeavesStaleLockAndNextUpWaitsThenFails) {
  fault(R"(appjail-director "up *" times=1 die_after=makejail:web)");
  Job J = up("demo");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "DirectorError");
  EXPECT_EQ(J.Result.Rc, std::optional<int>(128 + 9));
  EXPECT_EQ(J.Result.State,
            std::optional<DirectorState>(DirectorState::Unfinished));
  EXPECT_EQ(J.Result.Locked, std::optional<bool>(true));
  // Director still reports the project busy: the next up waits its bound
  // (1.5 s in tests) and fails saying why, instead of being dropped.
  Job K = up("demo");
  EXPECT_EQ(K.Status, JobStatus::Failed);
  EXPECT_EQ(K.Result.ExceptionType, "ProjectBusy");
  EXPECT_NE(K.Result.ExceptionMessage.find("still locked"), std::string::npos);
}

TEST_F(ExecutorFlow, BusyProjectWaitsUntilUnlockedThenRuns) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  ASSERT_EQ(sim({"state", "stale-lock", "demo"}).shellStatus(), 0);
  std::string Lock = Root + "/director/locks/demo/lock";
  ASSERT_TRUE(llvm::sys::fs::exists(Lock));
  std::thread Unlock([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    llvm::sys::fs::remove(Lock);
  });
  auto Start = std::chrono::steady_clock::now();
  Job J = up("demo");
  Unlock.join();
  EXPECT_GE(std::chrono::steady_clock::now() - Start,
            std::chrono::milliseconds(350));
  EXPECT_EQ(J.Status, JobStatus::Completed) << J.Result.ExceptionMessage;
}

TEST_F(ExecutorFlow, ProgramNotFoundIsAProcessError) {
  Tools.Director = Dir.str().str() + "/bin/no-such-director";
  Job J = up("demo");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  // The busy check's describe failed first only as "not busy"; up itself
  // could not start.
  EXPECT_EQ(J.Result.ExceptionType, "ProcessError");
  EXPECT_EQ(J.Result.Rc, std::optional<int>(127));
}

TEST_F(ExecutorFlow, RestartStopsThenUps) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  llvm::sys::fs::remove(Root + "/sim/calls.jsonl");
  Job J = run({JobKind::ProjectUp, "demo", "main", upPayload(SimpleDirector),
               /*Restart=*/true});
  EXPECT_EQ(J.Status, JobStatus::Completed) << J.Result.ExceptionMessage;
  EXPECT_EQ(J.Result.Restarted, std::optional<bool>(true));
  std::string Calls = journal();
  size_t Down = Calls.find(R"("argv":["down","-j","-p","demo"])");
  size_t Up = Calls.find(R"("argv":["up","-j","-f")");
  ASSERT_NE(Down, std::string::npos) << Calls;
  ASSERT_NE(Up, std::string::npos);
  EXPECT_LT(Down, Up);
  // A restart of a project that does not exist is a plain up.
  Job N = run({JobKind::ProjectUp, "fresh", "main", upPayload(SimpleDirector),
               true});
  EXPECT_EQ(N.Status, JobStatus::Completed);
  EXPECT_EQ(N.Result.Restarted, std::optional<bool>(false));
}

TEST_F(ExecutorFlow, DownDestroysAndMissingProjectIsNoop) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  ASSERT_TRUE(State->projectInfo("demo"));
  Job J = down("demo");
  EXPECT_EQ(J.Status, JobStatus::Completed) << J.Result.ExceptionMessage;
  EXPECT_EQ(checkRc("demo"), 66);
  EXPECT_FALSE(State->projectInfo("demo"));
  EXPECT_NE(journal().find(R"(["down","-j","-d","--ignore-failed","-p","demo"])"),
            std::string::npos);

  llvm::sys::fs::remove(Root + "/sim/calls.jsonl");
  Job N = down("demo");
  EXPECT_EQ(N.Status, JobStatus::Noop);
  EXPECT_EQ(N.Result.Message, "Project 'demo' does not exist");
  EXPECT_EQ(journal().find("\"down\""), std::string::npos);
}

TEST_F(ExecutorFlow, DownWhoseDestroyFailsIsFailed) {
  ASSERT_EQ(up("demo").Status, JobStatus::Completed);
  fault(R"(appjail "jail destroy *" rc=77 stderr="cannot destroy")");
  Job J = down("demo");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionType, "DirectorError");
  EXPECT_FALSE(J.Result.ExceptionMessage.empty());
}

TEST_F(ExecutorFlow, VmJobWithoutVmSupportFails) {
  Job J = run({JobKind::VmCreate, "vm1", "main", "{}", false});
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.ExceptionMessage, "VM support is not available");
}

TEST_F(ExecutorFlow, MetadataJobsWriteTheStore) {
  Job P = run({JobKind::MetadataPut, "metadata:k1", "main",
               R"({"key": "k1", "value": "v1"})", false});
  EXPECT_EQ(P.Status, JobStatus::Completed);
  EXPECT_EQ(P.Result.Message, "created");
  EXPECT_EQ(mustGet(Meta->get("k1")), std::optional<std::string>("v1"));
  Job D = run({JobKind::MetadataDelete, "metadata:k1", "main",
               R"({"key": "k1"})", false});
  EXPECT_EQ(D.Status, JobStatus::Completed);
  EXPECT_EQ(D.Result.Message, "deleted");
  Job N = run({JobKind::MetadataDelete, "metadata:k1", "main",
               R"({"key": "k1"})", false});
  EXPECT_EQ(N.Status, JobStatus::Noop);
}

TEST_F(ExecutorFlow, FailingLabelIntegrationMakesUpIncompleted) {
  // No etcd is configured: the skydns integration of the running service
  // fails, so the up is INCOMPLETED (project up, labels report the error).
  HookRunner Hooks(Cfg, Tools);
  executor(&Hooks);
  const char *Dir = "services:\n"
                    "  web:\n"
                    "    makejail: gh+overlord/hello\n"
                    "    options:\n"
                    "      - label: 'overlord.skydns:1'\n"
                    "      - label: 'overlord.skydns.group:web'\n"
                    "      - label: 'overlord.skydns.interface:lo'\n";
  Job J = up("demo", Dir);
  EXPECT_EQ(J.Status, JobStatus::Incompleted) << J.Result.ExceptionMessage;
  EXPECT_NE(J.Result.Labels.find("skydns"), std::string::npos)
      << J.Result.Labels;
  EXPECT_EQ(J.Result.State, std::optional<DirectorState>(DirectorState::Done));
  // Destroy: the integration fails again, so the project is kept.
  Job D = down("demo");
  EXPECT_EQ(D.Status, JobStatus::Incompleted);
  EXPECT_EQ(checkRc("demo"), 0);
}

} // namespace
