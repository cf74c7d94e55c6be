//===- ChainTest.cpp - ChainClient, ChainHealth, helpers ---------*- C++ -*-===//
//
// ChainClient against a real Server on 127.0.0.1 port 0 whose handler the
// test scripts per request (status sequences, Retry-After, stalls); the
// smart-timeout arithmetic of ChainHealth with a fake clock; the helpers.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Chain.h"
#include "overlord/Engine/Http.h"

#include "gtest/gtest.h"

#include <atomic>
#include <future>
#include <thread>

using namespace overlord::engine;
using namespace overlord::engine::chain;
using namespace std::chrono_literals;

namespace {

/// A server answering each request with Script(n) (n = 0, 1, ...).
class Scripted {
public:
  using Script = std::function<http::Response(unsigned, http::Request &)>;
  explicit Scripted(Script S) : S(std::move(S)) {
    http::ServerOptions O;
    O.Address = "127.0.0.1";
    O.Port = 0;
    O.Threads = 2;
    auto Srv = http::Server::start(std::move(O), [this](http::Request &Req,
                                                        http::Responder R) {
      unsigned N = Count++;
      {
        std::lock_guard<std::mutex> L(M);
        Seen.push_back(Req.Method + " " + Req.Target + " " +
                       Req.header("Authentication").value_or("").str());
      }
      R.send(this->S(N, Req));
    });
    EXPECT_TRUE(bool(Srv));
    Server = std::move(*Srv);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(Server->port());
  }
  std::atomic<unsigned> Count{0};
  std::mutex M;
  std::vector<std::string> Seen;

private:
  Script S;
  std::unique_ptr<http::Server> Server;
};

ChainConfig chainTo(const std::string &Url) {
  ChainConfig C;
  C.Name = "child";
  C.Entrypoint = Url;
  C.AccessToken = "tok";
  C.Retry.BackoffFactor = 0.01;
  C.Retry.BackoffJitter = 0;
  C.Retry.MaxBackoffWait = 0.05;
  return C;
}

OutResponse call(ChainClient &C, OutRequest R) {
  std::promise<OutResponse> P;
  auto F = P.get_future();
  C.send(std::move(R), [&P](OutResponse O) { P.set_value(std::move(O)); });
  EXPECT_EQ(F.wait_for(20s), std::future_status::ready);
  return F.get();
}

OutRequest get(std::string Path) {
  OutRequest R;
  R.Path = std::move(Path);
  return R;
}

} // namespace

TEST(ChainClientTest, SendsTheChainTokenAndReturnsTheAnswer) {
  Scripted S([](unsigned, http::Request &) {
    return http::Response::json(200, llvm::json::Object{{"labels", "x"}});
  });
  ChainClient C(chainTo(S.url()));
  OutResponse R = call(C, get("/v1/labels"));
  EXPECT_TRUE(R.ok());
  EXPECT_EQ(R.Status, 200);
  EXPECT_EQ(R.Body, R"({"labels":"x"})");
  EXPECT_EQ(R.Attempts, 1u);
  EXPECT_EQ(S.Seen.at(0), "GET /v1/labels Bearer tok");
}

TEST(ChainClientTest, RetriesIdempotentMethodsOnRetryableStatuses) {
  Scripted S([](unsigned N, http::Request &) {
    return N < 2 ? http::Response::error(503, "busy")
                 : http::Response::json(200, llvm::json::Object{});
  });
  ChainClient C(chainTo(S.url()));
  OutResponse R = call(C, get("/v1/ping"));
  EXPECT_EQ(R.Status, 200);
  EXPECT_EQ(R.Attempts, 3u);
}

TEST(ChainClientTest, NeverRetriesPost) {
  Scripted S([](unsigned, http::Request &) {
    return http::Response::error(503, "busy");
  });
  ChainClient C(chainTo(S.url()));
  OutRequest R = get("/v1/project/up/p");
  R.Method = "POST";
  R.Body = "{}";
  OutResponse O = call(C, std::move(R));
  EXPECT_EQ(O.Status, 503);
  EXPECT_EQ(O.Attempts, 1u);
  EXPECT_EQ(S.Count.load(), 1u);
}

