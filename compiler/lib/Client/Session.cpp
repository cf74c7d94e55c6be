//===- Session.cpp - What every node command shares -------------*- C++ -*-===//
//
// Loading (Frontend + Sema), the per-datacenter HTTP clients, the live
// cluster snapshot, plan building (routing + lowering + verifier, as
// `overlordc plan` does) and the helpers that cut a plan into per-target
// fragments.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/Session.h"

#include "overlord/Lower/Lowering.h"
#include "overlord/Support/Environment.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

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

HttpClient *Session::client(llvm::StringRef Name) {
  auto It = Clients.find(Name);
  if (It != Clients.end())
    return It->second.get();
  const ast::Datacenter *DC = datacenter(Name);
  if (!DC) {
    error(Name, "datacenter '" + Name + "' is not declared in '" + File + "'");
    return nullptr;
  }
  if (!DC->Entrypoint || DC->Entrypoint->empty()) {
    error(Name, "datacenter '" + Name + "' has no 'entrypoint'");
    return nullptr;
  }
  HttpOptions O;
  O.BaseUrl = *DC->Entrypoint;
  O.Token = DC->AccessToken.value_or("");
  O.CACert = DC->CACert;
  // The reference's httpx timeouts; a negative value (nullopt) is no limit.
  O.ConnectTimeout = DC->ConnectTimeout ? long(*DC->ConnectTimeout) : 0;
  O.ReadTimeout = DC->ReadTimeout ? long(*DC->ReadTimeout) : 0;
  auto C = std::make_unique<HttpClient>(std::move(O));
  HttpClient *Ptr = C.get();
  Clients[Name] = std::move(C);
  return Ptr;
}

std::optional<std::vector<std::string>> Session::labels(llvm::StringRef Name) {
  HttpClient *C = client(Name);
  if (!C)
    return std::nullopt;
  llvm::Expected<JsonResponse> R = C->call("GET", "/v1/labels");
  if (!R) {
    error(Name, R.takeError());
    return std::nullopt;
  }
  const llvm::json::Array *A = R->Body.getArray("labels");
  std::vector<std::string> Out;
  bool Ok = A != nullptr;
  if (A)
    for (const llvm::json::Value &V : *A) {
      if (auto S = V.getAsString())
        Out.push_back(S->str());
      else
        Ok = false;
    }
  if (!Ok) {
    error(Name, "GET " + C->url("/v1/labels") +
                    ": the answer has no 'labels' list of strings");
    return std::nullopt;
  }
  return Out;
}

lower::ClusterSnapshot Session::liveSnapshot() {
  lower::ClusterSnapshot Snap;
  Snap.FileName = "<live>";
  llvm::StringSet<> Seen;
  for (const std::string &EP : D->Deploy.Entrypoints) {
    llvm::StringRef Name = ir::datacenterOf(EP);
    if (!Seen.insert(Name).second)
      continue;
    std::optional<std::vector<std::string>> L = labels(Name);
    Snap.addDatacenter(Name, L ? *L : std::vector<std::string>{});
    if (const ast::Datacenter *DC = datacenter(Name))
      Snap.Datacenters.back().Entrypoint = DC->Entrypoint;
  }
  return Snap;
}

std::optional<BuiltPlan> Session::buildPlan(const lower::ClusterSnapshot &Snap,
                                            bool Restart) {
  ir::PlanBuilder B(ir::SecretKey::fromEnvironment());
  B.setCompiler("overlordc " OVERLORD_VERSION);
  if (File != "-")
    if (auto Buf = llvm::MemoryBuffer::getFile(File))
      B.addSource(File, (*Buf)->getBuffer());
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
