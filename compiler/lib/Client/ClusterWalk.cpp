//===- ClusterWalk.cpp - The live tree of chains of a datacenter -*- C++ -*-=//
//
// Both walks first read the tree into WalkNode values, checking every name,
// label and digest the way the snapshot parser does, and only then add the
// nodes to the snapshot: a malformed subtree is left out whole, and a
// snapshot built here always writes out as a file parseClusterSnapshot()
// reads back unchanged.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/ClusterWalk.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

using namespace overlord;
using namespace overlord::client;

std::string overlord::client::chainPath(llvm::StringRef Chain,
                                        llvm::StringRef Rest) {
  if (Chain.empty())
    return Rest.str();
  llvm::StringRef Tail = Rest;
  Tail.consume_front("/v1");
  return "/v1/chain/" + Chain.str() + Tail.str();
}

std::optional<lower::NodeID>
overlord::client::findRoute(const lower::ClusterSnapshot &Snap,
                            llvm::StringRef Route) {
  llvm::SmallVector<llvm::StringRef, 8> Segs;
  Route.split(Segs, '.');
  const lower::SnapshotDatacenter *DC = Snap.findDatacenter(Segs.front());
  if (!DC)
    return std::nullopt;
  lower::NodeID N = DC->Root;
  for (llvm::StringRef Seg : llvm::makeArrayRef(Segs).drop_front()) {
    std::optional<lower::NodeID> C = Snap.findChild(N, Seg);
    if (!C)
      return std::nullopt;
    N = *C;
  }
  return N;
}

namespace {

/// One node as read from the wire.
struct WalkNode {
  std::vector<std::string> Labels;
  std::vector<std::pair<std::string, std::string>> Applied;
  std::vector<std::string> ChainNames; ///< as listed (reference walk)
  std::vector<std::pair<std::string, WalkNode>> Children;
};

llvm::Error fail(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Msg.str());
}

std::string routeOf(llvm::StringRef Dc, llvm::StringRef Path) {
  return Path.empty() ? Dc.str() : (Dc + "." + Path).str();
}

std::string joinPath(llvm::StringRef Path, llvm::StringRef Name) {
  return Path.empty() ? Name.str() : (Path + "." + Name).str();
}

bool isDigest(llvm::StringRef D) {
  if (!D.consume_front("sha256:") || D.size() != 64)
    return false;
  return llvm::all_of(
      D, [](char C) { return llvm::isDigit(C) || (C >= 'a' && C <= 'f'); });
}

/// A `labels` list: strings matching REGEX_LABEL. Absent: ["all"].
llvm::Error readLabels(const llvm::json::Object &O,
                       std::vector<std::string> &Out) {
  const llvm::json::Value *V = O.get("labels");
  if (!V) {
    Out = {"all"};
    return llvm::Error::success();
  }
  const llvm::json::Array *A = V->getAsArray();
  if (!A)
    return fail("'labels' is not a list");
  for (const llvm::json::Value &E : *A) {
    auto S = E.getAsString();
    if (!S)
      return fail("'labels' has an element that is not a string");
    if (!lower::isValidLabel(*S))
      return fail("label '" + *S + "' is not a valid label");
    Out.push_back(S->str());
  }
  return llvm::Error::success();
}

