//===- Server.cpp - Asynchronous HTTP/1.1 server on Boost.Beast -*- C++ -*-===//
//
// The only file of the engine that includes Boost (Beast, Asio, Asio SSL).
//
// Ownership. A Core (shared) owns the io_contexts, the listeners and the
// registry of open connections; every connection holds the Core, so sockets
// never outlive their io_context.
//
// Threads. Each server thread runs its own io_context, and accepted
// connections are spread over them in turn: a connection's handlers always
// run on the thread that owns it, so threads never contend for one reactor
// or wake each other for each other's sockets (with one shared io_context
// run by two threads, those wake-ups cost a third of the throughput). The
// listeners and the stop logic live on the first io_context. A connection is kept alive by its pending
// asynchronous operation or, while a handler works, by the Responder the
// handler holds. A Responder posts the response to the connection's strand;
// once the server has stopped (Core::Dead) it drops it instead.
//
// One connection handles one request at a time: it reads the header (the
// idle wait for the first byte has its own timeout), sends `100 Continue`
// when asked, reads the body, calls the handler, writes the response, then
// reads the next request from what is already buffered (pipelining) or
// from the socket. Errors in the request are answered with the JSON
// envelope and `Connection: close`, then the connection shuts down its
// sending side and drains what the client still sends for a moment, so
// that the client reads the answer instead of a reset.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Http.h"
#include "overlord/Engine/Metrics.h"

#include "HttpDetail.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <array>
#include <atomic>
#include <list>
#include <mutex>
#include <thread>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

using namespace overlord::engine::http;
using namespace overlord::engine::http::detail;

namespace {

class ConnBase;

/// The metric names (docs/HttpServer.md).
constexpr const char *MRequests = "overlord_http_requests_total";
constexpr const char *MDuration = "overlord_http_request_duration_seconds";
constexpr const char *MConnections = "overlord_http_connections";
constexpr const char *MAccepted = "overlord_http_connections_accepted_total";
constexpr const char *MRejected = "overlord_http_connections_rejected_total";
constexpr const char *MErrors = "overlord_http_errors_total";

/// How long and how much a closing connection drains from its client.
constexpr std::chrono::seconds LingerTime{1};
constexpr size_t LingerBytes = 256u << 10;

/// One listening socket.
struct Listener {
  explicit Listener(net::io_context &Ioc, bool Tls)
      : Acc(net::make_strand(Ioc)), Tls(Tls) {}
  tcp::acceptor Acc;
  bool Tls;
  uint16_t Port = 0;
};

/// The io_context `run()` of this thread, to recognise calls from a
/// server thread.
thread_local const void *CurrentCore = nullptr;

/// Everything the server, its connections and responders share.
struct Core : std::enable_shared_from_this<Core> {
  Core(ServerOptions O, Handler H, Metrics *M)
      : Opts(std::move(O)), H(std::move(H)), M(M),
        Iocs(makeIocs(std::max(1u, Opts.Threads))),
        Strand(net::make_strand(*Iocs.front())), Grace(Strand) {
    for (auto &I : Iocs)
      Guards.push_back(net::make_work_guard(*I));
  }

  static std::vector<std::unique_ptr<net::io_context>> makeIocs(unsigned N) {
    std::vector<std::unique_ptr<net::io_context>> V;
    for (unsigned I = 0; I < N; ++I)
      V.push_back(std::make_unique<net::io_context>(1));
    return V;
  }
  /// The io_context of the listeners and of stop().
  net::io_context &mainIoc() { return *Iocs.front(); }

  ServerOptions Opts;
  Handler H;
  Metrics *M;
  /// One per server thread (concurrency hint 1: only that thread runs it;
  /// others may still post to it).
  std::vector<std::unique_ptr<net::io_context>> Iocs;
  std::atomic<unsigned> NextIoc{0};
  std::optional<ssl::context> Ssl;
  std::vector<std::unique_ptr<Listener>> Listeners;
  /// Serialises stop(): the grace timer and releasing the work guard.
  net::strand<net::io_context::executor_type> Strand;
  net::steady_timer Grace;
  std::vector<net::executor_work_guard<net::io_context::executor_type>>
      Guards;
  bool GuardReleased = false; ///< on Strand

  std::mutex Mu;               ///< guards Conns and Dead
  std::list<ConnBase *> Conns; ///< open connections
  bool Dead = false;           ///< no thread runs Ioc any more

