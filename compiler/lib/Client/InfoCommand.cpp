//===- InfoCommand.cpp - overlordc get-info ---------------------*- C++ -*-===//
//
// `overlordc get-info -f FILE -t TYPE [--jail-item I]... [--all-labels]
// [--filter F]... [--filter-per-project] [--use-autoscale-labels]`: for each
// entry point of the file whose labels match (unless --all-labels), query
// the node and print what the reference prints (overlord-behaviour.md
// §1.10, src/overlord/commands/info.py), with two deliberate differences:
//
//  * the header says `datacenter: <name>` and `entrypoint: <URL>` (the
//    reference swaps the two values);
//  * dictionaries print with their keys sorted (overlordd sends them so).
//
// The nodes are the entry points and every chain below them, from the live
// tree walk (ClusterWalk.h), in depth-first order; their labels come from
// the walk too. `chains` prints the header of each, `chains:tree` an ASCII
// tree per datacenter (python asciitree's LeftAligned drawing; the
// reference draws one tree and fails when two entry point URLs are named),
// `chains:stats` the node's summed `GET /v1/stats`. For chains and
// chains:stats, a --filter is a regex on the chain path and never matches
// the root, as the reference.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/ClientCommands.h"
#include "overlord/Client/ClusterWalk.h"
#include "overlord/Client/Format.h"
#include "overlord/Client/Session.h"
#include "overlord/Lower/Routing.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Regex.h"

using namespace overlord;
using namespace overlord::client;
namespace cl = llvm::cl;

namespace {

cl::SubCommand InfoCmd("get-info", "Query the nodes a deployment file "
                                   "routes to");
cl::opt<std::string> File("f", cl::desc("Deployment file"),
                          cl::value_desc("file"), cl::sub(InfoCmd));
cl::alias FileLong("file", cl::aliasopt(File));
cl::list<std::string> EnvFiles("e", cl::desc("Load variables from this .env "
                                             "file (repeatable)"),
                               cl::value_desc("envfile"), cl::sub(InfoCmd));
cl::alias EnvFileLong("env-file", cl::aliasopt(EnvFiles));
cl::opt<std::string> Type("t", cl::desc("jails, projects, chains, "
                                        "chains:tree, chains:stats, "
                                        "metadata, namespaces, "
                                        "projects:logs, jails:logs, vm or "
                                        "autoscale"),
                          cl::value_desc("type"), cl::sub(InfoCmd));
cl::alias TypeLong("type", cl::aliasopt(Type));
cl::list<std::string> JailItems("jail-item",
                                cl::desc("With -t jails: only this item "
                                         "(repeatable; default all)"),
                                cl::value_desc("item"), cl::sub(InfoCmd));
cl::opt<bool> AllLabels("all-labels", cl::desc("Show every entry point, "
                                               "whatever its labels"),
                        cl::sub(InfoCmd));
cl::list<std::string> Filters("filter", cl::desc("Regex (or name, for "
                                                 "projects, vm, autoscale); "
                                                 "repeatable"),
                              cl::value_desc("filter"), cl::sub(InfoCmd));
cl::opt<bool> FilterPerProject("filter-per-project",
                               cl::desc("Filter by the file's project, VM "
                                        "or app name"),
                               cl::sub(InfoCmd));
cl::opt<bool> UseAutoscaleLabels("use-autoscale-labels",
                                 cl::desc("Match autoScale.labels instead "
                                          "of deployIn.labels"),
                                 cl::sub(InfoCmd));
driver::DiagOptions Diag(InfoCmd);

const char *const AllItems[] = {"stats",       "info",   "cpuset", "devfs",
                                "expose",      "healthcheck", "limits",
                                "fstab",       "labels", "nat",    "volumes"};

/// One node being printed.
struct Node {
  std::string Dc, Url;
  std::string Chain; ///< relative chain path, "" for the root
  std::string Route; ///< `main.alpha`
  std::vector<std::string> Labels;
  HttpClient *C = nullptr;
};

/// A node of the chains:tree drawing; children in the order first seen.
struct DrawNode {
  std::string Label;
  std::vector<DrawNode> Children;
  DrawNode &child(llvm::StringRef Name) {
    for (DrawNode &C : Children)
      if (C.Label == Name)
        return C;
    Children.push_back({Name.str(), {}});
    return Children.back();
  }
};

/// asciitree.LeftAligned() with its default BoxStyle: " +-- " heads,
/// " |  " continuing a child that has siblings below it, "    " otherwise.
void drawTree(const DrawNode &N, std::vector<std::string> &Lines) {
  Lines.push_back(N.Label);
  for (size_t I = 0; I < N.Children.size(); ++I) {
    std::vector<std::string> Sub;
    drawTree(N.Children[I], Sub);
    bool Last = I + 1 == N.Children.size();
    Lines.push_back(" +-- " + Sub.front());
    for (size_t J = 1; J < Sub.size(); ++J)
      Lines.push_back((Last ? "    " : " |  ") + Sub[J]);
  }
}

class InfoRun {
public:
  explicit InfoRun(Session &S) : S(S) {}
  int run();

private:
  bool compileFilters();
  bool matches(llvm::StringRef Value) const;
  void header(const Node &N);
  /// GET Path and the member Key of the answer; null (error printed) on
  /// failure, or when the status is in Ignore.
  std::optional<llvm::json::Value> get(const Node &N, const std::string &Path,
                                       llvm::StringRef Key,
                                       llvm::ArrayRef<long> Ignore = {});
  void jails(const Node &N);
  void projects(const Node &N);
  void printProject(llvm::StringRef Name, const llvm::json::Object &Info);
  void printStatus(llvm::StringRef Name, const llvm::json::Object &Status);
  void metadata(const Node &N);
  void namespaces(const Node &N);
  void logs(const Node &N, bool Jails);
  void autoscale(const Node &N);
  void vm(const Node &N);
  /// For each name of Names whose `GET <PathPrefix><name>` answers a
  /// non-empty `status` (404 is silent): the node's header and "projects:"
  /// once, "    <name>:", "      <Title>:", then Print(status).
  void statusSections(const Node &N, llvm::StringRef PathPrefix,
                      llvm::StringRef Title,
                      llvm::function_ref<void(const llvm::json::Object &)> Print);
  bool chainMatches(llvm::StringRef Chain) const;
  void chainStats(const Node &N);
  void node(const Node &N);

