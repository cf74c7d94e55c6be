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
// Chains are not walked yet (the chains issue): the live cluster snapshot
// has one root node per datacenter, with the labels its `GET /v1/labels`
// returns. An entry point naming a chain (`main.alpha`) is therefore
// diagnosed by routing ([RouteUnknownChain]).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_CLIENT_SESSION_H
#define OVERLORD_CLIENT_SESSION_H

#include "overlord/AST/Spec.h"
#include "overlord/Client/HttpClient.h"
#include "overlord/Driver/DiagOptions.h"
#include "overlord/Driver/Frontend.h"
#include "overlord/IR/Plan.h"
#include "overlord/Lower/ClusterSnapshot.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

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

  /// `GET /v1/labels` of datacenter Name's entry point; nullopt (error
  /// printed) on failure or a malformed answer.
  std::optional<std::vector<std::string>> labels(llvm::StringRef Name);

  /// The snapshot of the datacenters the entry points name, one root each,
  /// labels fetched live. A datacenter that cannot be reached is added
  /// without labels (it matches nothing) after its error was printed.
  lower::ClusterSnapshot liveSnapshot();

  /// Routes and lowers the deployment on Snap into a verified plan, sealing
  /// with OVERLORD_PLAN_KEY or an ephemeral key. nullopt after diagnostics.
  std::optional<BuiltPlan> buildPlan(const lower::ClusterSnapshot &Snap,
                                     bool Restart);

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
  bool Failed = false;
};

/// The plan holding target T of P alone (header kept, ops copied): what one
/// node receives.
ir::Plan fragmentOf(const ir::Plan &P, ir::TargetID T);

/// The digests of every secret field of P's ops (access tokens included).
std::vector<std::string> secretDigests(const ir::Plan &P);

/// The relative chain path of a route: "" for `main`, `alpha.b` for
/// `main.alpha.b`.
llvm::StringRef chainOf(llvm::StringRef Route);

/// The value json.dumps gives a JSON value with Python's default separators
/// (", " and ": "), object keys in sorted order.
std::string pythonJsonDumps(const llvm::json::Value &V);

} // namespace overlord::client

#endif // OVERLORD_CLIENT_SESSION_H
