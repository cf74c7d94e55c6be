//===- SchemaCheckTest.cpp - SchemaChecker and checkDeployment --*- C++ -*-===//
//
// Unit tests for the schema toolkit and the spec checker on documents built
// by hand (no YAML front end), so they pin Sema's behaviour alone: types,
// unknown keys with suggestions, null-as-absent, required keys, regexes,
// the mis-nesting diagnosis, defaults and print-spec's masking.
//
//===----------------------------------------------------------------------===//
#include "../../lib/Sema/SchemaCheck.h"

#include "overlord/Sema/SpecChecker.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::sema;
using ast::Value;
using ast::ValueKind;

namespace {

/// A source buffer plus a document whose values point into it.
struct Fixture {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags{SM};
  CheckContext Ctx{Diags, nullptr, nullptr};
  ast::Document Doc;
  std::string Text;
  const char *Start = nullptr;

  explicit Fixture(llvm::StringRef T) : Text(T.str()) {
    unsigned B = SM.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(T, "t.yml"), llvm::SMLoc());
    Start = SM.getMemoryBuffer(B)->getBufferStart();
    Doc.BufferID = B;
  }
  /// The range of the first occurrence of Needle at or after From.
  llvm::SMRange at(llvm::StringRef Needle, size_t From = 0) {
    size_t Off = llvm::StringRef(Text).find(Needle, From);
    EXPECT_NE(Off, std::string::npos) << Needle.str();
    return {llvm::SMLoc::getFromPointer(Start + Off),
            llvm::SMLoc::getFromPointer(Start + Off + Needle.size())};
  }
  Value *str(llvm::StringRef S, size_t From = 0) {
    Value *V = Doc.create(ValueKind::String, at(S, From));
    V->Text = S.str();
    V->Style = ast::ScalarStyle::Plain;
    return V;
  }
  Value *integer(llvm::StringRef S, int64_t I) {
    Value *V = Doc.create(ValueKind::Int, at(S));
    V->IntVal = I;
    V->Style = ast::ScalarStyle::Plain;
    return V;
  }
  Value *map(llvm::SMRange R) { return Doc.create(ValueKind::Map, R); }
  Value *list(llvm::SMRange R) { return Doc.create(ValueKind::List, R); }
  std::string flush() {
    std::string S;
    llvm::raw_string_ostream OS(S);
    Diags.flush(OS);
    return OS.str();
  }
};

TEST(SchemaCheck, TypeMismatchWording) {
  Fixture F("maximumDeployments: x\n");
  SchemaChecker C(F.Diags, F.Ctx);
  Value *V = F.str("x");
  EXPECT_FALSE(C.expectInt(*V, "maximumDeployments"));
  std::string Out = F.flush();
  EXPECT_NE(Out.find("error: 'maximumDeployments' must be an integer, not a "
                     "string [TypeMismatch]"),
            std::string::npos)
      << Out;
}

TEST(SchemaCheck, ScalarWhereStringWantedIsQuoted) {
  Fixture F("PORT: 8080\n");
  SchemaChecker C(F.Diags, F.Ctx);
  Value *V = F.integer("8080", 8080);
  EXPECT_FALSE(C.expectString(*V, "environment.PORT"));
  ASSERT_EQ(F.Diags.getDiagnostics().size(), 1u);
  const Diagnostic &D = F.Diags.getDiagnostics()[0];
  ASSERT_EQ(D.FixIts.size(), 1u);
  EXPECT_EQ(D.FixIts[0].Text, "'8080'");
}

TEST(SchemaCheck, UnknownKeySuggestsAndFixes) {
  Fixture F("deployin: {}\n");
  SchemaChecker C(F.Diags, F.Ctx);
  Value *M = F.map(F.at("deployin: {}"));
  M->Entries.push_back({F.str("deployin"), F.map(F.at("{}"))});
  EXPECT_FALSE(C.checkKeys(*M, {"kind", "deployIn"}, ""));
  const Diagnostic &D = F.Diags.getDiagnostics().at(0);
  EXPECT_EQ(D.Message, "unknown key 'deployin'; did you mean 'deployIn'?");
  ASSERT_EQ(D.FixIts.size(), 1u);
  EXPECT_EQ(D.FixIts[0].Text, "deployIn");
}

TEST(SchemaCheck, NullCountsAsAbsent) {
  Fixture F("kind: ~\n");
  SchemaChecker C(F.Diags, F.Ctx);
  Value *M = F.map(F.at("kind: ~"));
  M->Entries.push_back(
      {F.str("kind"), F.Doc.create(ValueKind::Null, F.at("~"))});
  std::optional<std::string> S;
  EXPECT_TRUE(C.getString(*M, "kind", "", S));
  EXPECT_FALSE(S.has_value());
  EXPECT_EQ(C.require(*M, "kind", "", M->Range), nullptr);
  EXPECT_EQ(F.Diags.getDiagnostics().at(0).Message,
            "missing required key 'kind'");
}

