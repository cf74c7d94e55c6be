//===- ClusterCommand.cpp - overlordc cluster snapshot ----------*- C++ -*-===//
//
// `overlordc cluster snapshot -f FILE [-e ENV]... [-o OUT]`: walks the tree
// of chains of every datacenter the file's entry points name (ClusterWalk.h)
// and writes the snapshot in the format `overlordc plan --cluster` reads
// (docs/ClusterSnapshot.md, SnapshotWriter.h), to OUT or standard output.
// A subtree left out is a warning; a datacenter whose entry point cannot be
// walked is an error (exit 1) and nothing is written.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/ClientCommands.h"
#include "overlord/Client/Session.h"
#include "overlord/Lower/SnapshotWriter.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::client;
namespace cl = llvm::cl;

namespace {

cl::SubCommand ClusterCmd("cluster", "Cluster commands: 'cluster snapshot' "
                                     "writes the live cluster snapshot");
cl::opt<std::string> Action(cl::Positional, cl::desc("snapshot"),
                            cl::sub(ClusterCmd));
cl::opt<std::string> File("f", cl::desc("Deployment file naming the "
                                        "datacenters"),
                          cl::value_desc("file"), cl::sub(ClusterCmd));
cl::alias FileLong("file", cl::aliasopt(File));
cl::list<std::string> EnvFiles("e", cl::desc("Load variables from this .env "
                                             "file (repeatable; default "
                                             "./.env)"),
                               cl::value_desc("envfile"), cl::sub(ClusterCmd));
cl::alias EnvFileLong("env-file", cl::aliasopt(EnvFiles));
cl::opt<std::string> Output("o", cl::desc("Write the snapshot to this file "
                                          "(default: standard output)"),
                            cl::value_desc("snapshot.json"),
                            cl::sub(ClusterCmd));
driver::DiagOptions Diag(ClusterCmd);

int run() {
  if (Action != "snapshot") {
    llvm::errs() << "overlordc cluster: error: "
                 << (Action.empty() ? std::string("no action")
                                    : "unknown action '" + Action + "'")
                 << "; use 'overlordc cluster snapshot -f FILE [-o OUT]'\n";
    return ClientUsage;
  }
  Session S("cluster snapshot");
  if (int RC = S.load(File, {EnvFiles.begin(), EnvFiles.end()}, Diag))
    return RC;
  lower::ClusterSnapshot Snap = S.liveSnapshot();
  if (S.failed()) {
    llvm::errs() << "overlordc cluster snapshot: error: the cluster could "
                    "not be read whole; no snapshot written\n";
    return S.exitCode();
  }
  if (Output.empty()) {
    lower::writeClusterSnapshot(Snap, llvm::outs());
    return ClientOk;
  }
  std::error_code EC;
  llvm::raw_fd_ostream OS(Output, EC, llvm::sys::fs::OF_Text);
  if (EC) {
    llvm::errs() << "overlordc cluster snapshot: error: cannot write '"
                 << Output << "': " << EC.message() << "\n";
    return ClientTargetFailed;
  }
  lower::writeClusterSnapshot(Snap, OS);
  return ClientOk;
}

} // namespace

int overlord::client::runClusterCommand() {
  if (!ClusterCmd)
    return -1;
  return run();
}
