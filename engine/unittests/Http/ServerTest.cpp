//===- ServerTest.cpp - HTTP server tests over loopback ---------*- C++ -*-===//
//
// A real Server on 127.0.0.1 port 0, driven by a Beast client. Every client
// operation has a deadline (beast::tcp_stream timeouts), so a server bug
// fails a test instead of hanging it. Covered: keep-alive, pipelining,
// HTTP/1.0, Connection: close, chunked bodies, 100-continue, size limits,
// garbage and truncated input, header/body/idle timeouts (1 s), the
// connection limit, handlers that never answer, throw, answer from another
// thread or produce bad headers, HEAD, 404/405 through the router,
// concurrent clients, metrics, TLS and graceful stop.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Http.h"
#include "overlord/Engine/Metrics.h"
#include "overlord/Engine/Router.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "gtest/gtest.h"

#include <random>
#include <thread>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using namespace overlord::engine::http;
using namespace std::chrono_literals;

namespace {

using Res = bhttp::response<bhttp::string_body>;
constexpr auto Deadline = 5s;

/// A client connection whose every operation completes within Deadline.
template <class Stream> class BasicClient {
public:
  template <class... Args>
  explicit BasicClient(uint16_t Port, Args &...A) : S(Ioc, A...) {
    beast::get_lowest_layer(S).expires_after(Deadline);
    beast::error_code Ec = run([&](auto H) {
      beast::get_lowest_layer(S).async_connect(
          tcp::endpoint(net::ip::make_address("127.0.0.1"), Port),
          [H](beast::error_code E) { H(E, 0); });
    });
    if (Ec)
      ADD_FAILURE() << "connect: " << Ec.message();
  }

  /// Runs one asynchronous operation to completion.
  template <class Start> beast::error_code run(Start &&Fn) {
    beast::error_code Out = net::error::would_block;
    Fn([&Out](beast::error_code Ec, size_t) { Out = Ec; });
    Ioc.restart();
    Ioc.run();
    return Out;
  }

  beast::error_code writeRaw(const std::string &Data) {
    beast::get_lowest_layer(S).expires_after(Deadline);
    return run([&](auto H) { net::async_write(S, net::buffer(Data), H); });
  }

  /// Reads one response (a HEAD response has no body to read).
  beast::error_code read(Res &Out, bool Head = false) {
    bhttp::response_parser<bhttp::string_body> P;
    P.skip(Head);
    P.body_limit(boost::none);
    beast::get_lowest_layer(S).expires_after(Deadline);
    beast::error_code Ec =
        run([&](auto H) { bhttp::async_read(S, Buf, P, H); });
    Out = P.release();
    return Ec;
  }

  Res read(bool Head = false) {
    Res Out;
    beast::error_code Ec = read(Out, Head);
    EXPECT_FALSE(Ec) << "read: " << Ec.message();
    return Out;
  }

  /// Sends a request and reads its response.
  Res request(bhttp::verb Method, const std::string &Target,
              const std::string &Body = "",
              std::vector<std::pair<std::string, std::string>> Fields = {},
              unsigned Version = 11) {
    bhttp::request<bhttp::string_body> Req(Method, Target, Version);
    Req.set(bhttp::field::host, "127.0.0.1");
    for (auto &[K, V] : Fields)
      Req.set(K, V);
    Req.body() = Body;
    if (!Body.empty() || Method == bhttp::verb::post)
      Req.prepare_payload();
    beast::get_lowest_layer(S).expires_after(Deadline);
    beast::error_code Ec = run([&](auto H) { bhttp::async_write(S, Req, H); });
    EXPECT_FALSE(Ec) << "write: " << Ec.message();
    return read(Method == bhttp::verb::head);
  }
  Res get(const std::string &Target) {
    return request(bhttp::verb::get, Target);
  }

  /// Whether the server closes the connection within Within (EOF or
  /// reset), reading and discarding whatever it still sends.
  bool closedWithin(std::chrono::milliseconds Within) {
    beast::get_lowest_layer(S).expires_after(Within);
    char Tmp[512];
    while (true) {
      beast::error_code Ec =
          run([&](auto H) { S.async_read_some(net::buffer(Tmp), H); });
      if (!Ec)
        continue;
      return Ec != beast::error::timeout;
    }
  }

  /// Half-closes the sending side (TCP only).
  void shutdownSend() {
    beast::error_code Ignored;
    beast::get_lowest_layer(S).socket().shutdown(tcp::socket::shutdown_send,
                                                 Ignored);
  }

  net::io_context Ioc;
  Stream S;
  beast::flat_buffer Buf;
};

using Client = BasicClient<beast::tcp_stream>;

std::string field(const Res &R, bhttp::field F) {
  auto It = R.find(F);
  return It == R.end() ? "<none>" : std::string(It->value());
}
std::string field(const Res &R, const char *Name) {
  auto It = R.find(Name);
  return It == R.end() ? "<none>" : std::string(It->value());
}

/// The test server: a router with routes exercising every path of the
/// server, its metrics and its log lines.
class HttpServerTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto Echo = [](Request &Req, const Params &, Responder R) {
      llvm::json::Object O{
          {"method", Req.Method},
          {"path", Req.Path},
          {"query", Req.Query},
          {"body", Req.Body},
          {"secure", Req.Secure},
          {"version", Req.Version},
          {"target", Req.Target},
          {"remote_ok", llvm::StringRef(Req.Remote).startswith("127.0.0.1:")}};
      if (auto X = Req.header("x-test"))
        O["x_test"] = *X;
      R.send(Response::json(200, std::move(O)));
    };
    Routes.add("GET|POST|PUT", "/echo", Echo, "echo");
    Routes.add("GET|POST", "/echo/{rest...}", Echo, "echo.rest");
    Routes.add(
        "GET|HEAD", "/head",
        [](Request &, const Params &, Responder R) {
          Response Resp;
          Resp.Body = "hello";
          Resp.setHeader("Content-Type", "text/plain");
          R.send(Resp);
        },
        "head");
    Routes.add(
        "GET", "/slow",
        [this](Request &Req, const Params &, Responder R) {
          int Ms = std::stoi(Req.queryParam("ms").value_or("100"));
          std::lock_guard<std::mutex> Lock(Mu);
          Workers.emplace_back([R, Ms] {
            std::this_thread::sleep_for(std::chrono::milliseconds(Ms));
            Response Resp;
            Resp.Body = "slow " + std::to_string(Ms);
            R.send(Resp);
          });
        },
        "slow");
    Routes.add(
        "GET", "/never", [](Request &, const Params &, Responder) {}, "never");
    Routes.add(
        "GET", "/hold",
        [this](Request &, const Params &, Responder R) {
          std::lock_guard<std::mutex> Lock(Mu);
          Held.push_back(R);
        },
        "hold");
    Routes.add(
        "GET", "/throw",
        [](Request &, const Params &, Responder) -> void {
          throw std::runtime_error("boom");
        },
        "throw");
    Routes.add(
        "GET", "/badheader",
        [](Request &, const Params &, Responder R) {
          Response Resp;
          Resp.setHeader("X-Evil", "a\r\nSet-Cookie: x=1");
          R.send(Resp);
        },
        "badheader");
    Routes.add(
        "GET", "/status/{code:[0-9]+}",
        [](Request &, const Params &P, Responder R) {
          Response Resp;
          Resp.Status = std::stoi(P.get("code").str());
          Resp.Body = "body";
          R.send(Resp);
        },
        "status");
  }

  void TearDown() override {
    if (Srv)
      Srv->stop();
    std::vector<std::thread> Ws;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Ws.swap(Workers);
      Held.clear(); // after stop: dropped without a crash
    }
    for (auto &W : Ws)
      W.join();
    Srv.reset();
  }

  static ServerOptions options() {
    ServerOptions O;
    O.Threads = 2;
    O.DefaultHeaders = {{"Access-Control-Allow-Origin", "*"}};
    return O;
  }

  void start(ServerOptions O = options()) {
    O.Log = [this](llvm::StringRef Line) {
      std::lock_guard<std::mutex> Lock(Mu);
      Logs.push_back(Line.str());
    };
    auto S = Server::start(
        std::move(O),
        [this](Request &Req, Responder R) {
          Routes.dispatch(
              Req, std::move(R),
              [](Request &, const Params &, Responder Rs) {
                Rs.send(Response::error(404, "Resource not found."));
              },
              [](Request &, const Params &, Responder Rs) {
                Rs.send(Response::error(405, "Method Not Allowed"));
              });
        },
        &M);
    if (!S) {
      FAIL() << llvm::toString(S.takeError());
    }
    Srv = std::move(*S);
  }

  /// Polls Pred for up to 3 s.
  template <class Pred> bool eventually(Pred P) {
    auto End = std::chrono::steady_clock::now() + 3s;
    while (!P()) {
      if (std::chrono::steady_clock::now() > End)
        return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  std::vector<std::string> logs() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Logs;
  }

  Router Routes;
  Metrics M;
  std::unique_ptr<Server> Srv;
  std::mutex Mu;
  std::vector<std::thread> Workers;
  std::vector<Responder> Held;
  std::vector<std::string> Logs;
};

