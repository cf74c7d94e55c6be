//===- PlanBuild.cpp - overlordc plan ---------------------------*- C++ -*-===//
//
// The `plan` sub-command: Frontend (env files, YAML, Sema) -> cluster
// snapshot -> `--metadata` files -> lowering (routing, environments,
// templates) -> plan verifier -> `.oplan` text, JSON, or a diff against an
// earlier plan. Exit codes: 0 success, 1 errors, 2 usage; with
// `--diff-against` and `--detailed-exitcode`, 2 when the plans differ.
//
// Secrets are sealed with the key of `--key-file`, else `OVERLORD_PLAN_KEY`,
// else an ephemeral key (secrets then differ in every plan).
//
//===----------------------------------------------------------------------===//
#include "overlord/Driver/PlanBuild.h"

#include "overlord/Driver/Driver.h"
#include "overlord/Driver/Frontend.h"
#include "overlord/IR/Diff.h"
#include "overlord/IR/Plan.h"
#include "overlord/Lower/ClusterSnapshot.h"
#include "overlord/Lower/Lowering.h"
#include "overlord/Sema/SpecChecker.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::driver;
namespace cl = llvm::cl;

namespace {

cl::SubCommand PlanCmd("plan", "Compile a deployment file into an execution "
                               "plan routed on a cluster snapshot");
cl::opt<std::string> File("f", cl::desc("Deployment file ('-' for stdin)"),
                          cl::value_desc("file"), cl::sub(PlanCmd));
cl::alias FileLong("file", cl::aliasopt(File));
cl::list<std::string> EnvFiles("e", cl::desc("Load variables from this .env "
                                             "file (repeatable; default "
                                             "./.env)"),
                               cl::value_desc("envfile"), cl::sub(PlanCmd));
cl::alias EnvFileLong("env-file", cl::aliasopt(EnvFiles));
cl::opt<std::string> Cluster("cluster", cl::desc("Cluster snapshot (JSON, "
                                                 "docs/ClusterSnapshot.md)"),
                             cl::value_desc("snapshot"), cl::sub(PlanCmd));
cl::list<std::string> MetadataFiles(
    "metadata",
    cl::desc("A 'kind: metadata' file whose entries are known at plan time "
             "(appConfig templates, includes); repeatable"),
    cl::value_desc("file"), cl::sub(PlanCmd));
cl::opt<std::string> Output("o", cl::desc("Write the plan to this file"),
                            cl::value_desc("plan.oplan"), cl::sub(PlanCmd));
cl::opt<std::string> Format("format", cl::desc("Output: text or json"),
                            cl::init("text"), cl::sub(PlanCmd));
cl::opt<std::string> DiffAgainst("diff-against",
                                 cl::desc("Print the diff from this plan "
                                          "instead of the plan"),
                                 cl::value_desc("old.oplan"),
                                 cl::sub(PlanCmd));
cl::opt<bool> DetailedExit("detailed-exitcode",
                           cl::desc("With --diff-against: exit 2 when the "
                                    "plans differ"),
                           cl::sub(PlanCmd));
cl::opt<bool> Restart("restart", cl::desc("Restart projects and VMs"),
                      cl::sub(PlanCmd));
cl::opt<std::string> KeyFile("key-file",
                             cl::desc("Seal secrets with this key file"),
                             cl::value_desc("file"), cl::sub(PlanCmd));
cl::opt<unsigned> ErrorLimit("error-limit",
                             cl::desc("Stop after this many errors (0: no "
                                      "limit)"),
                             cl::init(20), cl::sub(PlanCmd));
cl::opt<std::string> DiagFormat("diagnostics-format",
                                cl::desc("Diagnostics format: text or json"),
                                cl::init("text"), cl::sub(PlanCmd));
cl::opt<bool> Werror("Werror", cl::desc("Treat warnings as errors"),
                     cl::sub(PlanCmd));

/// The state of one run: the SourceMgr's buffers and the documents the
/// typed deployments point into live as long as it does.
class PlanRun {
public:
  PlanRun() : Diags(SM) {}
  int run();

private:
  bool usage(llvm::StringRef Msg) {
    llvm::errs() << "overlordc plan: error: " << Msg << "\n";
    return false;
  }
  bool configure();
  std::optional<ir::SecretKey> secretKey();
  std::optional<ast::Deployment> load(const std::string &Path,
                                      Frontend &FE);
  bool loadMetadata(lower::MetadataStore &Store);
  std::optional<ast::Deployment> parseExpanded(llvm::StringRef Text,
                                               llvm::StringRef Name);
  void addSource(ir::PlanBuilder &B, llvm::StringRef Path);
  int emit(const ir::Plan &P);

