//===- PlanBuild.h - overlordc plan -----------------------------*- C++ -*-===//
//
// `overlordc plan -f FILE [-e ENV]... --cluster SNAPSHOT [--metadata FILE]...
// [-o PLAN] [--format=text|json] [--diff-against OLD.oplan]` (PlanBuild.cpp):
// loads and checks the deployment file with driver::Frontend, routes it
// against the cluster snapshot, lowers it into a plan, verifies the plan and
// prints or writes it. Driver.cpp's run() calls runPlanBuild().
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_DRIVER_PLANBUILD_H
#define OVERLORD_DRIVER_PLANBUILD_H

#include "overlord/Driver/Driver.h"

namespace overlord::driver {

/// Runs `overlordc plan` when it was selected on the command line; returns
/// its exit code, or -1 when it was not selected. Without `--cluster` the
/// snapshot comes from LiveSnapshot; without one, [PlanNoCluster].
int runPlanBuild(SnapshotProviderFn LiveSnapshot = nullptr);

} // namespace overlord::driver

#endif // OVERLORD_DRIVER_PLANBUILD_H
