//===- fuzz-makejail.cpp - libFuzzer target: Makejail files -----*- C++ -*-===//
//
// Feeds arbitrary bytes as a Makejail file to appjail::parseMakejail, the
// parser `overlordc check-makejail` and the metadata checks use, located
// through originForBuffer like a Makejail on disk. Each line is also checked
// as a Makejail reference (`gh+user/repo`, paths). Diagnostics are printed
// into a null stream.
//
//===----------------------------------------------------------------------===//
#include "overlord/AppJail/Makejail.h"
#include "overlord/Support/Diagnostics.h"

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
      llvm::MemoryBuffer::getMemBufferCopy(Bytes, "Makejail"), llvm::SMLoc());
  llvm::StringRef Text = SM.getMemoryBuffer(Buf)->getBuffer();

  (void)appjail::parseMakejail(Text, appjail::originForBuffer(Text), Diags);

  // References are one line each where they occur (`makejail:` values).
  llvm::StringRef Rest = Text;
  while (!Rest.empty()) {
    auto [Line, Tail] = Rest.split('\n');
    llvm::SMRange R(llvm::SMLoc::getFromPointer(Line.begin()),
                    llvm::SMLoc::getFromPointer(Line.end()));
    (void)appjail::checkMakejailReference(Line, R, Diags);
    Rest = Tail;
  }
  Diags.flush(llvm::nulls());
  return 0;
}
