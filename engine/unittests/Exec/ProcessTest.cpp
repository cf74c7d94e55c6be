//===- ProcessTest.cpp - Subprocess runner tests ----------------*- C++ -*-===//
//
// Runs /bin/sh scripts written to a temporary directory: output capture,
// environment, working directory, exit statuses, signals, timeouts, limits,
// start-up failures, and the absence of leaked descriptors and zombies.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Process.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace overlord::engine;
using namespace std::chrono_literals;

namespace {

class ProcessTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> P;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("overlord-exec", P));
    char Real[PATH_MAX];
    ASSERT_NE(::realpath(P.c_str(), Real), nullptr);
    Dir = Real;
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }

  /// Writes an executable /bin/sh script and returns its path.
  std::string script(const std::string &Name, const std::string &Body,
                     unsigned Mode = 0755) {
    std::string Path = Dir + "/" + Name;
    std::ofstream(Path) << "#!/bin/sh\n" << Body << "\n";
    ::chmod(Path.c_str(), Mode);
    return Path;
  }

  ProcessResult run(const ProcessSpec &Spec) {
    llvm::Expected<ProcessResult> R = runProcess(Spec);
    if (!R) {
      ADD_FAILURE() << llvm::toString(R.takeError());
      return {};
    }
    return std::move(*R);
  }

  /// The ProcessError of a run that must not start.
  ProcessErrorKind failure(const ProcessSpec &Spec, int &Status,
                           std::string &Message) {
    llvm::Expected<ProcessResult> R = runProcess(Spec);
    if (R) {
      ADD_FAILURE() << "process started";
      return ProcessErrorKind::SpawnFailed;
    }
    ProcessErrorKind K = ProcessErrorKind::SpawnFailed;
    llvm::handleAllErrors(R.takeError(), [&](const ProcessError &E) {
      K = E.kind();
      Status = E.shellStatus();
      Message = llvm::toString(llvm::make_error<ProcessError>(E));
    });
    return K;
  }

  std::string Dir;
};

TEST_F(ProcessTest, EchoSeparate) {
  ProcessSpec S;
  S.Program = script("echo.sh", "echo hello; echo oops >&2; echo world");
  ProcessResult R = run(S);
  EXPECT_TRUE(R.Exited);
  EXPECT_EQ(R.ExitCode, 0);
  EXPECT_TRUE(R.succeeded());
  EXPECT_EQ(R.Stdout, "hello\nworld\n");
  EXPECT_EQ(R.Stderr, "oops\n");
  EXPECT_EQ(R.ResolvedProgram, S.Program);
  EXPECT_GT(R.Pid, 0);
  EXPECT_GT(R.WallTime.count(), 0);
}

TEST_F(ProcessTest, Merged) {
  ProcessSpec S;
  S.Program = script("m.sh", "echo out; echo err >&2; echo out2");
  S.Output = OutputMode::Merged;
  ProcessResult R = run(S);
  EXPECT_EQ(R.Stdout, "out\nerr\nout2\n");
  EXPECT_EQ(R.Stderr, "");
}

TEST_F(ProcessTest, ArgsAndSearchPath) {
  script("tool", "for a in \"$@\"; do printf '[%s]' \"$a\"; done");
  ProcessSpec S;
  S.Program = "tool";
  S.Args = {"a b", "", "$HOME", "-p"};
  S.SearchPath = "/nonexistent:" + Dir;
  ProcessResult R = run(S);
  EXPECT_EQ(R.Stdout, "[a b][][$HOME][-p]");
  EXPECT_EQ(R.ResolvedProgram, Dir + "/tool");
  // PATH from the spec's environment when no search path is configured.
  S.SearchPath.clear();
  S.Env = {{"PATH", Dir + ":/bin:/usr/bin"}};
  EXPECT_EQ(run(S).Stdout, "[a b][][$HOME][-p]");
}