  Session &S;
  std::vector<std::string> Names;  ///< literal filters
  std::vector<llvm::Regex> Regexes; ///< regex filters
  /// chains:tree: one drawing per entry point URL, in order first seen.
  std::vector<DrawNode> Trees;
};

void InfoRun::header(const Node &N) {
  S.print("datacenter: " + N.Dc);
  S.print("  entrypoint: " + N.Url);
  S.print("  chain: " + (N.Chain.empty() ? std::string("None") : N.Chain));
  if (!N.Labels.empty())
    S.print("  labels:");
  for (const std::string &L : N.Labels)
    S.print("    - " + L);
}

bool InfoRun::matches(llvm::StringRef Value) const {
  if (Regexes.empty())
    return true;
  return llvm::any_of(Regexes,
                      [&](const llvm::Regex &R) { return R.match(Value); });
}

std::optional<llvm::json::Value> InfoRun::get(const Node &N,
                                              const std::string &Path,
                                              llvm::StringRef Key,
                                              llvm::ArrayRef<long> Ignore) {
  std::string At = chainPath(N.Chain, Path);
  llvm::Expected<JsonResponse> R = N.C->call("GET", At, std::nullopt, Ignore);
  if (!R) {
    S.error(N.Route, R.takeError());
    return std::nullopt;
  }
  if (llvm::is_contained(Ignore, R->Status))
    return std::nullopt;
  llvm::json::Value *V = R->Body.get(Key);
  if (!V) {
    S.error(N.Route, "GET " + N.C->url(At) + ": the answer has no '" + Key +
                         "'");
    return std::nullopt;
  }
  return std::move(*V);
}

/// The keys of O, sorted.
std::vector<std::string> keysOf(const llvm::json::Object &O) {
  std::vector<std::string> Keys;
  for (const auto &KV : O)
    Keys.push_back(KV.first.str());
  llvm::sort(Keys);
  return Keys;
}

/// The strings of a JSON list; other elements are dropped.
std::vector<std::string> stringsOf(const llvm::json::Value &V) {
  std::vector<std::string> Out;
  if (const llvm::json::Array *A = V.getAsArray())
    for (const llvm::json::Value &E : *A)
      if (auto Str = E.getAsString())
        Out.push_back(Str->str());
  return Out;
}

/// Python's str.splitlines() for the line endings text has.
std::vector<std::string> splitLines(llvm::StringRef Text) {
  std::vector<std::string> Out;
  while (!Text.empty()) {
    size_t End = Text.find_first_of("\r\n");
    Out.push_back(Text.substr(0, End).str());
    if (End == llvm::StringRef::npos)
      break;
    Text = Text.drop_front(End);
    Text = Text.startswith("\r\n") ? Text.drop_front(2) : Text.drop_front(1);
  }
  return Out;
}

void InfoRun::jails(const Node &N) {
  std::optional<llvm::json::Value> List = get(N, "/v1/jails", "jails");
  if (!List)
    return;
  std::vector<std::string> Items(JailItems.begin(), JailItems.end());
  if (Items.empty())
    Items.assign(std::begin(AllItems), std::end(AllItems));
  bool Header = true;
  for (const std::string &Jail : stringsOf(*List)) {
    if (!matches(Jail))
      continue;
    std::vector<std::pair<std::string, llvm::json::Value>> Results;
    for (const char *Item : AllItems) {
      if (!llvm::is_contained(Items, Item))
        continue;
      std::string Path = "/v1/jail/" + std::string(Item) + "/" +
                         escapeSegment(Jail);
      if (std::optional<llvm::json::Value> V = get(N, Path, Item))
        Results.emplace_back(Item, std::move(*V));
    }
    bool Name = true;
    auto Start = [&] {
      if (Header)
        header(N), S.print("  jails:");
      if (Name)
        S.print("    " + Jail + ":");
      Header = Name = false;
    };
    for (auto &[Item, V] : Results) {
      if (auto Str = V.getAsString()) {
        Start();
        S.print("      " + Item + ": " + *Str);
      } else if (const llvm::json::Array *A = V.getAsArray()) {
        if (A->empty())
          continue;
        Start();
        S.print("      " + Item + ":");
        for (const llvm::json::Value &E : *A)
          S.print("        - " + pythonStr(E));
      } else if (const llvm::json::Object *O = V.getAsObject()) {
        if (O->empty())
          continue;
        Start();
        S.print("      " + Item + ":");
        for (const std::string &K : keysOf(*O)) {
          const llvm::json::Value &E = *O->get(K);
          std::string Text = pythonStr(E);
          if (Item == "stats" && isSizeMetric(K) && E.getAsNumber())
            Text += " (" + formatSize(*E.getAsNumber()) + ")";
          S.print("        " + K + ": " + Text);
        }
      }
    }
  }
}

void InfoRun::printStatus(llvm::StringRef Name,
                          const llvm::json::Object &Status) {
  bool First = true;
  for (const std::string &K : keysOf(Status)) {
    if (First)
      S.print("      " + Name + ":");
    First = false;
    const llvm::json::Value &V = *Status.get(K);
    if (const llvm::json::Array *A = V.getAsArray()) {
      S.print("        " + K + ":");
      for (const llvm::json::Value &E : *A)
        S.print("        - " + pythonStr(E));
    } else if (K == "last_update" && V.getAsNumber()) {
      S.print("        last_update: " + formatTimespan(*V.getAsNumber()));
    } else if (K == "output" && V.getAsObject()) {
      const llvm::json::Object &Out = *V.getAsObject();
      bool Title = true;
      for (const std::string &OK : keysOf(Out)) {
        const llvm::json::Value &OV = *Out.get(OK);
        if (OK == "stderr" && pythonStr(OV).empty())
          continue;
        if (Title)
          S.print("        output:");
        Title = false;
        if (OK == "stderr") {
          S.print("         stderr:");
          for (const std::string &L : splitLines(pythonStr(OV)))
            S.print("           " + L);
        } else {
          S.print("         " + OK + ": " + pythonStr(OV));
        }
      }
    } else if (K == "labels" && V.getAsObject()) {
      const llvm::json::Object &L = *V.getAsObject();
      const llvm::json::Value *Err = L.get("error");
      const llvm::json::Value *Msg = L.get("message");
      bool IsErr = Err && Err->getAsBoolean().value_or(false);
      bool HasMsg = Msg && Msg->kind() != llvm::json::Value::Null;
      if (IsErr || HasMsg) {
        S.print("        labels:");
        S.print("         error: " + (Err ? pythonStr(*Err) : "None"));
        S.print("         message: " + (Msg ? pythonStr(*Msg) : "None"));
      }
      for (llvm::StringRef Integration : {"load-balancer", "skydns"}) {
        const llvm::json::Object *Data = L.getObject(Integration);
        if (!Data)
          continue;
        bool Title = true;
        for (const std::string &Svc : keysOf(*Data)) {
          const llvm::json::Object *I = Data->getObject(Svc);
          if (!I)
            continue;
          const llvm::json::Value *E = I->get("error");
          const llvm::json::Value *M = I->get("message");
          bool SvcErr = E && E->getAsBoolean().value_or(false);
          if (!SvcErr && (!M || M->kind() == llvm::json::Value::Null))
            continue;
          if (Title) {
            S.print("         " + Integration + ":");
            S.print("           services:");
          }
          Title = false;
          S.print("             " + Svc + ":");
          S.print("               error: " + (E ? pythonStr(*E) : "None"));
          S.print("               message: " + (M ? pythonStr(*M) : "None"));
        }
      }
    } else {
      S.print("        " + K + ": " + pythonStr(V));
    }
  }
}

void InfoRun::printProject(llvm::StringRef Name,
                           const llvm::json::Object &Info) {
  auto Field = [&](llvm::StringRef K) {
    const llvm::json::Value *V = Info.get(K);
    return V ? pythonStr(*V) : std::string("None");
  };
  S.print("    " + Name + ":");
  S.print("      state: " + Field("state"));
  S.print("      last_log: " + Field("last_log"));
  S.print("      locked: " + Field("locked"));
  S.print("      services:");
  if (const llvm::json::Array *Svcs = Info.getArray("services"))
    for (const llvm::json::Value &E : *Svcs)
      S.print("        - " + pythonStr(E));
  for (llvm::StringRef Which : {"up", "down"})
    if (const llvm::json::Object *St = Info.getObject(Which))
      printStatus(Which, *St);
}

void InfoRun::projects(const Node &N) {
  std::vector<std::string> List = Names;
  if (List.empty()) {
    std::optional<llvm::json::Value> V = get(N, "/v1/projects", "projects");
    if (!V)
      return;
    List = stringsOf(*V);
  }
  std::vector<std::pair<std::string, llvm::json::Object>> Found;
  for (const std::string &P : List)
    if (std::optional<llvm::json::Value> V =
            get(N, "/v1/project/info/" + escapeSegment(P), "info", {404}))
      if (llvm::json::Object *O = V->getAsObject())
        Found.emplace_back(P, std::move(*O));
  if (Found.empty())
    return;
  header(N);
  S.print("  projects:");
  for (auto &[Name, Info] : Found)
    printProject(Name, Info);
}

void InfoRun::metadata(const Node &N) {
  std::optional<llvm::json::Value> List = get(N, "/v1/metadata", "metadata");
  if (!List)
    return;
  std::vector<std::pair<std::string, std::string>> Found;
  for (const std::string &Key : stringsOf(*List)) {
    if (!matches(Key))
      continue;
    if (std::optional<llvm::json::Value> V =
            get(N, "/v1/metadata/" + escapeSegment(Key), "metadata"))
      Found.emplace_back(Key, pythonStr(*V));
  }
  if (Found.empty())
    return;
  header(N);
  S.print("  metadata:");
  for (auto &[Key, Value] : Found) {
    std::vector<std::string> Lines = splitLines(Value);
    if (Lines.size() == 1)
      S.print("    " + Key + ": " + Lines.front());
    else if (Lines.size() > 1) {
      S.print("    " + Key + ": |");
      for (const std::string &L : Lines)
        S.print("      " + L);
    }
  }
}

void InfoRun::namespaces(const Node &N) {
  std::optional<llvm::json::Value> List =
      get(N, "/v1/namespace", "namespaces");
  if (!List)
    return;
  std::vector<std::pair<std::string, llvm::json::Value>> Found;
  for (const std::string &Name : stringsOf(*List)) {
    if (!matches(Name))
      continue;
    if (std::optional<llvm::json::Value> V =
            get(N, "/v1/namespace/" + escapeSegment(Name), "namespace"))
      Found.emplace_back(Name, std::move(*V));
  }
  if (Found.empty())
    return;
  header(N);
  S.print("  namespaces:");
  for (auto &[Name, Mapping] : Found) {
    S.print("    " + Name + ":");
    if (llvm::json::Array *A = Mapping.getAsArray())
      for (llvm::json::Value &E : *A) {
        if (llvm::json::Object *O = E.getAsObject())
          if (auto Mode = O->getInteger("mode"))
            (*O)["mode"] = fileMode(uint64_t(*Mode));
        S.print("      - " + pythonStr(E));
      }
  }
}

void InfoRun::logs(const Node &N, bool Jails) {
  std::optional<llvm::json::Value> Tree =
      get(N, Jails ? "/v1/jails/logs" : "/v1/projects/logs", "logs");
  if (!Tree)
    return;
  std::vector<std::string> Files;
  // projects: date/service/[log]; jails: type/entity/subtype/[log].
  std::function<void(const llvm::json::Value &, std::string, unsigned)> Walk =
      [&](const llvm::json::Value &V, std::string Prefix, unsigned Depth) {
        if (Depth == 0) {
          for (const std::string &F : stringsOf(V))
            if (matches(Prefix + F))
              Files.push_back(Prefix + F);
          return;
        }
        if (const llvm::json::Object *O = V.getAsObject())
          for (const std::string &K : keysOf(*O))
            Walk(*O->get(K), Prefix + K + "/", Depth - 1);
      };
  Walk(*Tree, "", Jails ? 3 : 2);
  if (Files.empty())
    return;
  header(N);
  S.print("  logs:");
  for (const std::string &F : Files)
    S.print("    - " + F);
}

void InfoRun::statusSections(
    const Node &N, llvm::StringRef PathPrefix, llvm::StringRef Title,
    llvm::function_ref<void(const llvm::json::Object &)> Print) {
  bool Header = true;
  for (const std::string &P : Names) {
    std::optional<llvm::json::Value> V =
        get(N, PathPrefix.str() + escapeSegment(P), "status", {404});
    const llvm::json::Object *St = V ? V->getAsObject() : nullptr;
    if (!St || St->empty())
      continue;
    if (Header)
      header(N), S.print("  projects:");
    Header = false;
    S.print("    " + P + ":");
    S.print("      " + Title + ":");
    Print(*St);
  }
}

void InfoRun::autoscale(const Node &N) {
  statusSections(N, "/v1/project/autoscale/", "autoScale",
                 [&](const llvm::json::Object &Status) {
    const llvm::json::Object *St = &Status;
    for (const std::string &K : keysOf(*St)) {
      const llvm::json::Value &E = *St->get(K);
      if (const llvm::json::Array *A = E.getAsArray()) {
        S.print("        " + K + ":");
        for (const llvm::json::Value &X : *A)
          S.print("          - " + pythonStr(X));
      } else if (K == "last_update" && E.getAsNumber()) {
        S.print("        last_update: " + formatTimespan(*E.getAsNumber()));
      } else if (K == "output" && E.getAsObject()) {
        const llvm::json::Object &Out = *E.getAsObject();
        if (!Out.empty())
          S.print("        output:");
        for (const std::string &OK : keysOf(Out)) {
          const llvm::json::Value &OV = *Out.get(OK);
          if (OK == "nodes" && OV.getAsObject()) {
            for (const std::string &Node : keysOf(*OV.getAsObject()))
              S.print("          " + Node + ": " +
                      pythonStr(*OV.getAsObject()->get(Node)));
          } else {
            S.print("         " + OK + ": " + pythonStr(OV));
          }
        }
      } else {
        S.print("        " + K + ": " + pythonStr(E));
      }
    }
  });
}

void InfoRun::vm(const Node &N) {
  statusSections(N, "/v1/vm/", "virtual-machines",
                 [&](const llvm::json::Object &Status) {
    const llvm::json::Object *St = &Status;
    for (const std::string &K : keysOf(*St)) {
      const llvm::json::Value &E = *St->get(K);
      if (const llvm::json::Array *A = E.getAsArray()) {
        S.print("        " + K + ":");
        for (const llvm::json::Value &X : *A)
          S.print("        - " + pythonStr(X));
      } else if (K == "last_update" && E.getAsNumber()) {
        S.print("          last_update: " + formatTimespan(*E.getAsNumber()));
      } else if (K == "output") {
        std::vector<std::string> Lines = splitLines(pythonStr(E));
        if (Lines.size() == 1)
          S.print("          output: " + Lines.front());
        else if (Lines.size() > 1) {
          S.print("          output: |");
          for (const std::string &L : Lines)
            S.print("            " + L);
        }
      } else {
        S.print("          " + K + ": " + pythonStr(E));
      }
    }
  });
}

/// The name --filter-per-project takes from the file for Type, or "".
std::string perProjectName(const ast::Deployment &D, llvm::StringRef T) {
  if (D.Project && T != "vm")
    return D.Project->ProjectName;
  if (D.VmJail && T != "autoscale")
    return D.VmJail->VmName.value_or("");
  if (D.App)
    return D.App->AppName;
  return "";
}

bool InfoRun::compileFilters() {
  const ast::Deployment &D = S.deployment();
  bool Literal = Type == "projects" || Type == "autoscale" || Type == "vm";
  std::vector<std::string> Fs(Filters.begin(), Filters.end());
  if (FilterPerProject && Literal) {
    std::string Name = perProjectName(D, Type);
    if (Name.empty()) {
      S.warning("get-info", "the deployment file names no project for "
                            "--filter-per-project; nothing to show");
      return false;
    }
    Fs = {Name};
  }
  if (Fs.empty() && Type == "metadata" && D.Metadata)
    for (const ast::MetadataEntry &E : D.Metadata->Metadata)
      Fs.push_back("^" + llvm::Regex::escape(E.Key) + "$");
  if (Fs.empty() && Type == "namespaces" && D.Metadata && D.Metadata->NS)
    Fs.push_back("^" + llvm::Regex::escape(D.Metadata->NS->Name) + "$");
  if (Literal) {
    Names = Fs;
    return true;
  }
  for (const std::string &F : Fs) {
    llvm::Regex R(F);
    std::string Err;
    if (!R.isValid(Err)) {
      llvm::errs() << "overlordc get-info: error: --filter '" << F
                   << "' is not a regular expression: " << Err << "\n";
      return false;
    }
    Regexes.push_back(std::move(R));
  }
  return true;
}

int InfoRun::run() {
  if (!compileFilters())
    return Names.empty() && Regexes.empty() && FilterPerProject ? ClientOk
                                                                : ClientUsage;
  if (Type == "autoscale" && Names.empty()) {
    llvm::errs() << "overlordc get-info: error: -t autoscale needs at least "
                    "one --filter (or --filter-per-project)\n";
    return ClientUsage;
  }
  const ast::Deployment &D = S.deployment();
  std::vector<std::string> Want = D.Deploy.Labels;
  if (UseAutoscaleLabels && D.Project)
    Want = D.Project->Scale.Labels;
  lower::ClusterSnapshot Snap = S.liveSnapshot();
  llvm::StringSet<> Seen;
  for (const std::string &EP : D.Deploy.Entrypoints) {
    if (!Seen.insert(EP).second)
      continue;
    std::string Dc = ir::datacenterOf(EP).str();
    if (!S.reached(Dc))
      continue; // the walk reported it
    std::optional<lower::NodeID> Start = findRoute(Snap, EP);
    if (!Start) {
      S.error(EP, "no such chain in the live cluster of '" + Dc +
                      "' (unknown, or left out of the walk as reported)");
      continue;
    }
    HttpClient *C = S.client(Dc);
    if (!C)
      continue;
    // The entry point, then every node below it, depth first.
    std::vector<lower::NodeID> Order, Stack{*Start};
    while (!Stack.empty()) {
      lower::NodeID X = Stack.back();
      Stack.pop_back();
      Order.push_back(X);
      const std::vector<lower::NodeID> &Kids = Snap.Nodes[X].Children;
      Stack.insert(Stack.end(), Kids.rbegin(), Kids.rend());
    }
    for (lower::NodeID X : Order) {
      Node N;
      N.Dc = Dc;
      N.C = C;
      N.Url = C->options().BaseUrl;
      N.Chain = Snap.Nodes[X].Path;
      N.Route = Snap.route(X);
      if (!AllLabels) {
        N.Labels = Snap.Nodes[X].Labels;
        if (!lower::labelsMatch(N.Labels, Want, D.Deploy.Exclude))
          continue;
      }
      node(N);
    }
  }
  for (const DrawNode &T : Trees) {
    std::vector<std::string> Lines;
    drawTree(T, Lines);
    for (const std::string &L : Lines)
      S.print(L);
  }
  return S.exitCode();
}

bool InfoRun::chainMatches(llvm::StringRef Chain) const {
  if (Regexes.empty())
    return true;
  return !Chain.empty() && matches(Chain);
}

void InfoRun::chainStats(const Node &N) {
  std::optional<llvm::json::Value> V = get(N, "/v1/stats", "stats");
  if (!V)
    return;
  const llvm::json::Object *O = V->getAsObject();
  if (!O) {
    S.error(N.Route, "GET " + N.C->url(chainPath(N.Chain, "/v1/stats")) +
                         ": 'stats' is not an object");
    return;
  }
  if (O->empty())
    return; // the reference leaves out nodes without stats
  header(N);
  S.print("  stats:");
  for (const std::string &K : keysOf(*O)) {
    const llvm::json::Value &E = *O->get(K);
    std::string Text = pythonStr(E);
    if (isSizeMetric(K) && E.getAsNumber())
      Text += " (" + formatSize(*E.getAsNumber()) + ")";
    S.print("    " + K + ": " + Text);
  }
}

void InfoRun::node(const Node &N) {
  if (Type == "jails")
    jails(N);
  else if (Type == "projects")
    projects(N);
  else if (Type == "chains") {
    if (chainMatches(N.Chain))
      header(N);
  } else if (Type == "chains:stats") {
    if (chainMatches(N.Chain))
      chainStats(N);
  } else if (Type == "chains:tree") {
    if (N.Chain.empty())
      return;
    auto It = llvm::find_if(Trees, [&](const DrawNode &T) {
      return T.Label == N.Url;
    });
    DrawNode *Root = It != Trees.end() ? &*It
                                       : &Trees.emplace_back(DrawNode{N.Url, {}});
    llvm::SmallVector<llvm::StringRef, 8> Segs;
    llvm::StringRef(N.Chain).split(Segs, '.');
    for (llvm::StringRef Seg : Segs)
      Root = &Root->child(Seg);
  } else if (Type == "metadata")
    metadata(N);
  else if (Type == "namespaces")
    namespaces(N);
  else if (Type == "projects:logs" || Type == "jails:logs")
    logs(N, Type == "jails:logs");
  else if (Type == "autoscale")
    autoscale(N);
  else if (Type == "vm")
    vm(N);
}

bool checkUsage() {
  static const char *const Types[] = {
      "jails",      "projects",      "chains",     "chains:tree",
      "chains:stats", "metadata",    "namespaces", "projects:logs",
      "jails:logs", "autoscale",     "vm"};
  if (Type.empty()) {
    llvm::errs() << "overlordc get-info: error: no type; use '-t TYPE'\n";
    return false;
  }
  if (!llvm::is_contained(Types, Type)) {
    llvm::errs() << "overlordc get-info: error: unknown type '" << Type
                 << "'; use one of jails, projects, chains, chains:tree, "
                    "chains:stats, metadata, namespaces, projects:logs, "
                    "jails:logs, autoscale, vm\n";
    return false;
  }
  for (const std::string &I : JailItems)
    if (!llvm::is_contained(AllItems, I)) {
      llvm::errs() << "overlordc get-info: error: unknown --jail-item '" << I
                   << "'; use one of stats, info, cpuset, devfs, expose, "
                      "healthcheck, limits, fstab, labels, nat, volumes\n";
      return false;
    }
  return true;
}

} // namespace

int overlord::client::runGetInfo() {
  if (!InfoCmd)
    return -1;
  if (!checkUsage())
    return ClientUsage;
  Session S("get-info");
  if (int RC = S.load(File, {EnvFiles.begin(), EnvFiles.end()}, Diag))
    return RC;
  InfoRun R(S);
  return R.run();
}