TEST(ChainClientTest, GivesUpAfterRetryTotal) {
  Scripted S([](unsigned, http::Request &) {
    return http::Response::error(502, "bad");
  });
  ChainConfig Cfg = chainTo(S.url());
  Cfg.Retry.Total = 2;
  ChainClient C(Cfg);
  OutResponse R = call(C, get("/v1/ping"));
  EXPECT_EQ(R.Status, 502);
  EXPECT_EQ(R.Attempts, 3u); // 1 + 2 retries
}

TEST(ChainClientTest, DoesNotRetryAChainErrorFromFurtherDown) {
  // A hop below already retried (or refused on purpose): retrying here
  // would only multiply the wait.
  Scripted S([](unsigned, http::Request &) {
    return http::Response::json(
        503, llvm::json::Object{{"status_code", 503},
                                {"function", "ping"},
                                {"entrypoint", "x"},
                                {"chain", ""},
                                {"error", "UnavailableChain"},
                                {"message", "Chain disabled by smart timeouts"}});
  });
  ChainClient C(chainTo(S.url()));
  OutResponse R = call(C, get("/v1/chain/x/ping"));
  EXPECT_EQ(R.Status, 503);
  EXPECT_EQ(R.Attempts, 1u);
}

TEST(ChainClientTest, HonoursRetryAfterCappedByMaxBackoff) {
  Scripted S([](unsigned N, http::Request &) {
    http::Response R = N == 0 ? http::Response::error(429, "slow down")
                              : http::Response::json(200, llvm::json::Object{});
    if (N == 0)
      R.setHeader("Retry-After", "30");
    return R;
  });
  ChainConfig Cfg = chainTo(S.url());
  Cfg.Retry.MaxBackoffWait = 0.2; // Retry-After 30 is capped to 0.2 s
  ChainClient C(Cfg);
  auto T0 = std::chrono::steady_clock::now();
  OutResponse R = call(C, get("/v1/ping"));
  double Secs = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              T0)
                    .count();
  EXPECT_EQ(R.Status, 200);
  EXPECT_GE(Secs, 0.19);
  EXPECT_LT(Secs, 5.0);
}

TEST(ChainClientTest, ConnectionRefusedIsAConnectError) {
  Scripted S([](unsigned, http::Request &) { return http::Response(); });
  std::string Url = S.url();
  ChainConfig Cfg = chainTo("http://127.0.0.1:1");
  Cfg.Retry.Total = 1;
  ChainClient C(Cfg);
  OutResponse R = call(C, get("/v1/ping"));
  EXPECT_TRUE(R.Transport);
  EXPECT_EQ(R.ErrorType, "ConnectError");
  EXPECT_EQ(R.Attempts, 2u);
  EXPECT_EQ(R.Url, "http://127.0.0.1:1/v1/ping");
}

TEST(ChainClientTest, ADeadlineBoundsAStalledAnswer) {
  std::promise<void> Release;
  auto Released = Release.get_future().share();
  Scripted S([Released](unsigned, http::Request &) {
    Released.wait_for(10s);
    return http::Response::json(200, llvm::json::Object{});
  });
  ChainClient C(chainTo(S.url()));
  OutRequest R = get("/v1/tree");
  R.Deadline = std::chrono::steady_clock::now() + 300ms;
  auto T0 = std::chrono::steady_clock::now();
  OutResponse O = call(C, std::move(R));
  double Secs = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              T0)
                    .count();
  Release.set_value();
  EXPECT_TRUE(O.Transport);
  EXPECT_EQ(O.ErrorType, "ReadTimeout");
  EXPECT_LT(Secs, 2.0);
}

TEST(ChainClientTest, ReadTimeoutIsAStallLimit) {
  std::promise<void> Release;
  auto Released = Release.get_future().share();
  Scripted S([Released](unsigned, http::Request &) {
    Released.wait_for(10s);
    return http::Response::json(200, llvm::json::Object{});
  });
  ChainConfig Cfg = chainTo(S.url());
  Cfg.ReadTimeout = 1;
  Cfg.Retry.Total = 0;
  ChainClient C(Cfg);
  auto T0 = std::chrono::steady_clock::now();
  OutResponse O = call(C, get("/v1/slow"));
  double Secs = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              T0)
                    .count();
  Release.set_value();
  EXPECT_EQ(O.ErrorType, "ReadTimeout");
  EXPECT_GE(Secs, 0.95);
  EXPECT_LT(Secs, 2.0);
}

