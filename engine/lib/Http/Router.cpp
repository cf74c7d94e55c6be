//===- Router.cpp - Method and path routing ---------------------*- C++ -*-===//
//
// A trie over path segments. Each node has literal children (a hash map),
// then parameter edges with a regular expression, then plain parameter
// edges, then rest edges, tried in that order with backtracking. Matching
// splits the path into StringRefs on the stack and records parameters as
// views into it, so a literal route costs a few hash lookups and no
// allocation.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Router.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <regex>
#include <set>

using namespace overlord::engine::http;

llvm::StringRef Params::get(llvm::StringRef Name) const {
  for (const auto &[K, V] : Items)
    if (K == Name)
      return V;
  return "";
}

bool Params::has(llvm::StringRef Name) const {
  return std::any_of(Items.begin(), Items.end(),
                     [&](const auto &P) { return P.first == Name; });
}

/// One registered route: the methods it answers and what it calls.
struct Router::Route {
  std::vector<std::string> Methods; ///< empty: any method ("*")
  RouteFn Fn;
  std::string Name;

  bool accepts(llvm::StringRef Method) const {
    return Methods.empty() ||
           std::find(Methods.begin(), Methods.end(), Method) != Methods.end();
  }
};

/// A position in the trie: the routes ending here and the edges onwards.
struct Router::Node {
  struct ParamEdge {
    std::string Name;
    std::string RegexText; ///< "" for a plain parameter
    std::regex Re;
    std::unique_ptr<Node> Child;
  };
  llvm::StringMap<std::unique_ptr<Node>> Literals;
  std::vector<ParamEdge> Patterned, Plain, Rest;
  std::vector<Route> Routes;
};

/// What one match produced.
struct Router::Match {
  const Route *R = nullptr;
  Params P;
  bool PathMatched = false;                 ///< some route has this path
  std::set<std::string> *Allowed = nullptr; ///< collect all methods instead
};

Router::Router() : Root(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router &&) = default;
Router &Router::operator=(Router &&) = default;

