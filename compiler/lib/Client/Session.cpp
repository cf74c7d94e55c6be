//===- Session.cpp - What every node command shares -------------*- C++ -*-===//
//
// Loading (Frontend + Sema), the per-datacenter HTTP clients, the live
// cluster snapshot, plan building (routing + lowering + verifier, as
// `overlordc plan` does) and the helpers that cut a plan into per-target
// fragments.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/Session.h"

#include "overlord/Driver/PlanSource.h"
#include "overlord/Lower/Lowering.h"
#include "overlord/Support/Environment.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <thread>

using namespace overlord;
using namespace overlord::client;

Session::Session(llvm::StringRef Command)
    : Command(Command.str()), Diags(SM) {}

Session::~Session() {
  D.reset(); // before the documents the front end keeps
}

int Session::load(const std::string &Path,
                  const std::vector<std::string> &EnvFiles,
                  const driver::DiagOptions &Diag) {
  if (!Diag.apply(Diags))
    return ClientUsage;
  if (Path.empty()) {
    llvm::errs() << "overlordc " << Command
                 << ": error: no deployment file; use '-f FILE'\n";
    return ClientUsage;
  }
  File = Path;
  FE = std::make_unique<driver::Frontend>(Diags, Environment::fromProcess());
  driver::FrontendOptions FO;
  FO.File = Path;
  FO.EnvFiles = EnvFiles;
  D = FE->load(FO);
  bool UnknownDc = llvm::any_of(Diags.getDiagnostics(), [](const Diagnostic &X) {
    return X.ID == DiagID::UnknownDatacenter;
  });
  bool Ok = D && !Diags.hasErrors();
  Diags.flush(llvm::errs());
  if (UnknownDc)
    return ClientUnknownDc;
  return Ok ? ClientOk : ClientUsage;
}

const ast::Datacenter *Session::datacenter(llvm::StringRef Name) const {
  for (const ast::Datacenter &DC : D->Datacenters)
    if (DC.Name == Name)
      return &DC;
  return nullptr;
}

std::optional<HttpOptions>
overlord::client::httpOptionsOf(const ast::Datacenter &DC, std::string &Why) {
  if (!DC.Entrypoint || DC.Entrypoint->empty()) {
    Why = "datacenter '" + DC.Name + "' has no 'entrypoint'";
    return std::nullopt;
  }
  HttpOptions O;
  O.BaseUrl = *DC.Entrypoint;
  O.Token = DC.AccessToken.value_or("");
  O.CACert = DC.CACert;
  // The reference's httpx timeouts; a negative value (nullopt) is no limit.
  O.ConnectTimeout = DC.ConnectTimeout ? long(*DC.ConnectTimeout) : 0;
  O.ReadTimeout = DC.ReadTimeout ? long(*DC.ReadTimeout) : 0;
  return O;
}

std::unique_ptr<HttpClient> Session::newClient(llvm::StringRef Name) {
  const ast::Datacenter *DC = datacenter(Name);
  if (!DC) {
    error(Name, "datacenter '" + Name + "' is not declared in '" + File + "'");
    return nullptr;
  }
  std::string Why;
  std::optional<HttpOptions> O = httpOptionsOf(*DC, Why);
  if (!O) {
    error(Name, Why);
    return nullptr;
  }
  return std::make_unique<HttpClient>(std::move(*O));
}

HttpClient *Session::client(llvm::StringRef Name) {
  auto It = Clients.find(Name);
  if (It != Clients.end())
    return It->second.get();
  std::unique_ptr<HttpClient> C = newClient(Name);
  HttpClient *Ptr = C.get();
  if (C)
    Clients[Name] = std::move(C);
  return Ptr;
}

/// The datacenters entry points name, in order of first appearance.
static std::vector<std::string>
entryDatacenters(llvm::ArrayRef<const ast::Deployment *> Ds) {
  std::vector<std::string> Out;
  llvm::StringSet<> Seen;
  for (const ast::Deployment *D : Ds)
    for (const std::string &EP : D->Deploy.Entrypoints) {
      llvm::StringRef Name = ir::datacenterOf(EP);
      if (Seen.insert(Name).second)
        Out.push_back(Name.str());
    }
  return Out;
}

