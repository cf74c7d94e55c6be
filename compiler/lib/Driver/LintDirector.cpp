//===- LintDirector.cpp - overlordc check-director --------------*- C++ -*-===//
//
// `overlordc check-director -f FILE... [-e ENVFILE]...` (or bare FILE
// arguments) checks AppJail
// Director files on their own, as `appjail-director up` would read them:
// env files first (default ./.env, never overriding the process environment),
// then the YAML front end with `!ENV` expansion, then the Director checks of
// AppJail/Director.h. Each file is checked as if by its own run. Exit status:
// 0 no errors, 1 errors, 2 usage.
//
//===----------------------------------------------------------------------===//
#include "overlord/Driver/Driver.h"

#include "overlord/AppJail/Director.h"
#include "overlord/Driver/DiagOptions.h"
#include "overlord/Driver/Frontend.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::driver;
namespace cl = llvm::cl;

namespace {

cl::SubCommand CheckDirectorCmd("check-director",
                                "Check AppJail Director files "
                                "(appjail-director(5))");

cl::list<std::string> Files("f",
                            cl::desc("Director file ('-' for standard "
                                     "input); repeatable"),
                            cl::value_desc("file"), cl::sub(CheckDirectorCmd));
cl::alias FilesLong("file", cl::aliasopt(Files));
cl::list<std::string> PositionalFiles(cl::Positional,
                                      cl::desc("[Director file...]"),
                                      cl::sub(CheckDirectorCmd));
cl::list<std::string> EnvFiles("e",
                               cl::desc("Load variables from this .env file "
                                        "(repeatable; default ./.env)"),
                               cl::value_desc("envfile"),
                               cl::sub(CheckDirectorCmd));
cl::alias EnvFilesLong("env-file", cl::aliasopt(EnvFiles));
DiagOptions Diag(CheckDirectorCmd);

/// Configures the engine from the options; false on a usage error.
bool configure(DiagnosticEngine &Diags) {
  if (!Diag.apply(Diags))
    return false;
  if (Files.empty() && PositionalFiles.empty()) {
    llvm::errs() << "overlordc check-director: error: no Director file; use "
                    "'-f FILE'\n";
    return false;
  }
  return true;
}

/// Loads the env files into FE's environment; false when one had errors.
bool loadEnvFiles(Frontend &FE) {
  FrontendOptions FO;
  FO.EnvFiles.assign(EnvFiles.begin(), EnvFiles.end());
  return FE.loadEnvFiles(FO);
}

/// Checks one Director file; false when it has errors.
bool checkOne(const std::string &Path, const Environment &Process,
              DiagnosticEngine &Diags) {
  Frontend FE(Diags, Process);
  bool Ok = loadEnvFiles(FE);
  unsigned Buf = FE.readFile(Path, llvm::SMRange(), 64 << 20);
  if (!Buf)
    return false;
  yaml::ParseOptions PO;
  PO.Env = &FE.getEnvironment();
  unsigned ErrorsBefore = Diags.getNumErrors();
  std::unique_ptr<ast::Document> Doc = yaml::parseBuffer(Buf, Diags, PO);
  // Nothing left after a YAML error: "the file is empty" would be noise.
  if (!Doc || ((!Doc->Root || Doc->Root->isNull()) &&
               Diags.getNumErrors() != ErrorsBefore))
    return false;
  const llvm::MemoryBuffer *MB = Diags.getSourceMgr().getMemoryBuffer(Buf);
  llvm::SMRange Whole(llvm::SMLoc::getFromPointer(MB->getBufferStart()),
                      llvm::SMLoc::getFromPointer(MB->getBufferEnd()));
  std::optional<appjail::DirectorFile> File =
      appjail::checkDirectorFile(Doc->Root, Whole, Diags);
  return Ok && File.has_value();
}

} // namespace

int overlord::driver::runCheckDirector() {
  if (!CheckDirectorCmd)
    return -1;
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  if (!configure(Diags))
    return ExitUsage;
  Environment Process = Environment::fromProcess();
  bool Failed = false;
  // `-f A -f B` and bare `A B` (handy with shell globs), in that order.
  std::vector<std::string> Paths(Files.begin(), Files.end());
  Paths.insert(Paths.end(), PositionalFiles.begin(), PositionalFiles.end());
  for (const std::string &Path : Paths) {
    Failed |= !checkOne(Path, Process, Diags) || Diags.hasErrors();
    Diags.flush(llvm::errs());
  }
  return Failed ? ExitErrors : ExitOk;
}
