//===- fuzz-envfile.cpp - libFuzzer target: .env files ----------*- C++ -*-===//
//
// Feeds arbitrary bytes as a dotenv file (`-e/--env-file`) to
// yaml::loadEnvFile, starting from a fixed environment so that `${VAR}`
// expansion and "never override" are exercised deterministically.
// Diagnostics are printed into a null stream.
//
//===----------------------------------------------------------------------===//
#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Environment.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

using namespace overlord;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  Diags.setErrorLimit(0);
  Diags.setFormat(Size % 2 ? DiagFormat::Json : DiagFormat::Text);

  llvm::StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  unsigned Buf = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Bytes, ".env"), llvm::SMLoc());

  Environment Env;
  Env.set("HOME", "/home/fuzz");
  Env.set("TOKEN", "fuzz-token");
  (void)yaml::loadEnvFile(Buf, Diags, Env);
  Diags.flush(llvm::nulls());
  return 0;
}
