//===- overlordd.cpp - The overlord node engine ---------------------------===//
//
// The thin main of `overlordd`; everything is in the Api library
// (overlord/Engine/Daemon.h). See docs/overlordd.md.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Daemon.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

int main(int Argc, char **Argv) {
  std::vector<std::string> Args(Argv + 1, Argv + Argc);
  return overlord::engine::runOverlordd(Args, llvm::outs(), llvm::errs());
}
