//===- Driver.h - overlordc command line ------------------------*- C++ -*-===//
//
// `overlordc <command> [options]`. Exit codes (docs/overlordc.md):
//   0  success, no errors
//   1  the input has errors (diagnostics were printed)
//   2  usage error (unknown command or option, missing -f)
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_DRIVER_DRIVER_H
#define OVERLORD_DRIVER_DRIVER_H

namespace overlord::driver {

enum ExitCode { ExitOk = 0, ExitErrors = 1, ExitUsage = 2 };

/// Runs overlordc with a full argv (argv[0] is the program name).
int run(int argc, char **argv);

/// Runs `check-makejail` / `check-director` when one of them was selected on
/// the command line (LintCommands.cpp); returns -1 otherwise.
int runLintCommands();
/// `overlordc check-makejail FILE...`; -1 when not selected.
int runCheckMakejail();
/// `overlordc check-director -f FILE...`; -1 when not selected.
int runCheckDirector();

} // namespace overlord::driver

#endif // OVERLORD_DRIVER_DRIVER_H