  std::atomic<bool> Stopping{false};
  std::atomic<unsigned> Open{0};
  std::atomic<uint64_t> Accepted{0}, Rejected{0}, Requests{0};

  std::mutex LogMu;

  void log(const llvm::Twine &Line) {
    std::string Text = Line.str();
    if (Opts.Log) {
      Opts.Log(Text);
      return;
    }
    std::lock_guard<std::mutex> Lock(LogMu);
    llvm::errs() << "overlordd: http: " << Text << "\n";
  }
  void count(const char *Reason) {
    if (M)
      M->inc(MErrors, {{"reason", Reason}});
  }

  void accept(Listener &L);
  void onAccept(Listener &L, beast::error_code Ec, tcp::socket Sock);
  void connClosed();
  void startStop();
  void releaseGuard();
  template <class Fn> void forEachConn(Fn F);
};

/// The part of a connection the Core and the Responders see.
class ConnBase : public std::enable_shared_from_this<ConnBase> {
public:
  explicit ConnBase(std::shared_ptr<Core> C) : C(std::move(C)) {
    std::lock_guard<std::mutex> Lock(this->C->Mu);
    Pos = this->C->Conns.insert(this->C->Conns.end(), this);
  }
  virtual ~ConnBase() { unregister(); }

  /// From any thread: the response to request number Seq.
  void deliver(uint64_t Seq, Response R) {
    std::lock_guard<std::mutex> Lock(C->Mu);
    if (C->Dead)
      return;
    net::post(executor(),
              [Self = shared_from_this(), Seq, R = std::move(R)]() mutable {
                Self->write(Seq, std::move(R));
              });
  }
  /// From any thread: close when idle, after the response when busy.
  void postStop() {
    net::post(executor(), [Self = shared_from_this()] { Self->stopGently(); });
  }
  /// From any thread: close now.
  void postClose() {
    net::post(executor(), [Self = shared_from_this()] { Self->close(); });
  }
  /// Only when no server thread runs: close now.
  void closeDirect() { close(); }

protected:
  virtual net::any_io_executor executor() = 0;
  virtual void write(uint64_t Seq, Response R) = 0;
  virtual void stopGently() = 0;
  virtual void close() = 0;

  /// Leaves the registry and the open count, once.
  void unregister() {
    {
      std::lock_guard<std::mutex> Lock(C->Mu);
      if (!Registered)
        return;
      Registered = false;
      C->Conns.erase(Pos);
    }
    C->connClosed();
  }

