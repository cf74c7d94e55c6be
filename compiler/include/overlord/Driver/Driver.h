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

#include "overlord/Lower/ClusterSnapshot.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

namespace overlord::ast {
struct Deployment;
} // namespace overlord::ast

namespace overlord::driver {

enum ExitCode { ExitOk = 0, ExitErrors = 1, ExitUsage = 2 };

/// Runs a command set selected on the command line: its exit code, or -1
/// when none of its commands was selected.
using CommandSetFn = int (*)();

/// Takes the live cluster snapshot of the datacenters the entry points of
/// the deployments name (the node client's tree walk), for `plan` without
/// `--cluster`.
using SnapshotProviderFn = llvm::Expected<lower::ClusterSnapshot> (*)(
    llvm::ArrayRef<const ast::Deployment *>);

/// Runs overlordc with a full argv (argv[0] is the program name). Extra are
/// command sets of higher layers (the node client, compiler/lib/Client),
/// which the tool passes in so that the Driver never depends on them; their
/// llvm::cl::SubCommands are registered statically like the Driver's own.
/// LiveSnapshot, when given, lets `plan` run without `--cluster`.
int run(int argc, char **argv, llvm::ArrayRef<CommandSetFn> Extra = {},
        SnapshotProviderFn LiveSnapshot = nullptr);

/// Runs `check-makejail` / `check-director` when one of them was selected on
/// the command line (LintCommands.cpp); returns -1 otherwise.
int runLintCommands();
/// `overlordc check-makejail FILE...`; -1 when not selected.
int runCheckMakejail();
/// `overlordc check-director -f FILE...`; -1 when not selected.
int runCheckDirector();

/// `overlordc convert` / `overlordc fmt` (DslCommands.cpp, the native DSL);
/// -1 when neither was selected.
int runDslCommands();

} // namespace overlord::driver

#endif // OVERLORD_DRIVER_DRIVER_H
