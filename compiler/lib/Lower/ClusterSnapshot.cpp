//===- ClusterSnapshot.cpp - Cluster snapshot files -------------*- C++ -*-===//
//
// Reads a cluster snapshot (docs/ClusterSnapshot.md) with the located JSON
// reader and checks it key by key: unknown keys (with a suggestion), types,
// required keys, chain and label names, duplicate names among siblings, the
// depth of the tree and the form of applied-plan digests. Also computes the
// digest a plan records: sha256 of the canonical JSON.
//
//===----------------------------------------------------------------------===//
#include "overlord/Lower/ClusterSnapshot.h"

#include "JsonReader.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SHA256.h"

using namespace overlord;
using namespace overlord::lower;

static bool isLowerAscii(char C) { return C >= 'a' && C <= 'z'; }

bool overlord::lower::isValidChainName(llvm::StringRef Name) {
  if (Name.empty())
    return false;
  auto Ok = [](char C) { return llvm::isAlnum(C) || C == '_' || C == '-'; };
  if (Name[0] == '-')
    return false;
  return llvm::all_of(Name, Ok);
}

bool overlord::lower::isValidLabel(llvm::StringRef Label) {
  // Segments of [a-z][a-z0-9]* joined by at most one '.' or '-', or by
  // nothing (which the regex allows and which changes nothing).
  if (Label.empty() || !isLowerAscii(Label[0]))
    return false;
  bool AfterSep = false;
  for (char C : Label) {
    if (C == '.' || C == '-') {
      if (AfterSep)
        return false;
      AfterSep = true;
      continue;
    }
    if (AfterSep && !isLowerAscii(C))
      return false;
    if (!isLowerAscii(C) && !llvm::isDigit(C))
      return false;
    AfterSep = false;
  }
  return !AfterSep;
}

const SnapshotDatacenter *
ClusterSnapshot::findDatacenter(llvm::StringRef Name) const {
  for (const SnapshotDatacenter &D : Datacenters)
    if (D.Name == Name)
      return &D;
  return nullptr;
}

std::optional<NodeID> ClusterSnapshot::findChild(NodeID Node,
                                                 llvm::StringRef Name) const {
  for (NodeID C : Nodes[Node].Children)
    if (Nodes[C].Name == Name)
      return C;
  return std::nullopt;
}

llvm::StringRef ClusterSnapshot::appliedDigest(NodeID Node,
                                               llvm::StringRef Project) const {
  for (const auto &[Name, Digest] : Nodes[Node].Applied)
    if (Name == Project)
      return Digest;
  return "";
}

std::string ClusterSnapshot::route(NodeID Node) const {
  const ChainNode &N = Nodes[Node];
  const std::string &DC = Datacenters[N.Datacenter].Name;
  return N.Path.empty() ? DC : DC + "." + N.Path;
}

NodeID ClusterSnapshot::addDatacenter(llvm::StringRef Name,
                                      std::vector<std::string> Labels) {
  NodeID ID = Nodes.size();
  ChainNode N;
  N.Name = Name.str();
  N.Labels = std::move(Labels);
  N.Datacenter = Datacenters.size();
  Nodes.push_back(std::move(N));
  Datacenters.push_back({Name.str(), std::nullopt, ID});
  return ID;
}

NodeID ClusterSnapshot::addChain(NodeID Parent, llvm::StringRef Name,
                                 std::vector<std::string> Labels) {
  NodeID ID = Nodes.size();
  ChainNode N;
  N.Name = Name.str();
  N.Labels = std::move(Labels);
  N.Datacenter = Nodes[Parent].Datacenter;
  N.Depth = Nodes[Parent].Depth + 1;
  N.Path = Nodes[Parent].Path.empty() ? N.Name
                                       : Nodes[Parent].Path + "." + N.Name;
  Nodes.push_back(std::move(N));
  Nodes[Parent].Children.push_back(ID);
  return ID;
}