  std::shared_ptr<Core> C; // first: destroyed last
  std::list<ConnBase *>::iterator Pos;
  bool Registered = true;
};

/// What a connection is doing.
enum class Phase {
  Handshake,
  Idle,
  Reading,
  Handling,
  Writing,
  Closing,
  Closed
};

std::string remoteText(const tcp::socket &Sock) {
  beast::error_code Ec;
  tcp::endpoint EP = Sock.remote_endpoint(Ec);
  if (Ec)
    return "unknown";
  std::string Addr = EP.address().to_string();
  if (EP.address().is_v6())
    Addr = "[" + Addr + "]";
  return Addr + ":" + std::to_string(EP.port());
}

/// One client connection over Stream (beast::tcp_stream or
/// beast::ssl_stream<beast::tcp_stream>).
template <class Stream> class Connection final : public ConnBase {
  static constexpr bool IsTls = !std::is_same_v<Stream, beast::tcp_stream>;

public:
  template <class... Args>
  Connection(std::shared_ptr<Core> C, std::string Remote, Args &&...A)
      : ConnBase(std::move(C)), S(std::forward<Args>(A)...),
        Remote(std::move(Remote)) {}

  void start() {
    net::dispatch(executor(), [Self = self()] {
      if constexpr (IsTls)
        Self->handshake();
      else
        Self->readNext();
    });
  }

private:
  std::shared_ptr<Connection> self() {
    return std::static_pointer_cast<Connection>(shared_from_this());
  }
  beast::tcp_stream &tcp() { return beast::get_lowest_layer(S); }
  net::any_io_executor executor() override { return S.get_executor(); }
  const ServerOptions &opts() const { return C->Opts; }

  void handshake() {
    Ph = Phase::Handshake;
    tcp().expires_after(opts().HeaderTimeout);
    S.async_handshake(ssl::stream_base::server,
                      [Self = self()](beast::error_code Ec) {
                        if (Self->Ph == Phase::Closed)
                          return;
                        if (Ec) {
                          if (Ec != net::error::operation_aborted)
                            Self->C->count("tls_handshake");
                          return Self->close();
                        }
                        Self->readNext();
                      });
  }

  /// Waits for the next request: at once when bytes are buffered
  /// (pipelining), else for up to IdleTimeout for its first byte.
  void readNext() {
    if (C->Stopping)
      return close();
    if (Buf.size() > 0)
      return readHeader();
    Ph = Phase::Idle;
    tcp().expires_after(opts().IdleTimeout);
    S.async_read_some(Buf.prepare(4096),
                      [Self = self()](beast::error_code Ec, size_t N) {
                        if (Self->Ph == Phase::Closed)
                          return;
                        Self->Buf.commit(N);
                        if (Ec || N == 0)
                          return Self->close();
                        Self->readHeader();
                      });
  }

  void readHeader() {
    Ph = Phase::Reading;
    Parser.emplace();
    Parser->header_limit(static_cast<uint32_t>(
        std::min<size_t>(opts().MaxHeaderBytes, UINT32_MAX)));
    Parser->body_limit(static_cast<uint64_t>(opts().MaxBodyBytes));
    tcp().expires_after(opts().HeaderTimeout);
    bhttp::async_read_header(
        S, Buf, *Parser,
        [Self = self()](beast::error_code Ec, size_t) { Self->onHeader(Ec); });
  }

  /// Answers a read error, or reports false when there was none.
  bool readFailed(beast::error_code Ec, const char *TimeoutReason) {
    if (!Ec)
      return false;
    if (Ec == beast::error::timeout) {
      C->count(TimeoutReason);
      close();
    } else if (Ec == bhttp::error::header_limit) {
      fail(431, "header_too_large", "Request header is too large.");
    } else if (Ec == bhttp::error::body_limit) {
      fail(413, "body_too_large", "Request body is too large.");
    } else if (Ec == bhttp::error::partial_message) {
      fail(400, "bad_request", "Request is incomplete.");
    } else if (Ec.category() == bhttp::make_error_code(bhttp::error::bad_method)
                                    .category() &&
               Ec != bhttp::error::end_of_stream) {
      fail(400, "bad_request", "Malformed request: " + Ec.message() + ".");
    } else {
      close(); // end of stream, reset, aborted by stop()
    }
    return true;
  }

  void onHeader(beast::error_code Ec) {
    // A completion that raced with close() (stop) ends here.
    if (Ph == Phase::Closed)
      return;
    if (readFailed(Ec, "header_timeout"))
      return;
    Start = Clock::now();
    // Beast accepts HTTP/1.0 and 1.1 only (others: bad_version, 400).
    const auto &H = Parser->get();
    auto Expect = H.find(bhttp::field::expect);
    if (Expect == H.end())
      return readBody();
    if (!beast::iequals(Expect->value(), "100-continue"))
      return fail(417, "expectation_failed",
                  "Expectation in the 'Expect' header cannot be met.");
    if (H.version() < 11 || Parser->is_done())
      return readBody();
    static const char Continue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    tcp().expires_after(opts().WriteTimeout);
    net::async_write(S, net::buffer(Continue, sizeof(Continue) - 1),
                     [Self = self()](beast::error_code Ec, size_t) {
                       if (Self->Ph == Phase::Closed)
                         return;
                       if (Ec)
                         return Self->close();
                       Self->readBody();
                     });
  }

  void readBody() {
    if (Parser->is_done())
      return onRequest();
    tcp().expires_after(opts().BodyTimeout);
    bhttp::async_read(
        S, Buf, *Parser, [Self = self()](beast::error_code Ec, size_t) {
          if (Self->Ph == Phase::Closed || Self->readFailed(Ec, "body_timeout"))
            return;
          Self->onRequest();
        });
  }

  /// Builds the Request and runs the handler.
  void onRequest() {
    tcp().expires_never();
    bhttp::request<bhttp::string_body> Msg = Parser->release();
    Parser.reset();
    Req = Request();
    Req.Method = std::string(Msg.method_string());
    Req.Target = std::string(Msg.target());
    Req.Version = Msg.version();
    Req.Remote = Remote;
    Req.Secure = IsTls;
    llvm::StringRef RawPath, RawQuery;
    if (!splitTarget(Req.Target, RawPath, RawQuery))
      return fail(400, "bad_request", "Request target is malformed.");
    std::optional<std::string> Path = percentDecode(RawPath);
    if (!Path || llvm::StringRef(*Path).contains('\0'))
      return fail(400, "bad_request",
                  "Request path has a malformed percent-encoding.");
    Req.Path = std::move(*Path);
    Req.Query = RawQuery.str();
    Req.Headers.reserve(std::distance(Msg.begin(), Msg.end()));
    for (const auto &F : Msg)
      Req.Headers.emplace_back(std::string(F.name_string()),
                               std::string(F.value()));
    Req.Body = std::move(Msg.body());
    IsHead = Msg.method() == bhttp::verb::head;
    KeepAlive = Msg.keep_alive();

    Ph = Phase::Handling;
    uint64_t MySeq = ++Seq;
    Responder R = Responder::fromFunction(
        [Self = shared_from_this(), MySeq](Response Resp) {
          Self->deliver(MySeq, std::move(Resp));
        });
    try {
      C->H(Req, R);
    } catch (const std::exception &E) {
      C->log("handler for " + Req.Method + " " + Req.Target +
             " threw: " + E.what());
      C->count("handler_exception");
      R.send(Response::error(500, "Internal Server Error"));
    } catch (...) {
      C->log("handler for " + Req.Method + " " + Req.Target +
             " threw a non-standard exception");
      C->count("handler_exception");
      R.send(Response::error(500, "Internal Server Error"));
    }
  }

  /// On the strand: puts the handler's response on the wire.
  void write(uint64_t ForSeq, Response R) override {
    if (Ph != Phase::Handling || ForSeq != Seq)
      return; // closed meanwhile
    std::string Problem = responseProblem(R);
    if (!Problem.empty()) {
      C->log("handler for " + Req.Method + " " + Req.Target +
             " produced a bad response: " + Problem);
      C->count("bad_response");
      R = Response::error(500, "Internal Server Error");
    }
    Counted = true;
    sendResponse(std::move(R));
  }

  /// Answers a broken request and closes.
  void fail(unsigned Status, const char *Reason, const std::string &Message) {
    C->count(Reason);
    Parser.reset();
    KeepAlive = false;
    IsHead = false;
    Counted = false;
    Req.Version = 11;
    sendResponse(Response::error(Status, Message));
  }

  void sendResponse(Response R) {
    Res = bhttp::response<bhttp::string_body>();
    Res.version(Req.Version == 10 ? 10 : 11);
    Res.result(R.Status);
    for (auto &[Name, Value] : R.Headers) {
      if (beast::iequals(Name, "content-length") ||
          beast::iequals(Name, "transfer-encoding") ||
          beast::iequals(Name, "connection"))
        continue;
      Res.insert(Name, Value);
    }
    for (const auto &[Name, Value] : opts().DefaultHeaders)
      if (!R.header(Name))
        Res.insert(Name, Value);
    KeepAlive = KeepAlive && !C->Stopping;
    Res.keep_alive(KeepAlive);
    Status = R.Status;
    if (R.Status != 204 && R.Status != 304) {
      Res.content_length(R.Body.size());
      if (!IsHead)
        Res.body() = std::move(R.Body);
    }
    Ph = Phase::Writing;
    tcp().expires_after(opts().WriteTimeout);
    bhttp::async_write(S, Res, [Self = self()](beast::error_code Ec, size_t) {
      Self->onWrite(Ec);
    });
  }

  void onWrite(beast::error_code Ec) {
    ++C->Requests;
    if (Counted && C->M) {
      std::string Route = opts().RouteNamer   ? opts().RouteNamer(Req)
                          : Req.Route.empty() ? std::string("unmatched")
                                              : Req.Route;
      C->M->inc(MRequests, {{"route", Route},
                            {"method", methodLabel(Req.Method).str()},
                            {"status", std::to_string(Status)}});
      C->M->observe(
          MDuration, {{"route", Route}},
          std::chrono::duration<double>(Clock::now() - Start).count());
    }
    if (Ph == Phase::Closed)
      return;
    Res = bhttp::response<bhttp::string_body>();
    Req = Request();
    if (Ec) {
      if (Ec == beast::error::timeout)
        C->count("write_timeout");
      return close();
    }
    if (C->Stopping) {
      // No lingering while the server stops: the client asked nothing more.
      beast::error_code Ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_send, Ignored);
      return close();
    }
    if (!KeepAlive)
      return closeGracefully();
    readNext();
  }

