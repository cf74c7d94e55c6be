//===- PlanBuild.cpp - overlordc plan ---------------------------*- C++ -*-===//
//
// The `plan` sub-command: Frontend (env files, YAML, Sema) for each `-f`
// file -> cluster snapshot -> `--metadata` files -> lowering of every file
// into one builder (routing, environments, templates) -> the cross-file
// ownership check -> plan verifier -> `.oplan` text, JSON, or a diff against
// an earlier plan. Exit codes: 0 success, 1 errors, 2 usage; with
// `--diff-against` and `--detailed-exitcode`, 2 when the plans differ.
//
// Secrets are sealed with the key of `--key-file`, else `OVERLORD_PLAN_KEY`,
// else an ephemeral key (secrets then differ in every plan).
//
//===----------------------------------------------------------------------===//
#include "overlord/Driver/PlanBuild.h"

#include "overlord/Driver/DiagOptions.h"
#include "overlord/Driver/Driver.h"
#include "overlord/Driver/Frontend.h"
#include "overlord/Driver/PlanSource.h"
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

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

using namespace overlord;
using namespace overlord::driver;
namespace cl = llvm::cl;

namespace {

cl::SubCommand PlanCmd("plan", "Compile a deployment file into an execution "
                               "plan routed on a cluster snapshot");
cl::list<std::string> Files("f",
                            cl::desc("Deployment file ('-' for stdin); "
                                     "repeatable, all go into one plan"),
                            cl::value_desc("file"), cl::sub(PlanCmd));
cl::alias FileLong("file", cl::aliasopt(Files));
cl::list<std::string> EnvFiles("e", cl::desc("Load variables from this .env "
                                             "file (repeatable; default "
                                             "./.env)"),
                               cl::value_desc("envfile"), cl::sub(PlanCmd));
cl::alias EnvFileLong("env-file", cl::aliasopt(EnvFiles));
cl::opt<std::string> Cluster("cluster", cl::desc("Cluster snapshot (JSON, "
                                                 "docs/ClusterSnapshot.md); "
                                                 "default: taken live"),
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
DiagOptions Diag(PlanCmd);

/// One `-f` file. Files are first loaded on worker threads as `check` loads
/// them: each with its own SourceMgr, engine and front end, which keep its
/// buffers and documents alive until the plan is built. A file that loaded
/// without any diagnostic is used as is (its buffers are shared with the
/// run's SourceMgr); any other file is loaded again on the run's engine, so
/// its diagnostics are exactly those of a sequential load.
struct LoadedFile {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags{SM};
  /// Bound to Diags, or to the run's engine after a reload.
  std::unique_ptr<Frontend> FE;
  /// A typed deployment may point into itself: never moved.
  std::optional<ast::Deployment> D;
  /// Bound to the run's engine with FE's environment, for the templates
  /// lowering expands; made on first use when FE is bound to Diags.
  std::unique_ptr<Frontend> LowerFE;
  bool Clean = false;
};

/// The state of one run: the SourceMgr's buffers and the documents the
/// typed deployments point into live as long as it does.
class PlanRun {
public:
  explicit PlanRun(SnapshotProviderFn Live) : Diags(SM), Live(Live) {}
  int run();

private:
  bool usage(llvm::StringRef Msg) {
    llvm::errs() << "overlordc plan: error: " << Msg << "\n";
    return false;
  }
  bool configure();
  void loadAll(const Environment &Process);
  Frontend &lowerFrontend(LoadedFile &L);
  std::optional<ir::SecretKey> secretKey();
  std::optional<ast::Deployment> load(const std::string &Path,
                                      Frontend &FE);
  bool loadMetadata(lower::MetadataStore &Store);
  std::optional<ast::Deployment> parseExpanded(llvm::StringRef Text,
                                               llvm::StringRef Name,
                                               Frontend &FE);
  /// Name and specification digest of each --metadata file, for the
  /// plan's header (PlanSource.h).
  std::vector<std::pair<std::string, std::string>> MetadataSources;
  void recordOwners(const ir::Plan &P, uint32_t FileIndex);
  bool checkOwnership(const ir::Plan &P);
  int emit(const ir::Plan &P);

  llvm::SourceMgr SM;
  DiagnosticEngine Diags;
  SnapshotProviderFn Live;
  /// Each `-f` file in order: its front end and checked deployment.
  std::vector<std::unique_ptr<LoadedFile>> Loaded;
  std::vector<std::unique_ptr<ast::Document>> Docs;
  /// For each op kind, the index of the `-f` file that lowered each op of
  /// the builder's store of that kind.
  std::vector<uint32_t> Owners[size_t(ir::OpKind::NumKinds)];
};

bool PlanRun::configure() {
  if (!Diag.apply(Diags))
    return false;
  if (Format != "text" && Format != "json")
    return usage("unknown format '" + Format + "'; use 'text' or 'json'");
  if (Files.empty())
    return usage("no deployment file; use '-f FILE'");
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
    MetadataSources.push_back({planSourceName(Path), planSourceDigest(*D)});
  }
  return Ok;
}

std::optional<ast::Deployment> PlanRun::parseExpanded(llvm::StringRef Text,
                                                      llvm::StringRef Name,
                                                      Frontend &FE) {
  unsigned Buf = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Text, Name), llvm::SMLoc());
  yaml::ParseOptions PO;
  PO.Env = &FE.getEnvironment();
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
  Ctx.LoadYamlFile = [this, PO, &FE](llvm::StringRef Path,
                                     llvm::SMRange From) {
    std::unique_ptr<ast::Document> Out;
    if (unsigned B = FE.readFile(Path, From, 64 << 20))
      Out = yaml::parseBuffer(B, Diags, PO);
    return Out;
  };
  return sema::checkDeployment(D, Ctx);
}

