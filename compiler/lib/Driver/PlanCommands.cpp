//===- PlanCommands.cpp - overlordc diff / show-plan ------------*- C++ -*-===//
//
// The plan review commands:
//
//   overlordc show-plan FILE.oplan [--format=text|json]
//     parse, verify and print the plan canonically (exit 1 on errors)
//   overlordc diff OLD.oplan NEW.oplan [--format=text|markdown|json]
//                  [--detailed-exitcode]
//     typed diff; exit 0 (no changes or success), 1 (errors), 2 (changes,
//     with --detailed-exitcode)
//
// Driver.cpp's run() calls runPlanCommands().
//
//===----------------------------------------------------------------------===//
#include "overlord/Driver/PlanCommands.h"

#include "overlord/IR/Diff.h"
#include "overlord/IR/Plan.h"
#include "overlord/Support/Diagnostics.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
namespace cl = llvm::cl;

namespace {

cl::SubCommand ShowPlanCmd("show-plan",
                           "Parse, verify and print an .oplan file");
cl::SubCommand DiffCmd("diff", "Compare two .oplan files");

cl::list<std::string> ShowFiles(cl::Positional, cl::desc("<plan.oplan>"),
                                cl::sub(ShowPlanCmd));
cl::opt<std::string> ShowFormat("format",
                                cl::desc("Output format: text or json"),
                                cl::init("text"), cl::sub(ShowPlanCmd));
cl::opt<unsigned> ShowErrorLimit("error-limit",
                                 cl::desc("Stop after this many errors "
                                          "(0: no limit)"),
                                 cl::init(20), cl::sub(ShowPlanCmd));

cl::list<std::string> DiffFiles(cl::Positional,
                                cl::desc("<old.oplan> <new.oplan>"),
                                cl::sub(DiffCmd));
cl::opt<std::string> DiffFormat("format",
                                cl::desc("Output format: text, markdown or "
                                         "json"),
                                cl::init("text"), cl::sub(DiffCmd));
cl::opt<bool> DetailedExitCode("detailed-exitcode",
                               cl::desc("Exit 0 without changes, 1 on "
                                        "errors, 2 with changes"),
                               cl::sub(DiffCmd));
cl::opt<unsigned> MarkdownLimit("markdown-limit",
                                cl::desc("Largest markdown output in "
                                         "characters"),
                                cl::init(65000), cl::sub(DiffCmd));
cl::opt<unsigned> DiffErrorLimit("error-limit",
                                 cl::desc("Stop after this many errors "
                                          "(0: no limit)"),
                                 cl::init(20), cl::sub(DiffCmd));

constexpr int ExitOk = 0, ExitErrors = 1, ExitChanges = 2;

/// Reads, parses and verifies one plan; nullopt after diagnostics.
std::optional<ir::Plan> loadPlan(llvm::StringRef Path,
                                 DiagnosticEngine &Diags) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> B =
      llvm::MemoryBuffer::getFileOrSTDIN(Path, /*IsText=*/true);
  if (!B) {
    Diags.emit(llvm::SMRange(), diag::FileUnreadable, Path.str(),
               B.getError().message());
    return std::nullopt;
  }
  unsigned ID =
      Diags.getSourceMgr().AddNewSourceBuffer(std::move(*B), llvm::SMLoc());
  std::optional<ir::Plan> P = ir::parsePlan(ID, Diags);
  if (!P || !ir::verifyPlan(*P, Diags))
    return std::nullopt;
  return P;
}

bool checkFormat(llvm::StringRef Cmd, llvm::StringRef F,
                 llvm::ArrayRef<llvm::StringRef> Allowed) {
  if (llvm::is_contained(Allowed, F))
    return true;
  llvm::errs() << "overlordc " << Cmd << ": error: unknown format '" << F
               << "'; use " << llvm::join(Allowed, ", ") << "\n";
  return false;
}

int runShowPlan() {
  if (ShowFiles.size() != 1) {
    llvm::errs() << "overlordc show-plan: error: expected one plan file\n";
    return ExitErrors;
  }
  if (!checkFormat("show-plan", ShowFormat, {"text", "json"}))
    return ExitErrors;
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  Diags.setErrorLimit(ShowErrorLimit);
  std::optional<ir::Plan> P = loadPlan(ShowFiles.front(), Diags);
  Diags.flush(llvm::errs());
  if (!P)
    return ExitErrors;
  if (ShowFormat == "json")
    llvm::outs() << llvm::formatv("{0:2}", ir::planToJson(*P)) << "\n";
  else
    ir::printPlan(*P, llvm::outs());
  return ExitOk;
}

int runDiff() {
  if (DiffFiles.size() != 2) {
    llvm::errs() << "overlordc diff: error: expected two plan files, the "
                    "old one and the new one\n";
    return ExitErrors;
  }
  if (!checkFormat("diff", DiffFormat, {"text", "markdown", "json"}))
    return ExitErrors;
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  Diags.setErrorLimit(DiffErrorLimit);
  std::optional<ir::Plan> Old = loadPlan(DiffFiles[0], Diags);
  std::optional<ir::Plan> New = loadPlan(DiffFiles[1], Diags);
  Diags.flush(llvm::errs());
  if (!Old || !New)
    return ExitErrors;
  ir::PlanDiff D = ir::diffPlans(*Old, *New);
  if (DiffFormat == "json")
    llvm::outs() << llvm::formatv("{0:2}", ir::diffToJson(D)) << "\n";
  else if (DiffFormat == "markdown")
    ir::renderDiffMarkdown(D, llvm::outs(), MarkdownLimit);
  else
    ir::renderDiffText(D, llvm::outs());
  return DetailedExitCode && !D.Summary.empty() ? ExitChanges : ExitOk;
}

} // namespace

int overlord::driver::runPlanCommands() {
  if (ShowPlanCmd)
    return runShowPlan();
  if (DiffCmd)
    return runDiff();
  return -1;
}
