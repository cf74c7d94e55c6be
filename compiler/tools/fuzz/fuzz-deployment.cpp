//===- fuzz-deployment.cpp - libFuzzer target: deployment files -*- C++ -*-===//
//
// Feeds arbitrary bytes as a deployment file through the whole front end
// `overlordc check` runs: a SourceMgr buffer -> yaml::parseBuffer ->
// sema::checkDeployment, with the embedded Director file parsed through
// yaml::parseEmbedded as in Driver/Frontend.cpp. `include:` never touches the
// filesystem here (LoadYamlFile returns nothing), and the environment is a
// fixed set of variables, so a run depends on the input bytes only.
// Diagnostics are printed into a null stream, alternating text and JSON, so
// the printers (locations, carets, fix-its) are fuzzed too.
//
//===----------------------------------------------------------------------===//
#include "overlord/Sema/SpecChecker.h"
#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Environment.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

using namespace overlord;

namespace {

/// The variables the seed corpus's `!ENV` scalars name.
Environment makeEnvironment() {
  Environment Env;
  Env.set("OVERLORD_FILE", "/fuzz/deployment.yml");
  Env.set("OVERLORD_WRKDIR", "/fuzz");
  Env.set("OVERLORD_METADATA", "/fuzz/metadata");
  Env.set("ENTRYPOINT", "http://127.0.0.1:8888");
  Env.set("TOKEN", "fuzz-token");
  return Env;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  static const Environment Env = makeEnvironment();
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  Diags.setErrorLimit(0);
  Diags.setFormat(Size % 2 ? DiagFormat::Json : DiagFormat::Text);

  llvm::StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  unsigned Buf = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Bytes, "deployment.yml"),
      llvm::SMLoc());

  yaml::ParseOptions PO;
  PO.Env = &Env;
  std::unique_ptr<ast::Document> Doc = yaml::parseBuffer(Buf, Diags, PO);
  if (Doc) {
    sema::CheckContext Ctx{Diags, nullptr, nullptr};
    Ctx.ParseEmbeddedYaml = [&](const ast::Value &S) {
      return yaml::parseEmbedded(S, Diags, PO);
    };
    Ctx.LoadYamlFile = [](llvm::StringRef, llvm::SMRange) {
      return std::unique_ptr<ast::Document>();
    };
    std::optional<ast::Deployment> Dep = sema::checkDeployment(*Doc, Ctx);
    // print-spec runs on every deployment that checks.
    if (Dep && !Diags.hasErrors())
      (void)sema::printSpec(*Dep, /*ShowSecrets=*/Size % 3 == 0);
  }
  Diags.flush(llvm::nulls());
  return 0;
}