TEST_F(ProcessTest, EnvironmentIsExactlyTheMap) {
  ::setenv("OVERLORD_EXEC_TEST_PARENT", "leaked", 1);
  ProcessSpec S;
  S.Program = script(
      "env.sh", "printf '%s|%s|%s' \"$FOO\" \"${OVERLORD_EXEC_TEST_PARENT-unset}\""
                " \"$SPACED\"");
  S.Env = {{"FOO", "bar"}, {"SPACED", "a = b"}};
  EXPECT_EQ(run(S).Stdout, "bar|unset|a = b");
  S.InheritEnv = true;
  EXPECT_EQ(run(S).Stdout, "bar|leaked|a = b");
  S.Env["OVERLORD_EXEC_TEST_PARENT"] = "overridden";
  EXPECT_EQ(run(S).Stdout, "bar|overridden|a = b");
  ::unsetenv("OVERLORD_EXEC_TEST_PARENT");
}

TEST_F(ProcessTest, WorkingDirectory) {
  llvm::sys::fs::create_directory(Dir + "/sub");
  ProcessSpec S;
  S.Program = script("pwd.sh", "pwd -P");
  S.Cwd = Dir + "/sub";
  EXPECT_EQ(run(S).Stdout, Dir + "/sub\n");
}

TEST_F(ProcessTest, StdinIsDevNull) {
  ProcessSpec S;
  S.Program = script("cat.sh", "cat; echo rc=$?");
  S.Timeout = 5s;
  ProcessResult R = run(S);
  EXPECT_FALSE(R.TimedOut);
  EXPECT_EQ(R.Stdout, "rc=0\n");
}

TEST_F(ProcessTest, ExitCodes) {
  ProcessSpec S;
  for (int Code : {1, 3, 66, 70, 127, 255}) {
    S.Program = script("exit.sh", "echo x; exit " + std::to_string(Code));
    ProcessResult R = run(S);
    EXPECT_TRUE(R.Exited);
    EXPECT_EQ(R.ExitCode, Code);
    EXPECT_EQ(R.shellStatus(), Code);
    EXPECT_FALSE(R.succeeded());
    EXPECT_EQ(R.Stdout, "x\n");
  }
}

TEST_F(ProcessTest, Signals) {
  ProcessSpec S;
  S.Program = script("sig.sh", "echo before; kill -KILL $$; echo after");
  ProcessResult R = run(S);
  EXPECT_FALSE(R.Exited);
  EXPECT_EQ(R.Signal, SIGKILL);
  EXPECT_EQ(R.shellStatus(), 128 + SIGKILL);
  EXPECT_EQ(R.Stdout, "before\n");
  EXPECT_FALSE(R.TimedOut);
  // The parent ignoring SIGTERM must not leak into the child.
  struct sigaction Ign {}, Old {};
  Ign.sa_handler = SIG_IGN;
  ::sigaction(SIGTERM, &Ign, &Old);
  S.Program = script("term.sh", "kill -TERM $$; echo survived");
  R = run(S);
  ::sigaction(SIGTERM, &Old, nullptr);
  EXPECT_EQ(R.Signal, SIGTERM);
  EXPECT_EQ(R.Stdout, "");
}

TEST_F(ProcessTest, TimeoutTerminates) {
  ProcessSpec S;
  S.Program = script("sleep.sh", "echo started; sleep 10; echo never");
  S.Timeout = 300ms;
  auto Start = std::chrono::steady_clock::now();
  ProcessResult R = run(S);
  auto Took = std::chrono::steady_clock::now() - Start;
  EXPECT_TRUE(R.TimedOut);
  EXPECT_FALSE(R.KillSent);
  EXPECT_EQ(R.Signal, SIGTERM);
  EXPECT_FALSE(R.succeeded());
  EXPECT_EQ(R.Stdout, "started\n");
  EXPECT_GE(Took, 300ms);
  EXPECT_LT(Took, 3s);
}

