//===- YamlParserTest.cpp - YAML front end unit tests -----------*- C++ -*-===//
//
// Scalar resolution (PyYAML SafeLoader rules), source ranges, merge keys,
// !ENV, env files, and the location mapping of a Director file embedded in
// a literal block scalar (parseEmbedded).
//
//===----------------------------------------------------------------------===//
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace overlord;

namespace {

struct Parsed {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags{SM};
  Environment Env;
  yaml::ParseOptions Opts;
  unsigned Buf = 0;
  std::unique_ptr<ast::Document> Doc;

  Parsed() { Opts.Env = &Env; }
  const ast::Value *parse(llvm::StringRef Text) {
    Buf = SM.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(Text, "t.yml"), llvm::SMLoc());
    Doc = yaml::parseBuffer(Buf, Diags, Opts);
    return Doc ? Doc->Root : nullptr;
  }
  /// "line:col" of a location.
  std::string at(llvm::SMLoc L) {
    auto LC = SM.getLineAndColumn(L);
    return std::to_string(LC.first) + ":" + std::to_string(LC.second);
  }
  std::string kinds() {
    std::string S;
    for (const Diagnostic &D : Diags.getDiagnostics())
      S += getDiagInfo(D.ID).Name.str() + " ";
    return S;
  }
};

const ast::Value *scalar(llvm::StringRef Text) {
  static Parsed *P = nullptr;
  delete P;
  P = new Parsed;
  std::string Doc = "v: " + Text.str() + "\n";
  const ast::Value *Root = P->parse(Doc);
  return Root ? Root->get("v") : nullptr;
}

TEST(YamlResolve, NullsAndBools) {
  for (const char *S : {"~", "null", "Null", "NULL", "''"})
    EXPECT_EQ(scalar(S)->Kind, std::string(S) == "''" ? ast::ValueKind::String
                                                      : ast::ValueKind::Null)
        << S;
  for (const char *S : {"yes", "Yes", "YES", "on", "On", "true", "TRUE"}) {
    EXPECT_TRUE(scalar(S)->isBool()) << S;
    EXPECT_TRUE(scalar(S)->BoolVal) << S;
  }
  for (const char *S : {"no", "NO", "off", "Off", "false", "False"}) {
    EXPECT_TRUE(scalar(S)->isBool()) << S;
    EXPECT_FALSE(scalar(S)->BoolVal) << S;
  }
  for (const char *S : {"yEs", "y", "n", "'yes'", "\"true\""})
    EXPECT_TRUE(scalar(S)->isString()) << S;
}

TEST(YamlResolve, Ints) {
  struct {
    const char *Text;
    int64_t Val;
  } Cases[] = {{"0", 0},
               {"42", 42},
               {"-17", -17},
               {"+5", 5},
               {"1_000", 1000},
               {"0750", 488},
               {"0b101", 5},
               {"0x1F", 31},
               {"-0x10", -16},
               {"1:30", 90},
               {"190:20:30", 685230},
               {"9223372036854775807", INT64_MAX},
               {"-9223372036854775808", INT64_MIN}};
  for (auto &C : Cases) {
    const ast::Value *V = scalar(C.Text);
    ASSERT_TRUE(V->isInt()) << C.Text;
    EXPECT_EQ(V->IntVal, C.Val) << C.Text;
  }
  for (const char *S : {"0o750", "09", "1e3", "0x", "12:70", "'8'"})
    EXPECT_TRUE(scalar(S)->isString()) << S;
  EXPECT_EQ(scalar("1_")->Kind, ast::ValueKind::Int) << "PyYAML: [1-9][0-9_]*";
}

TEST(YamlResolve, Floats) {
  EXPECT_DOUBLE_EQ(scalar("1.5")->FloatVal, 1.5);
  EXPECT_DOUBLE_EQ(scalar("-2.")->FloatVal, -2.0);
  EXPECT_DOUBLE_EQ(scalar(".5")->FloatVal, 0.5);
  EXPECT_DOUBLE_EQ(scalar("1.0e+3")->FloatVal, 1000.0);
  EXPECT_DOUBLE_EQ(scalar("1:30.5")->FloatVal, 90.5);
  EXPECT_TRUE(std::isinf(scalar(".inf")->FloatVal));
  EXPECT_TRUE(std::isinf(scalar("-.Inf")->FloatVal));
  EXPECT_TRUE(std::isnan(scalar(".NaN")->FloatVal));
  for (const char *S : {"1e3", "1.0e3", "inf", "nan", "1.2.3", ".", "-.nan"})
    EXPECT_EQ(scalar(S)->Kind, ast::ValueKind::String) << S;
}

