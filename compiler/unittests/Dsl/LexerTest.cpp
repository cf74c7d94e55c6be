//===- LexerTest.cpp - The hand-written lexer against ANTLR's ---*- C++ -*-===//
//
// compiler/lib/Dsl/Lexer.cpp replaces the lexer ANTLR generates from
// grammar/OverlordLexer.g4 for speed; the grammar stays the reference. These
// tests compare both token streams (types, text, positions, channels,
// lexical errors) on tricky snippets, on generated random inputs, and on
// every .ovl file of the source tree plus the files named in
// OVERLORD_DSL_LEX_FILES (colon-separated; test/Dsl/lexer-crosscheck.test
// passes the 10,000-project benchmark file).
//
//===----------------------------------------------------------------------===//
#include "overlord/Dsl/Dsl.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <random>

using namespace overlord;

namespace {

void expectSame(llvm::StringRef Text, llvm::StringRef What) {
  std::optional<std::string> Diff = dsl::crossCheckLexers(Text);
  EXPECT_FALSE(Diff) << What.str() << ": " << *Diff << "\ninput: '"
                     << Text.str() << "'";
}

TEST(DslLexer, SnippetsLexLikeAntlr) {
  const char *Cases[] = {
      "",
      " ",
      "let x = 1",
      "import \"std/lb\" as lb\nenv_file \"a.env\"\n",
      // Keywords only as whole names; '-' belongs to names.
      "lets letx let-x env_files in_ if-then true false null nulls",
      // Numbers, sizes, durations, floats and their longest matches.
      "1 12 5s 5min 5mi 5m 5minx 2h 2d 2dx 2H 10k 10K 10G 2T 2p 2P 10e",
      "14.2 14. 14.x 1.5G 1.5s .5 0.0 007",
      // Operators.
      "=> == = != ! < <= > >= + - * / % . , : ( ) [ ] { }",
      "a=>b a==b a=b a!=b a<=b<c>=d>e",
      // Comments: hidden; unclosed block comments are `/` and `*`.
      "# note\n// note\r\n/* a\nb */ x /* unclosed\n",
      "/*/ x */ /**/ /*** ***/ //",
      "#{ not an interpolation outside strings",
      // Text blocks.
      "|a\n| b\n|\n  | c  \r\n",
      // Strings: escapes, interpolation, nested braces, lone '#'.
      "\"a \\\"b\\\" \\n \\# c\"",
      "\"#{x}#{ {a: \"#{y}\"} }# #1 ##{z}\"",
      "\"#{ } }\" } } }",
      "\"unterminated\nlet x = 1",
      "\"cr\r\"",
      // A backslash before the end of a line or of the file.
      "\"abc\\\ndef\"",
      "\"\\\ndef\"",
      "\"abc\\\r\ndef\"",
      "\"abc\\",
      "\"\\",
      // Unicode: one BAD_CHAR per code point, columns in code points.
      "é x\n\"日本 #{a} ü\" 🙂 y",
      "\"\\é\" x",
      // Stray characters.
      "? @ $ ^ & ~ ` ; \\ '\f\v",
  };
  for (const char *C : Cases)
    expectSame(C, "snippet");
  expectSame(llvm::StringRef("a\0b \"c\0d\"", 10), "NUL bytes");
}

TEST(DslLexer, RandomInputsLexLikeAntlr) {
  // Pieces that meet at every boundary the grammar cares about.
  static const char *Pieces[] = {
      "\"", "#{", "}", "{", "\\", "\n", "\r", "#", "//", "/*", "*/", "|",
      " ", "\t", "1", "42", "5min", "5m", "i", "n", "1.5", ".", "12.",
      "let", "lets", "env_file", "a-b", "_x", "=", "=>", "==", "!", "!=",
      "<", "<=", ">", ">=", "é", "日本", "\\\"", "\\#", "?", "s", "d", "h",
      "G", "in", "-", "*", "/", ",", ":", "(", ")", "[", "]", "true"};
  std::mt19937 Rng(20261127);
  std::uniform_int_distribution<size_t> Piece(0, std::size(Pieces) - 1);
  std::uniform_int_distribution<size_t> Len(1, 40);
  for (int I = 0; I < 4000; ++I) {
    std::string S;
    for (size_t N = Len(Rng); N; --N)
      S += Pieces[Piece(Rng)];
    std::optional<std::string> Diff = dsl::crossCheckLexers(S);
    ASSERT_FALSE(Diff) << *Diff << "\ninput: '" << S << "'";
  }
}

/// The checkout this test was built from (…/compiler/unittests/Dsl/x.cpp).
std::string sourceRoot() {
  llvm::SmallString<256> P(__FILE__);
  for (int I = 0; I < 4; ++I)
    llvm::sys::path::remove_filename(P);
  return std::string(P);
}

void crossCheckFile(const std::string &Path) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  ASSERT_TRUE(bool(Buf)) << Path;
  size_t Count = 0;
  std::optional<std::string> Diff =
      dsl::crossCheckLexers((*Buf)->getBuffer(), &Count);
  EXPECT_FALSE(Diff) << Path << ": " << *Diff;
  if (!Diff)
    std::cout << "cross-checked " << Path << ": " << Count << " tokens\n";
}

TEST(DslLexer, EveryOvlFileLexesLikeAntlr) {
  std::string Root = sourceRoot();
  size_t Files = 0;
  for (const char *Dir : {"examples", "stdlib", "test/Dsl", "bench/dsl"}) {
    llvm::SmallString<256> D(Root);
    llvm::sys::path::append(D, Dir);
    std::error_code EC;
    for (llvm::sys::fs::recursive_directory_iterator It(D, EC), End;
         It != End && !EC; It.increment(EC)) {
      llvm::StringRef P = It->path();
      // .test files hold DSL snippets (split-file inputs) too.
      if (!P.endswith(".ovl") && !(P.endswith(".test") && P.contains("/Dsl/")))
        continue;
      crossCheckFile(P.str());
      ++Files;
    }
  }
  EXPECT_GT(Files, 20u) << "no .ovl files under " << Root;
  if (const char *Extra = std::getenv("OVERLORD_DSL_LEX_FILES")) {
    llvm::SmallVector<llvm::StringRef, 4> Paths;
    llvm::StringRef(Extra).split(Paths, ':', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef P : Paths)
      crossCheckFile(P.str());
  }
}

} // namespace
