//===- JobWait.h - Follow queued jobs until they end ------------*- C++ -*-===//
//
// `--wait` of apply, destroy and cancel: polls `GET /v1/jobs/{id}` on each
// job's node (through its chain, `/v1/chain/<path>/jobs/{id}`, below the
// root) with a short backoff and prints one line per state change,
//
//   main: project.up web: RUNNING
//   main: project.up web: COMPLETED
//
// until every job is final or the deadline passes. A worker follows the
// jobs of one target with its own client and output.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_CLIENT_JOBWAIT_H
#define OVERLORD_LIB_CLIENT_JOBWAIT_H

#include "overlord/Client/Session.h"

#include <cstdint>
#include <string>
#include <vector>

namespace overlord::client {

/// One job a command queued.
struct QueuedJob {
  std::string Route;      ///< the target (`main`)
  std::string Datacenter; ///< whose entry point answers for it
  std::string Chain;      ///< relative chain path below it, "" for the root
  std::string Op, Symbol; ///< `project.up`, `web`
  int64_t Id = 0;
};

/// Prints the line for a queued job ("main: project.up web: job 7").
void printQueued(TargetOutput &Out, const QueuedJob &J);

/// Follows Jobs (all on the datacenter C reaches) until all are final or
/// TimeoutSeconds (> 0) passed. A job that ends FAILED, INCOMPLETED or
/// CANCELLED, that cannot be polled, or that is still pending at the
/// deadline is an error on Out.
void waitForJobs(TargetOutput &Out, HttpClient &C,
                 const std::vector<QueuedJob> &Jobs, double TimeoutSeconds);

} // namespace overlord::client

#endif // OVERLORD_LIB_CLIENT_JOBWAIT_H
