//===- Frontend.cpp - Load and check a deployment file ----------*- C++ -*-===//
#include "overlord/Driver/Frontend.h"

#include "overlord/Dsl/Dsl.h"
#include "overlord/Sema/SpecChecker.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace overlord;
using namespace overlord::driver;

unsigned Frontend::readFile(llvm::StringRef Path, llvm::SMRange From,
                            uint64_t MaxBytes) {
  llvm::SourceMgr &SM = Diags.getSourceMgr();
  if (Path != "-") {
    llvm::sys::fs::file_status St;
    if (!llvm::sys::fs::status(Path, St) &&
        St.type() == llvm::sys::fs::file_type::directory_file) {
      Diags.emit(From, diag::FileUnreadable, Path.str(),
                 std::string("is a directory"));
      return 0;
    }
    if (!llvm::sys::fs::status(Path, St) && St.getSize() > MaxBytes) {
      Diags.emit(From, diag::FileTooLarge, Path.str(), St.getSize(), MaxBytes);
      return 0;
    }
  }
  auto BufOr = Path == "-" ? llvm::MemoryBuffer::getSTDIN()
                           : llvm::MemoryBuffer::getFile(
                                 Path, /*IsText=*/false,
                                 /*RequiresNullTerminator=*/true);
  if (!BufOr) {
    Diags.emit(From, diag::FileUnreadable, Path.str(),
               BufOr.getError().message());
    return 0;
  }
  if ((*BufOr)->getBufferSize() > MaxBytes) {
    Diags.emit(From, diag::FileTooLarge, Path.str(),
               uint64_t((*BufOr)->getBufferSize()), MaxBytes);
    return 0;
  }
  return SM.AddNewSourceBuffer(std::move(*BufOr), llvm::SMLoc());
}

bool Frontend::loadEnvFiles(const FrontendOptions &Opts) {
  std::vector<std::string> EnvFiles = Opts.EnvFiles;
  if (EnvFiles.empty() && Opts.DefaultEnvFile && llvm::sys::fs::exists(".env"))
    EnvFiles.push_back(".env");
  bool Ok = true;
  for (const std::string &F : EnvFiles) {
    unsigned Buf = readFile(F, llvm::SMRange(), Opts.MaxFileBytes);
    if (!Buf || !yaml::loadEnvFile(Buf, Diags, Env))
      Ok = false;
  }
  return Ok;
}

std::optional<ast::Deployment> Frontend::load(const FrontendOptions &Opts) {
  // Env files first: `!ENV` in the deployment file reads them.
  bool EnvOk = loadEnvFiles(Opts);

  // The reference sets these just before parsing the file.
  llvm::SmallString<256> Abs(Opts.File);
  if (Opts.File != "-") {
    llvm::sys::fs::make_absolute(Abs);
    Env.set("OVERLORD_FILE", Abs);
    Env.set("OVERLORD_WRKDIR", llvm::sys::path::parent_path(Abs));
  }

  unsigned Buf = readFile(Opts.File, llvm::SMRange(), Opts.MaxFileBytes);
  if (!Buf)
    return std::nullopt;
  yaml::ParseOptions PO;
  PO.Env = &Env;
  std::unique_ptr<ast::Document> Doc;
  if (dsl::isDslPath(Opts.File)) {
    // The native DSL evaluates to the same located tree (docs/LangRef.md).
    dsl::CompileOptions CO;
    CO.Env = &Env;
    CO.ReadFile = [this, &Opts](llvm::StringRef Path, llvm::SMRange From) {
      return readFile(Path, From, Opts.MaxFileBytes);
    };
    Doc = dsl::compileBuffer(Buf, Diags, CO);
  } else {
    Doc = yaml::parseBuffer(Buf, Diags, PO);
  }
  if (!Doc)
    return std::nullopt;
  const ast::Document &D = *Docs.emplace_back(std::move(Doc));

  sema::CheckContext Ctx{Diags, nullptr, nullptr};
  Ctx.ParseEmbeddedYaml = [this, PO](const ast::Value &S) {
    return yaml::parseEmbedded(S, Diags, PO);
  };
  Ctx.LoadYamlFile = [this, PO, &Opts](llvm::StringRef Path,
                                        llvm::SMRange From) {
    std::unique_ptr<ast::Document> Out;
    if (unsigned B = readFile(Path, From, Opts.MaxFileBytes))
      Out = yaml::parseBuffer(B, Diags, PO);
    return Out;
  };
  std::optional<ast::Deployment> Dep = sema::checkDeployment(D, Ctx);
  if (!EnvOk || Diags.hasErrors())
    return std::nullopt;
  return Dep;
}
