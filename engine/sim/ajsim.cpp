//===- ajsim.cpp - The AppJail/Director simulator driver ---------*- C++
//-*-===//
//
// One multi-call binary: the basename of argv[0] (appjail, appjail-director,
// rctl, sysctl) selects the simulated tool; `ajsim <tool> args...` does the
// same, and `ajsim install DIR` creates the symlinks in DIR. Every
// invocation matches sim/faults first and is journaled in sim/calls.jsonl.
//
//===----------------------------------------------------------------------===//
#include "Sim.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

using namespace llvm;
using namespace overlord::sim;

static const char *const Tools[] = {"appjail", "appjail-director", "rctl",
                                    "sysctl"};

static int install(StringRef Dir) {
  std::string Self = sys::fs::getMainExecutable(nullptr, nullptr);
  if (sys::fs::create_directories(Dir)) {
    errs() << "ajsim: cannot create '" << Dir << "'\n";
    return ExCantCreat;
  }
  std::vector<const char *> All(std::begin(Tools), std::end(Tools));
  All.insert(All.end(), vmToolNames().begin(), vmToolNames().end());
  for (const char *T : All) {
    std::string Link = (Dir + "/" + T).str();
    sys::fs::remove(Link);
    if (sys::fs::create_link(Self, Link)) {
      errs() << "ajsim: cannot create '" << Link << "'\n";
      return ExCantCreat;
    }
  }
  return ExOk;
}

static int usage() {
  errs() << "usage: ajsim {appjail|appjail-director|rctl|sysctl} args...\n"
            "       ajsim install DIR\n"
            "       ajsim {fault add|state stale-lock|jail rm|health set|rctl "
            "set} ... (test helpers)\n";
  return ExUsage;
}

/// Applies the short-circuiting part of a fault: prints its outputs and
/// returns its rc.
static int applyFault(const Fault &F) {
  if (F.Stdout)
    outs() << *F.Stdout;
  if (F.Stderr)
    errs() << *F.Stderr << (F.Stderr->empty() ? "" : "\n");
  outs().flush();
  return F.Rc.value_or(0);
}

int overlord::sim::runInvocation(int argc, char **argv) {
  std::vector<std::string> Args(argv + 1, argv + argc);
  std::string Tool = sys::path::filename(argv[0]).str();
  if (Tool == "ajsim") {
    if (Args.empty())
      return usage();
    Tool = Args.front();
    Args.erase(Args.begin());
    if (Tool == "install")
      return Args.size() == 1 ? install(Args[0]) : usage();
  }
  bool Helper = StringRef(argv[0]).endswith("ajsim") && isHelper(Tool, Args);
  if (!Helper && !llvm::is_contained(Tools, Tool) && !isVmTool(Tool))
    return usage();

  Sim S;
  S.Tool = Tool;
  S.Args = Args;
  std::string Error;
  if (!S.init(Error, /*MatchFaults=*/!Helper)) {
    errs() << Tool << ": " << Error << "\n";
    return ExUnavailable;
  }
  if (Helper)
    return runHelper(S);
  const Fault &F = S.TheFault;
  if (F.Delay > 0)
    ::usleep(useconds_t(F.Delay * 1e6));
  // Director hangs after taking the lock (so cancel finds a pid); the other
  // tools hang right away.
  if (F.Hang > 0 && Tool != "appjail-director")
    ::usleep(useconds_t(F.Hang * 1e6));
  int Rc;
  if (F.shortCircuits()) {
    Rc = applyFault(F);
  } else if (Tool == "appjail") {
    Rc = runAppJail(S);
  } else if (Tool == "appjail-director") {
    Rc = runDirector(S);
  } else if (isVmTool(Tool)) {
    Rc = runVmTool(S);
  } else if (Tool == "rctl") {
    Rc = runRctl(S);
  } else {
    Rc = runSysctl(S);
  }
  if (F.Matched && F.AfterCreate && Tool != "appjail-director") {
    int Forced = F.Rc.value_or(1);
    applyFault(F);
    Rc = Forced;
  }
  outs().flush();
  S.journal(Rc);
  return Rc;
}

int main(int argc, char **argv) { return runInvocation(argc, argv); }