  llvm::SourceMgr SM;
  DiagnosticEngine Diags;
  std::unique_ptr<Frontend> Main;
  std::vector<std::unique_ptr<ast::Document>> Docs;
};

bool PlanRun::configure() {
  if (DiagFormat == "json")
    Diags.setFormat(overlord::DiagFormat::Json);
  else if (DiagFormat != "text")
    return usage("unknown diagnostics format '" + DiagFormat +
                 "'; use 'text' or 'json'");
  if (Format != "text" && Format != "json")
    return usage("unknown format '" + Format + "'; use 'text' or 'json'");
  if (File.empty())
    return usage("no deployment file; use '-f FILE'");
  Diags.setErrorLimit(ErrorLimit);
  Diags.setWarningsAsErrors(Werror);
  return true;
}

std::optional<ir::SecretKey> PlanRun::secretKey() {
  if (KeyFile.empty())
    return ir::SecretKey::fromEnvironment();
  std::string Error;
  std::optional<ir::SecretKey> K = ir::SecretKey::fromFile(KeyFile, Error);
  if (!K)
    Diags.emit(llvm::SMRange(), diag::FileUnreadable, KeyFile.getValue(),
               Error);
  return K;
}

std::optional<ast::Deployment> PlanRun::load(const std::string &Path,
                                             Frontend &FE) {
  FrontendOptions FO;
  FO.File = Path;
  FO.EnvFiles.assign(EnvFiles.begin(), EnvFiles.end());
  return FE.load(FO);
}

bool PlanRun::loadMetadata(lower::MetadataStore &Store) {
  bool Ok = true;
  for (const std::string &Path : MetadataFiles) {
    auto FE = std::make_unique<Frontend>(Diags, Environment::fromProcess());
    std::optional<ast::Deployment> D = load(Path, *FE);
    if (!D || !D->Metadata) {
      if (D)
        Diags.emit(D->Datacenters.empty() ? llvm::SMRange()
                                          : D->Datacenters.front().Range,
                   diag::PlanMetadataKind, ast::kindName(D->Kind).str());
      Ok = false;
      continue;
    }
    // The store copies the values; its locations point into SM's buffers.
    Store.add(*D->Metadata, SM);
  }
  return Ok;
}

std::optional<ast::Deployment> PlanRun::parseExpanded(llvm::StringRef Text,
                                                      llvm::StringRef Name) {
  unsigned Buf = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Text, Name), llvm::SMLoc());
  yaml::ParseOptions PO;
  PO.Env = &Main->getEnvironment();
  std::unique_ptr<ast::Document> Doc = yaml::parseBuffer(Buf, Diags, PO);
  if (!Doc || !Doc->Root)
    return std::nullopt;
  const ast::Document &D = *Docs.emplace_back(std::move(Doc));
  sema::CheckContext Ctx{Diags, nullptr, nullptr};
  Ctx.ParseEmbeddedYaml = [this, PO](const ast::Value &S) {
    return yaml::parseEmbedded(S, Diags, PO);
  };
  // The reference's recursive apply reads includes relative to the CWD;
  // an expanded template has no file of its own to be relative to.
  Ctx.LoadYamlFile = [this, PO](llvm::StringRef Path, llvm::SMRange From) {
    std::unique_ptr<ast::Document> Out;
    if (unsigned B = Main->readFile(Path, From, 64 << 20))
      Out = yaml::parseBuffer(B, Diags, PO);
    return Out;
  };
  return sema::checkDeployment(D, Ctx);
}

