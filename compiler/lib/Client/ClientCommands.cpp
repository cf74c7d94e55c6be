//===- ClientCommands.cpp - overlordc commands that talk to nodes -*- C++ -*-=//
//
// Dispatch only; each command lives in its own file.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/ClientCommands.h"

#include <initializer_list>

using namespace overlord;

int overlord::client::runClientCommands() {
  for (int (*Run)() : {runApply, runDestroy, runCancel, runGetInfo,
                       runLogCommands, runGenToken, runClusterCommand})
    if (int RC = Run(); RC >= 0)
      return RC;
  return -1;
}
