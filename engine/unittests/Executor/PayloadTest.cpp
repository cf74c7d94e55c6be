//===- PayloadTest.cpp - Job payload and environ decoding -----------------===//
//
// The payload decoders are strict (a wrong type names the field) and the
// environ_from_metadata reader accepts a flat YAML map of scalars only.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Executor.h"

#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::engine;

namespace {

std::string errorOf(llvm::Error E) { return llvm::toString(std::move(E)); }

TEST(ExecutorPayload, ProjectUpDecodes) {
  llvm::Expected<ProjectUpPayload> P = parseProjectUpPayload(
      R"({"director_file": "services: {}", "environment": {"A": "1"},
          "restart": true, "reserve_port": {"lo": null, "em0": "10.0.0.0/8"},
          "hooks": [{"op": "lb.server"}]})");
  ASSERT_TRUE(bool(P)) << errorOf(P.takeError());
  EXPECT_EQ(P->DirectorFile, std::optional<std::string>("services: {}"));
  EXPECT_EQ(P->Environment.at("A"), "1");
  EXPECT_TRUE(P->Restart);
  EXPECT_EQ(P->ReservePort.at("lo"), std::nullopt);
  EXPECT_EQ(P->ReservePort.at("em0"), std::optional<std::string>("10.0.0.0/8"));
}

TEST(ExecutorPayload, ProjectUpRejectsWrongShapes) {
  struct Case {
    const char *Json, *Want;
  } Cases[] = {
      {"[]", "not a JSON object"},
      {"{", "not JSON"},
      {"{}", "exactly one of 'director_file' and 'director_metadata'"},
      {R"({"director_file": "x", "director_metadata": "k"})", "exactly one"},
      {R"({"director_file": 1})", "'director_file' must be a string"},
      {R"({"director_file": "x", "environment": {"A": 1}})",
       "'environment.A' must be a string"},
      {R"({"director_file": "x", "environment": []})",
       "'environment' must be an object"},
      {R"({"director_file": "x", "restart": "false"})",
       "'restart' must be a boolean"},
      {R"({"director_file": "x", "reserve_port": {"lo": 5}})",
       "'reserve_port.lo' must be a string or null"},
  };
  for (const Case &C : Cases) {
    llvm::Expected<ProjectUpPayload> P = parseProjectUpPayload(C.Json);
    ASSERT_FALSE(bool(P)) << C.Json;
    EXPECT_NE(errorOf(P.takeError()).find(C.Want), std::string::npos)
        << C.Json;
  }
}

TEST(ExecutorPayload, ProjectDownAndMetadata) {
  llvm::Expected<ProjectDownPayload> D =
      parseProjectDownPayload(R"({"force": true})");
  ASSERT_TRUE(bool(D)) << errorOf(D.takeError());
  EXPECT_TRUE(D->Force);
  EXPECT_TRUE(D->Environment.empty());
  llvm::Expected<ProjectDownPayload> Bad =
      parseProjectDownPayload(R"({"force": 1})");
  ASSERT_FALSE(bool(Bad));
  llvm::consumeError(Bad.takeError());
  llvm::Expected<MetadataPayload> M =
      parseMetadataPayload(R"({"key": "k"})", /*NeedValue=*/true);
  ASSERT_FALSE(bool(M));
  EXPECT_NE(errorOf(M.takeError()).find("'value' is required"),
            std::string::npos);
}

TEST(ExecutorEnviron, FlatMapOfScalars) {
  auto E = parseEnvironYaml("A: x\nPORT: 8080\nFLAG: yes\nPI: 3.5\n", "k");
  ASSERT_TRUE(bool(E)) << errorOf(E.takeError());
  EXPECT_EQ(*E, (std::map<std::string, std::string>{
                    {"A", "x"}, {"PORT", "8080"}, {"FLAG", "True"},
                    {"PI", "3.5"}}));
  auto Empty = parseEnvironYaml("", "k");
  ASSERT_TRUE(bool(Empty));
  EXPECT_TRUE(Empty->empty());
}

TEST(ExecutorEnviron, RejectsWhatIsNotAnEnvironment) {
  struct Case {
    const char *Text, *Want;
  } Cases[] = {
      {"- a\n- b\n", "expected a map of environment variables, got a list"},
      {"A: [1, 2]\n", "the value of 'A' must be a scalar"},
      {"A:\n", "the value of 'A' must be a scalar"},
      {"1A: x\n", "'1A' is not an environment variable name"},
      {"A=B: x\n", "is not an environment variable name"},
      {"A: x\nA: y\n", "not YAML"},
      {"A: [\n", "not YAML: line"},
  };
  for (const Case &C : Cases) {
    auto E = parseEnvironYaml(C.Text, "web.env");
    ASSERT_FALSE(bool(E)) << C.Text;
    std::string Msg = errorOf(E.takeError());
    EXPECT_NE(Msg.find(C.Want), std::string::npos) << C.Text << ": " << Msg;
    EXPECT_NE(Msg.find("metadata 'web.env'"), std::string::npos);
  }
}

} // namespace
