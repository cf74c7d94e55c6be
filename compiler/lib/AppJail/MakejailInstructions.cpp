//===- MakejailInstructions.cpp - Makejail instruction grammar --*- C++ -*-===//
//
// The instruction set of appjail-makejail(5): for each instruction, the
// `--flags` its parser in share/appjail/makejail/cmd/{all,build} accepts
// (with or without a value), how many operands follow, and the checks of
// the instructions with a grammar of their own (ARG, ENV, VAR, LABEL,
// GLOBAL, CLEAR, MOUNT, VOLUME, OPTION, INCLUDE).
//
//===----------------------------------------------------------------------===//
#include "MakejailInternal.h"
#include "OptionsInternal.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace overlord;
using namespace overlord::appjail;

namespace {

struct FlagSpec {
  llvm::StringRef Name;
  bool TakesValue;
};

using ExtraCheck = bool (*)(const InstrContext &, const std::vector<Word> &,
                            size_t FirstOperand);

struct InstrSpec {
  llvm::StringRef Name;
  bool BuildOnly;
  bool NonConditional;
  std::vector<FlagSpec> Flags;
  unsigned MinOperands;
  int MaxOperands;           ///< -1: any number
  llvm::StringRef Operands;  ///< what the operands are, for messages
  ExtraCheck Extra;
  bool Custom = false; ///< the parameter string has its own grammar
};

bool checkMount(const InstrContext &, const std::vector<Word> &, size_t);
bool checkVolume(const InstrContext &, const std::vector<Word> &, size_t);
bool checkClear(const InstrContext &, const std::vector<Word> &, size_t);
bool checkExec(const InstrContext &, const std::vector<Word> &, size_t);

const FlagSpec UserFlags[] = {{"--juser", true}, {"--huser", true}};

const std::vector<InstrSpec> &table() {
  static const std::vector<InstrSpec> T = {
      {"ADD", false, false, {{"--verbose", false}}, 1, 2, "a URL", nullptr},
      {"ARG", false, true, {}, 1, -1, "a name", nullptr, true},
      {"CLEAR", false, true, {}, 1, 1, "'entrypoint', 'user', 'workdir' or 'stage'", checkClear},
      {"CMD", false, false,
       {{"--jexec", false}, {"--noclean", false}, {"--env", true},
        {"--juser", true}, {"--huser", true}, {"--workdir", true},
        {"--chroot", false}, {"--jaildir", false}, {"--local", false},
        {"--local-jaildir", false}, {"--local-rootdir", false}},
       0, -1, "a command", nullptr},
      {"COPY", false, false,
       {{"--glob", false}, {"--glob-left", false}, {"--glob-right", false},
        {"--verbose", false}, {"--jail", true}},
       1, 2, "a source file", nullptr},
      {"DESTROY", false, false,
       {{"--force", false}, {"--with-all-dependents", false}}, 1, 1,
       "a jail name", nullptr},
      {"DEVICE", false, false, {}, 1, -1, "a devfs rule", nullptr},
      {"ENTRYPOINT", false, true, {}, 1, -1, "a program", nullptr},
      {"ENV", false, true, {}, 1, -1, "'name=value'", nullptr, true},
      {"EXEC", false, false,
       {{"--continue-with-errors", false}, {"--verbose", false},
        {"--after-include", true}, {"--arg", true},
        {"--before-include", true}, {"--build-arg", true},
        {"--option", true}, {"--file", true}, {"--name", true}},
       0, 0, "no operands", checkExec},
      {"FROM", true, false,
       {{"--ajspec", true}, {"--branch", true}, {"--entrypoint", true},
        {"--platform", true}},
       1, 1, "an image", nullptr},
      {"GLOBAL", false, true, {}, 1, -1, "a ':name:'", nullptr, true},
      {"INCLUDE", false, true, {}, 1, -1, "a Makejail", nullptr, true},
      {"LABEL", false, false, {}, 1, -1, "'key[=value]'", nullptr, true},
      {"LOGIN", true, false, {{"--user", true}}, 0, 0, "no operands", nullptr},
      {"MOUNT", false, false,
       {{"--nopersist", false}, {"--nomount", false}, {"--nro", true}}, 2, 6,
       "'device mountpoint'", checkMount},
      {"OPTION", true, true, {}, 1, -1, "an appjail-quick option", nullptr,
       true},
      {"PKG", false, false,
       {{"--chroot", false}, {"--jexec", false}, {"--jail", false},
        {"--local", false}, {"--remove", false}, {"--autoremove", false},
        {"--clean", false}, {"--update", false}, {"--upgrade", false}},
       0, -1, "packages", nullptr},
      {"RAW", false, false, {}, 0, -1, "sh code", nullptr, true},
      {"REPLACE", false, false, {}, 2, 4, "'file keyword'", nullptr},
      {"RESTART", true, false, {}, 0, 0, "no operands", nullptr},
      {"RUN", false, false,
       {{"--maintain-env", false}, {"--noclean", false}, {"--juser", true},
        {"--huser", true}},
       0, -1, "a command", nullptr},
      {"SERVICE", false, false, {{"--jail", false}}, 1, -1, "arguments",
       nullptr},
      {"SET", false, false,
       {{"--mark", false}, {"--column", true}, {"--row", true}}, 1, -1,
       "'parameter[=value]'", nullptr},
      {"STAGE", false, true, {}, 1, 1, "a stage name", nullptr, true},
      {"START", true, false, {}, 0, 0, "no operands", nullptr},
      {"STOP", true, false, {}, 0, 0, "no operands", nullptr},
      {"SYSRC", false, false,
       {{"--jexec", false}, {"--jail", false}, {"--local", false}}, 1, -1,
       "'name[=value]'", nullptr},
      {"UMOUNT", false, false, {}, 1, 1, "a mount point", nullptr},
      {"USER", false, true, {}, 1, 1, "a user name", nullptr},
      {"VAR", false, true,
       {{"--make-arg-env", false}, {"--noexpand", false}}, 1, 1,
       "'name[=default]'", nullptr, true},
      {"VOLUME", false, false,
       {{"--group", true}, {"--mountpoint", true}, {"--owner", true},
        {"--perm", true}, {"--type", true}},
       1, 1, "a volume name", checkVolume},
      {"WORKDIR", false, false, {}, 1, 1, "a directory", nullptr},
  };
  return T;
}

const InstrSpec *findSpec(llvm::StringRef Name) {
  for (const InstrSpec &S : table())
    if (S.Name == Name)
      return &S;
  return nullptr;
}

llvm::SMRange wordRange(const InstrContext &C, const Word &W) {
  return C.ArgsLoc.range(W.Begin, W.End);
}

/// Parses the leading `--flags`; returns the index of the first operand,
/// or -1 after an error.
int parseFlags(const InstrContext &C, const InstrSpec &S,
               const std::vector<Word> &Words,
               std::vector<llvm::StringRef> &Seen) {
  size_t I = 0;
  for (; I < Words.size(); ++I) {
    const Word &W = Words[I];
    if (!llvm::StringRef(W.Text).startswith("--") || W.Unknown)
      break;
    auto It = llvm::find_if(S.Flags,
                            [&](const FlagSpec &F) { return F.Name == W.Text; });
    if (It == S.Flags.end()) {
      std::vector<llvm::StringRef> Names;
      for (const FlagSpec &F : S.Flags)
        Names.push_back(F.Name);
      std::string Best = suggestClosest(W.Text, Names);
      C.Diags.emit(wordRange(C, W), diag::MakejailUnknownFlag, W.Text,
                   C.Name.str(), didYouMean(Best));
      return -1;
    }
    Seen.push_back(It->Name);
    if (!It->TakesValue)
      continue;
    if (++I == Words.size()) {
      C.Diags.emit(wordRange(C, W), diag::MakejailFlagNeedsValue, W.Text,
                   C.Name.str());
      return -1;
    }
  }
  if (llvm::is_contained(Seen, "--juser") &&
      llvm::is_contained(Seen, "--huser")) {
    C.Diags.emit(C.NameRange, diag::MakejailConflictingFlags,
                 std::string("--juser"), std::string("--huser"));
    return -1;
  }
  return int(I);
}

bool checkOperandCount(const InstrContext &C, const InstrSpec &S,
                       const std::vector<Word> &Words, size_t First) {
  if (llvm::any_of(Words, [](const Word &W) { return W.Unknown; }))
    return true; // a variable may expand to any number of words
  size_t N = Words.size() - First;
  if (N < S.MinOperands) {
    C.Diags.emit(C.NameRange, diag::MakejailMissingOperand, C.Name.str(),
                 S.Operands.str());
    return false;
  }
  if (S.MaxOperands >= 0 && N > size_t(S.MaxOperands)) {
    const Word &W = Words[First + S.MaxOperands];
    std::string Takes =
        S.MaxOperands == 0   ? std::string("no operands")
        : S.MaxOperands == 1 ? S.Operands.str()
                             : "at most " + std::to_string(S.MaxOperands) +
                                   " operands";
    C.Diags.emit(wordRange(C, W), diag::MakejailExtraOperand, C.Name.str(),
                 Takes, W.Text);
    return false;
  }
  return true;
}

bool checkClear(const InstrContext &C, const std::vector<Word> &Words,
                size_t First) {
  const Word &W = Words[First];
  static const llvm::StringRef Targets[] = {"entrypoint", "user", "workdir",
                                            "stage"};
  if (W.Unknown || llvm::is_contained(Targets, W.Text))
    return true;
  C.Diags.emit(wordRange(C, W), diag::UnknownChoice,
               std::string("'CLEAR' target"), W.Text,
               std::string("'entrypoint', 'user', 'workdir' or 'stage'"));
  return false;
}

bool checkMount(const InstrContext &C, const std::vector<Word> &Words,
                size_t First) {
  bool Ok = true;
  for (size_t I = First + 4; I < Words.size() && I < First + 6; ++I)
    Ok &= checkNumberWord(Words[I], wordRange(C, Words[I]),
                          I == First + 4 ? "the dump field"
                                         : "the pass field",
                          C.Diags);
  return Ok;
}

bool checkVolume(const InstrContext &C, const std::vector<Word> &Words,
                 size_t First) {
  const Word &W = Words[First];
  if (W.Unknown || isHumanName(W.Text))
    return true;
  C.Diags.emit(wordRange(C, W), diag::NameMismatch,
               std::string("volume name"), W.Text,
               std::string("^[a-zA-Z0-9_][a-zA-Z0-9_-]*$"));
  return false;
}

bool checkExec(const InstrContext &C, const std::vector<Word> &Words,
               size_t First) {
  bool Ok = true;
  for (llvm::StringRef Need : {"--file", "--name"}) {
    bool Has = llvm::any_of(llvm::make_range(Words.begin(),
                                             Words.begin() + First),
                            [&](const Word &W) { return W.Text == Need; });
    if (!Has) {
      C.Diags.emit(C.NameRange, diag::MakejailMissingOperand, C.Name.str(),
                   "'" + Need.str() + "'");
      Ok = false;
    }
  }
  return Ok;
}

} // namespace