TEST_F(HttpServerTest, KeepAliveServesManyRequests) {
  start();
  Client C(Srv->port());
  for (int I = 0; I < 5; ++I) {
    Res R = C.request(bhttp::verb::post, "/echo?i=" + std::to_string(I),
                      "{\"n\":" + std::to_string(I) + "}", {{"X-Test", "yes"}});
    EXPECT_EQ(R.result_int(), 200u);
    EXPECT_EQ(field(R, bhttp::field::content_type), "application/json");
    EXPECT_EQ(field(R, bhttp::field::access_control_allow_origin), "*");
    auto V = llvm::json::parse(R.body());
    ASSERT_TRUE(bool(V)) << R.body();
    auto *O = V->getAsObject();
    EXPECT_EQ(O->getString("method"), llvm::StringRef("POST"));
    EXPECT_EQ(O->getString("path"), llvm::StringRef("/echo"));
    EXPECT_EQ(O->getString("query").value_or(""), "i=" + std::to_string(I));
    EXPECT_EQ(O->getString("body").value_or(""),
              "{\"n\":" + std::to_string(I) + "}");
    EXPECT_EQ(O->getString("x_test"), llvm::StringRef("yes"));
    EXPECT_EQ(O->getBoolean("secure"), false);
    EXPECT_EQ(O->getBoolean("remote_ok"), true);
    EXPECT_TRUE(R.keep_alive());
  }
  EXPECT_EQ(Srv->stats().Accepted, 1u);
  EXPECT_TRUE(eventually([&] { return Srv->stats().Requests == 5; }));
}