TEST(ChainClientTest, MaxConnectionsQueuesAndPoolTimeoutFails) {
  std::promise<void> Release;
  auto Released = Release.get_future().share();
  Scripted S([Released](unsigned N, http::Request &) {
    if (N == 0)
      Released.wait_for(10s);
    return http::Response::json(200, llvm::json::Object{});
  });
  ChainConfig Cfg = chainTo(S.url());
  Cfg.MaxConnections = 1;
  Cfg.PoolTimeout = 1;
  ChainClient C(Cfg);
  std::promise<OutResponse> First;
  C.send(get("/v1/slow"), [&](OutResponse O) { First.set_value(O); });
  std::this_thread::sleep_for(100ms);
  OutResponse Second = call(C, get("/v1/queued"));
  EXPECT_TRUE(Second.Transport);
  EXPECT_EQ(Second.ErrorType, "PoolTimeout");
  Release.set_value();
  EXPECT_EQ(First.get_future().get().Status, 200);
}

TEST(ChainClientTest, ResponsesOverTheLimitAreRefused) {
  Scripted S([](unsigned, http::Request &) {
    http::Response R;
    R.Body.assign(4096, 'x');
    return R;
  });
  ClientOptions O;
  O.MaxResponseBytes = 1000;
  ChainClient C(chainTo(S.url()), O);
  OutResponse R = call(C, get("/v1/big"));
  EXPECT_TRUE(R.Transport);
  EXPECT_EQ(R.ErrorType, "ResponseTooLarge");
}

TEST(ChainClientTest, StopCancelsQueuedRequests) {
  std::promise<void> Release;
  auto Released = Release.get_future().share();
  Scripted S([Released](unsigned, http::Request &) {
    Released.wait_for(10s);
    return http::Response::json(200, llvm::json::Object{});
  });
  ChainClient C(chainTo(S.url()));
  std::promise<OutResponse> P;
  C.send(get("/v1/slow"), [&](OutResponse O) { P.set_value(O); });
  std::this_thread::sleep_for(100ms);
  C.stop();
  OutResponse R = P.get_future().get();
  EXPECT_EQ(R.ErrorType, "Cancelled");
  Release.set_value();
  // After stop(), send() answers at once.
  OutResponse Late = call(C, get("/v1/late"));
  EXPECT_EQ(Late.ErrorType, "Cancelled");
}

//===----------------------------------------------------------------------===//
// ChainHealth
//===----------------------------------------------------------------------===//

TEST(ChainHealthTest, ReferenceTimeline) {
  double T = 1000;
  AutodisableConfig C; // failures 2, interval 60, increase 60, max 1800
  ChainHealth H(C, false, [&] { return T; });
  EXPECT_FALSE(H.disabled("a"));
  H.recordFailure("a"); // failures 1, increase 0: tolerated
  EXPECT_FALSE(H.disabled("a"));
  H.recordFailure("a"); // failures 2, increase 60: disabled 120 s
  EXPECT_TRUE(H.disabled("a"));
  T += 119;
  EXPECT_TRUE(H.disabled("a"));
  T += 1;
  EXPECT_FALSE(H.disabled("a"));
  H.recordFailure("a"); // increase 120: disabled 180 s
  T += 179;
  EXPECT_TRUE(H.disabled("a"));
  T += 1;
  EXPECT_FALSE(H.disabled("a"));
  H.recordSuccess("a");
  H.recordFailure("a");
  EXPECT_FALSE(H.disabled("a")) << "a success resets the counters";
}

TEST(ChainHealthTest, IncreaseSaturatesAtMaxIncrease) {
  double T = 0;
  ChainHealth H(AutodisableConfig{}, false, [&] { return T; });
  for (int I = 0; I < 100; ++I)
    H.recordFailure("a");
  auto E = H.entries();
  ASSERT_EQ(E.size(), 1u);
  EXPECT_EQ(E[0].Increase, 1800); // checked before adding, as §5.2
  EXPECT_NEAR(E[0].DisabledFor, 1860, 1e-9);
}

