//===- ClientCommands.h - overlordc commands that talk to nodes -*- C++ -*-===//
//
// `overlordc apply | destroy | cancel | get-info | get-project-log |
// get-jail-log | gen-token | cluster snapshot` (docs/overlordc.md). The overlordc tool passes
// runClientCommands() to driver::run(), which calls it after the Driver's
// own command groups.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_CLIENT_CLIENTCOMMANDS_H
#define OVERLORD_CLIENT_CLIENTCOMMANDS_H

namespace overlord::client {

/// Runs the node command selected on the command line and returns its exit
/// code, or -1 when none of them was selected.
int runClientCommands();

/// Each command: its exit code, or -1 when it was not selected.
int runApply();
int runDestroy();
int runCancel();
int runGetInfo();
int runLogCommands();
int runGenToken();
int runClusterCommand();

} // namespace overlord::client

#endif // OVERLORD_CLIENT_CLIENTCOMMANDS_H