TEST_F(ProcessTest, TimeoutEscalatesToKill) {
  ProcessSpec S;
  // Ignored signals stay ignored across exec, so sleep ignores TERM too.
  S.Program = script("stubborn.sh", "trap '' TERM; sleep 10");
  S.Timeout = 200ms;
  S.KillGrace = 200ms;
  auto Start = std::chrono::steady_clock::now();
  ProcessResult R = run(S);
  auto Took = std::chrono::steady_clock::now() - Start;
  EXPECT_TRUE(R.TimedOut);
  EXPECT_TRUE(R.KillSent);
  EXPECT_EQ(R.Signal, SIGKILL);
  EXPECT_GE(Took, 400ms);
  EXPECT_LT(Took, 3s);
}

TEST_F(ProcessTest, TimeoutReachesTheProcessGroup) {
  ProcessSpec S;
  S.Program = script("group.sh", "sleep 10 & echo $! > " + Dir +
                                     "/bg.pid; wait");
  S.Timeout = 300ms;
  ProcessResult R = run(S);
  EXPECT_TRUE(R.TimedOut);
  EXPECT_LT(R.WallTime, 3s);
  std::ifstream In(Dir + "/bg.pid");
  int Bg = 0;
  In >> Bg;
  ASSERT_GT(Bg, 0);
  // The background sleep got SIGTERM as well: gone, or a zombie of init.
  bool Gone = false;
  for (int I = 0; I < 100 && !Gone; ++I) {
    std::ifstream Stat("/proc/" + std::to_string(Bg) + "/stat");
    std::string Pid, Comm, State;
    Gone = !(Stat >> Pid >> Comm >> State) || State == "Z";
    if (!Gone)
      std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(Gone);
}

TEST_F(ProcessTest, BackgroundChildHoldingThePipe) {
  ProcessSpec S;
  S.Program = script("daemon.sh", "sleep 10 & echo done");
  S.DrainAfterExit = 100ms;
  ProcessResult R = run(S);
  EXPECT_TRUE(R.succeeded());
  EXPECT_EQ(R.Stdout, "done\n");
  EXPECT_LT(R.WallTime, 2s);
  ::kill(-R.Pid, SIGKILL); // the sleep left behind
}

TEST_F(ProcessTest, OutputLimits) {
  ProcessSpec S;
  S.Program = script("big.sh", "head -c 200000 /dev/zero | tr '\\0' a; "
                               "head -c 50000 /dev/zero | tr '\\0' b >&2; "
                               "echo end >&2");
  S.StdoutLimit = 1000;
  S.StderrLimit = 10;
  ProcessResult R = run(S);
  EXPECT_TRUE(R.succeeded()); // the child never blocked on a full pipe
  EXPECT_EQ(R.Stdout, std::string(1000, 'a'));
  EXPECT_TRUE(R.StdoutTruncated);
  EXPECT_EQ(R.Stderr, std::string(10, 'b'));
  EXPECT_TRUE(R.StderrTruncated);
}

TEST_F(ProcessTest, LargeOutputOnBothStreams) {
  ProcessSpec S;
  S.Program = script("both.sh", "head -c 3000000 /dev/zero; "
                                "head -c 3000000 /dev/zero >&2; "
                                "head -c 1000 /dev/zero");
  S.StderrLimit = 8u << 20;
  ProcessResult R = run(S);
  EXPECT_TRUE(R.succeeded());
  EXPECT_EQ(R.Stdout.size(), 3001000u);
  EXPECT_EQ(R.Stderr.size(), 3000000u);
  EXPECT_FALSE(R.StdoutTruncated);
}

TEST_F(ProcessTest, MissingProgram) {
  ProcessSpec S;
  int Status = 0;
  std::string Message;
  S.Program = "overlord-no-such-program";
  S.SearchPath = Dir;
  EXPECT_EQ(failure(S, Status, Message), ProcessErrorKind::ProgramNotFound);
  EXPECT_EQ(Status, 127);
  EXPECT_EQ(Message, "program 'overlord-no-such-program' not found: search "
                     "path '" + Dir + "'");
  S.Program = Dir + "/absent";
  EXPECT_EQ(failure(S, Status, Message), ProcessErrorKind::ProgramNotFound);
  S.Program = script("noexec.sh", "echo", 0644);
  EXPECT_EQ(failure(S, Status, Message), ProcessErrorKind::NotExecutable);
  EXPECT_EQ(Status, 126);
  S.Program = Dir; // a directory
  EXPECT_EQ(failure(S, Status, Message), ProcessErrorKind::NotExecutable);
  // Executable bit but no interpreter line and not a binary: ENOEXEC.
  std::ofstream(Dir + "/garbage") << "\x01\x02\x03 not a program";
  ::chmod((Dir + "/garbage").c_str(), 0755);
  S.Program = Dir + "/garbage";
  EXPECT_EQ(failure(S, Status, Message), ProcessErrorKind::NotExecutable);
  S.Program = "";
  EXPECT_EQ(failure(S, Status, Message), ProcessErrorKind::BadSpec);
  S.Program = script("ok.sh", "true");
  S.Env = {{"A=B", "c"}};
  EXPECT_EQ(failure(S, Status, Message), ProcessErrorKind::BadSpec);
  S.Env.clear();
  S.Args = {std::string("a\0b", 3)};
  EXPECT_EQ(failure(S, Status, Message), ProcessErrorKind::BadSpec);
}

TEST_F(ProcessTest, BadWorkingDirectory) {
  ProcessSpec S;
  S.Program = script("ok.sh", "true");
  S.Cwd = Dir + "/missing";
  int Status = 0;
  std::string Message;
  EXPECT_EQ(failure(S, Status, Message),
            ProcessErrorKind::BadWorkingDirectory);
  EXPECT_NE(Message.find("No such file or directory"), std::string::npos)
      << Message;
}

#ifdef __linux__
int countOpenFds() {
  int N = 0;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It("/proc/self/fd", EC), End;
       It != End && !EC; It.increment(EC))
    ++N;
  return N;
}

