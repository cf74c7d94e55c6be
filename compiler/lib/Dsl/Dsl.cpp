//===- Dsl.cpp - DSL front end entry points ---------------------*- C++ -*-===//
//
// compileBuffer: parse -> imports and env files -> name check -> evaluate
// -> the deployment document. The stdlib is found without configuration:
// installed next to overlordc (`<prefix>/share/overlord/stdlib`), or, in a
// build tree, in the source checkout the binary was built from.
//
//===----------------------------------------------------------------------===//
#include "overlord/Dsl/Dsl.h"

#include "Eval.h"
#include "Parse.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace overlord;
using namespace overlord::dsl;

bool dsl::isDslPath(llvm::StringRef Path) { return Path.endswith(".ovl"); }

std::vector<std::string> dsl::defaultStdlibDirs() {
  std::vector<std::string> Dirs;
  // The running binary: <prefix>/bin/overlordc -> <prefix>/share/...
  static int Anchor;
  std::string Exe = llvm::sys::fs::getMainExecutable(nullptr, &Anchor);
  if (!Exe.empty()) {
    llvm::SmallString<256> Bin(llvm::sys::path::parent_path(Exe));
    llvm::SmallString<256> Share(Bin);
    llvm::sys::path::append(Share, "..", "share", "overlord", "stdlib");
    if (llvm::sys::fs::is_directory(Share))
      Dirs.push_back(std::string(Share));
  }
#ifdef OVERLORD_SOURCE_STDLIB_DIR
  if (llvm::sys::fs::is_directory(OVERLORD_SOURCE_STDLIB_DIR))
    Dirs.push_back(OVERLORD_SOURCE_STDLIB_DIR);
#endif
  return Dirs;
}

bool dsl::checkSyntax(unsigned BufferID, DiagnosticEngine &Diags) {
  return parseModule(BufferID, Diags) != nullptr;
}

std::unique_ptr<ast::Document>
dsl::compileBuffer(unsigned BufferID, DiagnosticEngine &Diags,
                   const CompileOptions &Opts) {
  auto Doc = std::make_unique<ast::Document>();
  Doc->BufferID = BufferID;
  Evaluator E(Diags, Opts, *Doc);
  llvm::StringRef Name =
      Diags.getSourceMgr().getMemoryBuffer(BufferID)->getBufferIdentifier();
  llvm::SmallString<256> Path(Name);
  if (Name != "-" && !Name.empty()) {
    llvm::sys::fs::make_absolute(Path);
    llvm::SmallString<256> Real;
    if (!llvm::sys::fs::real_path(Path, Real))
      Path = Real;
  } else {
    // Standard input: imports are relative to the working directory.
    llvm::sys::fs::current_path(Path);
    llvm::sys::path::append(Path, "<stdin>.ovl");
  }
  ModuleInst *M = E.loadModule(BufferID, std::string(Path), llvm::SMRange());
  if (!M)
    return nullptr;
  if (!M->Syn->Deploy) {
    if (Opts.RequireDeployment) {
      llvm::StringRef Buf =
          Diags.getSourceMgr().getMemoryBuffer(BufferID)->getBuffer();
      Diags.emit(llvm::SMLoc::getFromPointer(Buf.begin()),
                 diag::DslNoDeployment);
      return nullptr;
    }
    E.evalAllGlobals(*M);
    return E.failed() ? nullptr : std::move(Doc);
  }
  const ast::Value *Root = E.evalDeployment(*M);
  // Every top-level `let` of the file is evaluated, used or not, so its
  // type errors are found now rather than when someone first uses it.
  if (Root && !E.failed())
    E.evalAllGlobals(*M);
  if (!Root || E.failed())
    return nullptr;
  Doc->Root = Root;
  return Doc;
}
