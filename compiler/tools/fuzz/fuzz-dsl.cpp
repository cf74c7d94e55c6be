//===- fuzz-dsl.cpp - libFuzzer target: the DSL front end -------*- C++ -*-===//
//
// Feeds arbitrary bytes as a `.ovl` file through the DSL front end the way
// `overlordc check` does (parse -> name check -> evaluate -> Sema on the
// result), then through `fmt` (and, when fmt succeeds, checks that the
// formatted text formats to itself). Imports and env files never touch the
// filesystem (ReadFile fails), the environment is fixed, and evaluation is
// bounded in steps and call depth, so a run depends on the input only and
// ends quickly. `import "std/..."` does read the stdlib, which is part of
// the compiler.
//
//===----------------------------------------------------------------------===//
#include "overlord/Dsl/Dsl.h"
#include "overlord/Sema/SpecChecker.h"
#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Environment.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace overlord;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  Environment Env;
  Env.set("ENTRYPOINT", "http://127.0.0.1:8888");
  Env.set("TOKEN", "fuzz-token");
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  Diags.setErrorLimit(0);
  Diags.setFormat(Size % 2 ? DiagFormat::Json : DiagFormat::Text);
  llvm::StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  unsigned Buf = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Bytes, "fuzz.ovl"), llvm::SMLoc());

  dsl::CompileOptions CO;
  CO.Env = &Env;
  CO.ReadFile = [](llvm::StringRef, llvm::SMRange) { return 0u; };
  CO.MaxSteps = 200'000;
  CO.MaxCallDepth = 64;
  CO.MaxEvalDepth = 2'000;
  CO.MaxValues = 200'000;
  dsl::EnvTemplates Templates;
  CO.Templates = &Templates;
  std::unique_ptr<ast::Document> Doc = dsl::compileBuffer(Buf, Diags, CO);
  if (Doc && Doc->Root) {
    yaml::ParseOptions PO;
    PO.Env = &Env;
    sema::CheckContext Ctx{Diags, nullptr, nullptr};
    Ctx.ParseEmbeddedYaml = [&](const ast::Value &S) {
      return yaml::parseEmbedded(S, Diags, PO);
    };
    (void)sema::checkDeployment(*Doc, Ctx);
    (void)dsl::valueToYaml(*Doc->Root, Templates);
  }
  if (std::optional<std::string> Out = dsl::formatBuffer(Buf, Diags)) {
    unsigned Again = SM.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(*Out, "fmt.ovl"), llvm::SMLoc());
    std::optional<std::string> Twice = dsl::formatBuffer(Again, Diags);
    if (!Twice || *Twice != *Out)
      abort(); // fmt must be idempotent
  }
  Diags.flush(llvm::nulls());
  return 0;
}
