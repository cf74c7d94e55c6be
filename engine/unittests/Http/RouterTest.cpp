//===- RouterTest.cpp - HTTP router and message tests -----------*- C++ -*-===//
//
// Router: literal, parameter, regex and rest segments, priorities with
// backtracking, trailing slashes, 404/405 with Allow, route names. Messages:
// header lookup, query parameters, percent-decoding, the JSON helpers and
// the Responder's exactly-once and 500-on-drop behaviour.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Router.h"
#include "overlord/Engine/Http.h"

#include "../../lib/Http/HttpDetail.h"

#include "gtest/gtest.h"

#include <thread>

using namespace overlord::engine::http;

namespace {

/// Routes Method + Path and returns what was answered: "<status> <body>"
/// plus " Allow=<...>" when set.
std::string route(const Router &R, llvm::StringRef Method,
                  llvm::StringRef Path) {
  Request Req;
  Req.Method = Method.str();
  Req.Path = Path.str();
  std::string Out;
  Responder Res = Responder::fromFunction([&](Response Resp) {
    Out = std::to_string(Resp.Status) + " " + Resp.Body;
    if (auto A = Resp.header("Allow"))
      Out += " Allow=" + A->str();
  });
  R.dispatch(
      Req, Res,
      [](Request &, const Params &, Responder Rs) {
        Rs.send(Response::error(404, "Resource not found."));
      },
      [](Request &, const Params &, Responder Rs) {
        Rs.send(Response::error(405, "Method not allowed."));
      });
  return Out;
}

/// A route answering "name:param=value,..." with the given parameters.
RouteFn echo(std::string Name, std::vector<std::string> Names) {
  return [Name, Names](Request &Req, const Params &P, Responder R) {
    std::string Body = Name + ":";
    for (const auto &N : Names)
      Body += N + "=" + P.get(N).str() + ",";
    Response Resp;
    Resp.Body = Body;
    R.send(Resp);
  };
}

Router sampleRouter() {
  Router R;
  R.add("GET", "/v1/projects", echo("projects", {}), "projects");
  R.add("GET|HEAD", "/v1/project/info/{project}",
        echo("project-info", {"project"}), "project.info");
  R.add("GET", "/v1/project/info/special", echo("special", {}), "special");
  R.add("POST", "/v1/project/up/{project:[a-zA-Z0-9._-]+}",
        echo("up", {"project"}), "project.up");
  R.add("GET",
        "/v1/projects/logs/{date:\\d{4}-\\d{2}-\\d{2}_\\d{2}h\\d{2}m\\d{2}s}/"
        "{service}/{log:[a-z-]+\\.log}",
        echo("plog", {"date", "service", "log"}), "project.log");
  R.add("GET", "/v1/files/{path...}", echo("files", {"path"}), "files");
  R.add("DELETE", "/v1/files/{path...}", echo("rm", {"path"}), "files.rm");
  R.add("GET", "/v1/a/{x}/c", echo("axc", {"x"}), "axc");
  R.add("GET", "/v1/a/b/d", echo("abd", {}), "abd");
  R.add("GET", "/", echo("root", {}), "root");
  R.add("*", "/v1/any", echo("any", {}), "any");
  R.add("GET", "/v1/jail/{name:[^/]+}/x", echo("jx", {"name"}), "jx");
  return R;
}

TEST(HttpRouter, LiteralAndParams) {
  Router R = sampleRouter();
  EXPECT_EQ(route(R, "GET", "/v1/projects"), "200 projects:");
  EXPECT_EQ(route(R, "GET", "/v1/projects/"), "200 projects:");
  EXPECT_EQ(route(R, "GET", "/v1/project/info/web"),
            "200 project-info:project=web,");
  EXPECT_EQ(route(R, "HEAD", "/v1/project/info/web/"),
            "200 project-info:project=web,");
  EXPECT_EQ(route(R, "GET", "/"), "200 root:");
  EXPECT_EQ(route(R, "PATCH", "/v1/any"), "200 any:");
  EXPECT_EQ(route(R, "GET", "/v1/jail/j1/x"), "200 jx:name=j1,");
}

TEST(HttpRouter, LiteralWinsOverParam) {
  Router R = sampleRouter();
  EXPECT_EQ(route(R, "GET", "/v1/project/info/special"), "200 special:");
  // The literal branch has only GET: HEAD falls back to the parameter.
  EXPECT_EQ(route(R, "HEAD", "/v1/project/info/special"),
            "200 project-info:project=special,");
}

TEST(HttpRouter, BacktracksFromLiteral) {
  Router R = sampleRouter();
  // "b" goes literal first (/v1/a/b/d), fails at "c", then tries {x}.
  EXPECT_EQ(route(R, "GET", "/v1/a/b/c"), "200 axc:x=b,");
  EXPECT_EQ(route(R, "GET", "/v1/a/b/d"), "200 abd:");
  EXPECT_EQ(route(R, "GET", "/v1/a/q/d").substr(0, 3), "404");
}

TEST(HttpRouter, RegexParamsMatchWholeSegment) {
  Router R = sampleRouter();
  EXPECT_EQ(route(R, "POST", "/v1/project/up/my.app-1"),
            "200 up:project=my.app-1,");
  EXPECT_EQ(route(R, "POST", "/v1/project/up/bad!name").substr(0, 3), "404");
  EXPECT_EQ(route(R, "GET",
                  "/v1/projects/logs/2024-01-02_03h04m05s/web/anticipate.log"),
            "200 plog:date=2024-01-02_03h04m05s,service=web,log=anticipate."
            "log,");
  // A partial match of the regex is no match.
  EXPECT_EQ(route(R, "GET", "/v1/projects/logs/2024-01-02_03h04m05sX/web/a.log")
                .substr(0, 3),
            "404");
  EXPECT_EQ(route(R, "GET", "/v1/projects/logs/2024-01-02_03h04m05s/web/A.log")
                .substr(0, 3),
            "404");
}

TEST(HttpRouter, RestParam) {
  Router R = sampleRouter();
  EXPECT_EQ(route(R, "GET", "/v1/files/a"), "200 files:path=a,");
  EXPECT_EQ(route(R, "GET", "/v1/files/a/b/c.txt/"),
            "200 files:path=a/b/c.txt,");
  EXPECT_EQ(route(R, "DELETE", "/v1/files/a/b"), "200 rm:path=a/b,");
  // One or more segments: nothing after the prefix is no match.
  EXPECT_EQ(route(R, "GET", "/v1/files").substr(0, 3), "404");
}

TEST(HttpRouter, NotFoundAndMethodNotAllowed) {
  Router R = sampleRouter();
  EXPECT_EQ(route(R, "GET", "/v2/projects"),
            "404 {\"message\":\"Resource not found.\",\"status_code\":404}");
  EXPECT_EQ(route(R, "GET", "v1/projects").substr(0, 3), "404");
  EXPECT_EQ(route(R, "GET", "").substr(0, 3), "404");
  EXPECT_EQ(route(R, "GET", "/v1//projects").substr(0, 3), "404");
  std::string Out = route(R, "POST", "/v1/project/info/web");
  EXPECT_EQ(Out.substr(0, 3), "405");
  EXPECT_NE(Out.find("Allow=GET, HEAD"), std::string::npos) << Out;
  // Allow joins every route of the path: the literal one has GET only.
  EXPECT_EQ(R.allowedMethods("/v1/project/info/special"), "GET, HEAD");
  Out = route(R, "PUT", "/v1/files/x");
  EXPECT_NE(Out.find("Allow=DELETE, GET"), std::string::npos) << Out;
  EXPECT_EQ(R.allowedMethods("/nowhere"), "");
}

TEST(HttpRouter, RouteNames) {
  Router R = sampleRouter();
  EXPECT_EQ(R.routeName("GET", "/v1/projects"), "projects");
  EXPECT_EQ(R.routeName("POST", "/v1/project/up/x"), "project.up");
  EXPECT_EQ(R.routeName("GET", "/v1/project/up/x"), "");
  EXPECT_EQ(R.routeName("GET", "/nope"), "");
  Request Req;
  Req.Method = "GET";
  Req.Path = "/v1/files/a";
  R.dispatch(
      Req, Responder::fromFunction([](Response) {}),
      [](Request &, const Params &, Responder) {},
      [](Request &, const Params &, Responder) {});
  EXPECT_EQ(Req.Route, "files");
}

TEST(HttpRouter, DeepPathsAndManyRoutes) {
  Router R;
  for (int I = 0; I < 200; ++I)
    R.add("GET", "/r" + std::to_string(I) + "/{id}/x",
          echo("r" + std::to_string(I), {"id"}), "r" + std::to_string(I));
  EXPECT_EQ(route(R, "GET", "/r137/abc/x"), "200 r137:id=abc,");
  std::string Deep = "/r1";
  for (int I = 0; I < 2000; ++I)
    Deep += "/seg";
  EXPECT_EQ(route(R, "GET", Deep).substr(0, 3), "404");
}

TEST(HttpRouterDeathTest, MalformedPatternsAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Router R;
  auto Fn = echo("x", {});
  EXPECT_DEATH(R.add("GET", "/a/{b", Fn, "x"), "unbalanced");
  EXPECT_DEATH(R.add("GET", "/a/x{b}", Fn, "x"), "literal or one parameter");
  EXPECT_DEATH(R.add("GET", "/a/{rest...}/b", Fn, "x"), "last segment");
  EXPECT_DEATH(R.add("GET", "/a/{b:[}", Fn, "x"), "regular expression");
  EXPECT_DEATH(R.add("GET", "/a/{1b}", Fn, "x"), "identifiers");
}

//===----------------------------------------------------------------------===//
// Messages and Responder
//===----------------------------------------------------------------------===//

TEST(HttpMessage, PercentDecode) {
  EXPECT_EQ(percentDecode("/a%20b%2Fc"), "/a b/c");
  EXPECT_EQ(percentDecode("a+b"), "a+b");
  EXPECT_EQ(percentDecode("a+b", /*Form=*/true), "a b");
  EXPECT_EQ(percentDecode("%e2%82%AC"), "\xe2\x82\xac");
  EXPECT_FALSE(percentDecode("%"));
  EXPECT_FALSE(percentDecode("%4"));
  EXPECT_FALSE(percentDecode("abc%zz"));
  EXPECT_FALSE(percentDecode("%%41"));
}

TEST(HttpMessage, HeadersAndQuery) {
  Request Req;
  Req.Headers = {
      {"Content-Type", "application/json"}, {"X-A", "1"}, {"x-a", "2"}};
  Req.Query = "project=web%201&after=7&flag&empty=&a+b=c+d&bad=%zz";
  EXPECT_EQ(Req.header("content-type"), llvm::StringRef("application/json"));
  EXPECT_EQ(Req.header("X-A"), llvm::StringRef("1"));
  EXPECT_FALSE(Req.header("missing"));
  EXPECT_EQ(Req.queryParam("project"), "web 1");
  EXPECT_EQ(Req.queryParam("after"), "7");
  EXPECT_EQ(Req.queryParam("flag"), "");
  EXPECT_EQ(Req.queryParam("empty"), "");
  EXPECT_EQ(Req.queryParam("a b"), "c d");
  EXPECT_FALSE(Req.queryParam("bad"));
  EXPECT_FALSE(Req.queryParam("limit"));

  Response R;
  R.setHeader("X-Y", "1");
  R.Headers.emplace_back("x-y", "2");
  R.setHeader("x-Y", "3");
  ASSERT_EQ(R.Headers.size(), 1u);
  EXPECT_EQ(R.Headers[0].second, "3");
}

TEST(HttpMessage, JsonHelpers) {
  Response R = Response::error(413, "Request body is too large.");
  EXPECT_EQ(R.Status, 413u);
  EXPECT_EQ(R.Body, "{\"message\":\"Request body is too large.\","
                    "\"status_code\":413}");
  EXPECT_EQ(R.header("Content-Type"), llvm::StringRef("application/json"));
  R = Response::json(200, llvm::json::Object{{"job_id", 7}});
  EXPECT_EQ(R.Body, "{\"job_id\":7}");
}

TEST(HttpResponder, SendsExactlyOnce) {
  std::vector<unsigned> Got;
  {
    Responder R = Responder::fromFunction(
        [&](Response Resp) { Got.push_back(Resp.Status); });
    Responder Copy = R;
    EXPECT_FALSE(R.sent());
    Copy.send(Response::error(201, "a"));
    EXPECT_TRUE(R.sent());
    R.send(Response::error(202, "b"));
  }
  EXPECT_EQ(Got, std::vector<unsigned>{201});
  Responder Null;
  EXPECT_TRUE(Null.sent());
  Null.send(Response()); // no effect, no crash
}

TEST(HttpResponder, DroppedUnsentAnswers500) {
  std::vector<Response> Got;
  {
    Responder R = Responder::fromFunction(
        [&](Response Resp) { Got.push_back(std::move(Resp)); });
    Responder Copy = R;
    (void)Copy;
  }
  ASSERT_EQ(Got.size(), 1u);
  EXPECT_EQ(Got[0].Status, 500u);
  EXPECT_EQ(Got[0].Body,
            "{\"message\":\"Internal Server Error\",\"status_code\":500}");
}

TEST(HttpResponder, ConcurrentSendsDeliverOnce) {
  std::atomic<int> Delivered{0};
  for (int Round = 0; Round < 50; ++Round) {
    Responder R = Responder::fromFunction([&](Response) { ++Delivered; });
    std::vector<std::thread> Ts;
    for (int T = 0; T < 4; ++T)
      Ts.emplace_back([R] { R.send(Response()); });
    for (auto &T : Ts)
      T.join();
  }
  EXPECT_EQ(Delivered.load(), 50);
}

TEST(HttpDetail, SplitTarget) {
  using overlord::engine::http::detail::splitTarget;
  llvm::StringRef P, Q;
  auto Split = [&](llvm::StringRef T) {
    if (!splitTarget(T, P, Q))
      return std::string("<bad>");
    return P.str() + "|" + Q.str();
  };
  EXPECT_EQ(Split("/v1/projects"), "/v1/projects|");
  EXPECT_EQ(Split("/v1/jobs?project=a&after=3"), "/v1/jobs|project=a&after=3");
  EXPECT_EQ(Split("/a?b?c"), "/a|b?c");
  EXPECT_EQ(Split("*"), "*|");
  EXPECT_EQ(Split("http://h:8888/v1/x?y=1"), "/v1/x|y=1");
  EXPECT_EQ(Split("HTTPS://h"), "/|");
  EXPECT_EQ(Split("http://h?q=1"), "/|q=1");
  EXPECT_EQ(Split("v1/projects"), "<bad>");
  EXPECT_EQ(Split("ftp://h/x"), "<bad>");
  EXPECT_EQ(Split(""), "<bad>");
}

TEST(HttpDetail, ResponseProblemsAndMethodLabels) {
  using namespace overlord::engine::http::detail;
  Response R;
  EXPECT_EQ(responseProblem(R), "");
  R.Status = 199;
  EXPECT_EQ(responseProblem(R), "status 199 is not a final status");
  R.Status = 600;
  EXPECT_NE(responseProblem(R), "");
  R.Status = 599;
  R.Headers = {{"X-Ok", "a b\tc"}};
  EXPECT_EQ(responseProblem(R), "");
  R.Headers = {{"Bad Name", "v"}};
  EXPECT_EQ(responseProblem(R), "header name 'Bad Name' is not a token");
  R.Headers = {{"", "v"}};
  EXPECT_NE(responseProblem(R), "");
  R.Headers = {{"X", std::string("a\0b", 3)}};
  EXPECT_NE(responseProblem(R), "");
  R.Headers = {{"X", "a\nb"}};
  EXPECT_NE(responseProblem(R), "");
  EXPECT_EQ(methodLabel("GET"), "GET");
  EXPECT_EQ(methodLabel("PATCH"), "PATCH");
  EXPECT_EQ(methodLabel("get"), "OTHER");
  EXPECT_EQ(methodLabel("BREW"), "OTHER");
}

} // namespace