TEST_F(HttpServerTest, PipelinedRequestsAnswerInOrder) {
  start();
  Client C(Srv->port());
  std::string Batch;
  for (int I = 0; I < 4; ++I)
    Batch += "GET /echo/" + std::to_string(I) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  Batch +=
      "POST /echo/body HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  ASSERT_FALSE(C.writeRaw(Batch));
  for (int I = 0; I < 4; ++I) {
    Res R = C.read();
    EXPECT_NE(R.body().find("\"path\":\"/echo/" + std::to_string(I) + "\""),
              std::string::npos)
        << R.body();
  }
  Res R = C.read();
  EXPECT_NE(R.body().find("\"body\":\"abc\""), std::string::npos) << R.body();
}

TEST_F(HttpServerTest, Http10AndConnectionClose) {
  start();
  {
    Client C(Srv->port());
    Res R = C.request(bhttp::verb::get, "/echo", "", {}, 10);
    EXPECT_EQ(R.result_int(), 200u);
    EXPECT_EQ(R.version(), 10u);
    EXPECT_NE(R.body().find("\"version\":10"), std::string::npos);
    EXPECT_TRUE(C.closedWithin(2s));
  }
  {
    Client C(Srv->port());
    Res R = C.request(bhttp::verb::get, "/echo", "",
                      {{"Connection", "keep-alive"}}, 10);
    EXPECT_EQ(field(R, bhttp::field::connection), "keep-alive");
    EXPECT_EQ(C.request(bhttp::verb::get, "/echo", "",
                        {{"Connection", "keep-alive"}}, 10)
                  .result_int(),
              200u);
  }
  {
    Client C(Srv->port());
    Res R = C.request(bhttp::verb::get, "/echo", "", {{"Connection", "close"}});
    EXPECT_EQ(R.result_int(), 200u);
    EXPECT_EQ(field(R, bhttp::field::connection), "close");
    EXPECT_TRUE(C.closedWithin(2s));
  }
}