TEST(ChainHealthTest, RefusalsDoNotExtendTheWindow) {
  // The reference records a refused call as a failure, so a chain under
  // steady traffic never recovers; here the window ends on time.
  double T = 0;
  ChainHealth H(AutodisableConfig{}, false, [&] { return T; });
  H.recordFailure("a");
  H.recordFailure("a");
  for (int I = 0; I < 119; ++I) {
    T += 1;
    EXPECT_TRUE(H.disabled("a"));
    H.recordRefusal("a");
  }
  T += 1;
  EXPECT_FALSE(H.disabled("a"));
  EXPECT_EQ(H.entries()[0].Refusals, 119u);
}

TEST(ChainHealthTest, HeartbeatVerdictDisables) {
  ChainHealth H(AutodisableConfig{}, true);
  EXPECT_FALSE(H.disabled("a")) << "chains start healthy";
  H.setHealthy("a", false);
  EXPECT_TRUE(H.disabled("a"));
  H.setHealthy("a", true);
  EXPECT_FALSE(H.disabled("a"));
  ChainHealth NoBeat(AutodisableConfig{}, false);
  NoBeat.setHealthy("a", false);
  EXPECT_FALSE(NoBeat.disabled("a")) << "ignored without polling.heartbeat";
}

TEST(ChainSetTest, ProbeRecoversADisabledChain) {
  Scripted S([](unsigned, http::Request &) {
    return http::Response::json(200, llvm::json::Object{{"status", "OK"}});
  });
  EngineConfig Cfg;
  Cfg.Chains.push_back(chainTo(S.url()));
  ChainConfig Off = chainTo(S.url());
  Off.Name = "off";
  Off.Disable = true;
  Cfg.Chains.push_back(Off);
  MonitorOptions MO;
  MO.ProbeInterval = 0.05;
  ChainSet Set(Cfg, MO);
  EXPECT_EQ(Set.names(), std::vector<std::string>{"child"});
  EXPECT_EQ(Set.client("off"), nullptr);
  Set.health().recordFailure("child");
  Set.health().recordFailure("child");
  ASSERT_TRUE(Set.health().disabled("child"));
  Set.start();
  auto End = std::chrono::steady_clock::now() + 5s;
  while (Set.health().disabled("child") && std::chrono::steady_clock::now() < End)
    std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(Set.health().disabled("child"));
  Set.stop();
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

TEST(ChainHelpersTest, SplitChain) {
  auto S = splitChain("alpha.charlie.delta");
  ASSERT_TRUE(S);
  EXPECT_EQ(S->first, "alpha");
  EXPECT_EQ(S->second, "charlie.delta");
  S = splitChain("alpha");
  ASSERT_TRUE(S);
  EXPECT_EQ(S->second, "");
  EXPECT_FALSE(splitChain("alpha..b"));
  EXPECT_FALSE(splitChain(".a"));
  EXPECT_FALSE(splitChain("a."));
  EXPECT_FALSE(splitChain("-a"));
  EXPECT_FALSE(splitChain(""));
}

TEST(ChainHelpersTest, HttpxStatusMessage) {
  EXPECT_EQ(httpxStatusMessage(404, "http://h:1/v1/metadata/k"),
            "Client error '404 Not Found' for url 'http://h:1/v1/metadata/k'\n"
            "For more information check: "
            "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404");
  EXPECT_EQ(httpxStatusMessage(503, "u").substr(0, 40),
            "Server error '503 Service Unavailable' f");
}

TEST(ChainHelpersTest, Backoff) {
  RetryConfig R; // factor 0.2, max 10, jitter 1
  EXPECT_DOUBLE_EQ(backoffSeconds(R, 1, 0), 0.2);
  EXPECT_DOUBLE_EQ(backoffSeconds(R, 3, 0), 0.8);
  EXPECT_DOUBLE_EQ(backoffSeconds(R, 10, 0), 10.0);
  EXPECT_DOUBLE_EQ(backoffSeconds(R, 1, 0.5), 0.1);
  R.BackoffJitter = 0;
  EXPECT_DOUBLE_EQ(backoffSeconds(R, 2, 0.9), 0.4);
}

TEST(ChainHelpersTest, RetryAfter) {
  EXPECT_EQ(parseRetryAfter("12", 0), 12.0);
  EXPECT_EQ(parseRetryAfter(" 3 ", 0), 3.0);
  EXPECT_FALSE(parseRetryAfter("soon", 0));
  EXPECT_FALSE(parseRetryAfter("", 0));
  auto D = parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470);
  ASSERT_TRUE(D);
  EXPECT_DOUBLE_EQ(*D, 10.0);
}
