//===- DslTest.cpp - Unit tests of the DSL front end ------------*- C++ -*-===//
//
// The library API of compiler/lib/Dsl: evaluation results as ast::Values
// (kinds, order, locations, env flags), the YAML emitter and the YAML ->
// DSL converter as inverses, and fmt's idempotency.
//
//===----------------------------------------------------------------------===//
#include "overlord/Dsl/Dsl.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

using namespace overlord;

namespace {

struct DslFixture : ::testing::Test {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags{SM};
  Environment Env;

  unsigned add(llvm::StringRef Text, llvm::StringRef Name = "t.ovl") {
    return SM.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(Text, Name),
                                 llvm::SMLoc());
  }
  std::unique_ptr<ast::Document> compile(llvm::StringRef Text,
                                         dsl::EnvTemplates *T = nullptr) {
    dsl::CompileOptions O;
    O.Env = &Env;
    O.Templates = T;
    return dsl::compileBuffer(add(Text), Diags, O);
  }
  std::string messages() {
    std::string S;
    llvm::raw_string_ostream OS(S);
    Diags.flush(OS);
    return OS.str();
  }
};

TEST_F(DslFixture, EvaluatesToTheYamlTree) {
  auto Doc = compile("let n = 2\n"
                     "deploy readOnly { maximumDeployments: n * 3, x: [true, null, 1.5, 10G] }\n");
  ASSERT_TRUE(Doc) << messages();
  const ast::Value &R = *Doc->Root;
  ASSERT_TRUE(R.isMap());
  ASSERT_EQ(R.Entries.size(), 3u);
  EXPECT_EQ(R.Entries[0].Key->Text, "kind"); // the kind comes first
  EXPECT_EQ(R.Entries[0].Val->Text, "readOnly");
  EXPECT_EQ(R.get("maximumDeployments")->IntVal, 6);
  const ast::Value *X = R.get("x");
  ASSERT_EQ(X->Items.size(), 4u);
  EXPECT_TRUE(X->Items[0]->isBool());
  EXPECT_TRUE(X->Items[1]->isNull());
  EXPECT_EQ(X->Items[2]->Kind, ast::ValueKind::Float);
  EXPECT_EQ(X->Items[3]->Text, "10G"); // sizes stay text
  // Locations point into the source.
  auto LC = SM.getLineAndColumn(R.get("maximumDeployments")->Range.Start);
  EXPECT_EQ(LC.first, 2u);
}

TEST_F(DslFixture, EnvValuesKeepTheirTemplate) {
  Env.set("HOST", "10.0.0.1");
  dsl::EnvTemplates T;
  auto Doc = compile("deploy readOnly { a: \"http://#{env(\"HOST\")}:2379\", "
                     "b: env(\"NOPE\", \"d\") }\n",
                     &T);
  ASSERT_TRUE(Doc) << messages();
  const ast::Value *A = Doc->Root->get("a");
  EXPECT_EQ(A->Text, "http://10.0.0.1:2379");
  EXPECT_TRUE(A->FromEnv);
  EXPECT_EQ(T[A], "http://${HOST}:2379");
  EXPECT_EQ(T[Doc->Root->get("b")], "${NOPE:d}");
  std::string Y = dsl::valueToYaml(*Doc->Root, T);
  EXPECT_NE(Y.find("a: !ENV 'http://${HOST}:2379'"), std::string::npos) << Y;
  EXPECT_EQ(Y.find("10.0.0.1"), std::string::npos) << Y; // never the value
}

TEST_F(DslFixture, UnsetEnvIsAnError) {
  EXPECT_FALSE(compile("deploy readOnly { a: env(\"SURELY_UNSET_X\") }\n"));
  EXPECT_NE(messages().find("[DslEnvUnset]"), std::string::npos);
}

TEST_F(DslFixture, YamlEmitterKeepsTextAndTypes) {
  auto Doc = compile("deploy readOnly {\n"
                     "  t:\n    | line one\n    |   indented\n"
                     "  s: \"yes\"\n  n: \"12\"\n  i: 12\n  q: \"it's\"\n}\n");
  ASSERT_TRUE(Doc) << messages();
  std::string Y = dsl::valueToYaml(*Doc->Root, {});
  // Read it back with the YAML front end: the same kinds and texts.
  unsigned B = add(Y, "back.yml");
  yaml::ParseOptions PO;
  auto Back = yaml::parseBuffer(B, Diags, PO);
  ASSERT_TRUE(Back && Back->Root) << messages() << Y;
  EXPECT_EQ(Back->Root->get("t")->Text, "line one\n  indented\n");
  EXPECT_TRUE(Back->Root->get("s")->isString()); // 'yes' quoted, not a bool
  EXPECT_TRUE(Back->Root->get("n")->isString());
  EXPECT_TRUE(Back->Root->get("i")->isInt());
  EXPECT_EQ(Back->Root->get("q")->Text, "it's");
}

TEST_F(DslFixture, YamlToDslToTheSameTree) {
  unsigned B = add("kind: metadata\nmetadata:\n  a.txt: |\n    x\n    y\n"
                   "  'k 2': \"#{not}\"\nn: 3\nb: no\n",
                   "in.yml");
  yaml::ParseOptions PO;
  auto Y = yaml::parseBuffer(B, Diags, PO);
  ASSERT_TRUE(Y) << messages();
  std::string D = dsl::yamlToDsl(*Y, SM);
  auto Doc = compile(D);
  ASSERT_TRUE(Doc) << messages() << D;
  const ast::Value *M = Doc->Root->get("metadata");
  EXPECT_EQ(M->get("a.txt")->Text, "x\ny\n");
  EXPECT_EQ(M->get("k 2")->Text, "#{not}"); // escaped, not interpolated
  EXPECT_EQ(Doc->Root->get("n")->IntVal, 3);
  EXPECT_TRUE(Doc->Root->get("b")->isBool());
  // convert's output is already formatted.
  unsigned F = add(D, "conv.ovl");
  std::optional<std::string> Formatted = dsl::formatBuffer(F, Diags);
  ASSERT_TRUE(Formatted);
  EXPECT_EQ(*Formatted, D);
}

TEST_F(DslFixture, FmtIsIdempotentAndKeepsComments) {
  unsigned B = add("let  a=[1,2]# c\nfn f(x:int)=x+ -1\ndeploy readOnly{x:f(a[0])}\n");
  std::optional<std::string> Once = dsl::formatBuffer(B, Diags);
  ASSERT_TRUE(Once) << messages();
  EXPECT_EQ(*Once, "let a = [1, 2] # c\nfn f(x: int) = x + -1\n"
                   "deploy readOnly { x: f(a[0]) }\n");
  unsigned B2 = add(*Once, "again.ovl");
  EXPECT_EQ(dsl::formatBuffer(B2, Diags), Once);
}

TEST_F(DslFixture, ErrorsDoNotCascade) {
  EXPECT_FALSE(compile("let a = 1 + \"x\"\nlet b = a + 1\nlet c = b * 2\n"
                       "deploy readOnly {}\n"));
  // One error for the one mistake; a and c are poisoned silently.
  EXPECT_EQ(Diags.getNumErrors(), 1u) << messages();
}

} // namespace