TEST_F(HttpServerTest, ChunkedBodyAndContinue) {
  start();
  Client C(Srv->port());
  ASSERT_FALSE(C.writeRaw("POST /echo HTTP/1.1\r\nHost: h\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  Res R = C.read();
  EXPECT_NE(R.body().find("\"body\":\"hello world\""), std::string::npos)
      << R.body();

  ASSERT_FALSE(C.writeRaw("PUT /echo HTTP/1.1\r\nHost: h\r\n"
                          "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  Res Interim = C.read();
  EXPECT_EQ(Interim.result_int(), 100u);
  ASSERT_FALSE(C.writeRaw("data"));
  R = C.read();
  EXPECT_EQ(R.result_int(), 200u);
  EXPECT_NE(R.body().find("\"body\":\"data\""), std::string::npos);

  ASSERT_FALSE(C.writeRaw("PUT /echo HTTP/1.1\r\nHost: h\r\n"
                          "Expect: teapot\r\nContent-Length: 4\r\n\r\ndata"));
  EXPECT_EQ(C.read().result_int(), 417u);
  EXPECT_TRUE(C.closedWithin(2s));
}

TEST_F(HttpServerTest, BodyAndHeaderLimits) {
  ServerOptions O = options();
  O.MaxBodyBytes = 1024;
  O.MaxHeaderBytes = 1024;
  start(O);
  {
    Client C(Srv->port());
    Res R = C.request(bhttp::verb::post, "/echo", std::string(2000, 'x'));
    EXPECT_EQ(R.result_int(), 413u);
    EXPECT_EQ(R.body(), "{\"message\":\"Request body is too large.\","
                        "\"status_code\":413}");
    EXPECT_EQ(field(R, bhttp::field::connection), "close");
    EXPECT_EQ(field(R, bhttp::field::access_control_allow_origin), "*");
    EXPECT_TRUE(C.closedWithin(2s));
  }
  {
    Client C(Srv->port());
    std::string Chunks = "POST /echo HTTP/1.1\r\nHost: h\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n";
    for (int I = 0; I < 3; ++I)
      Chunks += "200\r\n" + std::string(512, 'y') + "\r\n";
    Chunks += "0\r\n\r\n";
    ASSERT_FALSE(C.writeRaw(Chunks));
    EXPECT_EQ(C.read().result_int(), 413u);
    EXPECT_TRUE(C.closedWithin(2s));
  }
  {
    Client C(Srv->port());
    Res R = C.request(bhttp::verb::get, "/echo", "",
                      {{"X-Big", std::string(4000, 'h')}});
    EXPECT_EQ(R.result_int(), 431u);
    EXPECT_EQ(R.body(), "{\"message\":\"Request header is too large.\","
                        "\"status_code\":431}");
    EXPECT_TRUE(C.closedWithin(2s));
  }
  {
    // Exactly at the limit is fine.
    Client C(Srv->port());
    EXPECT_EQ(C.request(bhttp::verb::post, "/echo", std::string(1024, 'z'))
                  .result_int(),
              200u);
  }
  EXPECT_EQ(
      M.value("overlord_http_errors_total", {{"reason", "body_too_large"}}), 2);
  EXPECT_EQ(
      M.value("overlord_http_errors_total", {{"reason", "header_too_large"}}),
      1);
}

TEST_F(HttpServerTest, MalformedRequestsAnswer400AndClose) {
  start();
  const char *Bad[] = {
      "GARBAGE\r\n\r\n",
      "GET\r\n\r\n",
      "GET / HTTP/9\r\n\r\n",
      "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
      "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET nopath HTTP/1.1\r\nHost: h\r\n\r\n",
  };
  for (const char *B : Bad) {
    Client C(Srv->port());
    ASSERT_FALSE(C.writeRaw(B));
    Res R;
    beast::error_code Ec = C.read(R);
    ASSERT_FALSE(Ec) << "for " << llvm::StringRef(B).take_front(20).str()
                     << ": " << Ec.message();
    EXPECT_EQ(R.result_int(), 400u) << B;
    EXPECT_NE(R.body().find("\"status_code\":400"), std::string::npos);
    EXPECT_NE(R.body().find("\"message\":\""), std::string::npos);
    EXPECT_TRUE(C.closedWithin(2s)) << B;
  }
  // Beast parses HTTP/1.0 and 1.1 only.
  for (const char *Version : {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9"}) {
    Client C(Srv->port());
    ASSERT_FALSE(C.writeRaw("GET /echo " + std::string(Version) +
                            "\r\nHost: h\r\n\r\n"));
    Res R = C.read();
    EXPECT_EQ(R.result_int(), 400u) << Version;
    EXPECT_EQ(R.body(), "{\"message\":\"Malformed request: bad version.\","
                        "\"status_code\":400}");
  }
  {
    // Absolute form is routed by its path.
    Client C(Srv->port());
    Res R = C.get("http://example.org/echo/a%20b?x=1");
    EXPECT_NE(R.body().find("\"path\":\"/echo/a b\""), std::string::npos)
        << R.body();
    EXPECT_NE(R.body().find("\"query\":\"x=1\""), std::string::npos);
  }
}

TEST_F(HttpServerTest, SurvivesRandomAndTruncatedBytes) {
  ServerOptions O = options();
  O.HeaderTimeout = 1s;
  O.IdleTimeout = 1s;
  start(O);
  std::mt19937 Rng(1234);
  const std::string Valid = "POST /echo HTTP/1.1\r\nHost: h\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n"
                            "3\r\nabc\r\n0\r\n\r\n";
  for (int I = 0; I < 60; ++I) {
    std::string Bytes;
    if (I % 3 == 0) {
      // A truncated valid request, then the client half-closes.
      Bytes = Valid.substr(0, Rng() % Valid.size());
    } else if (I % 3 == 1) {
      // A valid request with a few bytes flipped.
      Bytes = Valid;
      for (int F = 0; F < 3; ++F)
        Bytes[Rng() % Bytes.size()] = static_cast<char>(Rng());
    } else {
      Bytes.resize(1 + Rng() % 300);
      for (char &Ch : Bytes)
        Ch = static_cast<char>(Rng());
    }
    Client C(Srv->port());
    C.writeRaw(Bytes);
    C.shutdownSend();
    EXPECT_TRUE(C.closedWithin(3s)) << "case " << I;
  }
  Client C(Srv->port());
  EXPECT_EQ(C.get("/echo").result_int(), 200u);
}

TEST_F(HttpServerTest, Timeouts) {
  ServerOptions O = options();
  O.HeaderTimeout = 1s;
  O.BodyTimeout = 1s;
  O.IdleTimeout = 1s;
  start(O);
  auto T0 = std::chrono::steady_clock::now();
  Client Header(Srv->port()), Body(Srv->port()), Idle(Srv->port()),
      Loris(Srv->port());
  ASSERT_FALSE(Header.writeRaw("GET /echo HTTP/1.1\r\nHost: h\r\n"));
  ASSERT_FALSE(Body.writeRaw(
      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_EQ(Idle.get("/echo").result_int(), 200u);
  // Slowloris: a byte every 200 ms keeps no deadline alive.
  std::string Slow = "GET /echo HTTP/1.1\r\nHost: h\r\nX-Slow: abcdefghij\r\n";
  bool LorisClosed = false;
  for (char Ch : Slow) {
    if (Loris.writeRaw(std::string(1, Ch))) {
      LorisClosed = true;
      break;
    }
    if (std::chrono::steady_clock::now() - T0 > 2500ms)
      break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(LorisClosed || Loris.closedWithin(100ms));
  EXPECT_TRUE(Header.closedWithin(2s));
  EXPECT_TRUE(Body.closedWithin(2s));
  EXPECT_TRUE(Idle.closedWithin(2s));
  auto Elapsed = std::chrono::steady_clock::now() - T0;
  EXPECT_GE(Elapsed, 900ms);
  EXPECT_LT(Elapsed, 4s);
  EXPECT_GE(
      M.value("overlord_http_errors_total", {{"reason", "header_timeout"}}), 2);
  EXPECT_EQ(M.value("overlord_http_errors_total", {{"reason", "body_timeout"}}),
            1);
  EXPECT_TRUE(eventually([&] { return Srv->stats().Open == 0; }));
}

TEST_F(HttpServerTest, ConnectionLimit) {
  ServerOptions O = options();
  O.MaxConnections = 2;
  start(O);
  auto A = std::make_unique<Client>(Srv->port());
  Client B(Srv->port());
  EXPECT_EQ(A->get("/echo").result_int(), 200u);
  EXPECT_EQ(B.get("/echo").result_int(), 200u);
  {
    Client Over(Srv->port());
    EXPECT_TRUE(Over.closedWithin(2s));
  }
  EXPECT_EQ(Srv->stats().Rejected, 1u);
  EXPECT_EQ(M.value("overlord_http_connections_rejected_total"), 1);
  A.reset();
  EXPECT_TRUE(eventually([&] { return Srv->stats().Open < 2; }));
  Client D(Srv->port());
  EXPECT_EQ(D.get("/echo").result_int(), 200u);
}

TEST_F(HttpServerTest, HandlerFailuresAnswer500) {
  start();
  Client C(Srv->port());
  const std::string Envelope =
      "{\"message\":\"Internal Server Error\",\"status_code\":500}";
  Res R = C.get("/never");
  EXPECT_EQ(R.result_int(), 500u);
  EXPECT_EQ(R.body(), Envelope);
  R = C.get("/throw");
  EXPECT_EQ(R.result_int(), 500u);
  EXPECT_EQ(R.body(), Envelope);
  R = C.get("/badheader");
  EXPECT_EQ(R.result_int(), 500u);
  EXPECT_EQ(field(R, "X-Evil"), "<none>");
  R = C.get("/status/99");
  EXPECT_EQ(R.result_int(), 500u);
  R = C.get("/status/1000");
  EXPECT_EQ(R.result_int(), 500u);
  // The connection survived all of them.
  EXPECT_EQ(C.get("/echo").result_int(), 200u);
  EXPECT_EQ(Srv->stats().Accepted, 1u);
  auto L = logs();
  ASSERT_GE(L.size(), 2u);
  bool SawThrow = false, SawBad = false;
  for (auto &Line : L) {
    SawThrow |= Line.find("GET /throw threw: boom") != std::string::npos;
    SawBad |= Line.find("line break") != std::string::npos;
  }
  EXPECT_TRUE(SawThrow);
  EXPECT_TRUE(SawBad);
}

TEST_F(HttpServerTest, StatusWithoutBodyAndHead) {
  start();
  Client C(Srv->port());
  Res R = C.request(bhttp::verb::head, "/head");
  EXPECT_EQ(R.result_int(), 200u);
  EXPECT_EQ(field(R, bhttp::field::content_length), "5");
  EXPECT_EQ(R.body(), "");
  // Had the server sent the body, this would read "hello" as a response.
  R = C.get("/head");
  EXPECT_EQ(R.body(), "hello");
  R = C.get("/status/204");
  EXPECT_EQ(R.result_int(), 204u);
  EXPECT_EQ(field(R, bhttp::field::content_length), "<none>");
  R = C.get("/status/404");
  EXPECT_EQ(R.body(), "body");
  EXPECT_EQ(C.get("/echo").result_int(), 200u);
}

TEST_F(HttpServerTest, RouterNotFoundAndMethodNotAllowed) {
  start();
  Client C(Srv->port());
  Res R = C.get("/nope");
  EXPECT_EQ(R.result_int(), 404u);
  EXPECT_EQ(R.body(),
            "{\"message\":\"Resource not found.\",\"status_code\":404}");
  R = C.request(bhttp::verb::delete_, "/echo");
  EXPECT_EQ(R.result_int(), 405u);
  EXPECT_EQ(field(R, bhttp::field::allow), "GET, POST, PUT");
  R = C.request(bhttp::verb::post, "/head");
  EXPECT_EQ(R.result_int(), 405u);
  EXPECT_EQ(field(R, bhttp::field::allow), "GET, HEAD");
}

TEST_F(HttpServerTest, ResponderFromAnotherThread) {
  ServerOptions O = options();
  O.Threads = 1;
  start(O);
  Client Slow(Srv->port()), Fast(Srv->port());
  std::string Req = "GET /slow?ms=300 HTTP/1.1\r\nHost: h\r\n\r\n";
  ASSERT_FALSE(Slow.writeRaw(Req));
  auto T0 = std::chrono::steady_clock::now();
  // The single server thread is free while the slow handler's worker runs.
  EXPECT_EQ(Fast.get("/echo").result_int(), 200u);
  EXPECT_LT(std::chrono::steady_clock::now() - T0, 250ms);
  Res R = Slow.read();
  EXPECT_EQ(R.body(), "slow 300");
  EXPECT_GE(std::chrono::steady_clock::now() - T0, 250ms);
  // And the connection carries on.
  EXPECT_EQ(Slow.get("/slow?ms=1").body(), "slow 1");
}

TEST_F(HttpServerTest, ConcurrentClients) {
  start();
  std::atomic<int> Ok{0};
  std::vector<std::thread> Ts;
  for (int T = 0; T < 8; ++T)
    Ts.emplace_back([&, T] {
      Client C(Srv->port());
      for (int I = 0; I < 40; ++I) {
        std::string Body = std::to_string(T) + ":" + std::to_string(I);
        Res R = C.request(bhttp::verb::post, "/echo", Body);
        if (R.result_int() == 200 &&
            R.body().find("\"body\":\"" + Body + "\"") != std::string::npos)
          ++Ok;
      }
    });
  for (auto &T : Ts)
    T.join();
  EXPECT_EQ(Ok.load(), 320);
  EXPECT_TRUE(eventually([&] { return Srv->stats().Requests == 320; }));
}

TEST_F(HttpServerTest, RecordsMetrics) {
  start();
  {
    Client C(Srv->port());
    C.get("/echo");
    C.get("/echo");
    C.get("/nope");
    C.request(bhttp::verb::head, "/head");
    C.request(bhttp::verb::get, "/echo", "", {}, 11);
  }
  EXPECT_TRUE(eventually([&] { return Srv->stats().Open == 0; }));
  std::string Text = M.render();
  EXPECT_NE(Text.find("# TYPE overlord_http_requests_total counter\n"),
            std::string::npos);
  EXPECT_NE(Text.find("overlord_http_requests_total{method=\"GET\","
                      "route=\"echo\",status=\"200\"} 3\n"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("overlord_http_requests_total{method=\"GET\","
                      "route=\"unmatched\",status=\"404\"} 1\n"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("overlord_http_requests_total{method=\"HEAD\","
                      "route=\"head\",status=\"200\"} 1\n"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("overlord_http_request_duration_seconds_count{route="
                      "\"echo\"} 3\n"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("overlord_http_request_duration_seconds_bucket{route="
                      "\"echo\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(Text.find("# TYPE overlord_http_connections gauge\n"
                      "overlord_http_connections 0\n"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("overlord_http_connections_accepted_total 1\n"),
            std::string::npos);
  EXPECT_NE(Text.find("overlord_http_connections_rejected_total 0\n"),
            std::string::npos);
}

TEST_F(HttpServerTest, RouteNamerOverridesRouteLabel) {
  ServerOptions O = options();
  O.RouteNamer = [](const Request &R) { return "custom:" + R.Method; };
  start(O);
  Client C(Srv->port());
  C.get("/echo");
  EXPECT_TRUE(eventually([&] {
    return M.value("overlord_http_requests_total", {{"route", "custom:GET"},
                                                    {"method", "GET"},
                                                    {"status", "200"}}) == 1;
  }));
}

TEST_F(HttpServerTest, GracefulStopFinishesInFlight) {
  start();
  Client C(Srv->port()), Idle(Srv->port());
  EXPECT_EQ(Idle.get("/echo").result_int(), 200u);
  ASSERT_FALSE(C.writeRaw("GET /slow?ms=300 HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_TRUE(eventually([&] { return Srv->stats().Accepted == 2; }));
  std::this_thread::sleep_for(50ms); // the handler has started
  auto T0 = std::chrono::steady_clock::now();
  std::thread Stopper([&] { Srv->stop(); });
  Res R = C.read();
  EXPECT_EQ(R.result_int(), 200u);
  EXPECT_EQ(R.body(), "slow 300");
  EXPECT_EQ(field(R, bhttp::field::connection), "close");
  Stopper.join();
  auto Took = std::chrono::steady_clock::now() - T0;
  EXPECT_LT(Took, 1500ms);
  EXPECT_TRUE(C.closedWithin(1s));
  EXPECT_TRUE(Idle.closedWithin(1s));
  // Listeners are closed.
  net::io_context Ioc;
  tcp::socket S(Ioc);
  beast::error_code Ec;
  S.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), Srv->port()), Ec);
  EXPECT_TRUE(Ec);
}

TEST_F(HttpServerTest, StopGraceBoundsHungHandlers) {
  ServerOptions O = options();
  O.StopGrace = 300ms;
  start(O);
  Client C(Srv->port());
  ASSERT_FALSE(C.writeRaw("GET /hold HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> Lock(Mu);
    return Held.size() == 1;
  }));
  auto T0 = std::chrono::steady_clock::now();
  Srv->stop();
  auto Took = std::chrono::steady_clock::now() - T0;
  EXPECT_GE(Took, 250ms);
  EXPECT_LT(Took, 1500ms);
  EXPECT_TRUE(C.closedWithin(1s));
  // Answering after the stop is dropped quietly.
  std::lock_guard<std::mutex> Lock(Mu);
  Held[0].send(Response::error(200, "late"));
  EXPECT_TRUE(Held[0].sent());
}

TEST_F(HttpServerTest, StartErrors) {
  ServerOptions O = options();
  O.Address = "not-an-ip";
  auto S = Server::start(O, [](Request &, Responder) {});
  ASSERT_FALSE(bool(S));
  EXPECT_EQ(llvm::toString(S.takeError()), "'not-an-ip' is not an IP address");

  start();
  O = options();
  O.Port = Srv->port();
  S = Server::start(O, [](Request &, Responder) {});
  ASSERT_FALSE(bool(S));
  std::string Msg = llvm::toString(S.takeError());
  EXPECT_NE(Msg.find("cannot listen on 127.0.0.1:"), std::string::npos) << Msg;

  O = options();
  O.Tls = TlsOptions{"/nonexistent/cert.pem", "/nonexistent/key.pem", 0};
  S = Server::start(O, [](Request &, Responder) {});
  ASSERT_FALSE(bool(S));
  EXPECT_EQ(llvm::toString(S.takeError()),
            "cannot read TLS file '/nonexistent/cert.pem'");
}

//===----------------------------------------------------------------------===//
// TLS
//===----------------------------------------------------------------------===//

/// A temporary directory with a self-signed certificate made by the
/// openssl command, and a second key that does not match it.
class TlsFiles {
public:
  TlsFiles() {
    llvm::SmallString<128> P;
    if (llvm::sys::fs::createUniqueDirectory("overlord-http-tls", P))
      return;
    Dir = P.str().str();
    Cert = Dir + "/cert.pem";
    Key = Dir + "/key.pem";
    OtherKey = Dir + "/other.pem";
    std::string Cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1"
        " -keyout " +
        Key + " -out " + Cert +
        " >/dev/null 2>&1 &&"
        " openssl genrsa -out " +
        OtherKey + " 2048 >/dev/null 2>&1";
    Ok = std::system(Cmd.c_str()) == 0;
  }
  ~TlsFiles() {
    if (!Dir.empty())
      llvm::sys::fs::remove_directories(Dir);
  }
  bool Ok = false;
  std::string Dir, Cert, Key, OtherKey;
};

using TlsClient = BasicClient<beast::ssl_stream<beast::tcp_stream>>;

TEST_F(HttpServerTest, Tls) {
  TlsFiles F;
  ASSERT_TRUE(F.Ok) << "openssl could not make a certificate";
  ServerOptions O = options();
  O.Tls = TlsOptions{F.Cert, F.Key, 0};
  start(O);
  ASSERT_NE(Srv->tlsPort(), 0);
  ASSERT_NE(Srv->tlsPort(), Srv->port());

  ssl::context Ctx(ssl::context::tls_client);
  Ctx.set_verify_mode(ssl::verify_peer);
  Ctx.load_verify_file(F.Cert);
  TlsClient C(Srv->tlsPort(), Ctx);
  beast::error_code Ec = C.run([&](auto H) {
    C.S.async_handshake(ssl::stream_base::client,
                        [H](beast::error_code E) { H(E, 0); });
  });
  ASSERT_FALSE(Ec) << Ec.message();
  for (int I = 0; I < 3; ++I) {
    Res R = C.get("/echo");
    EXPECT_EQ(R.result_int(), 200u);
    EXPECT_NE(R.body().find("\"secure\":true"), std::string::npos) << R.body();
  }
  // The plain listener stays.
  Client P(Srv->port());
  EXPECT_NE(P.get("/echo").body().find("\"secure\":false"), std::string::npos);
  // Plain HTTP on the TLS port fails the handshake and is closed.
  Client Wrong(Srv->tlsPort());
  Wrong.writeRaw("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_TRUE(Wrong.closedWithin(2s));
  EXPECT_TRUE(eventually([&] {
    return M.value("overlord_http_errors_total",
                   {{"reason", "tls_handshake"}}) == 1;
  }));
}

TEST(HttpServerTls, BadFilesFailStart) {
  TlsFiles F;
  ASSERT_TRUE(F.Ok);
  ServerOptions O;
  O.Tls = TlsOptions{F.Cert, F.OtherKey, 0};
  auto S = Server::start(O, [](Request &, Responder) {});
  ASSERT_FALSE(bool(S));
  std::string Msg = llvm::toString(S.takeError());
  EXPECT_NE(Msg.find("does not match"), std::string::npos) << Msg;
  O.Tls = TlsOptions{F.Key, F.Key, 0}; // a key is no certificate
  S = Server::start(O, [](Request &, Responder) {});
  ASSERT_FALSE(bool(S));
  EXPECT_NE(llvm::toString(S.takeError()).find("cannot load TLS certificate"),
            std::string::npos);
}

} // namespace