namespace {

[[noreturn]] void badPattern(llvm::StringRef Pattern, const llvm::Twine &Why) {
  llvm::report_fatal_error(llvm::Twine("http router: pattern '") + Pattern +
                           "': " + Why);
}

/// Splits a pattern at '/' outside braces (a regex may contain '/' or
/// `{n}`); a backslash escapes the next character.
std::vector<llvm::StringRef> splitPattern(llvm::StringRef Pattern) {
  std::vector<llvm::StringRef> Segs;
  int Depth = 0;
  size_t Start = 0;
  for (size_t I = 0; I < Pattern.size(); ++I) {
    char C = Pattern[I];
    if (C == '\\') {
      ++I;
      continue;
    }
    if (C == '{')
      ++Depth;
    else if (C == '}' && --Depth < 0)
      badPattern(Pattern, "unbalanced '}'");
    else if (C == '/' && Depth == 0) {
      if (I > Start)
        Segs.push_back(Pattern.slice(Start, I));
      else if (I != 0 && I + 1 != Pattern.size())
        badPattern(Pattern, "empty segment");
      Start = I + 1;
    }
  }
  if (Depth != 0)
    badPattern(Pattern, "unbalanced '{'");
  if (Start < Pattern.size())
    Segs.push_back(Pattern.substr(Start));
  return Segs;
}

bool validParamName(llvm::StringRef N) {
  if (N.empty() || !(llvm::isAlpha(N[0]) || N[0] == '_'))
    return false;
  return llvm::all_of(N, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

/// Splits Path (leading '/', one trailing '/' dropped) into Segs; false
/// when Path does not start with '/'.
bool splitPath(llvm::StringRef Path,
               llvm::SmallVectorImpl<llvm::StringRef> &Segs) {
  if (!Path.startswith("/"))
    return false;
  if (Path.size() > 1 && Path.endswith("/"))
    Path = Path.drop_back();
  Path = Path.drop_front();
  if (Path.empty())
    return true;
  while (true) {
    auto [Seg, Rest] = Path.split('/');
    Segs.push_back(Seg);
    if (Seg.size() == Path.size())
      return true;
    Path = Rest;
  }
}

} // namespace

void Router::add(llvm::StringRef Methods, llvm::StringRef Pattern, RouteFn Fn,
                 std::string RouteName) {
  Route R;
  R.Fn = std::move(Fn);
  R.Name = std::move(RouteName);
  if (Methods.trim() != "*") {
    llvm::SmallVector<llvm::StringRef, 4> Parts;
    Methods.split(Parts, '|', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef M : Parts)
      R.Methods.push_back(M.trim().str());
    if (R.Methods.empty())
      badPattern(Pattern, "no method");
  }

  Node *N = Root.get();
  std::vector<llvm::StringRef> Segs = splitPattern(Pattern);
  for (size_t I = 0; I < Segs.size(); ++I) {
    llvm::StringRef Seg = Segs[I];
    if (!Seg.startswith("{")) {
      if (Seg.contains('{') || Seg.contains('}'))
        badPattern(Pattern, "a segment is a literal or one parameter");
      auto &Child = N->Literals[Seg];
      if (!Child)
        Child = std::make_unique<Node>();
      N = Child.get();
      continue;
    }
    if (!Seg.endswith("}"))
      badPattern(Pattern, "a segment is a literal or one parameter");
    llvm::StringRef Inner = Seg.drop_front().drop_back();
    std::vector<Node::ParamEdge> *Edges = &N->Plain;
    llvm::StringRef Name = Inner, Regex;
    if (Inner.endswith("...")) {
      Name = Inner.drop_back(3);
      Edges = &N->Rest;
      if (I + 1 != Segs.size())
        badPattern(Pattern, "a rest parameter must be the last segment");
    } else if (size_t Colon = Inner.find(':'); Colon != llvm::StringRef::npos) {
      Name = Inner.take_front(Colon);
      Regex = Inner.drop_front(Colon + 1);
      Edges = &N->Patterned;
      if (Regex.empty())
        badPattern(Pattern, "empty regular expression");
    }
    if (!validParamName(Name))
      badPattern(Pattern, "parameter names are identifiers");
    auto Same = std::find_if(Edges->begin(), Edges->end(), [&](auto &E) {
      return E.Name == Name && E.RegexText == Regex;
    });
    if (Same == Edges->end()) {
      Node::ParamEdge E;
      E.Name = Name.str();
      E.RegexText = Regex.str();
      if (!Regex.empty()) {
        try {
          E.Re = std::regex(E.RegexText,
                            std::regex::ECMAScript | std::regex::optimize);
        } catch (const std::regex_error &Err) {
          badPattern(Pattern, llvm::Twine("regular expression: ") + Err.what());
        }
      }
      E.Child = std::make_unique<Node>();
      Edges->push_back(std::move(E));
      Same = std::prev(Edges->end());
    }
    N = Same->Child.get();
  }
  N->Routes.push_back(std::move(R));
}

namespace overlord::engine::http {

/// The matching walk; a friend of Router for its private node types.
class RouterWalk {
public:
  /// The walk state shared by the recursion.
  struct Walk {
    llvm::ArrayRef<llvm::StringRef> Segs;
    const char *End; ///< end of the last segment
    llvm::StringRef Method;
  };

  /// Depth-first search in priority order. With M.Allowed set it visits
  /// every matching route and collects its methods; otherwise it stops at
  /// the first route accepting the method.
  static bool node(const Router::Node &N, const Walk &W, size_t I,
                   Router::Match &M);

private:
  static bool terminal(const std::vector<Router::Route> &Routes, const Walk &W,
                       Router::Match &M);
};

} // namespace overlord::engine::http

bool RouterWalk::terminal(const std::vector<Router::Route> &Routes,
                          const Walk &W, Router::Match &M) {
  if (Routes.empty())
    return false;
  M.PathMatched = true;
  for (const auto &R : Routes) {
    if (M.Allowed) {
      M.Allowed->insert(R.Methods.begin(), R.Methods.end());
      continue;
    }
    if (R.accepts(W.Method)) {
      M.R = &R;
      return true;
    }
  }
  return false;
}

bool RouterWalk::node(const Router::Node &N, const Walk &W, size_t I,
                      Router::Match &M) {
  if (I == W.Segs.size())
    return terminal(N.Routes, W, M);
  llvm::StringRef Seg = W.Segs[I];
  auto Lit = N.Literals.find(Seg);
  if (Lit != N.Literals.end() && node(*Lit->second, W, I + 1, M))
    return true;
  if (Seg.empty())
    return false;
  size_t Mark = M.P.size();
  for (const auto &E : N.Patterned) {
    if (!std::regex_match(Seg.begin(), Seg.end(), E.Re))
      continue;
    M.P.add(E.Name, Seg);
    if (node(*E.Child, W, I + 1, M))
      return true;
    M.P.truncate(Mark);
  }
  for (const auto &E : N.Plain) {
    M.P.add(E.Name, Seg);
    if (node(*E.Child, W, I + 1, M))
      return true;
    M.P.truncate(Mark);
  }
  for (const auto &E : N.Rest) {
    M.P.add(E.Name, llvm::StringRef(Seg.begin(), W.End - Seg.begin()));
    if (terminal(E.Child->Routes, W, M))
      return true;
    M.P.truncate(Mark);
  }
  return false;
}

bool Router::match(llvm::StringRef Method, llvm::StringRef Path,
                   Match &M) const {
  llvm::SmallVector<llvm::StringRef, 16> Segs;
  if (!splitPath(Path, Segs))
    return false;
  RouterWalk::Walk W{Segs, Segs.empty() ? Path.begin() : Segs.back().end(),
                     Method};
  return RouterWalk::node(*Root, W, 0, M);
}

void Router::dispatch(Request &Req, Responder R, const RouteFn &NotFound,
                      const RouteFn &MethodNotAllowed) const {
  Match M;
  if (match(Req.Method, Req.Path, M)) {
    Req.Route = M.R->Name;
    M.R->Fn(Req, M.P, std::move(R));
    return;
  }
  Req.Route.clear();
  if (!M.PathMatched) {
    NotFound(Req, Params(), std::move(R));
    return;
  }
  std::string Allow = allowedMethods(Req.Path);
  Responder WithAllow =
      Responder::fromFunction([R, Allow = std::move(Allow)](Response Resp) {
        if (!Resp.header("Allow"))
          Resp.setHeader("Allow", Allow);
        R.send(std::move(Resp));
      });
  MethodNotAllowed(Req, Params(), std::move(WithAllow));
}

std::string Router::routeName(llvm::StringRef Method,
                              llvm::StringRef Path) const {
  Match M;
  return match(Method, Path, M) ? M.R->Name : std::string();
}

std::string Router::allowedMethods(llvm::StringRef Path) const {
  std::set<std::string> Allowed;
  Match M;
  M.Allowed = &Allowed;
  match("", Path, M);
  std::string Out;
  for (const std::string &Method : Allowed) {
    if (!Out.empty())
      Out += ", ";
    Out += Method;
  }
  return Out;
}
