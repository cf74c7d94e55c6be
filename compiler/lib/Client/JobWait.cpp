//===- JobWait.cpp - Follow queued jobs until they end ----------*- C++ -*-===//
//
// Polling, not streaming: the node answers `GET /v1/jobs/{id}` from its
// durable queue, so a job that ended before the first poll is still seen
// with its final state. Backoff starts at 20 ms (a job with the
// simulator ends in tens of milliseconds; a loopback poll costs well under
// one) and grows by half each round to 1 s.
//
//===----------------------------------------------------------------------===//
#include "JobWait.h"

#include "overlord/Client/ClusterWalk.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>
#include <thread>

using namespace overlord;
using namespace overlord::client;

namespace {

struct Tracked {
  const QueuedJob *J;
  std::string State;
  unsigned Errors = 0;
  bool Done = false;
};

bool isFinalOperation(llvm::StringRef Op) {
  return Op != "QUEUED" && Op != "RUNNING";
}

bool isSuccess(llvm::StringRef Op) {
  return Op == "COMPLETED" || Op == "NOOP";
}

/// Why a final job failed, from its status record: the exception, the
/// message, or the exit code and the first line of stderr.
std::string failureDetail(const llvm::json::Object &Status) {
  if (const llvm::json::Object *E = Status.getObject("exception"))
    return stringMember(*E, "type") + ": " + stringMember(*E, "message");
  std::string Msg = stringMember(Status, "message");
  if (!Msg.empty())
    return Msg;
  if (const llvm::json::Object *Out = Status.getObject("output")) {
    std::string Detail;
    if (auto RC = Out->getInteger("rc"))
      Detail = llvm::formatv("exit code {0}", *RC).str();
    llvm::StringRef Err = Out->getString("stderr").value_or("");
    Err = Err.trim().take_until([](char C) { return C == '\n'; });
    if (!Err.empty())
      Detail += (Detail.empty() ? "" : ": ") + Err.str();
    if (!Detail.empty())
      return Detail;
  }
  if (Status.get("cancelled_by"))
    return "cancelled by a later cancel";
  return "no detail given";
}

/// One poll of T; updates and prints its state.
void poll(TargetOutput &S, HttpClient &Client, Tracked &T) {
  const QueuedJob &J = *T.J;
  std::string Where = J.Route;
  HttpClient *C = &Client;
  std::string Path =
      chainPath(J.Chain, llvm::formatv("/v1/jobs/{0}", J.Id).str());
  llvm::Expected<JsonResponse> R = C->call("GET", Path);
  if (!R) {
    // A node restarting is worth a few more tries.
    if (++T.Errors >= 3) {
      S.error(Where, R.takeError());
      T.Done = true;
    } else {
      llvm::consumeError(R.takeError());
    }
    return;
  }
  T.Errors = 0;
  const llvm::json::Object *Status = R->Body.getObject("status");
  if (!Status)
    Status = R->Body.getObject("job");
  llvm::StringRef Op;
  if (Status)
    if (auto Str = Status->getString("operation"))
      Op = *Str;
  if (Op.empty()) {
    S.error(Where, "GET " + C->url(Path) +
                       ": the answer has no 'status.operation'");
    T.Done = true;
    return;
  }
  if (Op != T.State) {
    T.State = Op.str();
    S.print(J.Route + ": " + J.Op + " " + J.Symbol + ": " + T.State);
  }
  if (!isFinalOperation(Op))
    return;
  T.Done = true;
  if (!isSuccess(Op))
    S.error(Where, llvm::formatv("{0} {1} (job {2}) ended {3}: {4}", J.Op,
                                 J.Symbol, J.Id, Op, failureDetail(*Status))
                       .str());
}

} // namespace

void overlord::client::printQueued(TargetOutput &S, const QueuedJob &J) {
  S.print(llvm::formatv("{0}: {1} {2}: job {3}", J.Route, J.Op, J.Symbol,
                        J.Id)
              .str());
}

void overlord::client::waitForJobs(TargetOutput &S, HttpClient &C,
                                   const std::vector<QueuedJob> &Jobs,
                                   double TimeoutSeconds) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point Deadline =
      Clock::now() + std::chrono::milliseconds(
                         int64_t(std::max(TimeoutSeconds, 0.0) * 1000));
  std::vector<Tracked> All;
  for (const QueuedJob &J : Jobs)
    All.push_back({&J, "", 0, false});
  std::chrono::milliseconds Delay(20);
  while (true) {
    bool Pending = false;
    for (Tracked &T : All)
      if (!T.Done) {
        poll(S, C, T);
        Pending |= !T.Done;
      }
    if (!Pending)
      return;
    if (TimeoutSeconds > 0 && Clock::now() >= Deadline)
      break;
    std::this_thread::sleep_for(Delay);
    Delay = std::min(std::chrono::milliseconds(1000), Delay * 3 / 2);
  }
  for (Tracked &T : All)
    if (!T.Done)
      S.error(T.J->Route,
              llvm::formatv("{0} {1} (job {2}) is still {3} after {4} s",
                            T.J->Op, T.J->Symbol, T.J->Id,
                            T.State.empty() ? "unknown" : T.State,
                            TimeoutSeconds)
                  .str());
}
