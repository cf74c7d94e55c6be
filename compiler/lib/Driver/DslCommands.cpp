//===- DslCommands.cpp - overlordc convert and fmt --------------*- C++ -*-===//
//
// `overlordc convert -f FILE [-e ENV] [-o OUT]`: YAML -> DSL for `.yml` /
// `.yaml`, DSL -> YAML for `.ovl` (the evaluated document; env() values stay
// `!ENV` references, secrets stay `!SECRET`).
// `overlordc fmt [--check] [-w] FILE...`: canonical layout of `.ovl` files
// (docs/LangRef.md, "Formatting"); `--check` lists the files that are not
// formatted and exits 1, for CI.
//
//===----------------------------------------------------------------------===//
#include "overlord/Driver/DiagOptions.h"
#include "overlord/Driver/Driver.h"
#include "overlord/Driver/Frontend.h"
#include "overlord/Dsl/Dsl.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::driver;
namespace cl = llvm::cl;

namespace {

cl::SubCommand ConvertCmd("convert",
                          "Convert a deployment file between YAML and the DSL");
cl::SubCommand FmtCmd("fmt", "Format .ovl files canonically");

cl::opt<std::string> ConvertFile("f", cl::desc("The file to convert (.yml, "
                                               ".yaml or .ovl)"),
                                 cl::value_desc("file"), cl::sub(ConvertCmd));
cl::list<std::string> ConvertEnvFiles(
    "e", cl::desc("Load variables from this .env file (repeatable; default "
                  "./.env)"),
    cl::value_desc("envfile"), cl::sub(ConvertCmd));
cl::opt<std::string> ConvertOut("o", cl::desc("Write here instead of stdout"),
                                cl::value_desc("file"), cl::sub(ConvertCmd));
cl::opt<std::string> ConvertTo("to",
                               cl::desc("Target: dsl or yaml (default: the "
                                        "other one of the input)"),
                               cl::sub(ConvertCmd));
DiagOptions ConvertDiag(ConvertCmd);

cl::list<std::string> FmtFiles(cl::Positional, cl::desc("<file.ovl>..."),
                               cl::sub(FmtCmd));
cl::opt<bool> FmtCheck("check",
                       cl::desc("Print the files that are not formatted and "
                                "exit 1; change nothing"),
                       cl::sub(FmtCmd));
cl::opt<bool> FmtWrite("w", cl::desc("Rewrite the files in place"),
                       cl::sub(FmtCmd));
DiagOptions FmtDiag(FmtCmd);

/// Writes Text to ConvertOut or stdout.
bool emit(llvm::StringRef Text) {
  if (ConvertOut.empty() || ConvertOut == "-") {
    llvm::outs() << Text;
    return true;
  }
  std::error_code EC;
  llvm::ToolOutputFile Out(ConvertOut, EC, llvm::sys::fs::OF_None);
  if (EC) {
    llvm::errs() << "overlordc convert: error: cannot write '" << ConvertOut
                 << "': " << EC.message() << "\n";
    return false;
  }
  Out.os() << Text;
  Out.keep();
  return true;
}

int runConvert() {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  if (!ConvertDiag.apply(Diags))
    return ExitUsage;
  if (ConvertFile.empty()) {
    llvm::errs() << "overlordc convert: error: no input; use '-f FILE'\n";
    return ExitUsage;
  }
  bool FromDsl = dsl::isDslPath(ConvertFile);
  std::string To = ConvertTo.empty() ? (FromDsl ? "yaml" : "dsl")
                                     : ConvertTo.getValue();
  if (To != "dsl" && To != "yaml") {
    llvm::errs() << "overlordc convert: error: unknown target '" << To
                 << "'; use dsl or yaml\n";
    return ExitUsage;
  }
  if ((To == "yaml") != FromDsl) {
    llvm::errs() << "overlordc convert: error: '" << ConvertFile
                 << "' is already " << (FromDsl ? "DSL" : "YAML") << "\n";
    return ExitUsage;
  }
  Frontend FE(Diags, Environment::fromProcess());
  FrontendOptions FO;
  FO.File = ConvertFile;
  FO.EnvFiles.assign(ConvertEnvFiles.begin(), ConvertEnvFiles.end());
  bool EnvOk = FE.loadEnvFiles(FO);
  unsigned Buf = FE.readFile(ConvertFile, llvm::SMRange(), FO.MaxFileBytes);
  std::string Out;
  if (Buf && FromDsl) {
    dsl::CompileOptions CO;
    CO.Env = &FE.getEnvironment();
    CO.ReadFile = [&FE, &FO](llvm::StringRef Path, llvm::SMRange From) {
      return FE.readFile(Path, From, FO.MaxFileBytes);
    };
    dsl::EnvTemplates Templates;
    CO.Templates = &Templates;
    if (auto Doc = dsl::compileBuffer(Buf, Diags, CO); Doc && Doc->Root)
      Out = dsl::valueToYaml(*Doc->Root, Templates);
  } else if (Buf) {
    yaml::ParseOptions PO;
    PO.Env = &FE.getEnvironment();
    if (auto Doc = yaml::parseBuffer(Buf, Diags, PO))
      Out = dsl::yamlToDsl(*Doc, SM);
  }
  bool Failed = !EnvOk || !Buf || Diags.hasErrors() || Out.empty();
  Diags.flush(llvm::errs());
  if (Failed)
    return ExitErrors;
  return emit(Out) ? ExitOk : ExitErrors;
}

int runFmt() {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  if (!FmtDiag.apply(Diags))
    return ExitUsage;
  if (FmtFiles.empty()) {
    llvm::errs() << "overlordc fmt: error: no file; give one or more .ovl "
                    "files ('-' for standard input)\n";
    return ExitUsage;
  }
  if (FmtWrite && FmtCheck) {
    llvm::errs() << "overlordc fmt: error: '--check' and '-w' exclude each "
                    "other\n";
    return ExitUsage;
  }
  Frontend FE(Diags, Environment());
  bool Failed = false, Unformatted = false;
  for (const std::string &File : FmtFiles) {
    unsigned Buf = FE.readFile(File, llvm::SMRange(), 64 << 20);
    if (!Buf) {
      Failed = true;
      continue;
    }
    std::optional<std::string> Out = dsl::formatBuffer(Buf, Diags);
    if (!Out) {
      Failed = true;
      continue;
    }
    llvm::StringRef Old = SM.getMemoryBuffer(Buf)->getBuffer();
    if (FmtCheck) {
      if (Old != *Out) {
        llvm::outs() << File << "\n";
        Unformatted = true;
      }
      continue;
    }
    if (FmtWrite && File != "-") {
      if (Old == *Out)
        continue;
      std::error_code EC;
      llvm::raw_fd_ostream OS(File, EC);
      if (EC) {
        llvm::errs() << "overlordc fmt: error: cannot write '" << File
                     << "': " << EC.message() << "\n";
        Failed = true;
        continue;
      }
      OS << *Out;
      continue;
    }
    llvm::outs() << *Out;
  }
  Diags.flush(llvm::errs());
  return Failed || Unformatted ? ExitErrors : ExitOk;
}

} // namespace

int overlord::driver::runDslCommands() {
  if (ConvertCmd)
    return runConvert();
  if (FmtCmd)
    return runFmt();
  return -1;
}
