//===- PlanCommands.h - overlordc plan review commands ----------*- C++ -*-===//
//
// `overlordc diff OLD.oplan NEW.oplan` and `overlordc show-plan FILE.oplan`
// (PlanCommands.cpp). Driver.cpp's run() calls runPlanCommands().
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_DRIVER_PLANCOMMANDS_H
#define OVERLORD_DRIVER_PLANCOMMANDS_H

namespace overlord::driver {

/// Runs `diff` or `show-plan` when one was selected on the command line;
/// returns its exit code, or -1 when neither was selected.
int runPlanCommands();

} // namespace overlord::driver

#endif // OVERLORD_DRIVER_PLANCOMMANDS_H
