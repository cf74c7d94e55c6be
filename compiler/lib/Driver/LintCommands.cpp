//===- LintCommands.cpp - Standalone AppJail file checks --------*- C++ -*-===//
//
// Dispatches the commands that check one AppJail file on its own:
// `overlordc check-makejail` (LintMakejail.cpp) and `overlordc
// check-director` (LintDirector.cpp).
//
//===----------------------------------------------------------------------===//
#include "overlord/Driver/Driver.h"

int overlord::driver::runLintCommands() {
  if (int RC = runCheckMakejail(); RC >= 0)
    return RC;
  return runCheckDirector();
}