void PlanRun::addSource(ir::PlanBuilder &B, llvm::StringRef Path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buf =
      llvm::MemoryBuffer::getFile(Path);
  if (Buf)
    B.addSource(Path, (*Buf)->getBuffer());
}

int PlanRun::emit(const ir::Plan &P) {
  if (!DiffAgainst.empty()) {
    auto B = llvm::MemoryBuffer::getFile(DiffAgainst, /*IsText=*/true);
    if (!B) {
      Diags.emit(llvm::SMRange(), diag::FileUnreadable,
                 DiffAgainst.getValue(), B.getError().message());
      Diags.flush(llvm::errs());
      return ExitErrors;
    }
    unsigned ID = SM.AddNewSourceBuffer(std::move(*B), llvm::SMLoc());
    std::optional<ir::Plan> Old = ir::parsePlan(ID, Diags);
    if (!Old || !ir::verifyPlan(*Old, Diags)) {
      Diags.flush(llvm::errs());
      return ExitErrors;
    }
    ir::PlanDiff D = ir::diffPlans(*Old, P);
    if (Format == "json")
      llvm::outs() << llvm::formatv("{0:2}", ir::diffToJson(D)) << "\n";
    else
      ir::renderDiffText(D, llvm::outs());
    return DetailedExit && !D.Summary.empty() ? 2 : ExitOk;
  }
  std::error_code EC;
  std::unique_ptr<llvm::raw_fd_ostream> File;
  if (!Output.empty()) {
    File = std::make_unique<llvm::raw_fd_ostream>(Output, EC);
    if (EC) {
      Diags.emit(llvm::SMRange(), diag::FileUnreadable, Output.getValue(),
                 EC.message());
      Diags.flush(llvm::errs());
      return ExitErrors;
    }
  }
  llvm::raw_ostream &OS = File ? *File : llvm::outs();
  if (Format == "json")
    OS << llvm::formatv("{0:2}", ir::planToJson(P)) << "\n";
  else
    ir::printPlan(P, OS);
  return ExitOk;
}

int PlanRun::run() {
  if (!configure())
    return ExitUsage;
  Main = std::make_unique<Frontend>(Diags, Environment::fromProcess());
  std::optional<ast::Deployment> D = load(File, *Main);
  std::optional<lower::ClusterSnapshot> Snap;
  if (D && Cluster.empty()) {
    Diags.emit(llvm::SMRange(), diag::PlanNoCluster);
  } else if (D) {
    if (unsigned Buf = Main->readFile(Cluster, llvm::SMRange(), 64 << 20))
      Snap = lower::parseClusterSnapshot(Buf, Diags);
  }
  lower::MetadataStore Store;
  bool MetaOk = loadMetadata(Store);
  std::optional<ir::SecretKey> Key = secretKey();
  if (!D || !Snap || !MetaOk || !Key || Diags.hasErrors()) {
    Diags.flush(llvm::errs());
    return ExitErrors;
  }
  ir::PlanBuilder B(*Key);
  B.setCompiler("overlordc " OVERLORD_VERSION);
  addSource(B, File);
  for (const std::string &M : MetadataFiles)
    addSource(B, M);
  B.setClusterDigest(Snap->digest());
  lower::LowerContext Ctx{Diags, *Snap, B, &Store, nullptr, Restart};
  Ctx.ParseExpanded = [this](llvm::StringRef Text, llvm::StringRef Name) {
    return parseExpanded(Text, Name);
  };
  bool Ok = lower::lowerDeployment(*D, Ctx);
  ir::Plan P = B.finish();
  Ok = Ok && ir::verifyPlan(P, Diags) && !Diags.hasErrors();
  Diags.flush(llvm::errs());
  if (!Ok)
    return ExitErrors;
  return emit(P);
}

} // namespace

int overlord::driver::runPlanBuild() {
  if (!PlanCmd)
    return -1;
  PlanRun R;
  return R.run();
}
