//===- OptionsRctl.cpp - rctl(8) rules of the limits option -----*- C++ -*-===//
//
// `limits="resource:action=amount[/per] [descr:text]"`. AppJail matches the
// rule against `^[a-z]+:[a-z]+=[0-9]+[KkMmGgTtPpEe]?(/[a-z]+)?$`
// (lib_check_rctl_rule) and rctl(8) then rejects unknown resources and
// actions, and actions a resource does not support.
//
//===----------------------------------------------------------------------===//
#include "OptionsInternal.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace overlord;
using namespace overlord::appjail;

namespace {

const llvm::StringRef Resources[] = {
    "cputime",       "datasize",     "stacksize",   "coredumpsize",
    "memoryuse",     "memorylocked", "maxproc",     "openfiles",
    "vmemoryuse",    "pseudoterminals", "swapuse",  "nthr",
    "msgqqueued",    "msgqsize",     "nmsgq",       "nsem",
    "nsemop",        "nshm",         "shmsize",     "wallclock",
    "pcpu",          "readbps",      "writebps",    "readiops",
    "writeiops"};

/// Signals rctl(8) accepts as actions (signal(3) names, lower case).
const llvm::StringRef Signals[] = {
    "sighup",  "sigint",    "sigquit",   "sigill",    "sigtrap", "sigabrt",
    "sigemt",  "sigfpe",    "sigkill",   "sigbus",    "sigsegv", "sigsys",
    "sigpipe", "sigalrm",   "sigterm",   "sigurg",    "sigstop", "sigtstp",
    "sigcont", "sigchld",   "sigttin",   "sigttou",   "sigio",   "sigxcpu",
    "sigxfsz", "sigvtalrm", "sigprof",   "sigwinch",  "siginfo", "sigthr",
    "siglibrt"};

const llvm::StringRef IOResources[] = {"readbps", "writebps", "readiops",
                                       "writeiops"};

bool isLowerWord(llvm::StringRef S) {
  return !S.empty() && llvm::all_of(S, isLowerAscii);
}

/// The regex of lib_check_rctl_rule, by hand.
bool matchesRuleForm(llvm::StringRef Rule) {
  auto [Resource, Rest] = Rule.split(':');
  auto [Action, AmountPer] = Rest.split('=');
  auto [Amount, Per] = AmountPer.split('/');
  if (!Rule.contains(':') || !Rest.contains('=') || !isLowerWord(Resource) ||
      !isLowerWord(Action) || Amount.empty())
    return false;
  if (AmountPer.contains('/') && !isLowerWord(Per))
    return false;
  if (llvm::StringRef("KkMmGgTtPpEe").contains(Amount.back()))
    Amount = Amount.drop_back();
  return isNumber(Amount);
}

/// Why Action cannot go with Resource, or "" when it can.
std::string actionRestriction(llvm::StringRef Action,
                              llvm::StringRef Resource) {
  bool IO = llvm::is_contained(IOResources, Resource);
  if (Action == "deny" && (IO || Resource == "cputime" ||
                           Resource == "wallclock"))
    return "'deny' is not supported by 'cputime', 'wallclock' and the I/O "
           "resources";
  if (Action == "throttle" && !IO)
    return "'throttle' works only with 'readbps', 'writebps', 'readiops' "
           "and 'writeiops'";
  return "";
}

} // namespace

bool appjail::checkRctlRule(llvm::StringRef Rule, llvm::SMRange Range,
                            DiagnosticEngine &Diags) {
  if (!matchesRuleForm(Rule)) {
    Diags.emit(Range, diag::RctlRuleForm, Rule.str());
    return false;
  }
  auto [Resource, Rest] = Rule.split(':');
  llvm::StringRef Action = Rest.split('=').first;
  llvm::StringRef Per = Rest.split('=').second.split('/').second;
  if (!llvm::is_contained(Resources, Resource)) {
    Diags.emit(Range, diag::RctlUnknownResource, Resource.str(),
               didYouMean(suggestClosest(Resource, Resources)));
    return false;
  }
  bool Known = Action == "deny" || Action == "log" || Action == "throttle" ||
               llvm::is_contained(Signals, Action);
  if (!Known) {
    Diags.emit(Range, diag::RctlUnknownAction, Action.str());
    return false;
  }
  if (std::string Why = actionRestriction(Action, Resource); !Why.empty()) {
    Diags.emit(Range, diag::RctlActionNotAllowed, Action.str(),
               Resource.str(), Why);
    return false;
  }
  static const llvm::StringRef Pers[] = {"process", "user", "loginclass",
                                         "jail"};
  if (!Per.empty() && !llvm::is_contained(Pers, Per)) {
    Diags.emit(Range, diag::RctlUnknownPer, Per.str());
    return false;
  }
  return true;
}
