//===- Driver.cpp - overlordc command line ----------------------*- C++ -*-===//
//
// Sub-commands are llvm::cl::SubCommands. Options shared by every command
// that reads a deployment file (-f, -e, diagnostics) are registered on each
// of them.
//
//===----------------------------------------------------------------------===//
#include "overlord/Driver/Driver.h"

#include "overlord/Driver/DiagOptions.h"
#include "overlord/Driver/Frontend.h"
#include "overlord/Driver/PlanBuild.h"
#include "overlord/Driver/PlanCommands.h"
#include "overlord/Sema/SpecChecker.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <atomic>
#include <thread>

using namespace overlord;
using namespace overlord::driver;
namespace cl = llvm::cl;

namespace {

/// The options of every command that reads a deployment file.
struct CommonOptions {
  cl::SubCommand &Sub;
  cl::list<std::string> Files;
  cl::list<std::string> EnvFiles;
  DiagOptions Diag;
  cl::opt<uint64_t> MaxFileBytes;

  explicit CommonOptions(cl::SubCommand &S)
      : Sub(S),
        Files("f", cl::desc("Deployment file ('-' for standard input); check "
                            "takes several"),
              cl::value_desc("file"), cl::sub(S)),
        EnvFiles("e", cl::desc("Load variables from this .env file "
                               "(repeatable; default ./.env)"),
                 cl::value_desc("envfile"), cl::sub(S)),
        Diag(S),
        MaxFileBytes("max-file-bytes",
                     cl::desc("Refuse input files larger than this"),
                     cl::init(64 << 20), cl::sub(S)) {}
};

cl::SubCommand CheckCmd("check", "Validate a deployment file completely");
cl::SubCommand PrintSpecCmd(
    "print-spec", "Print the fully defaulted specification as JSON");

CommonOptions CheckOpts(CheckCmd);
CommonOptions PrintSpecOpts(PrintSpecCmd);
cl::opt<bool> ShowSecrets("show-secrets",
                          cl::desc("Print access tokens in clear"),
                          cl::sub(PrintSpecCmd));
cl::alias EnvFileLongCheck("env-file", cl::aliasopt(CheckOpts.EnvFiles));
cl::alias EnvFileLongPrint("env-file", cl::aliasopt(PrintSpecOpts.EnvFiles));
cl::alias FileLongCheck("file", cl::aliasopt(CheckOpts.Files));
cl::alias FileLongPrint("file", cl::aliasopt(PrintSpecOpts.Files));

/// Configures the engine from the common options; false on a usage error.
bool configure(CommonOptions &O, DiagnosticEngine &Diags) {
  if (!O.Diag.apply(Diags))
    return false;
  if (O.Files.empty()) {
    llvm::errs() << "overlordc " << O.Sub.getName()
                 << ": error: no deployment file; use '-f FILE'\n";
    return false;
  }
  return true;
}

FrontendOptions frontendOptions(CommonOptions &O, const std::string &File) {
  FrontendOptions FO;
  FO.File = File;
  FO.MaxFileBytes = O.MaxFileBytes;
  FO.EnvFiles.assign(O.EnvFiles.begin(), O.EnvFiles.end());
  return FO;
}

cl::opt<unsigned> Jobs("j",
                       cl::desc("Check this many files at once (default: "
                                "one per core)"),
                       cl::init(0), cl::sub(CheckCmd));

/// Checks one file as if by its own run: its own SourceMgr, engine and
/// environment. Diagnostics go to Out; returns true when it has no errors.
bool checkOneFile(const std::string &File, const Environment &Process,
                  std::string &Out) {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  llvm::raw_string_ostream OS(Out);
  if (!configure(CheckOpts, Diags))
    return false;
  Frontend FE(Diags, Process);
  std::optional<ast::Deployment> D = FE.load(frontendOptions(CheckOpts, File));
  bool Ok = D && !Diags.hasErrors();
  Diags.flush(OS);
  return Ok;
}

/// `overlordc check -f A -f B ...`: files are independent, so they are
/// checked in parallel; output is printed in the order the files were given.
int runCheck() {
  {
    llvm::SourceMgr SM;
    DiagnosticEngine Probe(SM);
    if (!configure(CheckOpts, Probe))
      return ExitUsage;
  }
  Environment Process = Environment::fromProcess();
  size_t N = CheckOpts.Files.size();
  std::vector<std::string> Outputs(N);
  std::vector<char> Ok(N, 0);
  std::atomic<size_t> Next{0};
  auto Worker = [&] {
    for (size_t I = Next++; I < N; I = Next++)
      Ok[I] = checkOneFile(CheckOpts.Files[I], Process, Outputs[I]);
  };
  unsigned Threads = Jobs ? unsigned(Jobs)
                          : std::max(1u, std::thread::hardware_concurrency());
  Threads = unsigned(std::min<size_t>(Threads, N));
  std::vector<std::thread> Pool;
  for (unsigned T = 1; T < Threads; ++T)
    Pool.emplace_back(Worker);
  Worker();
  for (std::thread &T : Pool)
    T.join();
  bool Failed = false;
  for (size_t I = 0; I < N; ++I) {
    llvm::errs() << Outputs[I];
    Failed |= !Ok[I];
  }
  return Failed ? ExitErrors : ExitOk;
}

int runPrintSpec() {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  if (!configure(PrintSpecOpts, Diags))
    return ExitUsage;
  if (PrintSpecOpts.Files.size() != 1) {
    llvm::errs() << "overlordc print-spec: error: exactly one '-f FILE'\n";
    return ExitUsage;
  }
  Frontend FE(Diags, Environment::fromProcess());
  std::optional<ast::Deployment> D =
      FE.load(frontendOptions(PrintSpecOpts, PrintSpecOpts.Files.front()));
  Diags.flush(llvm::errs());
  if (!D || Diags.hasErrors())
    return ExitErrors;
  llvm::outs() << llvm::formatv("{0:4}", sema::printSpec(*D, ShowSecrets))
               << "\n";
  return ExitOk;
}

} // namespace

int overlord::driver::run(int argc, char **argv,
                           llvm::ArrayRef<CommandSetFn> Extra,
                           SnapshotProviderFn LiveSnapshot) {
  cl::SetVersionPrinter([](llvm::raw_ostream &OS) {
    OS << "overlordc " OVERLORD_VERSION "\n";
  });
  std::string Errors;
  llvm::raw_string_ostream ErrOS(Errors);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "overlord compiler: check, plan and "
                                   "apply deployment files\n",
                                   &ErrOS)) {
    llvm::errs() << ErrOS.str();
    return ExitUsage;
  }
  if (CheckCmd)
    return runCheck();
  if (PrintSpecCmd)
    return runPrintSpec();
  if (int RC = runLintCommands(); RC >= 0)
    return RC;
  if (int RC = runPlanBuild(LiveSnapshot); RC >= 0)
    return RC;
  if (int RC = runPlanCommands(); RC >= 0)
    return RC;
  if (int RC = runDslCommands(); RC >= 0)
    return RC;
  for (CommandSetFn Fn : Extra)
    if (int RC = Fn(); RC >= 0)
      return RC;
  llvm::errs() << "overlordc: error: no command; run 'overlordc --help'\n";
  return ExitUsage;
}
