//===- ChainClient.cpp - Asynchronous HTTP to one child node ----*- C++ -*-===//
//
// One libcurl multi handle and one thread per chain. The thread owns every
// easy handle; other threads only append to the submission queue and wake
// the loop with curl_multi_wakeup(). The loop, each turn:
//
//   1. moves submissions to the pending queue; fails the pending requests
//      that waited longer than `pool_timeout` for a connection slot;
//   2. starts pending requests while fewer than `max_connections` run, and
//      the retries whose backoff has elapsed;
//   3. runs curl_multi_perform() and handles finished transfers: a
//      retryable outcome with retries left (and time before the request's
//      deadline) is scheduled again, anything else goes to the callback;
//   4. waits in curl_multi_poll() until a socket is ready, curl's own timer,
//      the next retry or pool deadline, or a wakeup.
//
// Connections stay in the multi handle's cache between transfers (keep-
// alive): `max_keepalive_connections` sizes that cache and
// `keepalive_expiry` is the longest a cached connection is reused.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Chain.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <random>
#include <thread>

namespace overlord::engine::chain {

using SteadyClock = std::chrono::steady_clock;

//===----------------------------------------------------------------------===//
// Retry policy helpers
//===----------------------------------------------------------------------===//

double backoffSeconds(const RetryConfig &Policy, unsigned N, double Unit) {
  double B = Policy.BackoffFactor * std::ldexp(1.0, int(N) - 1);
  B = std::min(B, Policy.MaxBackoffWait);
  double J = std::clamp(Policy.BackoffJitter, 0.0, 1.0);
  B *= 1.0 - J * std::clamp(Unit, 0.0, 1.0);
  return std::max(0.0, B);
}

std::optional<double> parseRetryAfter(llvm::StringRef V, double NowUnix) {
  V = V.trim();
  if (V.empty())
    return std::nullopt;
  if (llvm::all_of(V, llvm::isDigit)) {
    unsigned long long S;
    if (V.getAsInteger(10, S))
      return std::nullopt;
    return double(S);
  }
  time_t T = curl_getdate(V.str().c_str(), nullptr);
  if (T < 0)
    return std::nullopt;
  return std::max(0.0, double(T) - NowUnix);
}

static bool idempotent(llvm::StringRef Method) {
  return Method == "GET" || Method == "HEAD" || Method == "PUT" ||
         Method == "DELETE" || Method == "OPTIONS" || Method == "TRACE";
}

/// Whether R is a chain error answer (the ChainErrorHeader, or a body with
/// `function` and `entrypoint` members, as reference nodes send): a hop further down already applied its own retry policy, or
/// refused on purpose (UnavailableChain), so retrying here would only
/// multiply the wait (the reference's retries compound across hops).
static bool isChainError(const OutResponse &R) {
  for (const auto &H : R.Headers)
    if (llvm::StringRef(H.first).equals_insensitive(ChainErrorHeader))
      return true;
  llvm::StringRef Body = R.Body;
  if (!Body.contains("\"entrypoint\"") || !Body.contains("\"function\""))
    return false;
  auto V = llvm::json::parse(Body);
  if (!V) {
    llvm::consumeError(V.takeError());
    return false;
  }
  const llvm::json::Object *O = V->getAsObject();
  return O && O->get("entrypoint") && O->get("function");
}

static bool retryableStatus(long S) {
  return S == 429 || S == 502 || S == 503 || S == 504;
}

//===----------------------------------------------------------------------===//
// Global libcurl initialisation
//===----------------------------------------------------------------------===//

static void curlGlobalInit() {
  static const bool Done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)Done;
}

//===----------------------------------------------------------------------===//
// ChainClient::Impl
//===----------------------------------------------------------------------===//

