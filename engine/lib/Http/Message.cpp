//===- Message.cpp - HTTP requests, responses and responders ----*- C++ -*-===//
//
// The Boost-free half of the HTTP library: header lookup, query parameters,
// percent-decoding, the JSON response helpers, the Responder's
// send-exactly-once state and the server's target and response checks.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Http.h"

#include "HttpDetail.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <atomic>

using namespace overlord::engine::http;

namespace {

std::optional<llvm::StringRef> findHeader(const HeaderList &Headers,
                                          llvm::StringRef Name) {
  for (const auto &[K, V] : Headers)
    if (Name.equals_insensitive(K))
      return llvm::StringRef(V);
  return std::nullopt;
}

} // namespace

std::optional<std::string>
overlord::engine::http::percentDecode(llvm::StringRef S, bool Form) {
  std::string Out;
  Out.reserve(S.size());
  for (size_t I = 0, E = S.size(); I < E; ++I) {
    char C = S[I];
    if (C == '+' && Form) {
      Out.push_back(' ');
      continue;
    }
    if (C != '%') {
      Out.push_back(C);
      continue;
    }
    if (I + 2 >= E)
      return std::nullopt;
    unsigned Hi = llvm::hexDigitValue(S[I + 1]);
    unsigned Lo = llvm::hexDigitValue(S[I + 2]);
    if (Hi == ~0U || Lo == ~0U)
      return std::nullopt;
    Out.push_back(static_cast<char>(Hi << 4 | Lo));
    I += 2;
  }
  return Out;
}

std::optional<llvm::StringRef> Request::header(llvm::StringRef Name) const {
  return findHeader(Headers, Name);
}

std::optional<std::string> Request::queryParam(llvm::StringRef Name) const {
  llvm::StringRef Rest = Query;
  while (!Rest.empty()) {
    llvm::StringRef Pair;
    std::tie(Pair, Rest) = Rest.split('&');
    auto [RawKey, RawValue] = Pair.split('=');
    std::optional<std::string> Key = percentDecode(RawKey, /*Form=*/true);
    if (!Key || *Key != Name)
      continue;
    return percentDecode(RawValue, /*Form=*/true);
  }
  return std::nullopt;
}

void Response::setHeader(llvm::StringRef Name, llvm::StringRef Value) {
  bool Replaced = false;
  for (auto It = Headers.begin(); It != Headers.end();) {
    if (!Name.equals_insensitive(It->first)) {
      ++It;
      continue;
    }
    if (Replaced) {
      It = Headers.erase(It);
      continue;
    }
    It->second = Value.str();
    Replaced = true;
    ++It;
  }
  if (!Replaced)
    Headers.emplace_back(Name.str(), Value.str());
}

std::optional<llvm::StringRef> Response::header(llvm::StringRef Name) const {
  return findHeader(Headers, Name);
}

Response Response::json(unsigned Status, const llvm::json::Value &V) {
  Response R;
  R.Status = Status;
  llvm::raw_string_ostream OS(R.Body);
  OS << V;
  OS.flush();
  R.Headers.emplace_back("Content-Type", "application/json");
  return R;
}

Response Response::error(unsigned Status, llvm::StringRef Message) {
  return json(Status, llvm::json::Object{{"status_code", int64_t(Status)},
                                         {"message", Message}});
}

//===----------------------------------------------------------------------===//
// Responder
//===----------------------------------------------------------------------===//

/// Shared by every copy of one Responder; its destructor answers 500 when
/// nobody sent.
struct Responder::State {
  std::function<void(Response)> Sink;
  std::atomic<bool> Sent{false};

  explicit State(std::function<void(Response)> Sink) : Sink(std::move(Sink)) {}
  State(const State &) = delete;
  State &operator=(const State &) = delete;
  ~State() {
    if (!Sent.exchange(true) && Sink)
      Sink(Response::error(500, "Internal Server Error"));
  }
};

Responder Responder::fromFunction(std::function<void(Response)> Sink) {
  return Responder(std::make_shared<State>(std::move(Sink)));
}

void Responder::send(Response R) const {
  if (!S || S->Sent.exchange(true))
    return;
  if (S->Sink)
    S->Sink(std::move(R));
}

bool Responder::sent() const { return !S || S->Sent.load(); }

//===----------------------------------------------------------------------===//
// Server helpers
//===----------------------------------------------------------------------===//

llvm::StringRef
overlord::engine::http::detail::methodLabel(llvm::StringRef Method) {
  static const char *Known[] = {"GET",    "HEAD",    "POST", "PUT",
                                "DELETE", "OPTIONS", "PATCH"};
  for (const char *K : Known)
    if (Method == K)
      return K;
  return "OTHER";
}

static bool isTokenChar(char C) {
  return llvm::isAlnum(C) || llvm::StringRef("!#$%&'*+-.^_`|~").contains(C);
}

std::string overlord::engine::http::detail::responseProblem(const Response &R) {
  if (R.Status < 200 || R.Status > 599)
    return "status " + std::to_string(R.Status) + " is not a final status";
  for (const auto &[Name, Value] : R.Headers) {
    if (Name.empty() || !llvm::all_of(Name, isTokenChar))
      return "header name '" + Name + "' is not a token";
    if (llvm::StringRef(Value).find_first_of(llvm::StringRef("\r\n\0", 3)) !=
        llvm::StringRef::npos)
      return "header '" + Name + "' has a line break or NUL in its value";
  }
  return "";
}

bool overlord::engine::http::detail::splitTarget(llvm::StringRef Target,
                                                 llvm::StringRef &Path,
                                                 llvm::StringRef &Query) {
  Query = "";
  if (Target == "*") {
    Path = Target;
    return true;
  }
  if (Target.startswith("/")) {
    std::tie(Path, Query) = Target.split('?');
    return true;
  }
  size_t Scheme = Target.find("://");
  if (Scheme == llvm::StringRef::npos ||
      !(Target.take_front(Scheme).equals_insensitive("http") ||
        Target.take_front(Scheme).equals_insensitive("https")))
    return false;
  size_t Rest = Target.find_first_of("/?", Scheme + 3);
  if (Rest == llvm::StringRef::npos) {
    Path = "/";
    return true;
  }
  Target = Target.drop_front(Rest);
  if (Target.startswith("?")) {
    Path = "/";
    Query = Target.drop_front();
    return true;
  }
  std::tie(Path, Query) = Target.split('?');
  return true;
}