lower::ClusterSnapshot Session::liveSnapshot() {
  lower::ClusterSnapshot Snap;
  Snap.FileName = "<live>";
  const ast::Deployment *Ds[] = {&*D};
  for (const std::string &Name : entryDatacenters(Ds)) {
    HttpClient *C = client(Name);
    llvm::Expected<WalkMode> M =
        C ? walkDatacenter(*C, Name, Snap,
                           [&](llvm::StringRef Route, const std::string &Msg) {
                             warning(Route, Msg);
                           })
          : llvm::Expected<WalkMode>(WalkMode::Tree);
    if (C && M)
      continue;
    Unreached.insert(Name);
    if (C)
      error(Name, M.takeError());
    else
      llvm::consumeError(M.takeError());
    Snap.addDatacenter(Name, {});
    if (const ast::Datacenter *DC = datacenter(Name))
      Snap.Datacenters.back().Entrypoint = DC->Entrypoint;
  }
  return Snap;
}

llvm::Expected<lower::ClusterSnapshot>
overlord::client::fetchLiveSnapshot(llvm::ArrayRef<const ast::Deployment *> Ds) {
  lower::ClusterSnapshot Snap;
  Snap.FileName = "<live>";
  std::string Errors;
  for (const std::string &Name : entryDatacenters(Ds)) {
    const ast::Datacenter *DC = nullptr;
    for (const ast::Deployment *D : Ds)
      for (const ast::Datacenter &X : D->Datacenters)
        if (!DC && X.Name == Name)
          DC = &X;
    std::string Why;
    std::optional<HttpOptions> O;
    if (!DC)
      Why = "datacenter '" + Name + "' is not declared";
    else
      O = httpOptionsOf(*DC, Why);
    if (O) {
      HttpClient C(std::move(*O));
      llvm::Expected<WalkMode> M = walkDatacenter(
          C, Name, Snap, [](llvm::StringRef Route, const std::string &Msg) {
            llvm::errs() << "overlordc plan: warning: " << Route << ": " << Msg
                         << "\n";
          });
      if (M)
        continue;
      Why = llvm::toString(M.takeError());
    }
    Errors += (Errors.empty() ? "" : "; ") + Name + ": " + Why;
  }
  if (!Errors.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   Errors.c_str());
  return Snap;
}

std::optional<ir::Plan> Session::readPlan(const std::string &Path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buf =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buf) {
    llvm::errs() << "overlordc " << Command << ": error: cannot read '" << Path
                 << "': " << Buf.getError().message() << "\n";
    return std::nullopt;
  }
  unsigned ID = SM.AddNewSourceBuffer(std::move(*Buf), llvm::SMLoc());
  std::optional<ir::Plan> P = ir::parsePlan(ID, Diags);
  bool Ok = P && !Diags.hasErrors() && ir::verifyPlan(*P, Diags) &&
            !Diags.hasErrors();
  Diags.flush(llvm::errs());
  if (!Ok)
    return std::nullopt;
  return P;
}

std::optional<BuiltPlan>
Session::buildPlan(const lower::ClusterSnapshot &Snap, bool Restart,
                   std::optional<ir::SecretKey> Key) {
  ir::PlanBuilder B(Key ? std::move(*Key) : ir::SecretKey::fromEnvironment());
  B.setCompiler("overlordc " OVERLORD_VERSION);
  driver::addPlanSource(B, File, *D); // as `overlordc plan` records it
  B.setClusterDigest(Snap.digest());
  lower::LowerContext Ctx{Diags, Snap, B, nullptr, nullptr, Restart, {}};
  bool Ok = lower::lowerDeployment(*D, Ctx);
  BuiltPlan Out{B.finish(), Ctx.secretValues()};
  Ok = Ok && ir::verifyPlan(Out.Plan, Diags) && !Diags.hasErrors();
  Diags.flush(llvm::errs());
  if (!Ok)
    return std::nullopt;
  return Out;
}

void Session::error(llvm::StringRef Where, const llvm::Twine &Msg) {
  Failed = true;
  llvm::outs().flush();
  llvm::errs() << "overlordc " << Command << ": error: " << Where << ": "
               << Msg << "\n";
}

void Session::error(llvm::StringRef Where, llvm::Error E) {
  error(Where, llvm::toString(std::move(E)));
}

void Session::warning(llvm::StringRef Where, const llvm::Twine &Msg) {
  llvm::outs().flush();
  llvm::errs() << "overlordc " << Command << ": warning: " << Where << ": "
               << Msg << "\n";
}

void Session::print(const llvm::Twine &Line) {
  llvm::outs() << Line << "\n";
  llvm::outs().flush();
}

void Session::flush(TargetOutput &Out) {
  for (const TargetOutput::Line &L : Out.Lines) {
    switch (L.K) {
    case TargetOutput::Kind::Out:
      print(L.Text);
      break;
    case TargetOutput::Kind::Error:
      error(L.Where, L.Text);
      break;
    case TargetOutput::Kind::Warning:
      warning(L.Where, L.Text);
      break;
    case TargetOutput::Kind::Note:
      llvm::outs().flush();
      llvm::errs() << L.Text << "\n";
      break;
    }
  }
  Failed |= Out.Failed;
  Out.Lines.clear();
}