  /// stop(): idle and half-read connections close now, busy ones after
  /// their response.
  void stopGently() override {
    if (Ph == Phase::Handshake || Ph == Phase::Idle || Ph == Phase::Reading ||
        Ph == Phase::Closing)
      close();
  }

  /// Shuts down the sending side, then drains the client for a moment so
  /// that it reads our last response rather than a reset.
  void closeGracefully() {
    if (Ph == Phase::Closed || Ph == Phase::Closing)
      return;
    Ph = Phase::Closing;
    tcp().expires_after(LingerTime);
    if constexpr (IsTls) {
      S.async_shutdown([Self = self()](beast::error_code) { Self->close(); });
    } else {
      beast::error_code Ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_send, Ignored);
      drain();
    }
  }

  void drain() {
    tcp().async_read_some(net::buffer(DrainBuf),
                          [Self = self()](beast::error_code Ec, size_t N) {
                            Self->Drained += N;
                            if (Ec || Self->Drained >= LingerBytes)
                              return Self->close();
                            Self->drain();
                          });
  }

  void close() override {
    if (Ph == Phase::Closed)
      return;
    Ph = Phase::Closed;
    // Only the socket: a cancelled read or write may still be on its way to
    // its completion handler and uses the parser, buffer and response.
    tcp().close();
    unregister();
  }

  Stream S;
  std::string Remote;
  Phase Ph = Phase::Idle;
  beast::flat_buffer Buf;
  std::optional<bhttp::request_parser<bhttp::string_body>> Parser;
  Request Req;
  bhttp::response<bhttp::string_body> Res;
  uint64_t Seq = 0;
  bool KeepAlive = false, IsHead = false, Counted = false;
  unsigned Status = 0;
  Clock::time_point Start;
  std::array<char, 4096> DrainBuf;
  size_t Drained = 0;
};

