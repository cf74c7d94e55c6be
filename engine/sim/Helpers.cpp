//===- Helpers.cpp - ajsim test helpers --------------------------*- C++
//-*-===//
//
// Conveniences for tests that change the simulated world behind AppJail's
// and Director's back (appjail-interface.md §5.5): `ajsim fault add`,
// `ajsim state stale-lock P`, `ajsim jail rm J`, `ajsim health set J NRO
// STATUS`, `ajsim rctl set J k=v...`. They are not journaled: they are the
// test speaking, not the engine.
//
//===----------------------------------------------------------------------===//
#include "Sim.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace overlord::sim {

static int helperUsage() {
  errs() << "usage: ajsim fault add TOOL GLOB [key=value]...\n"
            "       ajsim state stale-lock PROJECT\n"
            "       ajsim jail rm JAIL\n"
            "       ajsim health set JAIL NRO STATUS\n"
            "       ajsim rctl set JAIL resource=value...\n";
  return ExUsage;
}

/// Quotes a faults-file word when it holds spaces or quotes.
static std::string quoteWord(StringRef W) {
  if (!W.empty() && W.find_first_of(" \t\"#\\") == StringRef::npos)
    return W.str();
  std::string Out = "\"";
  for (char C : W) {
    if (C == '"' || C == '\\')
      Out += '\\';
    Out += C == '\n' ? std::string("\\n") : std::string(1, C);
  }
  return Out + "\"";
}

bool isHelper(StringRef Tool, const std::vector<std::string> &Args) {
  if (Tool == "fault" || Tool == "state" || Tool == "health")
    return true;
  if (Tool == "jail" || Tool == "rctl")
    return !Args.empty() && (Args[0] == "rm" || Args[0] == "set");
  return false;
}

int runHelper(Sim &S) {
  const std::vector<std::string> &A = S.Args;
  if (S.Tool == "fault" && A.size() >= 3 && A[0] == "add") {
    std::string Line = quoteWord(A[1]) + " " + quoteWord(A[2]);
    for (size_t I = 3; I < A.size(); ++I) {
      auto [K, V] = StringRef(A[I]).split('=');
      Line += " " + K.str() + "=" + quoteWord(V);
    }
    std::string Text;
    readFile(S.path("sim/faults"), Text);
    return writeFile(S.path("sim/faults"), Text + Line + "\n") ? ExOk : ExIoErr;
  }
  if (S.Tool == "state" && A.size() == 2 && A[0] == "stale-lock") {
    // What a SIGKILLed `up` leaves: the lock and state `unfinished`.
    writeFile(S.path("director/locks/" + A[1] + "/lock"), "");
    writeFile(S.path("director/projects/" + A[1] + "/state"), "unfinished");
    return ExOk;
  }
  if (S.Tool == "jail" && A.size() == 2 && A[0] == "rm") {
    if (!isDir(S.jailDir(A[1]))) {
      errs() << "ajsim: no jail '" << A[1] << "'\n";
      return ExNoInput;
    }
    destroyJail(S, A[1]);
    return ExOk;
  }
  if (S.Tool == "health" && A.size() == 4 && A[0] == "set") {
    std::string Dir = S.jailDir(A[1]) + "/conf/boot/health/" + A[2];
    if (!isDir(Dir)) {
      errs() << "ajsim: no healthcheck '" << A[2] << "' in jail '" << A[1]
             << "'\n";
      return ExNoInput;
    }
    return writeFile(Dir + "/status", A[3] + "\n") ? ExOk : ExIoErr;
  }
  if (S.Tool == "rctl" && A.size() >= 2 && A[0] == "set") {
    std::string Text;
    for (size_t I = 2; I < A.size(); ++I) {
      if (!StringRef(A[I]).contains('='))
        return helperUsage();
      Text += A[I] + "\n";
    }
    return writeFile(S.path("sim/rctl/" + A[1]), Text) ? ExOk : ExIoErr;
  }
  return helperUsage();
}

} // namespace overlord::sim
