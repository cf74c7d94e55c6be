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
cl::opt<unsigned> ErrorLimit("error-limit",
                             cl::desc("Stop after this many errors (0: no "
                                      "limit)"),
                             cl::init(20), cl::sub(CheckMakejailCmd));
cl::opt<std::string> DiagFormat("diagnostics-format",
                                cl::desc("Diagnostics format: text or json"),
                                cl::init("text"), cl::sub(CheckMakejailCmd));
cl::opt<bool> Werror("Werror", cl::desc("Treat warnings as errors"),
                     cl::sub(CheckMakejailCmd));
cl::opt<bool> Color("color", cl::desc("Colour diagnostics"),
                    cl::sub(CheckMakejailCmd));

/// Configures the engine from the options; false on a usage error.
bool configure(DiagnosticEngine &Diags) {
  if (DiagFormat == "json")
    Diags.setFormat(overlord::DiagFormat::Json);
  else if (DiagFormat != "text") {
    llvm::errs() << "overlordc: error: unknown diagnostics format '"
                 << DiagFormat << "'; use 'text' or 'json'\n";
    return false;
  }
  if (Files.empty()) {
    llvm::errs() << "overlordc check-makejail: error: no Makejail; use "
                    "'overlordc check-makejail FILE...'\n";
    return false;
  }
  Diags.setErrorLimit(ErrorLimit);
  Diags.setWarningsAsErrors(Werror);
  Diags.setShowColors(Color);
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