/// The contract's `applied` object: project -> "sha256:<hex>".
llvm::Error readApplied(const llvm::json::Object &O, WalkNode &N) {
  const llvm::json::Value *V = O.get("applied");
  if (!V || V->kind() == llvm::json::Value::Null)
    return llvm::Error::success();
  const llvm::json::Object *A = V->getAsObject();
  if (!A)
    return fail("'applied' is not an object");
  for (const auto &KV : *A) {
    auto D = KV.second.getAsString();
    if (!D || !isDigest(*D))
      return fail("'applied' digest of '" + KV.first.str() +
                  "' is not 'sha256:<64 hex>'");
    N.Applied.emplace_back(KV.first.str(), D->str());
  }
  llvm::sort(N.Applied);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// GET /v1/tree
//===----------------------------------------------------------------------===//

class TreeReader {
public:
  TreeReader(llvm::StringRef Dc, const WalkWarning &Warn) : Dc(Dc), Warn(Warn) {}

  /// Reads the `tree` object of the node at Path (Depth levels down).
  llvm::Expected<WalkNode> node(const llvm::json::Object &O,
                                const std::string &Path, unsigned Depth);

private:
  void child(const llvm::json::Value &V, const std::string &Path,
             unsigned Depth, llvm::StringSet<> &Seen, WalkNode &Parent);
  llvm::StringRef Dc;
  const WalkWarning &Warn;
};

llvm::Expected<WalkNode> TreeReader::node(const llvm::json::Object &O,
                                          const std::string &Path,
                                          unsigned Depth) {
  WalkNode N;
  if (llvm::Error E = readLabels(O, N.Labels))
    return E;
  if (llvm::Error E = readApplied(O, N))
    return E;
  const llvm::json::Value *C = O.get("chains");
  if (!C)
    return N;
  const llvm::json::Array *A = C->getAsArray();
  if (!A)
    return fail("'chains' is not a list");
  llvm::StringSet<> Seen;
  for (const llvm::json::Value &E : *A)
    child(E, Path, Depth, Seen, N);
  return N;
}

void TreeReader::child(const llvm::json::Value &V, const std::string &Path,
                       unsigned Depth, llvm::StringSet<> &Seen,
                       WalkNode &Parent) {
  const llvm::json::Object *O = V.getAsObject();
  llvm::Optional<llvm::StringRef> Name;
  if (O)
    Name = O->getString("name");
  if (!Name || !lower::isValidChainName(*Name)) {
    Warn(routeOf(Dc, Path),
         "a child in the answer of GET /v1/tree has no valid 'name'; left "
         "out of the snapshot");
    return;
  }
  std::string ChildPath = joinPath(Path, *Name);
  std::string Route = routeOf(Dc, ChildPath);
  if (!Seen.insert(*Name).second)
    return Warn(Route, "listed twice by its parent; the second one is left "
                       "out of the snapshot");
  if (const llvm::json::Object *Err = O->getObject("error")) {
    std::string Kind = Err->getString("error").value_or("Error").str();
    int64_t Status = Err->getInteger("status").value_or(0);
    std::string Msg = Err->getString("message").value_or("").str();
    return Warn(Route, llvm::formatv("unreachable, left out of the snapshot: "
                                     "{0} (HTTP {1}){2}",
                                     Kind, Status,
                                     Msg.empty() ? "" : ": " + Msg)
                           .str());
  }
  if (O->getBoolean("truncated").value_or(false))
    return Warn(Route, llvm::formatv("deeper than {0} levels below the "
                                     "entry point; left out of the snapshot",
                                     lower::ClusterSnapshot::DefaultMaxDepth)
                           .str());
  const llvm::json::Object *T = O->getObject("tree");
  if (!T)
    return Warn(Route, "the answer of GET /v1/tree has neither 'tree', "
                       "'error' nor 'truncated' for it; left out of the "
                       "snapshot");
  if (Depth + 1 > lower::ClusterSnapshot::DefaultMaxDepth)
    return Warn(Route, llvm::formatv("deeper than {0} levels below the entry "
                                     "point; left out of the snapshot",
                                     lower::ClusterSnapshot::DefaultMaxDepth)
                           .str());
  llvm::Expected<WalkNode> N = node(*T, ChildPath, Depth + 1);
  if (!N)
    return Warn(Route, "malformed in the answer of GET /v1/tree (" +
                           llvm::toString(N.takeError()) +
                           "); left out of the snapshot");
  Parent.Children.emplace_back(*Name, std::move(*N));
}

//===----------------------------------------------------------------------===//
// The reference walk
//===----------------------------------------------------------------------===//

class ReferenceWalk {
public:
  ReferenceWalk(HttpClient &C, llvm::StringRef Dc, const WalkWarning &Warn)
      : C(C), Dc(Dc), Warn(Warn) {}

  /// Labels and chain names of the node at Path.
  llvm::Expected<WalkNode> read(const std::string &Path);
  /// Walks the children of N (at Path), depth first.
  void children(WalkNode &N, const std::string &Path);

private:
  /// The strings of member Key of `GET Rest` on the node at Path.
  llvm::Expected<std::vector<std::string>> list(const std::string &Path,
                                                llvm::StringRef Rest,
                                                llvm::StringRef Key);
  /// Whether the node at Path (read as N) repeats one of its ancestors.
  std::optional<std::string> repeats(const std::string &Path,
                                     const WalkNode &N) const;

  HttpClient &C;
  llvm::StringRef Dc;
  const WalkWarning &Warn;
  /// The nodes from the root to the one being walked.
  std::vector<const WalkNode *> Stack;
};

llvm::Expected<std::vector<std::string>>
ReferenceWalk::list(const std::string &Path, llvm::StringRef Rest,
                    llvm::StringRef Key) {
  std::string P = chainPath(Path, Rest);
  llvm::Expected<JsonResponse> R = C.call("GET", P);
  if (!R)
    return R.takeError();
  const llvm::json::Array *A = R->Body.getArray(Key);
  std::vector<std::string> Out;
  bool Ok = A != nullptr;
  if (A)
    for (const llvm::json::Value &V : *A) {
      if (auto S = V.getAsString())
        Out.push_back(S->str());
      else
        Ok = false;
    }
  if (!Ok)
    return fail("GET " + C.url(P) + ": the answer has no '" + Key +
                "' list of strings");
  return Out;
}

llvm::Expected<WalkNode> ReferenceWalk::read(const std::string &Path) {
  WalkNode N;
  llvm::Expected<std::vector<std::string>> L =
      list(Path, "/v1/labels", "labels");
  if (!L)
    return L.takeError();
  for (const std::string &Label : *L)
    if (!lower::isValidLabel(Label))
      return fail("label '" + Label + "' is not a valid label");
  N.Labels = std::move(*L);
  llvm::Expected<std::vector<std::string>> Cs =
      list(Path, "/v1/chains", "chains");
  if (!Cs)
    return Cs.takeError();
  N.ChainNames = std::move(*Cs);
  return N;
}

std::optional<std::string>
ReferenceWalk::repeats(const std::string &Path, const WalkNode &N) const {
  llvm::SmallVector<llvm::StringRef, 8> Segs;
  llvm::StringRef(Path).split(Segs, '.');
  size_t D = Segs.size(); // == Stack.size()
  for (size_t K = 1; 2 * K <= D; ++K) {
    bool Same = true;
    for (size_t I = 0; I < K && Same; ++I)
      Same = Segs[D - K + I] == Segs[D - 2 * K + I];
    const WalkNode &A = *Stack[D - K];
    if (Same && A.Labels == N.Labels && A.ChainNames == N.ChainNames)
      return llvm::join(Segs.begin(), Segs.begin() + (D - K), ".");
  }
  return std::nullopt;
}

void ReferenceWalk::children(WalkNode &N, const std::string &Path) {
  Stack.push_back(&N);
  unsigned Depth = Stack.size() - 1;
  llvm::StringSet<> Seen;
  for (const std::string &Name : N.ChainNames) {
    std::string ChildPath = joinPath(Path, Name);
    std::string Route = routeOf(Dc, ChildPath);
    if (!lower::isValidChainName(Name)) {
      Warn(routeOf(Dc, Path), "lists a chain with the invalid name '" + Name +
                                  "'; left out of the snapshot");
      continue;
    }
    if (!Seen.insert(Name).second) {
      Warn(Route, "listed twice by its parent; the second one is left out "
                  "of the snapshot");
      continue;
    }
    if (Depth + 1 > lower::ClusterSnapshot::DefaultMaxDepth) {
      Warn(Route, llvm::formatv("deeper than {0} levels below the entry "
                                "point (a reference node cannot tell a cycle "
                                "from a deep tree); left out of the snapshot",
                                lower::ClusterSnapshot::DefaultMaxDepth)
                      .str());
      continue;
    }
    llvm::Expected<WalkNode> Child = read(ChildPath);
    if (!Child) {
      Warn(Route, "unreachable, left out of the snapshot: " +
                      llvm::toString(Child.takeError()));
      continue;
    }
    if (std::optional<std::string> Of = repeats(ChildPath, *Child)) {
      Warn(Route, "repeats '" + routeOf(Dc, *Of) +
                      "' (same chain names, labels and chains): a probable "
                      "cycle; left out of the snapshot (a reference node "
                      "reports no node identity)");
      continue;
    }
    N.Children.emplace_back(Name, std::move(*Child));
    children(N.Children.back().second, ChildPath);
  }
  Stack.pop_back();
}

/// Adds N below Parent (or as the root of Dc when Parent is null).
void addNodes(lower::ClusterSnapshot &Snap, const WalkNode &N,
              std::optional<lower::NodeID> Parent, llvm::StringRef Name) {
  lower::NodeID ID = Parent ? Snap.addChain(*Parent, Name, N.Labels)
                            : Snap.addDatacenter(Name, N.Labels);
  Snap.Nodes[ID].Applied = N.Applied;
  for (const auto &[ChildName, Child] : N.Children)
    addNodes(Snap, Child, ID, ChildName);
}

} // namespace