namespace {

llvm::json::Value nodeJson(const ClusterSnapshot &S, NodeID ID,
                           bool IsRoot) {
  const ChainNode &N = S.Nodes[ID];
  llvm::json::Object O;
  O["name"] = N.Name;
  llvm::json::Array Labels;
  for (const std::string &L : N.Labels)
    Labels.push_back(L);
  O["labels"] = std::move(Labels);
  llvm::json::Object Applied;
  for (const auto &[P, D] : N.Applied)
    Applied[P] = D;
  O["applied"] = std::move(Applied);
  llvm::json::Array Chains;
  for (NodeID C : N.Children)
    Chains.push_back(nodeJson(S, C, false));
  O["chains"] = std::move(Chains);
  if (IsRoot && S.Datacenters[N.Datacenter].Entrypoint)
    O["entrypoint"] = *S.Datacenters[N.Datacenter].Entrypoint;
  return llvm::json::Value(std::move(O));
}

} // namespace

llvm::json::Value ClusterSnapshot::toJson() const {
  llvm::json::Array DCs;
  for (const SnapshotDatacenter &D : Datacenters)
    DCs.push_back(nodeJson(*this, D.Root, true));
  return llvm::json::Object{{"version", CurrentVersion},
                            {"datacenters", std::move(DCs)}};
}

const LabelIndex &ClusterSnapshot::labelIndex() const {
  if (LabelCache && LabelCache->NodeLabels.size() == Nodes.size())
    return *LabelCache;
  LabelCache.emplace();
  LabelCache->NodeLabels.reserve(Nodes.size());
  for (const ChainNode &N : Nodes) {
    std::vector<unsigned> &Out = LabelCache->NodeLabels.emplace_back();
    Out.reserve(N.Labels.size());
    for (const std::string &L : N.Labels) {
      unsigned Next = LabelCache->IDs.size();
      Out.push_back(LabelCache->IDs.try_emplace(L, Next).first->second);
    }
  }
  return *LabelCache;
}

