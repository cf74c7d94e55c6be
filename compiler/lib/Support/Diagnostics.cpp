//===- Diagnostics.cpp - The one diagnostics engine -------------*- C++ -*-===//
//
// Buffering, source-order sorting, duplicate suppression, the error limit,
// and the two output formats (clang-style text through llvm::SourceMgr, and
// JSON for tools).
//
//===----------------------------------------------------------------------===//
#include "overlord/Support/Diagnostics.h"

#include "llvm/Support/JSON.h"

#include <algorithm>
#include <tuple>

using namespace overlord;
using llvm::SMLoc;
using llvm::SMRange;

static const DiagInfo Infos[] = {
#define OVERLORD_DIAG(NAME, SEVERITY, FORMAT, ...)                             \
  {#NAME, Severity::SEVERITY, FORMAT},
#include "overlord/Support/DiagnosticKinds.def"
};

const DiagInfo &overlord::getDiagInfo(DiagID ID) {
  return Infos[static_cast<unsigned>(ID)];
}

llvm::ArrayRef<DiagInfo> overlord::allDiagInfos() { return Infos; }

DiagBuilder DiagnosticEngine::report(DiagID ID, SMRange Range,
                                     std::string Message) {
  Severity Sev = getDiagInfo(ID).Sev;
  if (Sev == Severity::Warning && WarningsAsErrors)
    Sev = Severity::Error;
  // One mistake, one diagnostic: the same kind at the same place is a
  // follow-on of the first (e.g. an alias expanded twice).
  for (const Diagnostic &D : Diags)
    if (D.ID == ID && D.Range.Start == Range.Start && D.Message == Message)
      return DiagBuilder(nullptr, 0);
  if (Sev == Severity::Error)
    ++NumErrors;
  else if (Sev == Severity::Warning)
    ++NumWarnings;
  Diags.push_back({ID, Sev, Range, std::move(Message), {}, {}, NextOrder++});
  return DiagBuilder(this, Diags.size() - 1);
}

DiagBuilder &DiagBuilder::fixit(SMRange Range, llvm::StringRef Text) {
  if (Engine)
    Engine->Diags[Index].FixIts.push_back({Range, Text.str()});
  return *this;
}

/// Sort key: diagnostics without a location first, then by buffer, then by
/// offset in the buffer, then by emission order.
std::vector<const Diagnostic *> DiagnosticEngine::sorted() const {
  std::vector<const Diagnostic *> Out;
  Out.reserve(Diags.size());
  for (const Diagnostic &D : Diags)
    Out.push_back(&D);
  auto Key = [this](const Diagnostic *D) {
    unsigned Buf = 0;
    size_t Off = 0;
    if (D->Range.Start.isValid()) {
      Buf = SM.FindBufferContainingLoc(D->Range.Start);
      if (Buf)
        Off = D->Range.Start.getPointer() -
              SM.getMemoryBuffer(Buf)->getBufferStart();
    }
    return std::make_tuple(Buf, Off, D->Order);
  };
  std::stable_sort(Out.begin(), Out.end(),
                   [&](const Diagnostic *A, const Diagnostic *B) {
                     return Key(A) < Key(B);
                   });
  return Out;
}

static llvm::SourceMgr::DiagKind toLLVM(Severity S) {
  switch (S) {
  case Severity::Error:
    return llvm::SourceMgr::DK_Error;
  case Severity::Warning:
    return llvm::SourceMgr::DK_Warning;
  case Severity::Note:
    return llvm::SourceMgr::DK_Note;
  }
  return llvm::SourceMgr::DK_Error;
}

std::string DiagnosticEngine::describeLoc(SMLoc Loc) const {
  if (!Loc.isValid())
    return "";
  unsigned Buf = SM.FindBufferContainingLoc(Loc);
  if (!Buf)
    return "";
  auto [Line, Col] = SM.getLineAndColumn(Loc, Buf);
  return (SM.getMemoryBuffer(Buf)->getBufferIdentifier() + ":" +
          llvm::Twine(Line) + ":" + llvm::Twine(Col))
      .str();
}

/// Prints one message through SourceMgr so that the caret, the range
/// underline and the fix-it line look exactly like clang's.
static void printOne(llvm::SourceMgr &SM, llvm::raw_ostream &OS, SMRange Range,
                     Severity Sev, const std::string &Msg,
                     llvm::ArrayRef<FixIt> FixIts, bool Colors) {
  if (!Range.Start.isValid() || !SM.FindBufferContainingLoc(Range.Start)) {
    llvm::SMDiagnostic D("", toLLVM(Sev), Msg);
    D.print("overlordc", OS, Colors);
    return;
  }
  std::vector<SMRange> Ranges;
  if (Range.End.isValid() && Range.End.getPointer() > Range.Start.getPointer())
    Ranges.push_back(Range);
  std::vector<llvm::SMFixIt> LFix;
  for (const FixIt &F : FixIts)
    LFix.emplace_back(F.Range, F.Text);
  SM.PrintMessage(OS, SM.GetMessage(Range.Start, toLLVM(Sev), Msg, Ranges, LFix),
                  Colors);
}

void DiagnosticEngine::printText(llvm::raw_ostream &OS,
                                 const std::vector<const Diagnostic *> &List) {
  unsigned Errors = 0;
  for (const Diagnostic *D : List) {
    if (D->Sev == Severity::Error && ErrorLimit && ++Errors > ErrorLimit) {
      printOne(SM, OS, SMRange(), Severity::Error,
               getDiagInfo(DiagID::TooManyErrors).Format.str() +
                   " [TooManyErrors]",
               {}, ShowColors);
      return;
    }
    printOne(SM, OS, D->Range, D->Sev,
             D->Message + " [" + getDiagInfo(D->ID).Name.str() + "]",
             D->FixIts, ShowColors);
    for (const DiagNote &N : D->Notes)
      printOne(SM, OS, N.Range, Severity::Note, N.Message, {}, ShowColors);
  }
}

static llvm::json::Object locJson(const llvm::SourceMgr &SM, SMRange R) {
  llvm::json::Object O;
  if (!R.Start.isValid())
    return O;
  unsigned Buf = SM.FindBufferContainingLoc(R.Start);
  if (!Buf)
    return O;
  auto [L, C] = SM.getLineAndColumn(R.Start, Buf);
  O["file"] = SM.getMemoryBuffer(Buf)->getBufferIdentifier().str();
  O["line"] = L;
  O["column"] = C;
  SMLoc End = R.End.isValid() ? R.End : R.Start;
  auto [EL, EC] = SM.getLineAndColumn(End, Buf);
  O["endLine"] = EL;
  O["endColumn"] = EC;
  return O;
}

static const char *severityName(Severity S) {
  switch (S) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Note:
    return "note";
  }
  return "error";
}

