//===- Makejail.cpp - Makejail lexer, stages and conditionals ---*- C++ -*-===//
//
// Applies the lexical rules of AppJail's makejail_include (`\r` removal,
// whole-line comments, leading blanks stripped, `\` continuation joined
// with no separator, `\\` ending the line), then walks the instructions:
// it tracks the stage in force (STAGE), the `RAW if ... RAW fi` nesting,
// and the one FROM, and hands each instruction's parameters to
// MakejailInstructions.cpp. Every byte of a logical line keeps its source
// position, so a diagnostic on a continued line points at the right line.
//
//===----------------------------------------------------------------------===//
#include "MakejailInternal.h"
#include "OptionsInternal.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/STLExtras.h"

using namespace overlord;
using namespace overlord::appjail;

namespace {

/// True when the physical line continues onto the next one: it ends in a
/// `\` (maybe followed by blanks) that is not part of a `\\`. Sets Cut to
/// the length of the line's text without the backslash.
bool continues(llvm::StringRef Line, size_t &Cut) {
  llvm::StringRef T = Line.rtrim(" \t");
  Cut = Line.size();
  if (!T.endswith("\\"))
    return false;
  if (T.endswith("\\\\")) {
    Cut = T.size() - 1; // keep one literal backslash
    return false;
  }
  Cut = T.size() - 1;
  return true;
}

/// Splits Text into logical lines, positions from Origin.
std::vector<LogicalLine> lexLines(llvm::StringRef Text,
                                  const ast::TextOrigin &Origin,
                                  DiagnosticEngine &Diags) {
  std::vector<LogicalLine> Out;
  bool Open = false; // the last logical line continues
  unsigned LineNo = 0;
  while (!Text.empty() || Open) {
    if (Text.empty()) {
      const char *End = Out.back().Pos.back();
      Diags.emit(llvm::SMLoc::getFromPointer(End),
                 diag::MakejailTrailingContinuation);
      break;
    }
    auto [Phys, Rest] = Text.split('\n');
    Text = Rest;
    unsigned Line = LineNo++;
    if (Phys.endswith("\r"))
      Phys = Phys.drop_back();
    size_t Lead = Phys.size() - Phys.ltrim(" \t").size();
    llvm::StringRef Body = Phys.drop_front(Lead);
    if (Body.empty() || Body.startswith("#"))
      continue;
    size_t Cut;
    bool More = continues(Body, Cut);
    if (!Open) {
      Out.emplace_back();
      Out.back().FirstLine = Line;
    } else {
      Out.back().Pos.pop_back(); // the end sentinel of the previous piece
    }
    LogicalLine &L = Out.back();
    L.Text += Body.take_front(Cut).str();
    for (size_t I = 0; I <= Cut; ++I)
      L.Pos.push_back(Origin.locate(Line, unsigned(Lead + I)).getPointer());
    Open = More;
  }
  return Out;
}

/// Tracks `RAW if/case/for/while/until ... RAW fi/esac/done` nesting.
class ConditionalTracker {
public:
  /// Updates the nesting with the sh code of one RAW instruction.
  void raw(llvm::StringRef Code, llvm::SMRange At) {
    bool CommandStart = true;
    for (const Word &W : splitLenient(Code)) {
      llvm::StringRef T = W.Text;
      bool EndsCommand = T.endswith(";") || T.endswith("&") || T == "|";
      T = T.rtrim(";&");
      if (CommandStart && (T == "if" || T == "case" || T == "for" ||
                           T == "while" || T == "until"))
        Opened.push_back(At);
      else if (CommandStart && (T == "fi" || T == "esac" || T == "done") &&
               !Opened.empty())
        Opened.pop_back();
      CommandStart = EndsCommand || T == "then" || T == "do" ||
                     T == "else" || T == "&&" || T == "||" || T == "{";
    }
  }
  bool inside() const { return !Opened.empty(); }
  llvm::SMRange innermost() const { return Opened.back(); }

private:
  std::vector<llvm::SMRange> Opened;
};

const llvm::StringRef Stages[] = {
    "build",    "apply",    "precreate", "create",  "postcreate",
    "prestart", "start",    "poststart", "precmd",  "cmd",
    "postcmd",  "prestop",  "stop",      "poststop"};

class Parser {
public:
  Parser(DiagnosticEngine &Diags) : Diags(Diags) {}
  void run(const std::vector<LogicalLine> &Lines, Makejail &M);

private:
  void instruction(const LogicalLine &L, Makejail &M);
  bool checkName(llvm::StringRef Name, llvm::SMRange R);
  void stage(const InstrContext &C);

