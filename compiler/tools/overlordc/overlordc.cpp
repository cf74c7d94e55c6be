//===- overlordc.cpp - The overlord compiler driver -------------*- C++ -*-===//
//
// Thin main: all logic lives in the Driver library (Driver.h) so tests can
// reach it.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/ClientCommands.h"
#include "overlord/Client/Session.h"
#include "overlord/Driver/Driver.h"

int main(int argc, char **argv) {
  return overlord::driver::run(argc, argv,
                               {&overlord::client::runClientCommands},
                               &overlord::client::fetchLiveSnapshot);
}
