//===- Session.h - What every node command shares ---------------*- C++ -*-===//
//
// A node command (apply, destroy, cancel, get-info, the log commands) loads
// one deployment file with the Driver's Frontend, talks to the entry point of
// each datacenter it names (one HttpClient per datacenter), and reports
// every failure as one line on stderr,
//
//   overlordc apply: error: main: GET http://127.0.0.1:1/v1/labels: ...
//
// without stopping the other datacenters and targets.
//
// The live cluster snapshot is the tree of chains below each datacenter's
// entry point (ClusterWalk.h); every request for a node below the root goes
// through it as `/v1/chain/<path>/...`. Work on many targets runs on a
// bounded pool of threads (forEachParallel), each target with its own
// HttpClient and its own TargetOutput, printed in target order afterwards so
// the output does not depend on timing.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_CLIENT_SESSION_H
#define OVERLORD_CLIENT_SESSION_H

#include "overlord/AST/Spec.h"
#include "overlord/Client/ClusterWalk.h"
#include "overlord/Client/HttpClient.h"
#include "overlord/Driver/DiagOptions.h"
#include "overlord/Driver/Frontend.h"
#include "overlord/IR/Plan.h"
#include "overlord/Lower/ClusterSnapshot.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace overlord::client {

/// Exit codes of the node commands (docs/overlordc.md).
enum ClientExit {
  ClientOk = 0,
  ClientTargetFailed = 1,   ///< a request or job failed on some target
  ClientUsage = 2,          ///< usage or compile errors
  ClientUnknownDc = 66,     ///< EX_NOINPUT: unknown datacenter (reference)
};

/// What a command prints for one target, kept until Session::flush() so
/// that targets handled in parallel print in a fixed order. Thread-safe in
/// the sense that each worker owns its own TargetOutput.
class TargetOutput {
public:
  /// A line of normal output.
  void print(const llvm::Twine &Line);
  /// An error about Where (marks the target failed).
  void error(llvm::StringRef Where, const llvm::Twine &Msg);
  void error(llvm::StringRef Where, llvm::Error E);
  /// A warning about Where.
  void warning(llvm::StringRef Where, const llvm::Twine &Msg);
  /// A line for stderr printed as is (e.g. a diagnostic under an error).
  void note(const llvm::Twine &Line);
  bool failed() const { return Failed; }

private:
  friend class Session;
  enum class Kind { Out, Error, Warning, Note };
  struct Line {
    Kind K;
    std::string Where, Text;
  };
  std::vector<Line> Lines;
  bool Failed = false;
};

/// Runs Fn(0) .. Fn(N-1) on at most MaxThreads threads (the calling thread
/// included); returns when all are done.
void forEachParallel(size_t N, unsigned MaxThreads,
                     const std::function<void(size_t)> &Fn);

/// The number of targets a command works on at once.
inline constexpr unsigned ParallelTargets = 16;

/// A verified plan and the clear values of the secrets it seals.
struct BuiltPlan {
  ir::Plan Plan;
  std::map<std::string, std::string> Secrets; ///< digest -> value
};

class Session {
public:
  /// Command names the command in messages ("apply").
  explicit Session(llvm::StringRef Command);
  ~Session();

  /// Loads and checks File. Returns 0, or the exit code to stop with
  /// (ClientUsage after diagnostics, ClientUnknownDc when an entry point
  /// names a datacenter the file does not declare). Diagnostics are printed.
  int load(const std::string &File, const std::vector<std::string> &EnvFiles,
           const driver::DiagOptions &Diag);

  const ast::Deployment &deployment() const { return *D; }
  DiagnosticEngine &diags() { return Diags; }

  /// The deployment's datacenter Name, or null.
  const ast::Datacenter *datacenter(llvm::StringRef Name) const;
  /// The client of datacenter Name's entry point; null (error printed) when
  /// the datacenter is unknown or has no entry point.
  HttpClient *client(llvm::StringRef Name);
  /// A new client of datacenter Name's entry point, for one worker thread;
  /// null (error printed) as client().
  std::unique_ptr<HttpClient> newClient(llvm::StringRef Name);

  /// The snapshot of the datacenters the entry points name: each one's
  /// tree of chains, walked live (ClusterWalk.h). Each subtree left out is
  /// a warning; a datacenter whose entry point cannot be read is an error
  /// and is added as a root without labels (it matches nothing).
  lower::ClusterSnapshot liveSnapshot();
  /// After liveSnapshot(): whether datacenter Name's entry point could be
  /// walked.
  bool reached(llvm::StringRef Name) const { return !Unreached.count(Name); }

  /// The plan in File (`.oplan`), parsed and verified; nullopt after
  /// diagnostics.
  std::optional<ir::Plan> readPlan(const std::string &File);

  /// Prints Out's lines (errors and warnings prefixed like error()) and
  /// carries its failure over to the session.
  void flush(TargetOutput &Out);

  /// Routes and lowers the deployment on Snap into a verified plan, sealing
  /// with Key, else OVERLORD_PLAN_KEY or an ephemeral key. nullopt after
  /// diagnostics.
  std::optional<BuiltPlan>
  buildPlan(const lower::ClusterSnapshot &Snap, bool Restart,
            std::optional<ir::SecretKey> Key = std::nullopt);

  /// Prints "overlordc CMD: error: WHERE: MSG" and marks the run failed.
  void error(llvm::StringRef Where, const llvm::Twine &Msg);
  /// The same for an llvm::Error (consumed).
  void error(llvm::StringRef Where, llvm::Error E);
  /// "overlordc CMD: warning: WHERE: MSG".
  void warning(llvm::StringRef Where, const llvm::Twine &Msg);
  /// A line of normal output.
  void print(const llvm::Twine &Line);

  /// True once any error() was reported.
  bool failed() const { return Failed; }
  /// ClientTargetFailed after an error, else ClientOk.
  int exitCode() const { return Failed ? ClientTargetFailed : ClientOk; }

private:
  std::string Command;
  llvm::SourceMgr SM;
  DiagnosticEngine Diags;
  std::unique_ptr<driver::Frontend> FE;
  std::optional<ast::Deployment> D;
  std::string File;
  llvm::StringMap<std::unique_ptr<HttpClient>> Clients;
  llvm::StringSet<> Unreached;
  bool Failed = false;
};

/// The plan holding target T of P alone (header kept, ops copied): what one
/// node receives.
ir::Plan fragmentOf(const ir::Plan &P, ir::TargetID T);

/// The digests of every secret field of P's ops (access tokens included).
std::vector<std::string> secretDigests(const ir::Plan &P);

/// HTTP options of a datacenter of a deployment file; nullopt with Why set
/// when it has no entry point.
std::optional<HttpOptions> httpOptionsOf(const ast::Datacenter &DC,
                                         std::string &Why);

/// The live snapshot of the datacenters the entry points of Ds name (a
/// datacenter is taken from the first file that declares it), for
/// `overlordc plan` without `--cluster`. Subtrees left out are warnings on
/// stderr; any datacenter that cannot be walked is an error.
llvm::Expected<lower::ClusterSnapshot>
fetchLiveSnapshot(llvm::ArrayRef<const ast::Deployment *> Ds);

/// The relative chain path of a route: "" for `main`, `alpha.b` for
/// `main.alpha.b`.
llvm::StringRef chainOf(llvm::StringRef Route);

/// The value json.dumps gives a JSON value with Python's default separators
/// (", " and ": "), object keys in sorted order.
std::string pythonJsonDumps(const llvm::json::Value &V);

} // namespace overlord::client

#endif // OVERLORD_CLIENT_SESSION_H