namespace {

/// One request through its attempts.
struct Xfer {
  OutRequest Req;
  Callback Done;
  SteadyClock::time_point Submitted, Queued, RetryAt;
  unsigned Attempts = 0;
  // Per attempt.
  CURL *Easy = nullptr;
  curl_slist *Hdrs = nullptr;
  std::string Body;
  http::HeaderList RespHeaders;
  bool TooLarge = false;
  size_t Limit = 0;
  // Stall detection (read_timeout / write_timeout, as httpx: the longest
  // time without a byte moving in that direction).
  int64_t ReadTimeout = 0, WriteTimeout = 0;
  curl_off_t LastDl = -1, LastUl = -1;
  SteadyClock::time_point LastMove;
  const char *Stalled = nullptr; ///< "ReadTimeout" / "WriteTimeout"
  char Err[CURL_ERROR_SIZE] = {0};
};

} // namespace

class ChainClient::Impl {
public:
  Impl(ChainConfig C, ClientOptions O) : C(std::move(C)), O(std::move(O)) {
    curlGlobalInit();
    Base = this->C.Entrypoint;
    while (!Base.empty() && Base.back() == '/')
      Base.pop_back();
  }

  ~Impl() { stop(); }

  void send(OutRequest R, Callback Done) {
    auto X = std::make_unique<Xfer>();
    X->Req = std::move(R);
    X->Done = std::move(Done);
    X->Submitted = X->Queued = SteadyClock::now();
    {
      std::unique_lock<std::mutex> L(M);
      if (Stopping) {
        L.unlock();
        return cancelled(*X);
      }
      Incoming.push_back(std::move(X));
      ++Counts.Requests;
      if (!Thread.joinable())
        start();
    }
    wake();
  }

  void stop() {
    {
      std::lock_guard<std::mutex> L(M);
      if (Stopping)
        return;
      Stopping = true;
    }
    wake();
    if (Thread.joinable())
      Thread.join();
    // Whatever was submitted after the loop ended.
    std::deque<std::unique_ptr<Xfer>> Left;
    {
      std::lock_guard<std::mutex> L(M);
      Left.swap(Incoming);
    }
    for (auto &X : Left)
      cancelled(*X);
    std::lock_guard<std::mutex> L(M);
    if (Multi)
      curl_multi_cleanup(Multi);
    Multi = nullptr;
  }

  std::string url(llvm::StringRef Path) const { return Base + Path.str(); }

  Stats stats() const {
    std::lock_guard<std::mutex> L(M);
    Stats S = Counts;
    S.Active = ActiveCount.load();
    S.Queued = QueuedCount.load();
    return S;
  }

  ChainConfig C;

private:
  void start() {
    Multi = curl_multi_init();
    curl_multi_setopt(Multi, CURLMOPT_MAXCONNECTS,
                      long(std::max<int64_t>(1, C.MaxKeepaliveConnections)));
    curl_multi_setopt(Multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      long(std::max<int64_t>(1, C.MaxConnections)));
    Thread = std::thread([this] { loop(); });
  }

  void wake() {
    std::lock_guard<std::mutex> L(M);
    if (Multi)
      curl_multi_wakeup(Multi);
  }

  static void cancelled(Xfer &X) {
    OutResponse R;
    R.Transport = true;
    R.ErrorType = "Cancelled";
    R.ErrorMessage = "the node is shutting down";
    R.Attempts = X.Attempts;
    if (X.Done)
      X.Done(std::move(R));
  }

  static size_t onBody(char *Ptr, size_t Size, size_t N, void *UD) {
    auto *X = static_cast<Xfer *>(UD);
    size_t Len = Size * N;
    if (X->Body.size() + Len > X->Limit) {
      X->TooLarge = true;
      return 0; // aborts the transfer with CURLE_WRITE_ERROR
    }
    X->Body.append(Ptr, Len);
    return Len;
  }

  static size_t onHeader(char *Ptr, size_t Size, size_t N, void *UD) {
    auto *X = static_cast<Xfer *>(UD);
    llvm::StringRef Line(Ptr, Size * N);
    if (Line.startswith("HTTP/")) {
      X->RespHeaders.clear(); // a new response (after 100-continue)
      return Size * N;
    }
    auto [K, V] = Line.split(':');
    if (!V.empty() || Line.contains(':'))
      X->RespHeaders.emplace_back(K.trim().str(), V.trim().str());
    return Size * N;
  }

