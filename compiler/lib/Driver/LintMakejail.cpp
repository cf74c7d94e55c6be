//===- LintMakejail.cpp - overlordc check-makejail --------------*- C++ -*-===//
//
// `overlordc check-makejail FILE...` checks Makejail files on their own, as
// `appjail makejail -f FILE` would read them before running anything: the
// lexical rules, stages, the instruction set and each instruction's flags
// and operands, OPTION values and INCLUDE references (for form only; no
// network). Each file is checked and reported on its own. Exit status:
// 0 no errors, 1 errors, 2 usage.
//
//===----------------------------------------------------------------------===//
#include "overlord/Driver/Driver.h"

#include "overlord/AppJail/Makejail.h"
#include "overlord/Driver/DiagOptions.h"
#include "overlord/Driver/Frontend.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::driver;
namespace cl = llvm::cl;

namespace {

cl::SubCommand CheckMakejailCmd("check-makejail",
                                "Check Makejail files (appjail-makejail(5))");

cl::list<std::string> Files(cl::Positional,
                            cl::desc("<Makejail ('-' for standard input)>..."),
                            cl::sub(CheckMakejailCmd));
DiagOptions Diag(CheckMakejailCmd);

/// Configures the engine from the options; false on a usage error.
bool configure(DiagnosticEngine &Diags) {
  if (!Diag.apply(Diags))
    return false;
  if (Files.empty()) {
    llvm::errs() << "overlordc check-makejail: error: no Makejail; use "
                    "'overlordc check-makejail FILE...'\n";
    return false;
  }
  return true;
}

} // namespace

int overlord::driver::runCheckMakejail() {
  if (!CheckMakejailCmd)
    return -1;
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  if (!configure(Diags))
    return ExitUsage;
  bool Failed = false;
  for (const std::string &File : Files) {
    // Reading goes through the front end so that unreadable, oversized and
    // directory paths get the same diagnostics as deployment files.
    Frontend FE(Diags, Environment());
    if (unsigned Buf = FE.readFile(File, llvm::SMRange(), 16 << 20)) {
      llvm::StringRef Text = SM.getMemoryBuffer(Buf)->getBuffer();
      appjail::parseMakejail(Text, appjail::originForBuffer(Text), Diags);
    }
    Failed |= Diags.hasErrors();
    Diags.flush(llvm::errs());
  }
  return Failed ? ExitErrors : ExitOk;
}
