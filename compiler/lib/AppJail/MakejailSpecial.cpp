//===- MakejailSpecial.cpp - Instructions with their own grammar -*- C++ -*-===//
//
// ARG, ENV, VAR, LABEL, GLOBAL, OPTION and INCLUDE do not follow the
// `[--flags] operands` shape, and INCLUDE / `makejail -f` references have
// the `[method+]path [args...]` form of makejail_getinclude.
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

const char VarRegex[] = "^[a-zA-Z_][a-zA-Z0-9_]*$";

bool isVarName(llvm::StringRef S) {
  if (S.empty() || llvm::isDigit(S.front()))
    return false;
  return llvm::all_of(S, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

/// Checks the `name` of `name[...]` at offset Off of the parameters.
bool checkVarName(const InstrContext &C, llvm::StringRef Name, size_t Off,
                  llvm::StringRef What) {
  if (hasUnknownPart(Name) || isVarName(Name))
    return true;
  C.Diags.emit(C.ArgsLoc.range(Off, Off + std::max<size_t>(Name.size(), 1)),
               diag::NameMismatch, What.str(), Name.str(),
               std::string(VarRegex));
  return false;
}

bool missing(const InstrContext &C, llvm::StringRef What) {
  C.Diags.emit(C.NameRange, diag::MakejailMissingOperand, C.Name.str(),
               What.str());
  return false;
}

bool checkArg(const InstrContext &C) {
  // `ARG name[[?]=[default]]`, the whole string against lib_check_mkvar.
  llvm::StringRef A = C.Args;
  size_t End = std::min(A.find('?'), A.find('='));
  llvm::StringRef Name = A.take_front(End);
  if (End != llvm::StringRef::npos && A[End] == '?' && End + 1 < A.size() &&
      A[End + 1] != '=') {
    C.Diags.emit(C.ArgsLoc.range(End + 1, A.size()), diag::MakejailExtraOperand,
                 std::string("ARG"), std::string("'name[[?]=[default]]'"),
                 A.drop_front(End + 1).str());
    return false;
  }
  return checkVarName(C, Name, 0, "argument name");
}

bool checkEnv(const InstrContext &C) {
  llvm::StringRef A = C.Args;
  auto [Name, Value] = A.split('=');
  if (!checkVarName(C, Name, 0, "environment variable name"))
    return false;
  if (Value.empty()) {
    C.Diags.emit(C.ArgsLoc.range(0, A.size()), diag::MakejailEnvNeedsValue,
                 Name.str());
    return false;
  }
  return true;
}

bool checkVar(const InstrContext &C) {
  std::vector<Word> Words = splitLenient(C.Args);
  size_t I = 0;
  static const llvm::StringRef Flags[] = {"--make-arg-env", "--noexpand"};
  for (; I < Words.size() && llvm::StringRef(Words[I].Text).startswith("--");
       ++I) {
    if (llvm::is_contained(Flags, Words[I].Text))
      continue;
    C.Diags.emit(C.ArgsLoc.range(Words[I].Begin, Words[I].End),
                 diag::MakejailUnknownFlag, Words[I].Text, std::string("VAR"),
                 didYouMean(suggestClosest(Words[I].Text, Flags)));
    return false;
  }
  if (I == Words.size())
    return missing(C, "'name[=default]'");
  const Word &W = Words[I];
  llvm::StringRef Name = llvm::StringRef(W.Text).split('=').first;
  return checkVarName(C, Name, W.Begin, "variable name");
}

bool checkLabel(const InstrContext &C) {
  llvm::StringRef Key = C.Args.split('=').first;
  if (hasUnknownPart(Key) || isLabelKey(Key))
    return true;
  C.Diags.emit(C.ArgsLoc.range(0, std::max<size_t>(Key.size(), 1)),
               diag::LabelKeyForm, Key.str());
  return false;
}

bool checkGlobal(const InstrContext &C) {
  std::vector<Word> Words = splitLenient(C.Args);
  if (Words.empty())
    return missing(C, "':name:'");
  const Word &W = Words.front();
  llvm::StringRef T = W.Text;
  if (W.Unknown || (T.size() > 2 && T.startswith(":") && T.endswith(":") &&
                    isHumanName(T.drop_front().drop_back())))
    return true;
  C.Diags.emit(C.ArgsLoc.range(W.Begin, W.End), diag::NameMismatch,
               std::string("global name"), T.str(),
               std::string("^:[a-zA-Z0-9_][a-zA-Z0-9_-]*:$"));
  return false;
}

bool checkOption(const InstrContext &C) {
  // The value is taken verbatim and split at the first '='.
  llvm::StringRef A = C.Args;
  if (A.trim().empty())
    return missing(C, "an appjail-quick option");
  size_t Eq = A.find('=');
  llvm::StringRef Name = A.take_front(Eq);
  llvm::SMRange NameRange = C.ArgsLoc.range(0, Name.size());
  if (Eq == llvm::StringRef::npos)
    return checkQuickOption(Name, std::nullopt, NameRange,
                            C.ArgsLoc.range(0, A.size()), C.Diags);
  return checkQuickOption(Name, A.drop_front(Eq + 1), NameRange,
                          C.ArgsLoc.drop(Eq + 1), C.Diags);
}

} // namespace

bool appjail::checkSpecialInstruction(const InstrContext &C) {
  llvm::StringRef N = C.Name;
  if (N == "RAW")
    return true;
  if (C.Args.trim().empty())
    return missing(C, N == "ARG" ? "a name" : N == "ENV" ? "'name=value'"
                      : N == "LABEL"                     ? "'key[=value]'"
                      : N == "INCLUDE"                   ? "a Makejail"
                      : N == "GLOBAL"                    ? "':name:'"
                                                         : "an operand");
  if (N == "ARG")
    return checkArg(C);
  if (N == "ENV")
    return checkEnv(C);
  if (N == "VAR")
    return checkVar(C);
  if (N == "LABEL")
    return checkLabel(C);
  if (N == "GLOBAL")
    return checkGlobal(C);
  if (N == "OPTION")
    return checkOption(C);
  if (N == "INCLUDE")
    return checkMakejailReference(C.Args, C.ArgsLoc, C.Diags);
  return true;
}

//===----------------------------------------------------------------------===//
// Makejail references
//===----------------------------------------------------------------------===//

namespace {

const llvm::StringRef Methods[] = {
    "file", "cmd",   "git",    "gh",     "github", "gh-ssh", "github-ssh",
    "gl",   "gitlab", "gl-ssh", "gitlab-ssh", "fetch"};

bool isHostedGit(llvm::StringRef M) {
  return M != "file" && M != "cmd" && M != "git" && M != "fetch";
}

bool checkGitOptions(const std::vector<Word> &Words, const TextLocator &Loc,
                     DiagnosticEngine &Diags) {
  static const llvm::StringRef WithValue[] = {"--file", "--branch",
                                              "--baseurl", "--cachedir"};
  static const llvm::StringRef Bare[] = {"--global", "--local", "--tmp"};
  for (size_t I = 1; I < Words.size(); ++I) {
    const Word &W = Words[I];
    if (W.Unknown)
      continue;
    if (llvm::is_contained(Bare, W.Text))
      continue;
    if (llvm::is_contained(WithValue, W.Text)) {
      if (I + 1 == Words.size()) {
        Diags.emit(Loc.range(W.Begin, W.End), diag::MakejailFlagNeedsValue,
                   W.Text, std::string("INCLUDE"));
        return false;
      }
      ++I;
      continue;
    }
    std::vector<llvm::StringRef> All(std::begin(WithValue),
                                     std::end(WithValue));
    All.insert(All.end(), std::begin(Bare), std::end(Bare));
    Diags.emit(Loc.range(W.Begin, W.End), diag::MakejailReferenceOption,
               W.Text, didYouMean(suggestClosest(W.Text, All)));
    return false;
  }
  return true;
}

} // namespace

bool appjail::checkMakejailReference(llvm::StringRef Ref,
                                     const TextLocator &Loc,
                                     DiagnosticEngine &Diags) {
  std::vector<Word> Words = splitLenient(Ref);
  if (Words.empty()) {
    Diags.emit(Loc.range(0, Ref.size()), diag::MakejailEmptyReference);
    return false;
  }
  const Word &First = Words.front();
  llvm::StringRef T = First.Text;
  if (!T.contains('+'))
    return true; // a file path
  auto [Method, Path] = T.split('+');
  bool Exact = First.End - First.Begin == T.size();
  llvm::SMRange MethodRange =
      Exact ? Loc.range(First.Begin, First.Begin + Method.size())
            : Loc.range(First.Begin, First.End);
  if (hasUnknownPart(Method))
    return true;
  if (!llvm::is_contained(Methods, Method)) {
    std::string Best = suggestClosest(Method, Methods);
    DiagBuilder B = Diags.emit(MethodRange, diag::MakejailUnknownMethod,
                               Method.str(), didYouMean(Best));
    if (!Best.empty() && Exact)
      B.fixit(MethodRange, Best);
    return false;
  }
  if (Path.empty() && Words.size() == 1) {
    Diags.emit(Loc.range(First.Begin, First.End),
               diag::MakejailEmptyReference);
    return false;
  }
  if (Method == "file" || Method == "cmd" || Method == "fetch")
    return true;
  if (isHostedGit(Method) && !hasUnknownPart(Path)) {
    auto [User, Repo] = Path.split('/');
    if (User.empty() || Repo.empty() || Repo.contains('/')) {
      Diags.emit(Loc.range(First.Begin, First.End),
                 diag::MakejailReferenceRepo, Method.str(), Path.str());
      return false;
    }
  }
  return checkGitOptions(Words, Loc, Diags);
}

bool appjail::checkMakejailReference(llvm::StringRef Ref, llvm::SMRange Range,
                                     DiagnosticEngine &Diags) {
  return checkMakejailReference(Ref, TextLocator::forRange(Ref, Range), Diags);
}