  static int onProgress(void *UD, curl_off_t, curl_off_t DlNow,
                        curl_off_t UlTotal, curl_off_t UlNow) {
    auto *X = static_cast<Xfer *>(UD);
    auto Now = SteadyClock::now();
    curl_off_t Connected = 0;
    curl_easy_getinfo(X->Easy, CURLINFO_CONNECT_TIME_T, &Connected);
    if (Connected == 0 || DlNow != X->LastDl || UlNow != X->LastUl) {
      // Still connecting (connect_timeout governs) or bytes moved.
      X->LastDl = DlNow;
      X->LastUl = UlNow;
      X->LastMove = Now;
      return 0;
    }
    bool Sending = UlTotal > 0 && UlNow < UlTotal;
    int64_t Limit = Sending ? X->WriteTimeout : X->ReadTimeout;
    if (Limit > 0 && Now - X->LastMove >= std::chrono::seconds(Limit)) {
      X->Stalled = Sending ? "WriteTimeout" : "ReadTimeout";
      return 1; // aborts with CURLE_ABORTED_BY_CALLBACK
    }
    return 0;
  }

  /// Milliseconds left before X's deadline (nullopt: none; 0: passed).
  static std::optional<long> msLeft(const Xfer &X) {
    if (!X.Req.Deadline)
      return std::nullopt;
    auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    *X.Req.Deadline - SteadyClock::now())
                    .count();
    return std::max<long>(0, long(Left));
  }

  void begin(Xfer &X) {
    ++X.Attempts;
    X.Body.clear();
    X.RespHeaders.clear();
    X.TooLarge = false;
    X.Err[0] = 0;
    X.Limit = O.MaxResponseBytes;
    CURL *E = curl_easy_init();
    X.Easy = E;
    std::string Url = url(X.Req.Path);
    curl_easy_setopt(E, CURLOPT_URL, Url.c_str());
    curl_easy_setopt(E, CURLOPT_PRIVATE, &X);
    curl_easy_setopt(E, CURLOPT_ERRORBUFFER, X.Err);
    curl_easy_setopt(E, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(E, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(E, CURLOPT_USERAGENT, O.UserAgent.c_str());
    curl_easy_setopt(E, CURLOPT_WRITEFUNCTION, &Impl::onBody);
    curl_easy_setopt(E, CURLOPT_WRITEDATA, &X);
    curl_easy_setopt(E, CURLOPT_HEADERFUNCTION, &Impl::onHeader);
    curl_easy_setopt(E, CURLOPT_HEADERDATA, &X);
    curl_easy_setopt(E, CURLOPT_TCP_NODELAY, 1L);
    if (C.KeepaliveExpiry > 0)
      curl_easy_setopt(E, CURLOPT_MAXAGE_CONN, long(C.KeepaliveExpiry));
    if (C.CACert)
      curl_easy_setopt(E, CURLOPT_CAINFO, C.CACert->c_str());
    if (C.ConnectTimeout > 0)
      curl_easy_setopt(E, CURLOPT_CONNECTTIMEOUT_MS,
                       long(C.ConnectTimeout * 1000));
    // Read and write timeouts are stall limits, as in httpx: no byte moved
    // in that direction for that long (onProgress).
    X.ReadTimeout = C.ReadTimeout;
    X.WriteTimeout = C.WriteTimeout;
    X.LastDl = X.LastUl = -1;
    X.Stalled = nullptr;
    X.LastMove = SteadyClock::now();
    if (X.ReadTimeout > 0 || X.WriteTimeout > 0) {
      curl_easy_setopt(E, CURLOPT_XFERINFOFUNCTION, &Impl::onProgress);
      curl_easy_setopt(E, CURLOPT_XFERINFODATA, &X);
      curl_easy_setopt(E, CURLOPT_NOPROGRESS, 0L);
    }
    long Total = C.Timeout > 0 ? long(C.Timeout * 1000) : 0;
    if (auto Left = msLeft(X))
      Total = Total ? std::min(Total, std::max(1L, *Left))
                    : std::max(1L, *Left);
    if (Total)
      curl_easy_setopt(E, CURLOPT_TIMEOUT_MS, Total);
    const std::string &Mth = X.Req.Method;
    if (Mth == "HEAD")
      curl_easy_setopt(E, CURLOPT_NOBODY, 1L);
    else if (Mth != "GET")
      curl_easy_setopt(E, CURLOPT_CUSTOMREQUEST, Mth.c_str());
    if (Mth != "GET" && Mth != "HEAD") {
      curl_easy_setopt(E, CURLOPT_POSTFIELDS, X.Req.Body.data());
      curl_easy_setopt(E, CURLOPT_POSTFIELDSIZE_LARGE,
                       curl_off_t(X.Req.Body.size()));
    } else if (!X.Req.Body.empty()) {
      curl_easy_setopt(E, CURLOPT_POSTFIELDS, X.Req.Body.data());
      curl_easy_setopt(E, CURLOPT_POSTFIELDSIZE_LARGE,
                       curl_off_t(X.Req.Body.size()));
      curl_easy_setopt(E, CURLOPT_CUSTOMREQUEST, Mth.c_str());
    }
    curl_slist *H = nullptr;
    H = curl_slist_append(H, ("Authentication: Bearer " + C.AccessToken).c_str());
    H = curl_slist_append(H, "Accept: application/json");
    if (!X.Req.Body.empty())
      H = curl_slist_append(H, "Content-Type: application/json");
    H = curl_slist_append(H, "Expect:");
    for (const auto &KV : X.Req.Headers)
      H = curl_slist_append(H, (KV.first + ": " + KV.second).c_str());
    X.Hdrs = H;
    curl_easy_setopt(E, CURLOPT_HTTPHEADER, H);
    curl_multi_add_handle(Multi, E);
  }

  void finishAttempt(Xfer &X) {
    curl_multi_remove_handle(Multi, X.Easy);
    curl_easy_cleanup(X.Easy);
    X.Easy = nullptr;
    curl_slist_free_all(X.Hdrs);
    X.Hdrs = nullptr;
  }

  /// The outcome of X's finished attempt.
  OutResponse outcome(Xfer &X, CURLcode Code) {
    OutResponse R;
    R.Url = url(X.Req.Path);
    R.Attempts = X.Attempts;
    if (Code == CURLE_OK) {
      long S = 0;
      curl_easy_getinfo(X.Easy, CURLINFO_RESPONSE_CODE, &S);
      R.Status = S;
      R.Body = std::move(X.Body);
      R.Headers = std::move(X.RespHeaders);
      return R;
    }
    R.Transport = true;
    std::string Detail = X.Err[0] ? X.Err : curl_easy_strerror(Code);
    curl_off_t ConnectUs = 0;
    curl_easy_getinfo(X.Easy, CURLINFO_CONNECT_TIME_T, &ConnectUs);
    curl_off_t UploadedBytes = 0;
    curl_easy_getinfo(X.Easy, CURLINFO_SIZE_UPLOAD_T, &UploadedBytes);
    switch (Code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      R.ErrorType = "ConnectError";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      if (ConnectUs == 0)
        R.ErrorType = "ConnectTimeout";
      else if (!X.Req.Body.empty() &&
               UploadedBytes < curl_off_t(X.Req.Body.size()))
        R.ErrorType = "WriteTimeout";
      else
        R.ErrorType = "ReadTimeout";
      break;
    case CURLE_ABORTED_BY_CALLBACK:
      R.ErrorType = X.Stalled ? X.Stalled : "ReadTimeout";
      Detail = llvm::formatv("no data {0} {1} for {2} s",
                             R.ErrorType == "WriteTimeout" ? "sent to"
                                                           : "received from",
                             Base,
                             R.ErrorType == "WriteTimeout" ? X.WriteTimeout
                                                           : X.ReadTimeout)
                   .str();
      break;
    case CURLE_SEND_ERROR:
      R.ErrorType = "WriteError";
      break;
    case CURLE_WRITE_ERROR:
      if (X.TooLarge) {
        R.ErrorType = "ResponseTooLarge";
        Detail = llvm::formatv("the response is larger than {0} bytes",
                               O.MaxResponseBytes)
                     .str();
      } else {
        R.ErrorType = "ReadError";
      }
      break;
    case CURLE_RECV_ERROR:
      R.ErrorType = "ReadError";
      break;
    default:
      R.ErrorType = "RemoteProtocolError";
      break;
    }
    R.ErrorMessage = Detail;
    return R;
  }

  /// Seconds to wait before retrying X after R, or nullopt to give up.
  std::optional<double> retryDelay(const Xfer &X, const OutResponse &R) {
    if (!X.Req.AllowRetry || !idempotent(X.Req.Method))
      return std::nullopt;
    if (double(X.Attempts - 1) >= C.Retry.Total)
      return std::nullopt;
    bool Retryable = false;
    if (R.Transport)
      Retryable = R.ErrorType != "ResponseTooLarge" && R.ErrorType != "Cancelled";
    else
      Retryable = retryableStatus(R.Status) && !isChainError(R);
    if (!Retryable)
      return std::nullopt;
    double Wait = -1;
    if (!R.Transport && C.Retry.RespectRetryAfterHeader) {
      for (const auto &H : R.Headers)
        if (llvm::StringRef(H.first).equals_insensitive("Retry-After"))
          if (auto S = parseRetryAfter(H.second, double(std::time(nullptr))))
            Wait = std::min(*S, C.Retry.MaxBackoffWait);
    }
    if (Wait < 0) {
      std::uniform_real_distribution<double> U(0.0, 1.0);
      Wait = backoffSeconds(C.Retry, X.Attempts, U(Rng));
    }
    if (X.Req.Deadline &&
        SteadyClock::now() + std::chrono::duration<double>(Wait) >=
            *X.Req.Deadline)
      return std::nullopt;
    return Wait;
  }

  void complete(std::unique_ptr<Xfer> X, OutResponse R) {
    R.Seconds = std::chrono::duration<double>(SteadyClock::now() - X->Submitted)
                    .count();
    if (R.Transport) {
      std::lock_guard<std::mutex> L(M);
      ++Counts.TransportErrors;
    }
    if (X->Done)
      X->Done(std::move(R));
  }

  void loop() {
    std::deque<std::unique_ptr<Xfer>> Pending;
    std::vector<std::unique_ptr<Xfer>> Waiting; // retry backoff
    std::map<CURL *, std::unique_ptr<Xfer>> Running;
    size_t MaxRunning = size_t(std::max<int64_t>(1, C.MaxConnections));
    auto PoolLimit = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(double(C.PoolTimeout)));
    for (;;) {
      bool Stop;
      {
        std::lock_guard<std::mutex> L(M);
        Stop = Stopping;
        while (!Incoming.empty()) {
          Pending.push_back(std::move(Incoming.front()));
          Incoming.pop_front();
        }
      }
      if (Stop)
        break;
      auto Now = SteadyClock::now();
      // Retries whose backoff elapsed go first.
      for (size_t I = 0; I < Waiting.size();) {
        if (Waiting[I]->RetryAt <= Now) {
          Waiting[I]->Queued = Now;
          Pending.push_front(std::move(Waiting[I]));
          Waiting.erase(Waiting.begin() + long(I));
        } else {
          ++I;
        }
      }
      // Pool timeout and deadlines of queued requests.
      for (auto It = Pending.begin(); It != Pending.end();) {
        Xfer &X = **It;
        bool PoolOut = C.PoolTimeout > 0 && Now - X.Queued >= PoolLimit;
        bool DeadOut = X.Req.Deadline && Now >= *X.Req.Deadline;
        if (PoolOut || DeadOut) {
          OutResponse R;
          R.Transport = true;
          R.Url = url(X.Req.Path);
          R.Attempts = X.Attempts;
          R.ErrorType = "PoolTimeout";
          R.ErrorMessage =
              PoolOut ? llvm::formatv("no connection to {0} was free within "
                                      "{1} s (max_connections {2})",
                                      Base, C.PoolTimeout, C.MaxConnections)
                            .str()
                      : "the request's deadline passed while it was queued";
          std::unique_ptr<Xfer> Owned = std::move(*It);
          It = Pending.erase(It);
          complete(std::move(Owned), std::move(R));
        } else {
          ++It;
        }
      }
      while (!Pending.empty() && Running.size() < MaxRunning) {
        std::unique_ptr<Xfer> X = std::move(Pending.front());
        Pending.pop_front();
        begin(*X);
        CURL *E = X->Easy;
        Running.emplace(E, std::move(X));
      }
      ActiveCount = unsigned(Running.size());
      QueuedCount = unsigned(Pending.size() + Waiting.size());

      int StillRunning = 0;
      curl_multi_perform(Multi, &StillRunning);
      int Left = 0;
      while (CURLMsg *Msg = curl_multi_info_read(Multi, &Left)) {
        if (Msg->msg != CURLMSG_DONE)
          continue;
        auto It = Running.find(Msg->easy_handle);
        if (It == Running.end())
          continue;
        std::unique_ptr<Xfer> X = std::move(It->second);
        Running.erase(It);
        OutResponse R = outcome(*X, Msg->data.result);
        finishAttempt(*X);
        if (auto Delay = retryDelay(*X, R)) {
          {
            std::lock_guard<std::mutex> L(M);
            ++Counts.Retries;
          }
          X->RetryAt = SteadyClock::now() +
                       std::chrono::duration_cast<SteadyClock::duration>(
                           std::chrono::duration<double>(*Delay));
          Waiting.push_back(std::move(X));
          continue;
        }
        complete(std::move(X), std::move(R));
      }
      if (!Running.empty() && Running.size() < MaxRunning && !Pending.empty())
        continue; // slots freed: start more at once

      // How long to wait.
      long WaitMs = 1000;
      long CurlMs = -1;
      curl_multi_timeout(Multi, &CurlMs);
      if (CurlMs >= 0)
        WaitMs = std::min(WaitMs, CurlMs);
      Now = SteadyClock::now();
      auto Until = [&](SteadyClock::time_point T) {
        long Ms = long(std::chrono::duration_cast<std::chrono::milliseconds>(
                           T - Now)
                           .count());
        WaitMs = std::min(WaitMs, std::max(0L, Ms) + 1);
      };
      for (const auto &X : Waiting)
        Until(X->RetryAt);
      for (const auto &X : Pending) {
        if (C.PoolTimeout > 0)
          Until(X->Queued + PoolLimit);
        if (X->Req.Deadline)
          Until(*X->Req.Deadline);
      }
      if (!Running.empty())
        WaitMs = std::min(WaitMs, 100L); // progress (stall) checks
      if (Running.empty() && Pending.empty() && Waiting.empty())
        WaitMs = 60000;
      if (!Pending.empty() && Running.size() < MaxRunning)
        WaitMs = 0;
      curl_multi_poll(Multi, nullptr, 0, int(WaitMs), nullptr);
    }
    // Stopping: fail everything in flight.
    for (auto &KV : Running) {
      finishAttempt(*KV.second);
      cancelled(*KV.second);
    }
    for (auto &X : Pending)
      cancelled(*X);
    for (auto &X : Waiting)
      cancelled(*X);
    ActiveCount = 0;
    QueuedCount = 0;
  }

  ClientOptions O;
  std::string Base;
  mutable std::mutex M;
  bool Stopping = false;
  CURLM *Multi = nullptr;
  std::thread Thread;
  std::deque<std::unique_ptr<Xfer>> Incoming;
  Stats Counts;
  std::atomic<unsigned> ActiveCount{0}, QueuedCount{0};
  std::mt19937_64 Rng{std::random_device{}()};
};

//===----------------------------------------------------------------------===//
// ChainClient
//===----------------------------------------------------------------------===//

ChainClient::ChainClient(ChainConfig C, ClientOptions O)
    : P(std::make_unique<Impl>(std::move(C), std::move(O))) {}

ChainClient::~ChainClient() { P->stop(); }

void ChainClient::send(OutRequest R, Callback Done) {
  P->send(std::move(R), std::move(Done));
}

void ChainClient::stop() { P->stop(); }

const ChainConfig &ChainClient::config() const { return P->C; }

std::string ChainClient::url(llvm::StringRef Path) const { return P->url(Path); }

ChainClient::Stats ChainClient::stats() const { return P->stats(); }

} // namespace overlord::engine::chain
