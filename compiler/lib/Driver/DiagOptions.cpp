//===- DiagOptions.cpp - Diagnostics options of every command ---*- C++ -*-===//
#include "overlord/Driver/DiagOptions.h"

#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::driver;
namespace cl = llvm::cl;

DiagOptions::DiagOptions(cl::SubCommand &Sub)
    : ErrorLimit("error-limit",
                 cl::desc("Stop after this many errors (0: no limit)"),
                 cl::init(20), cl::sub(Sub)),
      Format("diagnostics-format",
             cl::desc("Diagnostics format: text or json"), cl::init("text"),
             cl::sub(Sub)),
      Werror("Werror", cl::desc("Treat warnings as errors"), cl::sub(Sub)),
      Color("color", cl::desc("Colour diagnostics"), cl::sub(Sub)) {}

bool DiagOptions::apply(DiagnosticEngine &Diags) const {
  if (Format == "json")
    Diags.setFormat(DiagFormat::Json);
  else if (Format != "text") {
    llvm::errs() << "overlordc: error: unknown diagnostics format '"
                 << Format << "'; use 'text' or 'json'\n";
    return false;
  }
  Diags.setErrorLimit(ErrorLimit);
  Diags.setWarningsAsErrors(Werror);
  Diags.setShowColors(Color);
  return true;
}
