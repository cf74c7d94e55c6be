//===- DiagOptions.h - Diagnostics options of every command -----*- C++ -*-===//
//
// `--error-limit`, `--diagnostics-format=text|json`, `-Werror` and `--color`
// mean the same in every overlordc sub-command; each command registers one
// DiagOptions on its cl::SubCommand and applies it to its engine.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_DRIVER_DIAGOPTIONS_H
#define OVERLORD_DRIVER_DIAGOPTIONS_H

#include "overlord/Support/Diagnostics.h"

#include "llvm/Support/CommandLine.h"

#include <string>

namespace overlord::driver {

struct DiagOptions {
  llvm::cl::opt<unsigned> ErrorLimit;
  llvm::cl::opt<std::string> Format;
  llvm::cl::opt<bool> Werror;
  llvm::cl::opt<bool> Color;

  explicit DiagOptions(llvm::cl::SubCommand &Sub);

  /// Configures Diags. An unknown format is a usage error: it is printed
  /// and false is returned.
  bool apply(DiagnosticEngine &Diags) const;
};

} // namespace overlord::driver

#endif // OVERLORD_DRIVER_DIAGOPTIONS_H
