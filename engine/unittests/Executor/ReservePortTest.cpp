//===- ReservePortTest.cpp - reserve_port with the reference's bugs fixed -===//
//
// Exposed host ports are excluded (as integers), the range comes from the
// simulator's sysctl, a port in use is never handed out, and the chosen
// port reaches Director as OVERLORD_FREEPORT_<IFACE>.
//
//===----------------------------------------------------------------------===//
#include "ExecutorTestSupport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::test;

namespace {

/// A loopback socket bound (and listening, if Listen) on an ephemeral port.
struct BoundSocket {
  int Fd = -1;
  uint16_t Port = 0;
  explicit BoundSocket(bool Listen) {
    Fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in A{};
    A.sin_family = AF_INET;
    A.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(Fd, reinterpret_cast<sockaddr *>(&A), sizeof(A));
    socklen_t L = sizeof(A);
    ::getsockname(Fd, reinterpret_cast<sockaddr *>(&A), &L);
    Port = ntohs(A.sin_port);
    if (Listen)
      ::listen(Fd, 1);
  }
  ~BoundSocket() { ::close(Fd); }
};

/// A port that was free a moment ago.
uint16_t freePort() { return BoundSocket(false).Port; }

class ExecutorReservePort : public SimNode {
protected:
  void range(uint16_t First, uint16_t Last) {
    writeText(Root + "/sim/config",
              "portrange_first=" + std::to_string(First) +
                  "\nportrange_last=" + std::to_string(Last) + "\n");
  }
  void exposeRule(llvm::StringRef Jail, llvm::StringRef Nro,
                  llvm::StringRef OnIf, uint16_t HPort) {
    std::string D = Cfg.AppjailJails + "/" + Jail.str() +
                    "/conf/boot/expose/" + Nro.str();
    writeText(D + "/on_if", OnIf.str() + "\n");
    writeText(D + "/hport", std::to_string(HPort) + "\n");
  }
};

TEST(ExecutorFreePortVariable, UpperCasesAndReplacesOtherCharacters) {
  EXPECT_EQ(freePortVariable("lo"), "OVERLORD_FREEPORT_LO");
  EXPECT_EQ(freePortVariable("vtnet0.1"), "OVERLORD_FREEPORT_VTNET0_1");
  EXPECT_EQ(freePortVariable("em-0"), "OVERLORD_FREEPORT_EM_0");
}

TEST_F(ExecutorReservePort, RangeComesFromSysctl) {
  range(20000, 20010);
  auto R = mustGet(portRange(Tools, std::chrono::seconds(10)));
  EXPECT_EQ(R.first, 20000);
  EXPECT_EQ(R.second, 20010);
  fault(R"(sysctl "*" rc=0 stdout="garbage")");
  llvm::Expected<std::pair<uint16_t, uint16_t>> Bad =
      portRange(Tools, std::chrono::seconds(10));
  ASSERT_FALSE(Bad);
  EXPECT_NE(llvm::toString(Bad.takeError()).find("unexpected output"),
            std::string::npos);
}

TEST_F(ExecutorReservePort, ExposedPortsOfTheInterfaceOnly) {
  exposeRule("j1", "0", "lo", 20000);
  exposeRule("j1", "1", "lo", 20002);
  exposeRule("j2", "0", "em0", 20001);
  EXPECT_EQ(exposedPorts(Cfg.AppjailJails, "lo"),
            (std::set<uint16_t>{20000, 20002}));
  EXPECT_EQ(exposedPorts(Cfg.AppjailJails, "em0"),
            (std::set<uint16_t>{20001}));
}

TEST_F(ExecutorReservePort, ExcludesExposedAndBusyPorts) {
  uint16_t P = freePort();
  range(P, P);
  PortSearch S = mustGet(reservePort(Cfg, Tools, "lo", std::nullopt, {}));
  EXPECT_EQ(S.Port, std::optional<uint16_t>(P));

  // The only port is exposed by a jail on lo: none is left.
  exposeRule("j1", "0", "lo", P);
  S = mustGet(reservePort(Cfg, Tools, "lo", std::nullopt, {}));
  EXPECT_FALSE(S.Port);
  EXPECT_EQ(S.Reason, "no free port has been found for lo (None)");

  // Busy (someone listens) is never handed out.
  BoundSocket Busy(/*Listen=*/true);
  range(Busy.Port, Busy.Port);
  S = mustGet(reservePort(Cfg, Tools, "lo", std::nullopt, {}));
  EXPECT_FALSE(S.Port);
  // Excluded by the caller (a port handed to another running job).
  uint16_t Q2 = freePort();
  range(Q2, Q2);
  S = mustGet(reservePort(Cfg, Tools, "lo", std::nullopt, {Q2}));
  EXPECT_FALSE(S.Port);
}

TEST_F(ExecutorReservePort, NetworkSelectsTheAddress) {
  uint16_t P = freePort();
  range(P, P);
  PortSearch S = mustGet(reservePort(Cfg, Tools, "lo", llvm::StringRef("127.0.0.0/8"), {}));
  EXPECT_EQ(S.Port, std::optional<uint16_t>(P));
  S = mustGet(reservePort(Cfg, Tools, "lo", llvm::StringRef("10.0.0.0/8"), {}));
  EXPECT_FALSE(S.Port);
  EXPECT_NE(S.Reason.find("has no address in 10.0.0.0/8"), std::string::npos);
}

TEST_F(ExecutorReservePort, UpPassesThePortToDirector) {
  uint16_t P = freePort();
  range(P, P);
  Job J = up("demo", SimpleDirector, R"("reserve_port": {"lo": null})");
  ASSERT_EQ(J.Status, JobStatus::Completed) << J.Result.ExceptionMessage;
  EXPECT_NE(journal().find("\"OVERLORD_FREEPORT_LO\":\"" + std::to_string(P) +
                           "\""),
            std::string::npos)
      << journal();
}

TEST_F(ExecutorReservePort, UpFailsCleanlyWithoutAPort) {
  BoundSocket Busy(true);
  range(Busy.Port, Busy.Port);
  Job J = up("demo", SimpleDirector, R"("reserve_port": {"lo": null})");
  EXPECT_EQ(J.Status, JobStatus::Failed);
  EXPECT_EQ(J.Result.Message, "no free port has been found for lo (None)");

  Job K = up("demo", SimpleDirector, R"("reserve_port": {"nosuchif0": null})");
  EXPECT_EQ(K.Status, JobStatus::Failed);
  EXPECT_EQ(K.Result.ExceptionType, "ReservePortError");
  EXPECT_NE(K.Result.ExceptionMessage.find("nosuchif0"), std::string::npos);
  EXPECT_EQ(journal().find("\"up\""), std::string::npos);
}

} // namespace