void PlanRun::recordOwners(const ir::Plan &P, uint32_t FileIndex) {
  for (size_t K = 0; K < size_t(ir::OpKind::NumKinds); ++K) {
    size_t N = ir::visitKind(ir::OpKind(K), [&](auto Tag) {
      return P.ops<typename decltype(Tag)::type>().size();
    });
    Owners[K].resize(N, FileIndex);
  }
}

/// The place a diagnostic about deployment D points at: its first
/// datacenter (every kind has one), else nowhere.
static llvm::SMRange anchorOf(const std::optional<ast::Deployment> &D) {
  if (!D || D->Datacenters.empty())
    return llvm::SMRange();
  return D->Datacenters.front().Range;
}

bool PlanRun::checkOwnership(const ir::Plan &P) {
  bool Ok = true;
  std::map<std::pair<ir::OpKind, llvm::StringRef>, uint32_t> Seen;
  for (size_t T = 0; T < P.TargetOps.size(); ++T) {
    Seen.clear();
    for (ir::OpRef R : P.TargetOps[T]) {
      uint32_t File = Owners[size_t(R.Kind)][R.Index];
      llvm::StringRef Symbol = P.base(R).Symbol;
      auto [It, New] = Seen.try_emplace({R.Kind, Symbol}, File);
      // Duplicates within one file are the verifier's PlanDuplicateOp.
      if (New || It->second == File)
        continue;
      Ok = false;
      Diags
          .emit(anchorOf(Loaded[File]->D), diag::PlanDuplicateAcrossFiles,
                ir::getOpInfo(R.Kind).Mnemonic.str(), Symbol.str(),
                P.Targets[T].Symbol, Files[It->second], Files[File])
          .note(anchorOf(Loaded[It->second]->D), diag::PlanPreviousHere);
    }
  }
  return Ok;
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

void PlanRun::loadAll(const Environment &Process) {
  size_t N = Files.size();
  Loaded.resize(N);
  for (std::unique_ptr<LoadedFile> &L : Loaded) {
    L = std::make_unique<LoadedFile>();
    Diag.apply(L->Diags); // succeeded on the run's engine already
    L->FE = std::make_unique<Frontend>(L->Diags, Process);
  }
  std::atomic<size_t> Next{0};
  auto Worker = [&] {
    for (size_t I = Next++; I < N; I = Next++) {
      if (Files[I] == "-")
        continue; // stdin can be read once: loaded below
      LoadedFile &L = *Loaded[I];
      L.D = load(Files[I], *L.FE);
      L.Clean = L.D && L.Diags.getDiagnostics().empty() &&
                !L.Diags.hasErrors() && L.Diags.getNumWarnings() == 0;
    }
  };
  unsigned Threads = std::max(1u, std::thread::hardware_concurrency());
  Threads = unsigned(std::min<size_t>(Threads, N));
  std::vector<std::thread> Pool;
  for (unsigned T = 1; T < Threads; ++T)
    Pool.emplace_back(Worker);
  Worker();
  for (std::thread &T : Pool)
    T.join();

  // In file order, so the run's SourceMgr holds the buffers in the order a
  // sequential load adds them (diagnostics are sorted by buffer).
  for (size_t I = 0; I < N; ++I) {
    LoadedFile &L = *Loaded[I];
    if (L.Clean) {
      for (unsigned B = 1, E = L.SM.getNumBuffers(); B <= E; ++B)
        SM.AddNewSourceBuffer(
            llvm::MemoryBuffer::getMemBuffer(
                L.SM.getMemoryBuffer(B)->getMemBufferRef(),
                /*RequiresNullTerminator=*/false),
            llvm::SMLoc());
      continue;
    }
    L.D.reset(); // before the documents it points into
    L.FE = std::make_unique<Frontend>(Diags, Process);
    L.D = load(Files[I], *L.FE);
  }
}

Frontend &PlanRun::lowerFrontend(LoadedFile &L) {
  if (!L.Clean)
    return *L.FE;
  if (!L.LowerFE)
    L.LowerFE = std::make_unique<Frontend>(Diags, L.FE->getEnvironment());
  return *L.LowerFE;
}

int PlanRun::run() {
  if (!configure())
    return ExitUsage;
  // Every file is loaded as `check` would load it on its own (its own env
  // files and environment), so one file's errors do not hide another's.
  Environment Process = Environment::fromProcess();
  loadAll(Process);
  bool AllLoaded = llvm::all_of(
      Loaded, [](const std::unique_ptr<LoadedFile> &L) { return L->D; });
  std::optional<lower::ClusterSnapshot> Snap;
  if (AllLoaded && Cluster.empty() && !Live) {
    Diags.emit(llvm::SMRange(), diag::PlanNoCluster,
               std::string("this overlordc was built without the node "
                           "client"));
  } else if (AllLoaded && Cluster.empty()) {
    std::vector<const ast::Deployment *> Ds;
    for (const std::unique_ptr<LoadedFile> &L : Loaded)
      Ds.push_back(&*L->D);
    llvm::Expected<lower::ClusterSnapshot> S = Live(Ds);
    if (S)
      Snap = std::move(*S);
    else
      Diags.emit(llvm::SMRange(), diag::PlanNoCluster,
                 "the live snapshot could not be taken: " +
                     llvm::toString(S.takeError()));
  } else if (AllLoaded) {
    Frontend Reader(Diags, Process);
    if (unsigned Buf = Reader.readFile(Cluster, llvm::SMRange(), 64 << 20))
      Snap = lower::parseClusterSnapshot(Buf, Diags);
  }
  lower::MetadataStore Store;
  bool MetaOk = loadMetadata(Store);
  std::optional<ir::SecretKey> Key = secretKey();
  if (!AllLoaded || !Snap || !MetaOk || !Key || Diags.hasErrors()) {
    Diags.flush(llvm::errs());
    return ExitErrors;
  }
  ir::PlanBuilder B(*Key);
  B.setCompiler("overlordc " OVERLORD_VERSION);
  // The header names each deployment and the digest of its canonical
  // specification, so equivalent inputs give identical plans.
  for (size_t I = 0; I < Files.size(); ++I)
    addPlanSource(B, Files[I], *Loaded[I]->D);
  for (const auto &[Name, Digest] : MetadataSources)
    B.addSourceDigest(Name, Digest);
  B.setClusterDigest(Snap->digest());
  lower::LowerContext Ctx{Diags, *Snap, B, &Store, nullptr, Restart, {}};
  bool Ok = true;
  for (uint32_t I = 0; I < Files.size(); ++I) {
    LoadedFile &L = *Loaded[I];
    Ctx.ParseExpanded = [this, &L](llvm::StringRef Text,
                                   llvm::StringRef Name) {
      return parseExpanded(Text, Name, lowerFrontend(L));
    };
    Ok &= lower::lowerDeployment(*L.D, Ctx);
    recordOwners(B.current(), I);
  }
  // Before finish(): the owners are indexed by the builder's op stores.
  Ok = Ok && checkOwnership(B.current());
  ir::Plan P = B.finish();
  Ok = Ok && ir::verifyPlan(P, Diags) && !Diags.hasErrors();
  Diags.flush(llvm::errs());
  if (!Ok)
    return ExitErrors;
  return emit(P);
}

} // namespace

int overlord::driver::runPlanBuild(SnapshotProviderFn Live) {
  if (!PlanCmd)
    return -1;
  PlanRun R(Live);
  return R.run();
}
