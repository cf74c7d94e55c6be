//===- Router.h - Method and path routing for the HTTP server ---*- C++ -*-===//
//
// Routes a Request to the function registered for its method and path. A
// pattern is a '/'-separated list of segments, each one of:
//
//   literal          matches itself exactly           /v1/projects
//   {name}           one non-empty segment            /v1/jail/info/{jail}
//   {name:REGEX}     one segment the ECMAScript REGEX matches as a whole
//                    (braces nest, '/' may appear)   {date:\d{4}-\d{2}-\d{2}}
//   {name...}        the rest: one or more segments   /v1/files/{path...}
//
// Segments are matched as a trie. At each step literal segments win over
// patterned parameters, which win over plain parameters, which win over
// rest parameters; a branch that fails further down falls back to the next
// one. A request path with one trailing '/' matches as if it had none.
// Literal routes are found without regular expressions and without heap
// allocation. When a path matches only under other methods the router
// answers 405 with `Allow` listing them.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_ROUTER_H
#define OVERLORD_ENGINE_ROUTER_H

#include "overlord/Engine/Http.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace overlord::engine::http {

/// The parameters a route matched: views into the request's Path and the
/// router's patterns, valid while both live.
class Params {
public:
  /// The value of parameter Name, "" when there is none.
  llvm::StringRef get(llvm::StringRef Name) const;
  /// Whether parameter Name was matched.
  bool has(llvm::StringRef Name) const;
  /// Number of parameters.
  size_t size() const { return Items.size(); }
  /// Appends a parameter (used by the router).
  void add(llvm::StringRef Name, llvm::StringRef Value) {
    Items.emplace_back(Name, Value);
  }
  /// Drops the parameters from position N on (used by the router when it
  /// backtracks).
  void truncate(size_t N) { Items.resize(N); }

private:
  llvm::SmallVector<std::pair<llvm::StringRef, llvm::StringRef>, 4> Items;
};

/// A routed request handler.
using RouteFn = std::function<void(Request &, const Params &, Responder)>;

/// A method + path router. Build it completely before serving; dispatch()
/// and routeName() are then safe to call from many threads.
class Router {
public:
  Router();
  ~Router();
  Router(Router &&);
  Router &operator=(Router &&);

  /// Registers Fn for the '|'-separated Methods ("GET|HEAD"; "*" matches
  /// any method) and Pattern (see the file comment). RouteName names the
  /// route in metrics and logs. A malformed pattern or regular expression
  /// is a programming error: it aborts with a message naming the pattern.
  void add(llvm::StringRef Methods, llvm::StringRef Pattern, RouteFn Fn,
           std::string RouteName);

  /// Calls the route matching Req.Method and Req.Path and sets Req.Route to
  /// its name. Otherwise calls NotFound, or MethodNotAllowed when the path
  /// matches under other methods (its responses carry `Allow`); both get
  /// empty Params.
  void dispatch(Request &Req, Responder R, const RouteFn &NotFound,
                const RouteFn &MethodNotAllowed) const;

  /// The RouteName matched for Method + Path, or "".
  std::string routeName(llvm::StringRef Method, llvm::StringRef Path) const;

  /// The methods under which Path matches some route, sorted and joined
  /// with ", " (the `Allow` value); "" when none.
  std::string allowedMethods(llvm::StringRef Path) const;

private:
  friend class RouterWalk;
  struct Node;
  struct Route;
  struct Match;
  bool match(llvm::StringRef Method, llvm::StringRef Path, Match &M) const;
  std::unique_ptr<Node> Root;
};

} // namespace overlord::engine::http

#endif // OVERLORD_ENGINE_ROUTER_H