std::string ClusterSnapshot::digest() const {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << toJson();
  OS.flush();
  llvm::SHA256 H;
  H.update(Text);
  std::array<uint8_t, 32> Sum = H.final();
  return "sha256:" + llvm::toHex(Sum, /*LowerCase=*/true);
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

namespace {

class SnapshotParser {
public:
  SnapshotParser(DiagnosticEngine &Diags, unsigned MaxDepth)
      : Diags(Diags), MaxDepth(MaxDepth) {}

  bool parse(const ast::Value &Root, ClusterSnapshot &S);

private:
  bool expect(const ast::Value &V, ast::ValueKind K, llvm::StringRef What,
              llvm::StringRef TypeText) {
    if (V.Kind == K || (K == ast::ValueKind::Int && V.isInt()))
      return true;
    Diags.emit(V.Range, diag::SnapshotWrongType, What.str(), TypeText.str(),
               jsonTypeName(V).str());
    return false;
  }
  bool checkKeys(const ast::Value &Obj, llvm::ArrayRef<llvm::StringRef> Known,
                 llvm::StringRef Where);
  bool parseLabels(const ast::Value &Obj, std::vector<std::string> &Out);
  bool parseApplied(const ast::Value &Obj, ChainNode &N);
  bool parseChains(const ast::Value &Obj, NodeID Parent, ClusterSnapshot &S);
  bool parseNode(const ast::Value &Obj, NodeID ID, ClusterSnapshot &S);
  const ast::Value *requireName(const ast::Value &Obj, llvm::StringRef What);

  DiagnosticEngine &Diags;
  unsigned MaxDepth;
};

bool SnapshotParser::checkKeys(const ast::Value &Obj,
                               llvm::ArrayRef<llvm::StringRef> Known,
                               llvm::StringRef Where) {
  bool Ok = true;
  for (const ast::MapEntry &E : Obj.Entries) {
    if (llvm::is_contained(Known, E.Key->Text))
      continue;
    Diags.emit(E.Key->Range, diag::SnapshotUnknownKey, E.Key->Text,
               Where.str(), didYouMean(suggestClosest(E.Key->Text, Known)));
    Ok = false;
  }
  return Ok;
}

const ast::Value *SnapshotParser::requireName(const ast::Value &Obj,
                                              llvm::StringRef What) {
  const ast::Value *Name = Obj.get("name");
  if (!Name) {
    Diags.emit(Obj.Range.Start, diag::SnapshotMissingKey, What.str(),
               std::string("name"));
    return nullptr;
  }
  if (!expect(*Name, ast::ValueKind::String, "'name'", "a string"))
    return nullptr;
  if (!isValidChainName(Name->Text)) {
    Diags.emit(Name->Range, diag::SnapshotBadName, Name->Text);
    return nullptr;
  }
  return Name;
}

bool SnapshotParser::parseLabels(const ast::Value &Obj,
                                 std::vector<std::string> &Out) {
  const ast::Value *L = Obj.get("labels");
  if (!L) {
    Out = {"all"}; // a server without `labels` reports ["all"]
    return true;
  }
  if (!expect(*L, ast::ValueKind::List, "'labels'", "an array of strings"))
    return false;
  bool Ok = true;
  for (const ast::Value *Item : L->Items) {
    if (!expect(*Item, ast::ValueKind::String, "a label", "a string")) {
      Ok = false;
      continue;
    }
    if (!isValidLabel(Item->Text)) {
      Diags.emit(Item->Range, diag::SnapshotBadLabel, Item->Text);
      Ok = false;
      continue;
    }
    Out.push_back(Item->Text);
  }
  return Ok;
}

bool isDigest(llvm::StringRef D) {
  if (!D.consume_front("sha256:") || D.size() != 64)
    return false;
  return llvm::all_of(D, [](char C) {
    return llvm::isDigit(C) || (C >= 'a' && C <= 'f');
  });
}

bool SnapshotParser::parseApplied(const ast::Value &Obj, ChainNode &N) {
  const ast::Value *A = Obj.get("applied");
  if (!A)
    return true;
  if (!expect(*A, ast::ValueKind::Map, "'applied'",
              "an object of project names to plan digests"))
    return false;
  bool Ok = true;
  for (const ast::MapEntry &E : A->Entries) {
    if (!expect(*E.Val, ast::ValueKind::String, "a plan digest", "a string")) {
      Ok = false;
      continue;
    }
    if (!isDigest(E.Val->Text)) {
      Diags.emit(E.Val->Range, diag::SnapshotBadDigest, E.Val->Text);
      Ok = false;
      continue;
    }
    N.Applied.emplace_back(E.Key->Text, E.Val->Text);
  }
  llvm::sort(N.Applied);
  return Ok;
}

bool SnapshotParser::parseNode(const ast::Value &Obj, NodeID ID,
                               ClusterSnapshot &S) {
  bool Ok = true;
  std::vector<std::string> Labels;
  Ok &= parseLabels(Obj, Labels);
  S.Nodes[ID].Labels = std::move(Labels);
  Ok &= parseApplied(Obj, S.Nodes[ID]);
  Ok &= parseChains(Obj, ID, S);
  return Ok;
}

bool SnapshotParser::parseChains(const ast::Value &Obj, NodeID Parent,
                                 ClusterSnapshot &S) {
  const ast::Value *C = Obj.get("chains");
  if (!C)
    return true;
  if (!expect(*C, ast::ValueKind::List, "'chains'", "an array of nodes"))
    return false;
  bool Ok = true;
  llvm::StringMap<llvm::SMRange> Seen;
  for (const ast::Value *Item : C->Items) {
    if (!expect(*Item, ast::ValueKind::Map, "a chain", "an object")) {
      Ok = false;
      continue;
    }
    Ok &= checkKeys(*Item, {"name", "labels", "applied", "chains"}, "a chain");
    const ast::Value *Name = requireName(*Item, "a chain");
    if (!Name) {
      Ok = false;
      continue;
    }
    auto [It, New] = Seen.try_emplace(Name->Text, Name->Range);
    if (!New) {
      Diags.emit(Name->Range, diag::SnapshotDuplicateName,
                 std::string("chain"), Name->Text,
                 " under '" + S.route(Parent) + "'")
          .note(It->second, diag::SnapshotPreviousHere, Name->Text);
      Ok = false;
      continue;
    }
    if (S.Nodes[Parent].Depth + 1 > MaxDepth) {
      Diags.emit(Name->Range, diag::SnapshotTooDeep, MaxDepth);
      return false;
    }
    NodeID ID = S.addChain(Parent, Name->Text, {});
    S.Nodes[ID].Range = Name->Range;
    Ok &= parseNode(*Item, ID, S);
  }
  return Ok;
}

bool SnapshotParser::parse(const ast::Value &Root, ClusterSnapshot &S) {
  if (!expect(Root, ast::ValueKind::Map, "a cluster snapshot", "an object"))
    return false;
  bool Ok = checkKeys(Root, {"version", "datacenters"}, "the snapshot");
  const ast::Value *V = Root.get("version");
  const ast::Value *DCs = Root.get("datacenters");
  for (auto [Val, Key] : {std::pair{V, "version"}, {DCs, "datacenters"}})
    if (!Val)
      Diags.emit(Root.Range.Start, diag::SnapshotMissingKey,
                 std::string("the snapshot"), std::string(Key));
  if (!V || !DCs)
    return false;
  if (!expect(*V, ast::ValueKind::Int, "'version'", "an integer"))
    return false;
  if (V->IntVal != ClusterSnapshot::CurrentVersion) {
    Diags.emit(V->Range, diag::SnapshotVersion, V->IntVal);
    return false;
  }
  if (!expect(*DCs, ast::ValueKind::List, "'datacenters'",
              "an array of nodes"))
    return false;
  llvm::StringMap<llvm::SMRange> Seen;
  for (const ast::Value *Item : DCs->Items) {
    if (!expect(*Item, ast::ValueKind::Map, "a datacenter", "an object")) {
      Ok = false;
      continue;
    }
    Ok &= checkKeys(*Item,
                    {"name", "entrypoint", "labels", "applied", "chains"},
                    "a datacenter");
    const ast::Value *Name = requireName(*Item, "a datacenter");
    if (!Name) {
      Ok = false;
      continue;
    }
    auto [It, New] = Seen.try_emplace(Name->Text, Name->Range);
    if (!New) {
      Diags.emit(Name->Range, diag::SnapshotDuplicateName,
                 std::string("datacenter"), Name->Text, std::string())
          .note(It->second, diag::SnapshotPreviousHere, Name->Text);
      Ok = false;
      continue;
    }
    NodeID ID = S.addDatacenter(Name->Text, {});
    S.Nodes[ID].Range = Name->Range;
    if (const ast::Value *E = Item->get("entrypoint")) {
      if (expect(*E, ast::ValueKind::String, "'entrypoint'", "a string"))
        S.Datacenters.back().Entrypoint = E->Text;
      else
        Ok = false;
    }
    Ok &= parseNode(*Item, ID, S);
  }
  return Ok;
}

} // namespace

std::optional<ClusterSnapshot>
overlord::lower::parseClusterSnapshot(unsigned BufferID,
                                      DiagnosticEngine &Diags,
                                      unsigned MaxDepth) {
  // The JSON reader recurses about twice per chain level.
  std::unique_ptr<ast::Document> Doc =
      readJson(BufferID, Diags, 2 * MaxDepth + 64);
  if (!Doc)
    return std::nullopt;
  ClusterSnapshot S;
  S.FileName = Diags.getSourceMgr()
                   .getMemoryBuffer(BufferID)
                   ->getBufferIdentifier()
                   .str();
  SnapshotParser P(Diags, MaxDepth);
  if (!P.parse(*Doc->Root, S))
    return std::nullopt;
  return S;
}