  DiagnosticEngine &Diags;
  std::string Stage = "build";
  llvm::SMRange StageRange; ///< the STAGE that set Stage (invalid: default)
  llvm::SMRange FromRange;  ///< the first FROM
  ConditionalTracker Cond;
};

void Parser::run(const std::vector<LogicalLine> &Lines, Makejail &M) {
  for (const LogicalLine &L : Lines)
    instruction(L, M);
}

bool Parser::checkName(llvm::StringRef Name, llvm::SMRange R) {
  // A build-argument macro is replaced before AppJail reads the name.
  if (Name.contains("%{"))
    return false;
  if (lookupInstruction(Name).Known)
    return true;
  std::string Best = suggestClosest(Name, instructionNames());
  DiagBuilder B = Diags.emit(R, diag::MakejailUnknownInstruction, Name.str(),
                             didYouMean(Best));
  if (!Best.empty())
    B.fixit(R, Best);
  return false;
}

void Parser::stage(const InstrContext &C) {
  std::vector<Word> Words = splitLenient(C.Args);
  if (Words.empty()) {
    Diags.emit(C.NameRange, diag::MakejailMissingOperand, std::string("STAGE"),
               std::string("a stage name"));
    return;
  }
  const Word &W = Words.front();
  llvm::SMRange R = C.ArgsLoc.range(W.Begin, W.End);
  if (Words.size() > 1)
    Diags.emit(C.ArgsLoc.range(Words[1].Begin, Words[1].End),
               diag::MakejailExtraOperand, std::string("STAGE"),
               std::string("one stage name"), Words[1].Text);
  llvm::StringRef S = W.Text;
  if (!W.Unknown && S.startswith("custom:")) {
    if (!isHumanName(S.drop_front(7)))
      Diags.emit(R, diag::NameMismatch, std::string("custom stage name"),
                 S.drop_front(7).str(),
                 std::string("^[a-zA-Z0-9_][a-zA-Z0-9_-]*$"));
  } else if (!W.Unknown && !llvm::is_contained(Stages, S)) {
    std::string Best = suggestClosest(S, Stages);
    DiagBuilder B = Diags.emit(R, diag::MakejailUnknownStage, S.str(),
                               didYouMean(Best));
    if (!Best.empty())
      B.fixit(R, Best);
  }
  Stage = S.str();
  StageRange = C.NameRange;
}

void Parser::instruction(const LogicalLine &L, Makejail &M) {
  llvm::StringRef Text = L.Text;
  size_t Space = Text.find(' ');
  llvm::StringRef Name = Text.take_front(Space);
  size_t ArgsAt = std::min(Text.size(), Space == llvm::StringRef::npos
                                            ? Text.size()
                                            : Space + 1);
  TextLocator Loc = TextLocator::forPositions(L.Pos);
  InstrContext C{Name, Text.drop_front(ArgsAt), Loc.drop(ArgsAt),
                 Loc.range(0, Name.size()), Diags};
  M.Instructions.push_back(
      {Name.str(), C.Args.str(), Stage, C.NameRange, L.FirstLine + 1});
  if (!checkName(Name, C.NameRange))
    return;
  InstrFacts F = lookupInstruction(Name);
  // VAR is only non-conditional through the side effect of
  // `--make-arg-env`; plain VAR writes ordinary sh assignments.
  bool SideEffect = Name != "VAR" || C.Args.contains("--make-arg-env");
  if (F.NonConditional && SideEffect && Cond.inside())
    Diags.emit(C.NameRange, diag::MakejailNonConditional, Name.str())
        .note(Cond.innermost(), diag::MakejailConditionalHere);
  if (F.BuildOnly && Stage != "build") {
    DiagBuilder B = Diags.emit(C.NameRange, diag::MakejailBuildOnly,
                               Name.str(), Stage);
    if (StageRange.isValid())
      B.note(StageRange, diag::MakejailStageHere, Stage);
  }
  if (Name == "FROM") {
    if (FromRange.isValid())
      Diags.emit(C.NameRange, diag::MakejailFromTwice)
          .note(FromRange, diag::MakejailPreviousHere, std::string("FROM"));
    else
      FromRange = C.NameRange;
  }
  if (Name == "STAGE")
    return stage(C);
  if (Name == "RAW")
    Cond.raw(C.Args, C.NameRange);
  checkInstructionArgs(C);
}

} // namespace

ast::TextOrigin appjail::originForBuffer(llvm::StringRef Buffer) {
  ast::TextOrigin O;
  O.Start = llvm::SMLoc::getFromPointer(Buffer.data());
  O.LineStarts.push_back(Buffer.data());
  for (size_t I = 0; I < Buffer.size(); ++I)
    if (Buffer[I] == '\n')
      O.LineStarts.push_back(Buffer.data() + I + 1);
  return O;
}

std::optional<Makejail> appjail::parseMakejail(llvm::StringRef Text,
                                               const ast::TextOrigin &Origin,
                                               DiagnosticEngine &Diags) {
  unsigned Errors = Diags.getNumErrors();
  Makejail M;
  Parser P(Diags);
  P.run(lexLines(Text, Origin, Diags), M);
  if (Diags.getNumErrors() != Errors)
    return std::nullopt;
  return M;
}
