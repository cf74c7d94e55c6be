//===- JobJsonTest.cpp - What GET /v1/jobs/{id} shows of a job --*- C++ -*-===//
//
// toJSON() masks every environment value of a job's payload: a project's
// environment (an object) and a VM profile's environments (lists of one-key
// objects, as the reference's vmJail spec writes them).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Job.h"

#include "llvm/Support/FormatVariadic.h"

#include "gtest/gtest.h"

using namespace overlord::engine;

static std::string shown(llvm::StringRef Payload, JobKind K) {
  Job J;
  J.Id = 1;
  J.Kind = K;
  J.Project = "p";
  J.Payload = Payload.str();
  llvm::json::Object O = toJSON(J);
  return llvm::formatv("{0}", llvm::json::Value(std::move(*O.get("payload"))))
      .str();
}

TEST(JobJsonTest, ProjectEnvironmentIsMasked) {
  std::string S = shown(R"({"environment": {"DB_PASS": "hunter2"},
                            "director_file": "x"})",
                        JobKind::ProjectUp);
  EXPECT_EQ(S.find("hunter2"), std::string::npos) << S;
  EXPECT_NE(S.find("DB_PASS"), std::string::npos) << S;
  EXPECT_NE(S.find("director_file"), std::string::npos) << S;
}

TEST(JobJsonTest, VmEnvironmentListsAreMasked) {
  std::string S = shown(
      R"({"script-environment": [{"PASSWORD": "hunter2"}, "RAW=secret"],
          "start-environment": [{"TOKEN": "abc123"}],
          "build-environment": [], "template": {"cpu": "1"}})",
      JobKind::VmCreate);
  EXPECT_EQ(S.find("hunter2"), std::string::npos) << S;
  EXPECT_EQ(S.find("secret"), std::string::npos) << S;
  EXPECT_EQ(S.find("abc123"), std::string::npos) << S;
  EXPECT_NE(S.find("PASSWORD"), std::string::npos) << S;
  EXPECT_NE(S.find("\"cpu\":\"1\""), std::string::npos) << S;
}

TEST(JobJsonTest, NonJsonPayloadIsShownAsText) {
  EXPECT_EQ(shown("not json", JobKind::ProjectUp), "\"not json\"");
}