llvm::Expected<WalkMode>
overlord::client::walkDatacenter(HttpClient &C, llvm::StringRef Dc,
                                 lower::ClusterSnapshot &Snap,
                                 const WalkWarning &Warn) {
  llvm::Expected<JsonResponse> R =
      C.call("GET", "/v1/tree", std::nullopt, {404});
  if (!R)
    return R.takeError();
  WalkNode Root;
  WalkMode Mode = WalkMode::Tree;
  if (R->Status == 404) {
    Mode = WalkMode::Reference;
    ReferenceWalk W(C, Dc, Warn);
    llvm::Expected<WalkNode> N = W.read("");
    if (!N)
      return N.takeError();
    Root = std::move(*N);
    W.children(Root, "");
  } else {
    const llvm::json::Object *T = R->Body.getObject("tree");
    if (!T)
      return fail("GET " + C.url("/v1/tree") + ": the answer has no 'tree'");
    TreeReader Reader(Dc, Warn);
    llvm::Expected<WalkNode> N = Reader.node(*T, "", 0);
    if (!N)
      return fail("GET " + C.url("/v1/tree") + ": " +
                  llvm::toString(N.takeError()));
    Root = std::move(*N);
  }
  addNodes(Snap, Root, std::nullopt, Dc);
  Snap.Datacenters.back().Entrypoint = C.options().BaseUrl;
  return Mode;
}