using PlainConnection = Connection<beast::tcp_stream>;
using TlsConnection = Connection<beast::ssl_stream<beast::tcp_stream>>;

} // namespace

//===----------------------------------------------------------------------===//
// Core
//===----------------------------------------------------------------------===//

void Core::accept(Listener &L) {
  net::io_context &Target = *Iocs[NextIoc++ % Iocs.size()];
  L.Acc.async_accept(
      net::make_strand(Target),
      [Self = shared_from_this(), &L](beast::error_code Ec, tcp::socket Sock) {
        Self->onAccept(L, Ec, std::move(Sock));
      });
}

void Core::onAccept(Listener &L, beast::error_code Ec, tcp::socket Sock) {
  if (Ec == net::error::operation_aborted || Stopping || !L.Acc.is_open())
    return;
  if (Ec) {
    // Out of descriptors and the like: retry a little later rather than
    // spinning on the error.
    log("accept on port " + llvm::Twine(unsigned(L.Port)) +
        " failed: " + Ec.message());
    auto Timer = std::make_shared<net::steady_timer>(L.Acc.get_executor());
    Timer->expires_after(std::chrono::milliseconds(50));
    Timer->async_wait(
        [Self = shared_from_this(), &L, Timer](beast::error_code) {
          if (!Self->Stopping)
            Self->accept(L);
        });
    return;
  }
  if (Open.load() >= Opts.MaxConnections) {
    ++Rejected;
    if (M)
      M->inc(MRejected);
    beast::error_code Ignored;
    Sock.close(Ignored);
    return accept(L);
  }
  beast::error_code Ignored;
  Sock.set_option(tcp::no_delay(true), Ignored);
  std::string Remote = remoteText(Sock);
  ++Open;
  ++Accepted;
  if (M) {
    M->inc(MAccepted);
    M->inc(MConnections, {}, 1);
  }
  if (L.Tls) {
    auto Conn = std::make_shared<TlsConnection>(
        shared_from_this(), std::move(Remote),
        beast::tcp_stream(std::move(Sock)), *Ssl);
    Conn->start();
  } else {
    auto Conn = std::make_shared<PlainConnection>(
        shared_from_this(), std::move(Remote), std::move(Sock));
    Conn->start();
  }
  accept(L);
}

void Core::connClosed() {
  if (M)
    M->inc(MConnections, {}, -1);
  if (--Open != 0 || !Stopping)
    return;
  std::lock_guard<std::mutex> Lock(Mu);
  if (!Dead)
    net::post(Strand, [Self = shared_from_this()] { Self->releaseGuard(); });
}