TEST(YamlResolve, ExplicitTags) {
  EXPECT_TRUE(scalar("!!str 8")->isString());
  EXPECT_EQ(scalar("!!str 8")->Tag, "!!str");
  EXPECT_EQ(scalar("!!int '8'")->IntVal, 8);
  EXPECT_TRUE(scalar("!!bool 'YES'")->BoolVal);
  EXPECT_TRUE(scalar("!!null x")->isNull());
  EXPECT_DOUBLE_EQ(scalar("!!float '3'")->FloatVal, 3.0);
}

TEST(YamlParser, RangesAndStyles) {
  Parsed P;
  const ast::Value *R = P.parse("a: plain text  # c\nb: 'q''s'\nc: \"d\"\n"
                                "d: [x, {y: z}]\ne:\nf: |\n  l1\n  l2\n");
  ASSERT_TRUE(R);
  EXPECT_EQ(P.kinds(), "");
  const ast::MapEntry *A = R->getEntry("a");
  EXPECT_EQ(P.at(A->Key->Range.Start), "1:1");
  EXPECT_EQ(P.at(A->Key->Range.End), "1:2");
  EXPECT_EQ(P.at(A->Val->Range.End), "1:14");
  EXPECT_EQ(A->Val->Style, ast::ScalarStyle::Plain);
  const ast::Value *B = R->get("b");
  EXPECT_EQ(B->Text, "q's");
  EXPECT_EQ(B->Style, ast::ScalarStyle::SingleQuoted);
  EXPECT_EQ(P.at(B->Range.End), "2:10");
  EXPECT_EQ(R->get("c")->Style, ast::ScalarStyle::DoubleQuoted);
  const ast::Value *D = R->get("d");
  EXPECT_EQ(P.at(D->Range.Start), "4:4");
  EXPECT_EQ(P.at(D->Range.End), "4:15");
  EXPECT_EQ(P.at(R->get("e")->Range.Start), "5:3");
  const ast::Value *F = R->get("f");
  EXPECT_EQ(F->Style, ast::ScalarStyle::Literal);
  EXPECT_EQ(F->Text, "l1\nl2\n");
  EXPECT_EQ(P.at(F->Range.End), "8:5");
  EXPECT_EQ(P.at(F->Origin.locate(1, 1)), "8:4");
}

TEST(YamlParser, EmptyFileHasNoRoot) {
  Parsed P;
  P.parse("# only a comment\n");
  ASSERT_TRUE(P.Doc);
  EXPECT_EQ(P.Doc->Root, nullptr);
}

TEST(YamlParser, MergeKeys) {
  Parsed P;
  const ast::Value *R = P.parse("base: &b {x: 1, y: 2}\n"
                                "other: &o {z: 3}\n"
                                "m:\n  <<: [*b, *o]\n  y: 9\n");
  ASSERT_TRUE(R);
  EXPECT_EQ(P.kinds(), "");
  const ast::Value *M = R->get("m");
  EXPECT_EQ(M->get("y")->IntVal, 9);
  EXPECT_EQ(M->get("x")->IntVal, 1);
  EXPECT_EQ(M->get("z")->IntVal, 3);
  EXPECT_EQ(M->get("<<"), nullptr);
}

TEST(YamlParser, AliasesShareNodes) {
  Parsed P;
  const ast::Value *R = P.parse("a: &x [1, 2]\nb: *x\n");
  ASSERT_TRUE(R);
  EXPECT_EQ(R->get("a"), R->get("b"));
}

TEST(YamlParser, NeverThrowsOnGarbage) {
  const char *Inputs[] = {
      "[",         "{",         "a: [}",        "&",
      "*",         "!<",        "- - - -\n  ]", "? ? ?",
      "a: |0\n x", "\"\\u12\"", "%YAML 9.9\n",  "a: 'x\n---\n'"};
  for (const char *In : Inputs) {
    Parsed P;
    P.parse(In);
  }
}

TEST(YamlEnv, Substitution) {
  Parsed P;
  P.Env.set("H", "host");
  P.Env.set("PORT", "8080");
  const ast::Value *R =
      P.parse("a: !ENV 'http://${H}:${PORT}/${H}'\nb: !ENV '${NOPE:dflt:x}'\n"
              "c: !ENV '${NOPE}'\nd: !ENV 'tag:yaml.org,2002:int ${PORT}'\n"
              "e: !ENV '${X:}'\nf: '${H}'\n");
  ASSERT_TRUE(R);
  EXPECT_EQ(R->get("a")->Text, "http://host:8080/host");
  EXPECT_TRUE(R->get("a")->FromEnv);
  EXPECT_EQ(R->get("b")->Text, "dflt:x");
  EXPECT_EQ(R->get("c")->Text, "");
  EXPECT_TRUE(R->get("d")->isInt());
  EXPECT_EQ(R->get("d")->IntVal, 8080);
  EXPECT_EQ(R->get("e")->Text, "${X:}");
  EXPECT_EQ(R->get("f")->Text, "${H}");
  EXPECT_EQ(P.kinds(), "EnvVarUnset ");
}