void TargetOutput::print(const llvm::Twine &Line) {
  Lines.push_back({Kind::Out, "", Line.str()});
}

void TargetOutput::error(llvm::StringRef Where, const llvm::Twine &Msg) {
  Failed = true;
  Lines.push_back({Kind::Error, Where.str(), Msg.str()});
}

void TargetOutput::error(llvm::StringRef Where, llvm::Error E) {
  error(Where, llvm::toString(std::move(E)));
}

void TargetOutput::warning(llvm::StringRef Where, const llvm::Twine &Msg) {
  Lines.push_back({Kind::Warning, Where.str(), Msg.str()});
}

void TargetOutput::note(const llvm::Twine &Line) {
  Lines.push_back({Kind::Note, "", Line.str()});
}

void overlord::client::forEachParallel(size_t N, unsigned MaxThreads,
                                       const std::function<void(size_t)> &Fn) {
  std::atomic<size_t> Next{0};
  auto Worker = [&] {
    for (size_t I = Next++; I < N; I = Next++)
      Fn(I);
  };
  size_t Threads = std::min<size_t>(std::max(1u, MaxThreads), N);
  std::vector<std::thread> Pool;
  for (size_t T = 1; T < Threads; ++T)
    Pool.emplace_back(Worker);
  Worker();
  for (std::thread &T : Pool)
    T.join();
}

ir::Plan overlord::client::fragmentOf(const ir::Plan &P, ir::TargetID T) {
  ir::Plan F;
  F.Header = P.Header;
  F.Targets.push_back(P.Targets[T]);
  F.TargetOps.emplace_back();
  for (ir::OpRef R : P.TargetOps[T])
    ir::visitOp(P, R, [&](const auto &Op) {
      using OpT = std::decay_t<decltype(Op)>;
      std::vector<OpT> &Store = F.template ops<OpT>();
      Store.push_back(Op);
      Store.back().Target = 0;
      F.TargetOps[0].push_back(
          {OpT::Kind, static_cast<uint32_t>(Store.size() - 1)});
    });
  return F;
}

namespace {
struct DigestCollector {
  std::vector<std::string> &Out;
  void add(const std::string &S) {
    if (!S.empty())
      Out.push_back(S);
  }
  void add(const std::optional<std::string> &S) {
    if (S)
      add(*S);
  }
  void add(const ir::SecretMapType &M) {
    for (const auto &KV : M)
      add(KV.second);
  }
  void add(const std::optional<ir::SecretMapType> &M) {
    if (M)
      add(*M);
  }
  template <typename T> void add(const T &) {}
};
} // namespace

std::vector<std::string> overlord::client::secretDigests(const ir::Plan &P) {
  std::vector<std::string> Out;
  DigestCollector C{Out};
  auto Visit = [&](const auto &Op) {
    ir::forEachField(Op, [&](const ir::FieldInfo &FI, const auto &Member) {
      if (FI.Type == ir::FieldType::Secret ||
          FI.Type == ir::FieldType::SecretMap)
        C.add(Member);
    });
  };
  for (const ir::TargetOp &T : P.Targets)
    Visit(T);
  for (const std::vector<ir::OpRef> &Ops : P.TargetOps)
    for (ir::OpRef R : Ops)
      ir::visitOp(P, R, Visit);
  llvm::sort(Out);
  Out.erase(std::unique(Out.begin(), Out.end()), Out.end());
  return Out;
}

llvm::StringRef overlord::client::chainOf(llvm::StringRef Route) {
  size_t Dot = Route.find('.');
  return Dot == llvm::StringRef::npos ? llvm::StringRef()
                                      : Route.drop_front(Dot + 1);
}

std::string overlord::client::pythonJsonDumps(const llvm::json::Value &V) {
  if (const llvm::json::Object *O = V.getAsObject()) {
    std::vector<llvm::StringRef> Keys;
    for (const auto &KV : *O)
      Keys.push_back(KV.first);
    llvm::sort(Keys);
    std::string Out = "{";
    for (size_t I = 0; I < Keys.size(); ++I)
      Out += (I ? ", " : "") + llvm::formatv("{0}", llvm::json::Value(Keys[I])).str() +
             ": " + pythonJsonDumps(*O->get(Keys[I]));
    return Out + "}";
  }
  if (const llvm::json::Array *A = V.getAsArray()) {
    std::string Out = "[";
    for (size_t I = 0; I < A->size(); ++I)
      Out += (I ? ", " : "") + pythonJsonDumps((*A)[I]);
    return Out + "]";
  }
  return llvm::formatv("{0}", V).str();
}