TEST(SchemaCheck, PatternsAreFullMatches) {
  EXPECT_TRUE(SchemaChecker::matches("web-db1.front", patterns::Label));
  EXPECT_FALSE(SchemaChecker::matches("Web", patterns::Label));
  EXPECT_FALSE(SchemaChecker::matches("a\n", patterns::Chain));
  EXPECT_TRUE(SchemaChecker::matches("tor.makejail", patterns::MetadataKey));
  EXPECT_FALSE(SchemaChecker::matches("web_1_", patterns::MetadataKey));
  EXPECT_FALSE(SchemaChecker::matches("a.b", patterns::Chain));
}

TEST(SchemaCheck, IntRangeAndOneOf) {
  Fixture F("min: 0\ntype: averag\n");
  SchemaChecker C(F.Diags, F.Ctx);
  EXPECT_FALSE(
      C.checkIntRange(*F.integer("0", 0), "autoScale.replicas.min", 1));
  EXPECT_FALSE(C.checkOneOf(*F.str("averag"), {"any-jail", "average"},
                            "autoScale type"));
  const auto &Ds = F.Diags.getDiagnostics();
  ASSERT_EQ(Ds.size(), 2u);
  EXPECT_EQ(Ds[0].Message,
            "'autoScale.replicas.min' is 0; it must be greater than 0");
  EXPECT_EQ(Ds[1].Message,
            "unknown autoScale type 'averag'; did you mean 'average'?");
}

/// kind/datacenters/deployIn with `deployIn` nested under datacenters.main.
TEST(SpecChecker, MisnestedDeployInIsReportedOnce) {
  Fixture F("kind: readOnly\ndatacenters:\n  main:\n    deployIn:\n"
            "      labels: [all]\n");
  Value *Root = F.map(F.at("kind"));
  Root->Entries.push_back({F.str("kind"), F.str("readOnly")});
  Value *DCs = F.map(F.at("main"));
  Root->Entries.push_back({F.str("datacenters"), DCs});
  Value *Main = F.map(F.at("deployIn"));
  DCs->Entries.push_back({F.str("main"), Main});
  Value *DI = F.map(F.at("labels"));
  Main->Entries.push_back({F.str("deployIn"), DI});
  Value *Labels = F.list(F.at("[all]"));
  Labels->Items.push_back(F.str("all"));
  DI->Entries.push_back({F.str("labels"), Labels});
  F.Doc.Root = Root;
  EXPECT_FALSE(checkDeployment(F.Doc, F.Ctx).has_value());
  const auto &Ds = F.Diags.getDiagnostics();
  ASSERT_EQ(Ds.size(), 1u) << F.flush();
  EXPECT_EQ(Ds[0].Message, "'deployIn' is a top-level key, not a setting of "
                           "datacenter 'main'; it is indented under "
                           "'datacenters.main'");
  EXPECT_FALSE(Ds[0].FixIts.empty());
}

TEST(SpecChecker, DefaultsAndMaskedToken) {
  Fixture F("kind: readOnly\ndatacenters:\n  main:\n    access_token: s3cr3t\n"
            "deployIn:\n  labels: [all]\n");
  Value *Root = F.map(F.at("kind"));
  Root->Entries.push_back({F.str("kind"), F.str("readOnly")});
  Value *DCs = F.map(F.at("main"));
  Root->Entries.push_back({F.str("datacenters"), DCs});
  Value *Main = F.map(F.at("access_token"));
  DCs->Entries.push_back({F.str("main"), Main});
  Main->Entries.push_back({F.str("access_token"), F.str("s3cr3t")});
  Value *DI = F.map(F.at("labels"));
  Root->Entries.push_back({F.str("deployIn"), DI});
  Value *Labels = F.list(F.at("[all]"));
  Labels->Items.push_back(F.str("all", F.Text.find("[all]")));
  DI->Entries.push_back({F.str("labels"), Labels});
  F.Doc.Root = Root;
  std::optional<ast::Deployment> D = checkDeployment(F.Doc, F.Ctx);
  ASSERT_TRUE(D.has_value()) << F.flush();
  ASSERT_EQ(D->Datacenters.size(), 1u);
  EXPECT_EQ(D->Datacenters[0].ReadTimeout, 120);
  EXPECT_EQ(D->Deploy.Entrypoints, std::vector<std::string>{"main"});
  std::string Masked, Shown;
  llvm::raw_string_ostream(Masked) << printSpec(*D, false);
  llvm::raw_string_ostream(Shown) << printSpec(*D, true);
  EXPECT_EQ(Masked.find("s3cr3t"), std::string::npos) << Masked;
  EXPECT_NE(Masked.find("********"), std::string::npos) << Masked;
  EXPECT_NE(Shown.find("s3cr3t"), std::string::npos) << Shown;
}

} // namespace
