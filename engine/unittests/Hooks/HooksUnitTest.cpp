//===- HooksUnitTest.cpp - Label hooks without external services ----------===//
//
// Record keys, the JSON text of records, label parsing, interface lookup,
// the server id file, the report rule, jail label reading, and every
// validation message of both integrations (they are produced before any
// request is made, so no etcd or haproxy is needed here).
//
//===----------------------------------------------------------------------===//
#include "HooksTestSupport.h"

#include "../../lib/Hooks/Integrations.h"

#include "overlord/Engine/Hooks.h"

#include "llvm/Support/Regex.h"

#include "gtest/gtest.h"

#include <set>
#include <thread>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::hookstest;

namespace {

std::string repeat(llvm::StringRef S, unsigned N) {
  std::string Out;
  for (unsigned I = 0; I < N; ++I)
    Out += S.str();
  return Out;
}

TEST(HooksKeys, AddressKeyFollowsTheZone) {
  EXPECT_EQ(skydnsAddressKey("/skydns", "example.org.", "web", "ID"),
            "/skydns/org/example/web/ID/");
  EXPECT_EQ(skydnsAddressKey("/skydns", "example.org", "Web", "ID"),
            "/skydns/org/example/web/ID/");
  EXPECT_EQ(skydnsAddressKey("/skydns", ".", "web", "ID"), "/skydns/web/ID/");
  EXPECT_EQ(skydnsAddressKey("/dns", "a.b.c.", "g1", "x"), "/dns/c/b/a/g1/x/");
}

TEST(HooksKeys, PtrKeyReversesTheAddress) {
  EXPECT_EQ(*skydnsPtrKey("/skydns", "10.0.0.2"),
            "/skydns/arpa/in-addr/10/0/0/2");
  EXPECT_EQ(*skydnsPtrKey("/skydns", "::1"),
            "/skydns/arpa/ip6" + repeat("/0", 31) + "/1");
  EXPECT_EQ(*skydnsPtrKey("/p", "fd00:ab::c"),
            "/p/arpa/ip6/f/d/0/0/0/0/a/b" + repeat("/0", 23) + "/c");
  EXPECT_FALSE(skydnsPtrKey("/skydns", "not-an-ip").has_value());
  EXPECT_FALSE(skydnsPtrKey("/skydns", "10.0.0.256").has_value());
}

TEST(HooksKeys, SrvKey) {
  EXPECT_EQ(skydnsSrvKey("/skydns", "example.org.", "WEB", "tcp", "http", "ID"),
            "/skydns/org/example/web/_tcp/_http/ID/");
}

TEST(HooksText, JsonIsWrittenLikePythonJsonDumps) {
  using namespace hooks;
  EXPECT_EQ(pyJsonObject({{"host", pyJsonString("10.0.0.1")},
                          {"ttl", "60"},
                          {"group", pyJsonString("web")}}),
            R"({"host": "10.0.0.1", "ttl": 60, "group": "web"})");
  EXPECT_EQ(pyJsonString("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(pyJsonString("caf\xc3\xa9"), R"("caf\u00e9")");
  EXPECT_EQ(pyJsonString("\xf0\x9f\x98\x80"), R"("\ud83d\ude00")");
  EXPECT_EQ(pyJsonString("\xff"), R"("\ufffd")");
  EXPECT_EQ(pyJsonObject({}), "{}");
}

TEST(HooksText, IntegersAreParsedLikePythonInt) {
  using hooks::parsePyInt;
  EXPECT_EQ(parsePyInt("60"), 60);
  EXPECT_EQ(parsePyInt(" +7 \n"), 7);
  EXPECT_EQ(parsePyInt("-3"), -3);
  EXPECT_EQ(parsePyInt("1_000"), 1000);
  for (const char *Bad : {"", " ", "1.5", "0x10", "1__0", "_1", "1_", "ten",
                          "99999999999999999999", "+", "6 0"})
    EXPECT_FALSE(parsePyInt(Bad).has_value()) << Bad;
}

TEST(HooksText, Base64RoundTrip) {
  using namespace hooks;
  for (const char *S : {"", "f", "fo", "foo", "/skydns/org/example/web/x/"})
    EXPECT_EQ(base64Decode(base64Encode(S)), std::string(S));
  EXPECT_FALSE(base64Decode("abc").has_value());
  EXPECT_FALSE(base64Decode("ab!=").has_value());
  EXPECT_EQ(percentEncode("a b/c~"), "a%20b%2Fc~");
}

//===----------------------------------------------------------------------===//
// Interfaces and the server id
//===----------------------------------------------------------------------===//

std::string interfaceError(llvm::Error E) {
  std::string Out;
  llvm::handleAllErrors(std::move(E), [&](const InterfaceError &IE) {
    Out = IE.type().str() + ": " + IE.detail().str();
  });
  return Out;
}

TEST(HooksInterface, LoopbackAddresses) {
  auto A = interfaceAddress("lo", std::nullopt);
  ASSERT_TRUE(bool(A)) << llvm::toString(A.takeError());
  EXPECT_EQ(**A, "127.0.0.1");
  auto B = interfaceAddress("lo", llvm::StringRef("127.0.0.0/255.0.0.0"));
  ASSERT_TRUE(bool(B));
  EXPECT_EQ(**B, "127.0.0.1");
  auto C = interfaceAddress("lo", llvm::StringRef("127.0.0.1"));
  ASSERT_TRUE(bool(C));
  EXPECT_EQ(**C, "127.0.0.1");
  auto D = interfaceAddress("lo", llvm::StringRef("10.0.0.0/8"));
  ASSERT_TRUE(bool(D));
  EXPECT_FALSE(D->has_value());
}

TEST(HooksInterface, Ipv6NetworkSelectsTheIpv6Address) {
  auto A = interfaceAddress("lo", llvm::StringRef("::1/128"));
  ASSERT_TRUE(bool(A));
  if (!A->has_value())
    GTEST_SKIP() << "lo has no IPv6 address on this machine";
  EXPECT_EQ(**A, "::1");
}

TEST(HooksInterface, Errors) {
  auto A = interfaceAddress("nope0", std::nullopt);
  ASSERT_FALSE(bool(A));
  EXPECT_EQ(interfaceError(A.takeError()),
            "InterfaceNotFound: nope0: Interface not found.");
  for (const char *Bad :
       {"10.0.0.0/33", "10.0.0/8", "x", "::1/129", "10.0.0.0/255.0.255.0",
        "10.0.0.0/", "fd00::/ffff::"}) {
    auto B = interfaceAddress("lo", llvm::StringRef(Bad));
    ASSERT_FALSE(bool(B)) << Bad;
    EXPECT_EQ(interfaceError(B.takeError()),
              "ValueError: '" + std::string(Bad) +
                  "' does not appear to be an IPv4 or IPv6 network");
  }
}

TEST(HooksServerId, CreatedOnceAndKept) {
  TempDir T;
  std::string Path = T.path("a/b/serverid");
  auto Id = readOrCreateServerId(Path);
  ASSERT_TRUE(bool(Id)) << llvm::toString(Id.takeError());
  EXPECT_TRUE(
      llvm::Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}"
                  "-[0-9a-f]{12}$")
          .match(*Id))
      << *Id;
  EXPECT_EQ(readFile(Path), *Id);
  auto Again = readOrCreateServerId(Path);
  ASSERT_TRUE(bool(Again));
  EXPECT_EQ(*Again, *Id);
}

TEST(HooksServerId, ExistingBlankAndBadFiles) {
  TempDir T;
  std::string Path = T.path("serverid");
  writeFile(Path, "  my-node.1 \n");
  EXPECT_EQ(*readOrCreateServerId(Path), "my-node.1");
  writeFile(Path, "\n");
  auto Fresh = readOrCreateServerId(Path);
  ASSERT_TRUE(bool(Fresh));
  EXPECT_EQ(Fresh->size(), 36u);
  EXPECT_EQ(readFile(Path), *Fresh);
  writeFile(Path, "bad id/x");
  auto Bad = readOrCreateServerId(Path);
  ASSERT_FALSE(bool(Bad));
  EXPECT_NE(llvm::toString(Bad.takeError()).find("has characters outside"),
            std::string::npos);
}

TEST(HooksServerId, ConcurrentCallersAgree) {
  TempDir T;
  std::string Path = T.path("serverid");
  std::vector<std::string> Ids(8);
  std::vector<std::thread> Threads;
  for (size_t I = 0; I < Ids.size(); ++I)
    Threads.emplace_back([&, I] {
      auto Id = readOrCreateServerId(Path);
      Ids[I] = Id ? *Id : llvm::toString(Id.takeError());
    });
  for (std::thread &Th : Threads)
    Th.join();
  EXPECT_EQ(std::set<std::string>(Ids.begin(), Ids.end()).size(), 1u);
  EXPECT_EQ(readFile(Path), Ids[0]);
}

//===----------------------------------------------------------------------===//
// The report rule and jail labels
//===----------------------------------------------------------------------===//

TEST(HooksReport, FailedRule) {
  using llvm::json::Object;
  EXPECT_FALSE(
      HookRunner::failed(Object{{"error", false}, {"message", nullptr}}));
  EXPECT_TRUE(HookRunner::failed(Object{{"error", true}, {"message", "x"}}));
  EXPECT_FALSE(HookRunner::failed(Object{
      {"error", false},
      {"message", nullptr},
      {"skydns",
       Object{{"web", Object{{"error", false}, {"message", "updated"}}}}}}));
  EXPECT_TRUE(HookRunner::failed(Object{
      {"error", false},
      {"message", nullptr},
      {"skydns",
       Object{{"web", Object{{"error", false}, {"message", "updated"}}}}},
      {"load-balancer",
       Object{{"db", Object{{"error", true}, {"message", "no"}}}}}}));
}

struct RunnerFixture : ::testing::Test {
  TempDir T;
  EngineConfig Cfg;
  void SetUp() override {
    ConfigOptions O;
    O.Prefix = T.path();
    Cfg = defaultConfig(O);
    Cfg.AppjailJails = T.path("jails");
    Cfg.ServerId = T.path("serverid");
    writeFile(Cfg.ServerId, "node-1");
    Cfg.Etcd.clear();
    EtcdHostConfig H;
    H.Host = "127.0.0.1";
    H.Port = freePort(); // nothing listens: validation never reaches it
    Cfg.Etcd.push_back(H);
    Cfg.DataPlaneApi.Present = true;
    Cfg.DataPlaneApi.Entrypoint =
        "http://127.0.0.1:" + std::to_string(freePort());
    Cfg.DataPlaneApi.Username = "admin";
    Cfg.DataPlaneApi.Password = "s3cret";
  }
};

using HooksLabels = RunnerFixture;

TEST_F(HooksLabels, ReadsOnlyOverlordLabelsWithValues) {
  std::string L = T.path("jails/j1/conf/labels/");
  writeFile(L + "overlord.skydns/value", "1");
  writeFile(L + "overlord.skydns.group/value", "web\n");
  writeFile(L + "overlord.skydns.ttl/value", "");
  llvm::sys::fs::create_directories(L + "overlord.skydns.ptr");
  writeFile(L + "app/value", "nginx");
  HookRunner R(Cfg, ToolPaths());
  auto Labels = R.readJailLabels("j1");
  ASSERT_TRUE(bool(Labels)) << llvm::toString(Labels.takeError());
  EXPECT_EQ(*Labels, (LabelMap{{"overlord.skydns", "1"},
                               {"overlord.skydns.group", "web"}}));
  auto None = R.readJailLabels("no-such-jail");
  ASSERT_TRUE(bool(None));
  EXPECT_TRUE(None->empty());
}

TEST_F(HooksLabels, UnreadableValueIsAnError) {
  std::string L = T.path("jails/j2/conf/labels/");
  llvm::sys::fs::create_directories(L + "overlord.skydns/value");
  HookRunner R(Cfg, ToolPaths());
  auto Labels = R.readJailLabels("j2");
  ASSERT_FALSE(bool(Labels));
  EXPECT_NE(llvm::toString(Labels.takeError()).find("cannot read"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Validation messages
//===----------------------------------------------------------------------===//

using HooksSkydnsValidation = RunnerFixture;

LabelMap skydnsBase() {
  return {{"overlord.skydns", "1"},
          {"overlord.skydns.group", "web"},
          {"overlord.skydns.interface", "lo"}};
}

std::string skydnsMessage(HookRunner &R, LabelMap L,
                          HookMode M = HookMode::Create) {
  HookOutcome O = R.runSkydns("p", "s", L, M);
  EXPECT_TRUE(O.Error);
  return O.Message.value_or("<none>");
}

TEST_F(HooksSkydnsValidation, NotEnabled) {
  HookRunner R(Cfg, ToolPaths());
  LabelMap L = skydnsBase();
  L.erase("overlord.skydns");
  HookOutcome O = R.runSkydns("p", "s", L, HookMode::Create);
  EXPECT_FALSE(O.Error);
  EXPECT_FALSE(O.Message.has_value());
}

TEST_F(HooksSkydnsValidation, EveryMessage) {
  HookRunner R(Cfg, ToolPaths());
  const std::string P = "(project:p, service:s, ";
  struct Case {
    std::vector<std::pair<std::string, std::string>> Set;
    std::vector<std::string> Erase;
    std::string Message;
  } Cases[] = {
      {{},
       {"overlord.skydns.group"},
       P + "label:overlord.skydns.group) group has not been specified, but "
           "is required."},
      {{},
       {"overlord.skydns.interface"},
       P + "label:overlord.skydns.interface) interface has not been "
           "specified, but is required."},
      {{{"overlord.skydns.interface", "nope0"}},
       {},
       P + "label:overlord.skydns.interface.address exception:"
           "InterfaceNotFound) nope0: Interface not found."},
      {{{"overlord.skydns.interface.address", "10.0.0.0/33"}},
       {},
       P + "label:overlord.skydns.interface.address exception:ValueError) "
           "'10.0.0.0/33' does not appear to be an IPv4 or IPv6 network"},
      {{{"overlord.skydns.interface.address", "10.0.0.0/8"}},
       {},
       P + "interface:lo, address:10.0.0.0/8, "
           "label:overlord.skydns.interface.address) no IP address has been "
           "found."},
      {{{"overlord.skydns.ttl", "sixty"}},
       {},
       P + "label:overlord.skydns.ttl) invalid TTL."},
      {{{"overlord.skydns.ttl", "-1"}},
       {},
       P + "label:overlord.skydns.ttl) invalid TTL."},
      {{{"overlord.skydns.group", "web.x"}},
       {},
       "Exception InvalidSpec: web.x: invalid group name."},
      {{{"overlord.skydns.group", "w"}},
       {},
       "Exception InvalidSpec: w: invalid group name."},
      {{{"overlord.skydns.srv", "1"}},
       {},
       P + "label:overlord.skydns.srv.port) port has not been specified, "
           "but is required."},
      {{{"overlord.skydns.srv", "1"}, {"overlord.skydns.srv.port", "http"}},
       {},
       P + "port:http, label:overlord.skydns.srv.port) invalid port."},
      {{{"overlord.skydns.srv", "1"}, {"overlord.skydns.srv.port", "70000"}},
       {},
       P + "port:70000, label:overlord.skydns.srv.port) invalid port."},
      {{{"overlord.skydns.srv", "1"}, {"overlord.skydns.srv.port", "80"}},
       {},
       P + "label:overlord.skydns.srv.proto) protocol has not been "
           "specified, but is required."},
      {{{"overlord.skydns.srv", "1"},
        {"overlord.skydns.srv.port", "80"},
        {"overlord.skydns.srv.proto", "t/cp"}},
       {},
       P + "proto:t/cp, label:overlord.skydns.srv.proto) invalid protocol."},
      {{{"overlord.skydns.srv", "1"},
        {"overlord.skydns.srv.port", "80"},
        {"overlord.skydns.srv.proto", "tcp"}},
       {},
       P + "label:overlord.skydns.srv.service) service has not been "
           "specified, but is required."},
      {{{"overlord.skydns.srv", "1"},
        {"overlord.skydns.srv.port", "80"},
        {"overlord.skydns.srv.proto", "tcp"},
        {"overlord.skydns.srv.service", "ht tp"}},
       {},
       P + "srv_service:ht tp, label:overlord.skydns.srv.service) invalid "
           "service."},
      {{{"overlord.skydns.srv", "1"},
        {"overlord.skydns.srv.port", "80"},
        {"overlord.skydns.srv.proto", "tcp"},
        {"overlord.skydns.srv.service", "http"},
        {"overlord.skydns.srv.priority", "high"}},
       {},
       P + "priority:high, label:overlord.skydns.srv.priority) invalid "
           "priority."},
      {{{"overlord.skydns.srv", "1"},
        {"overlord.skydns.srv.port", "80"},
        {"overlord.skydns.srv.proto", "tcp"},
        {"overlord.skydns.srv.service", "http"},
        {"overlord.skydns.srv.weight", "1.5"}},
       {},
       P + "weight:1.5, label:overlord.skydns.srv.weight) invalid weight."},
      {{{"overlord.skydns.srv", "1"},
        {"overlord.skydns.srv.port", "80"},
        {"overlord.skydns.srv.proto", "tcp"},
        {"overlord.skydns.srv.service", "http"},
        {"overlord.skydns.srv.ttl", "x"}},
       {},
       P + "ttl:x, label:overlord.skydns.srv.ttl) invalid TTL."},
  };
  for (const Case &C : Cases) {
    LabelMap L = skydnsBase();
    for (const auto &[K, V] : C.Set)
      L[K] = V;
    for (const std::string &K : C.Erase)
      L.erase(K);
    EXPECT_EQ(skydnsMessage(R, L), C.Message);
  }
}

TEST_F(HooksSkydnsValidation, ZoneAndServerId) {
  Cfg.SkydnsZone = "a..b";
  HookRunner R(Cfg, ToolPaths());
  EXPECT_EQ(skydnsMessage(R, skydnsBase()),
            "(project:p, service:s) skydns.zone 'a..b' is not a domain name.");
  Cfg.SkydnsZone = "example.org.";
  writeFile(Cfg.ServerId, "bad id");
  std::string M = skydnsMessage(R, skydnsBase());
  EXPECT_EQ(M.rfind("(project:p, service:s) cannot get the server id: "
                    "server id 'bad id'",
                    0),
            0u)
      << M;
}

TEST_F(HooksSkydnsValidation, EtcdDownIsAnErrorNotACrash) {
  HookRunner R(Cfg, ToolPaths());
  std::string M = skydnsMessage(R, skydnsBase());
  EXPECT_EQ(M.rfind("(project:p, service:s, record:address, "
                    "key:/skydns/web/node-1/) Exception EtcdException: All "
                    "etcd instances do not seem to work correctly. (127.0.0.1:",
                    0),
            0u)
      << M;
  // A host that failed recently is still tried when it is the only one.
  M = skydnsMessage(R, skydnsBase());
  EXPECT_NE(M.find("Exception EtcdException: All etcd instances do not seem "
                   "to work correctly. (127.0.0.1:"),
            std::string::npos)
      << M;
  // Its API path is discovered first: that request is the one that fails.
  EXPECT_NE(M.find("/version: "), std::string::npos) << M;
}

using HooksLoadBalancerValidation = RunnerFixture;

LabelMap lbBase() {
  return {{"overlord.load-balancer", "1"},
          {"overlord.load-balancer.backend", "web"},
          {"overlord.load-balancer.interface", "lo"},
          {"overlord.load-balancer.interface.port", "8080"}};
}

TEST_F(HooksLoadBalancerValidation, NotEnabled) {
  HookRunner R(Cfg, ToolPaths());
  LabelMap L = lbBase();
  L.erase("overlord.load-balancer");
  HookOutcome O = R.runLoadBalancer("p", "s", L, HookMode::Create);
  EXPECT_FALSE(O.Error);
  EXPECT_FALSE(O.Message.has_value());
}

TEST_F(HooksLoadBalancerValidation, EveryMessage) {
  HookRunner R(Cfg, ToolPaths());
  const std::string P = "(project:p, service:s, ";
  struct Case {
    std::vector<std::pair<std::string, std::string>> Set;
    std::vector<std::string> Erase;
    std::string Message;
  } Cases[] = {
      {{},
       {"overlord.load-balancer.backend"},
       P + "label:overlord.load-balancer.backend) backend has not been "
           "specified, but is required."},
      {{},
       {"overlord.load-balancer.interface"},
       P + "label:overlord.load-balancer.interface) interface has not been "
           "specified, but is required."},
      {{},
       {"overlord.load-balancer.interface.port"},
       P + "label:overlord.load-balancer.interface.port) port has not been "
           "specified, but is required."},
      {{{"overlord.load-balancer.interface.port", "80x"}},
       {},
       P + "port:80x, label:overlord.load-balancer.interface.port) invalid "
           "port."},
      {{{"overlord.load-balancer.interface.port", "0"}},
       {},
       P + "port:0, label:overlord.load-balancer.interface.port) invalid "
           "port."},
      {{{"overlord.load-balancer.interface", "nope0"}},
       {},
       P + "interface:nope0, address:None, exception:InterfaceNotFound, "
           "label:overlord.load-balancer.interface.address) nope0: Interface "
           "not found."},
      {{{"overlord.load-balancer.interface.address", "fd00::/8x"}},
       {},
       P + "interface:lo, address:fd00::/8x, exception:ValueError, "
           "label:overlord.load-balancer.interface.address) 'fd00::/8x' does "
           "not appear to be an IPv4 or IPv6 network"},
      {{{"overlord.load-balancer.interface.address", "10.0.0.0/8"}},
       {},
       P + "interface:lo, address:10.0.0.0/8, "
           "label:overlord.load-balancer.interface.address) no IP address "
           "has been found."},
  };
  for (const Case &C : Cases) {
    LabelMap L = lbBase();
    for (const auto &[K, V] : C.Set)
      L[K] = V;
    for (const std::string &K : C.Erase)
      L.erase(K);
    HookOutcome O = R.runLoadBalancer("p", "s", L, HookMode::Create);
    EXPECT_TRUE(O.Error);
    EXPECT_EQ(O.Message.value_or("<none>"), C.Message);
  }
  LabelMap L = lbBase();
  L["overlord.load-balancer.set.weight"] = "ten";
  HookOutcome O = R.runLoadBalancer("p", "s", L, HookMode::Create);
  EXPECT_TRUE(O.Error);
  EXPECT_EQ(O.Message->rfind(P + "exception:JSONDecodeError, "
                                 "label:overlord.load-balancer.set.weight) ",
                             0),
            0u)
      << *O.Message;
}

TEST_F(HooksLoadBalancerValidation, NotConfiguredAndUnreachable) {
  Cfg.DataPlaneApi.Present = false;
  {
    HookRunner R(Cfg, ToolPaths());
    HookOutcome O = R.runLoadBalancer("p", "s", lbBase(), HookMode::Create);
    EXPECT_TRUE(O.Error);
    EXPECT_EQ(
        *O.Message,
        "(project:p, service:s) Data Plane API client is not configured.");
  }
  Cfg.DataPlaneApi.Present = true;
  HookRunner R(Cfg, ToolPaths());
  HookOutcome O = R.runLoadBalancer("p", "s", lbBase(), HookMode::Destroy);
  EXPECT_TRUE(O.Error);
  std::string Want = "(project:p, service:s) cannot reach the Data Plane API: "
                     "GET " +
                     *Cfg.DataPlaneApi.Entrypoint +
                     "/v3/services/haproxy/configuration/version: ";
  EXPECT_EQ(O.Message->rfind(Want, 0), 0u) << *O.Message;
}

} // namespace