TEST(YamlSecret, MarksStringsAndSubstitutes) {
  Parsed P;
  P.Env.set("PW", "hunter2");
  const ast::Value *R =
      P.parse("a: !SECRET 'db:${PW}'\nb: !SECRET 42\n"
              "c: !SECRET 'tag:yaml.org,2002:int 5'\nd: plain\n"
              "e: !SECRET [x]\n");
  ASSERT_TRUE(R);
  EXPECT_EQ(R->get("a")->Text, "db:hunter2");
  EXPECT_TRUE(R->get("a")->Secret);
  EXPECT_TRUE(R->get("a")->FromEnv);
  EXPECT_TRUE(R->get("b")->isString());
  EXPECT_EQ(R->get("b")->Text, "42");
  EXPECT_TRUE(R->get("b")->Secret);
  EXPECT_FALSE(R->get("b")->FromEnv);
  EXPECT_TRUE(R->get("c")->isString()); // never coerced, unlike !ENV
  EXPECT_FALSE(R->get("d")->Secret);
  EXPECT_EQ(P.kinds(), "SecretTagOnCollection ");
}

TEST(YamlEnvFile, DotenvSyntax) {
  Parsed P;
  P.Env.set("PRESET", "kept");
  unsigned B = P.SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          "# comment\nexport A=1\nB = two words # trailing\n"
          "C='single ${A} \\' q'\nD=\"dq\\n${A}\"\nE=${A}-${MISSING:-def}\n"
          "PRESET=new\nM=\"line1\nline2\"\nBARE\n'Q K'=v\n",
          "t.env"),
      llvm::SMLoc());
  EXPECT_TRUE(yaml::loadEnvFile(B, P.Diags, P.Env));
  EXPECT_EQ(P.kinds(), "");
  EXPECT_EQ(*P.Env.lookup("A"), "1");
  EXPECT_EQ(*P.Env.lookup("B"), "two words");
  EXPECT_EQ(*P.Env.lookup("C"), "single ${A} ' q");
  EXPECT_EQ(*P.Env.lookup("D"), "dq\n1");
  EXPECT_EQ(*P.Env.lookup("E"), "1-def");
  EXPECT_EQ(*P.Env.lookup("PRESET"), "kept");
  EXPECT_EQ(*P.Env.lookup("M"), "line1\nline2");
  EXPECT_FALSE(P.Env.contains("BARE"));
  EXPECT_EQ(*P.Env.lookup("Q K"), "v");
}

TEST(YamlEmbedded, LocatesInsideLiteralBlock) {
  Parsed P;
  const ast::Value *R = P.parse("kind: directorProject\n"
                                "projectFile: |\n"
                                "  services:\n"
                                "    web:\n"
                                "      name: a\n"
                                "  volumes: [x\n");
  ASSERT_TRUE(R);
  const ast::Value *PF = R->get("projectFile");
  ASSERT_TRUE(PF && PF->Origin.isExact());
  auto Inner = yaml::parseEmbedded(*PF, P.Diags, P.Opts);
  // The unterminated flow list is a syntax error located in the outer file.
  ASSERT_EQ(P.Diags.getDiagnostics().size(), 1u);
  EXPECT_EQ(P.at(P.Diags.getDiagnostics()[0].Range.Start).substr(0, 2), "6:");
  P.Diags.clear();

  Parsed Q;
  const ast::Value *R2 = Q.parse("projectFile: |\n"
                                 "  services:\n"
                                 "    web:\n"
                                 "      name: a\n"
                                 "      name: b\n");
  auto Doc = yaml::parseEmbedded(*R2->get("projectFile"), Q.Diags, Q.Opts);
  ASSERT_TRUE(Doc && Doc->Root);
  ASSERT_EQ(Q.kinds(), "DuplicateKey ");
  const Diagnostic &D = Q.Diags.getDiagnostics()[0];
  EXPECT_EQ(Q.at(D.Range.Start), "5:7");
  EXPECT_EQ(Q.at(D.Range.End), "5:11");
  EXPECT_EQ(Q.at(D.Notes[0].Range.Start), "4:7");
  const ast::Value *Web = Doc->Root->get("services")->get("web");
  EXPECT_EQ(Q.at(Web->get("name")->Range.Start), "4:13");
}

} // namespace