void Core::releaseGuard() {
  if (GuardReleased)
    return;
  GuardReleased = true;
  Grace.cancel();
  for (auto &G : Guards)
    G.reset();
}

template <class Fn> void Core::forEachConn(Fn F) {
  std::vector<std::shared_ptr<ConnBase>> Live;
  {
    std::lock_guard<std::mutex> Lock(Mu);
    for (ConnBase *Conn : Conns)
      if (auto SP = Conn->weak_from_this().lock())
        Live.push_back(std::move(SP));
  }
  for (auto &Conn : Live)
    F(*Conn);
}

void Core::startStop() {
  if (Stopping.exchange(true))
    return;
  net::post(Strand, [Self = shared_from_this()] {
    for (auto &L : Self->Listeners)
      net::post(L->Acc.get_executor(), [Self, L = L.get()] {
        beast::error_code Ignored;
        L->Acc.close(Ignored);
      });
    Self->forEachConn([](ConnBase &Conn) { Conn.postStop(); });
    if (Self->Open == 0)
      return Self->releaseGuard();
    Self->Grace.expires_after(Self->Opts.StopGrace);
    Self->Grace.async_wait([Self](beast::error_code Ec) {
      if (Ec == net::error::operation_aborted)
        return;
      Self->forEachConn([](ConnBase &Conn) { Conn.postClose(); });
      Self->releaseGuard();
    });
  });
}

//===----------------------------------------------------------------------===//
// Server
//===----------------------------------------------------------------------===//

class Server::Impl {
public:
  std::shared_ptr<Core> C;
  std::vector<std::thread> Threads;
  std::mutex JoinMu;
  bool Joined = false;

  /// Joins the threads once, then closes what is left and drops responses
  /// posted too late.
  void join() {
    std::lock_guard<std::mutex> Lock(JoinMu);
    if (Joined)
      return;
    for (auto &T : Threads)
      T.join();
    Joined = true;
    // No thread runs the io_context now: touching connections directly is
    // safe, and nothing posted from now on will be run.
    C->forEachConn([](ConnBase &Conn) { Conn.closeDirect(); });
    {
      std::lock_guard<std::mutex> DeadLock(C->Mu);
      C->Dead = true;
    }
    // Run (and so release) what was posted before Dead was set.
    for (auto &Ioc : C->Iocs) {
      Ioc->restart();
      Ioc->poll();
    }
  }
};

Server::Server(std::unique_ptr<Impl> I) : I(std::move(I)) {}

Server::~Server() { stop(); }

static llvm::Error listenOn(Core &C, Listener &L, const net::ip::address &Addr,
                            uint16_t Port) {
  tcp::endpoint EP(Addr, Port);
  beast::error_code Ec;
  auto Fail = [&](const char *What) {
    return llvm::createStringError(
        std::errc::address_not_available, "cannot %s on %s:%u: %s", What,
        C.Opts.Address.c_str(), unsigned(Port), Ec.message().c_str());
  };
  if (L.Acc.open(EP.protocol(), Ec); Ec)
    return Fail("open a socket");
  if (L.Acc.set_option(net::socket_base::reuse_address(true), Ec); Ec)
    return Fail("set SO_REUSEADDR");
  if (L.Acc.bind(EP, Ec); Ec)
    return Fail("listen");
  if (L.Acc.listen(net::socket_base::max_listen_connections, Ec); Ec)
    return Fail("listen");
  L.Port = L.Acc.local_endpoint(Ec).port();
  return llvm::Error::success();
}