void DiagnosticEngine::printJson(llvm::raw_ostream &OS,
                                 const std::vector<const Diagnostic *> &List) {
  llvm::json::Array Arr;
  unsigned Errors = 0;
  for (const Diagnostic *D : List) {
    if (D->Sev == Severity::Error && ErrorLimit && ++Errors > ErrorLimit)
      break;
    llvm::json::Object O;
    O["kind"] = getDiagInfo(D->ID).Name.str();
    O["severity"] = severityName(D->Sev);
    O["message"] = D->Message;
    O["location"] = locJson(SM, D->Range);
    llvm::json::Array Notes, Fixes;
    for (const DiagNote &N : D->Notes)
      Notes.push_back(llvm::json::Object{{"message", N.Message},
                                         {"location", locJson(SM, N.Range)}});
    for (const FixIt &F : D->FixIts)
      Fixes.push_back(llvm::json::Object{{"replacement", F.Text},
                                         {"location", locJson(SM, F.Range)}});
    O["notes"] = std::move(Notes);
    O["fixits"] = std::move(Fixes);
    Arr.push_back(std::move(O));
  }
  OS << llvm::formatv("{0:2}", llvm::json::Value(std::move(Arr))) << "\n";
}

void DiagnosticEngine::flush(llvm::raw_ostream &OS) {
  std::vector<const Diagnostic *> List = sorted();
  if (Format == DiagFormat::Json)
    printJson(OS, List);
  else
    printText(OS, List);
  OS.flush();
  Diags.clear();
}

void DiagnosticEngine::clear() { Diags.clear(); }