InstrFacts appjail::lookupInstruction(llvm::StringRef Name) {
  InstrFacts F;
  if (const InstrSpec *S = findSpec(Name)) {
    F.Known = true;
    F.BuildOnly = S->BuildOnly;
    F.NonConditional = S->NonConditional;
  }
  return F;
}

std::vector<llvm::StringRef> appjail::instructionNames() {
  std::vector<llvm::StringRef> Names;
  for (const InstrSpec &S : table())
    Names.push_back(S.Name);
  return Names;
}

std::vector<Word> appjail::splitLenient(llvm::StringRef Text) {
  // Same words as splitWords, but an unterminated quote is not an error.
  llvm::SourceMgr SM;
  DiagnosticEngine Quiet(SM);
  std::vector<Word> Out;
  if (!splitWords(Text, TextLocator(), Quiet, Out)) {
    Out.clear();
    splitWords((Text + (Text.count('"') % 2 ? "\"" : "'")).str(),
               TextLocator(), Quiet, Out);
    for (Word &W : Out)
      W.End = std::min(W.End, Text.size());
  }
  return Out;
}

bool appjail::checkInstructionArgs(const InstrContext &C) {
  const InstrSpec *S = findSpec(C.Name);
  if (!S)
    return false;
  if (S->Custom)
    return checkSpecialInstruction(C);
  std::vector<Word> Words = splitLenient(C.Args);
  std::vector<llvm::StringRef> Seen;
  int First = parseFlags(C, *S, Words, Seen);
  if (First < 0)
    return false;
  if (!checkOperandCount(C, *S, Words, First))
    return false;
  if (!S->Extra || (size_t(First) >= Words.size() && S->Name != "EXEC"))
    return true;
  return S->Extra(C, Words, First);
}