static llvm::Error loadTls(Core &C, const TlsOptions &T) {
  for (const std::string *F : {&T.CertFile, &T.KeyFile})
    if (!llvm::sys::fs::exists(*F))
      return llvm::createStringError(std::errc::no_such_file_or_directory,
                                     "cannot read TLS file '%s'", F->c_str());
  C.Ssl.emplace(ssl::context::tls_server);
  ssl::context &Ctx = *C.Ssl;
  Ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                  ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  // An encrypted key must fail, not prompt on the terminal.
  Ctx.set_password_callback(
      [](size_t, ssl::context::password_purpose) { return std::string(); });
  beast::error_code Ec;
  Ctx.use_certificate_chain_file(T.CertFile, Ec);
  if (Ec)
    return llvm::createStringError(std::errc::invalid_argument,
                                   "cannot load TLS certificate '%s': %s",
                                   T.CertFile.c_str(), Ec.message().c_str());
  Ctx.use_private_key_file(T.KeyFile, ssl::context::pem, Ec);
  if (Ec && Ec.category() == net::error::get_ssl_category() &&
      ERR_GET_LIB(Ec.value()) == ERR_LIB_X509 &&
      ERR_GET_REASON(Ec.value()) == X509_R_KEY_VALUES_MISMATCH)
    return llvm::createStringError(
        std::errc::invalid_argument,
        "TLS key '%s' does not match the certificate '%s'", T.KeyFile.c_str(),
        T.CertFile.c_str());
  if (Ec)
    return llvm::createStringError(std::errc::invalid_argument,
                                   "cannot load TLS key '%s': %s",
                                   T.KeyFile.c_str(), Ec.message().c_str());
  if (SSL_CTX_check_private_key(Ctx.native_handle()) != 1)
    return llvm::createStringError(
        std::errc::invalid_argument,
        "TLS key '%s' does not match the certificate '%s'", T.KeyFile.c_str(),
        T.CertFile.c_str());
  return llvm::Error::success();
}

static void describeMetrics(Metrics &M) {
  M.describe(MRequests, "counter",
             "HTTP responses written, by route, method "
             "and status.");
  M.describe(MDuration, "histogram",
             "Seconds from a request's header to its response written.");
  M.describe(MConnections, "gauge", "Open HTTP connections.");
  M.describe(MAccepted, "counter", "HTTP connections accepted.");
  M.describe(MRejected, "counter",
             "HTTP connections closed at once: too many open.");
  M.describe(MErrors, "counter",
             "Requests and connections ended by an error, by reason.");
  // Series without labels exist from the start, at 0.
  for (const char *Name : {MConnections, MAccepted, MRejected})
    M.inc(Name, {}, 0);
}

llvm::Expected<std::unique_ptr<Server>> Server::start(ServerOptions Opts,
                                                      Handler H, Metrics *M) {
  if (!H)
    return llvm::createStringError(std::errc::invalid_argument,
                                   "http server needs a handler");
  beast::error_code Ec;
  net::ip::address Addr = net::ip::make_address(Opts.Address, Ec);
  if (Ec)
    return llvm::createStringError(std::errc::invalid_argument,
                                   "'%s' is not an IP address",
                                   Opts.Address.c_str());
  auto C = std::make_shared<Core>(std::move(Opts), std::move(H), M);
  if (M)
    describeMetrics(*M);

  C->Listeners.push_back(std::make_unique<Listener>(C->mainIoc(), false));
  if (llvm::Error E = listenOn(*C, *C->Listeners.back(), Addr, C->Opts.Port))
    return E;
  if (C->Opts.Tls) {
    if (llvm::Error E = loadTls(*C, *C->Opts.Tls))
      return E;
    C->Listeners.push_back(std::make_unique<Listener>(C->mainIoc(), true));
    if (llvm::Error E =
            listenOn(*C, *C->Listeners.back(), Addr, C->Opts.Tls->Port))
      return E;
  }
  for (auto &L : C->Listeners)
    net::post(L->Acc.get_executor(), [C, L = L.get()] { C->accept(*L); });

  auto I = std::make_unique<Impl>();
  I->C = C;
  for (unsigned T = 0; T < C->Iocs.size(); ++T)
    I->Threads.emplace_back([C, T] {
      CurrentCore = C.get();
      while (true) {
        try {
          C->Iocs[T]->run();
          return;
        } catch (const std::exception &E) {
          C->log(llvm::Twine("server thread caught: ") + E.what());
        }
      }
    });
  return std::unique_ptr<Server>(new Server(std::move(I)));
}

uint16_t Server::port() const { return I->C->Listeners.front()->Port; }

uint16_t Server::tlsPort() const {
  return I->C->Listeners.size() > 1 ? I->C->Listeners[1]->Port : 0;
}

ServerStats Server::stats() const {
  ServerStats S;
  S.Accepted = I->C->Accepted;
  S.Rejected = I->C->Rejected;
  S.Requests = I->C->Requests;
  S.Open = I->C->Open;
  return S;
}

void Server::stop() {
  I->C->startStop();
  if (CurrentCore == I->C.get())
    return; // on a server thread: the owner's stop()/wait() joins
  I->join();
}

void Server::wait() {
  if (CurrentCore == I->C.get())
    return;
  I->join();
}
