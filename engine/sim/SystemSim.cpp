//===- SystemSim.cpp - rctl(8) and sysctl(8) ---------------------*- C++
//-*-===//
//
// The two FreeBSD system tools the engine runs: `rctl -u jail:J` prints the
// resource usage written by the test in sim/rctl/J (or zeros for a running
// jail), and `sysctl -n NAME` answers kern.racct.enable and the port range
// from sim/config.
//
//===----------------------------------------------------------------------===//
#include "Sim.h"

#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace overlord::sim {

/// rctl(8) resources in the order of AppJail's files/rctl-resources.
static const char *const Resources[] = {
    "cputime",      "datasize", "stacksize",  "coredumpsize", "memoryuse",
    "memorylocked", "maxproc",  "openfiles",  "vmemoryuse",   "pseudoterminals",
    "swapuse",      "nthr",     "msgqqueued", "msgqsize",     "nmsgq",
    "nsem",         "nsemop",   "nshm",       "shmsize",      "wallclock",
    "pcpu",         "readbps",  "writebps",   "readiops",     "writeiops"};

int runRctl(Sim &S) {
  if (S.config("racct", "1") != "1") {
    errs() << "rctl: RACCT/RCTL present, but disabled; enable using "
              "kern.racct.enable=1 tunable\n";
    return 1;
  }
  if (S.Args.size() != 2 || S.Args[0] != "-u" ||
      !StringRef(S.Args[1]).startswith("jail:")) {
    errs() << "usage: rctl -u filter\n";
    return 1;
  }
  std::string J = StringRef(S.Args[1]).drop_front(5).str();
  std::string Text;
  if (readFile(S.path("sim/rctl/" + J), Text)) {
    outs() << Text;
    if (!Text.empty() && Text.back() != '\n')
      outs() << "\n";
    return 0;
  }
  // A jail that does not run has no racct entry: rctl prints nothing.
  if (!jailRunning(S, J))
    return 0;
  for (const char *R : Resources)
    outs() << R << "=0\n";
  return 0;
}

int runSysctl(Sim &S) {
  bool ValueOnly = false;
  std::vector<std::string> Names;
  for (const std::string &A : S.Args) {
    if (A == "-n")
      ValueOnly = true;
    else if (!A.empty() && A[0] == '-')
      continue;
    else
      Names.push_back(A);
  }
  if (Names.empty()) {
    errs() << "usage: sysctl [-n] name ...\n";
    return 1;
  }
  int Rc = 0;
  for (const std::string &N : Names) {
    std::string V;
    if (N == "kern.racct.enable")
      V = S.config("racct", "1");
    else if (N == "net.inet.ip.portrange.first")
      V = S.config("portrange_first", "10000");
    else if (N == "net.inet.ip.portrange.last")
      V = S.config("portrange_last", "65535");
    else if (N == "security.jail.jailed")
      V = "0";
    else {
      errs() << "sysctl: unknown oid '" << N << "'\n";
      Rc = 1;
      continue;
    }
    outs() << (ValueOnly ? "" : N + ": ") << V << "\n";
  }
  return Rc;
}

} // namespace overlord::sim