TEST_F(ProcessTest, NoDescriptorLeaksNoZombies) {
  // A descriptor opened without O_CLOEXEC elsewhere in the daemon.
  int Stray = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(Stray, 3);
  ProcessSpec S;
  S.Program = script("fds.sh", "[ -e /proc/$$/fd/" + std::to_string(Stray) +
                                   " ] && echo leaked || echo clean");
  int Before = countOpenFds();
  for (int I = 0; I < 20; ++I)
    EXPECT_EQ(run(S).Stdout, "clean\n");
  S.Program = "overlord-no-such-program";
  S.SearchPath = Dir;
  for (int I = 0; I < 5; ++I)
    llvm::consumeError(runProcess(S).takeError());
  EXPECT_EQ(countOpenFds(), Before);
  ::close(Stray);
  int St;
  EXPECT_EQ(::waitpid(-1, &St, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}
#endif

TEST_F(ProcessTest, ConcurrentRuns) {
  std::string Path = script("id.sh", "echo \"$1\"; echo \"$1\" >&2");
  std::vector<std::thread> Threads;
  std::vector<int> Bad(4, 0);
  for (int T = 0; T < 4; ++T)
    Threads.emplace_back([&, T] {
      for (int I = 0; I < 10; ++I) {
        ProcessSpec S;
        S.Program = Path;
        S.Args = {std::to_string(T * 100 + I)};
        llvm::Expected<ProcessResult> R = runProcess(S);
        std::string Want = S.Args[0] + "\n";
        if (!R) {
          llvm::consumeError(R.takeError());
          ++Bad[T];
        } else if (R->Stdout != Want || R->Stderr != Want) {
          ++Bad[T];
        }
      }
    });
  for (std::thread &T : Threads)
    T.join();
  EXPECT_EQ(Bad, std::vector<int>(4, 0));
}

TEST(ProcessFormat, CommandLine) {
  EXPECT_EQ(formatCommandLine("appjail-director",
                              {"up", "-j", "-f", "/tmp/overlord x", "-p",
                               "demo"}),
            "appjail-director up -j -f '/tmp/overlord x' -p demo");
  EXPECT_EQ(formatCommandLine("sh", {"-c", "it's", ""}),
            "sh -c 'it'\\''s' ''");
}

} // namespace
