//===- OptionsValues.cpp - Grammars of structured quick options -*- C++ -*-===//
//
// The values of appjail-quick's multi-word options: positional words
// (fstab, the first word of virtualnet/expose/volume/limits/label) followed
// by `key:value` sub-parameters split at the first ':'. Words only known at
// run time (`${x}`) are never judged, and when one is present the number
// of words is not judged either: a variable may expand to several words.
//
//===----------------------------------------------------------------------===//
#include "OptionsInternal.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <functional>

using namespace overlord;
using namespace overlord::appjail;

namespace {

const char HumanNameRegex[] = "^[a-zA-Z0-9_][a-zA-Z0-9_-]*$";

/// The range of bytes [Off, Off+Len) of a word's unquoted text, exact when
/// the word was written without quotes, else the whole word.
llvm::SMRange partRange(const OptionValue &V, const Word &W, size_t Off,
                        size_t Len) {
  if (W.End - W.Begin != W.Text.size())
    return V.range(W);
  return V.Loc.range(W.Begin + Off, W.Begin + Off + Len);
}

struct ParamSet {
  llvm::ArrayRef<llvm::StringRef> Keys; ///< `key:value` parameters
  llvm::ArrayRef<llvm::StringRef> Bare; ///< keys that may stand alone
};

using ParamCheck = std::function<bool(llvm::StringRef Key,
                                      llvm::StringRef Val, llvm::SMRange)>;

bool reportUnknownParam(const OptionValue &V, const Word &W,
                        llvm::StringRef Key, const ParamSet &P) {
  std::vector<llvm::StringRef> All(P.Keys.begin(), P.Keys.end());
  All.insert(All.end(), P.Bare.begin(), P.Bare.end());
  std::string Best = suggestClosest(Key, All);
  llvm::SMRange R = partRange(V, W, 0, Key.size());
  DiagBuilder B = V.Diags.emit(R, diag::QuickUnknownParameter, Key.str(),
                               V.Name.str(), didYouMean(Best));
  if (!Best.empty() && W.End - W.Begin == W.Text.size())
    B.fixit(R, Best);
  return false;
}

/// Checks the sub-parameters in Words[From...] against P, and hands every
/// known value to Check.
bool checkParams(const OptionValue &V, size_t From, const ParamSet &P,
                 const ParamCheck &Check = nullptr) {
  bool Ok = true;
  for (size_t I = From; I < V.Words.size(); ++I) {
    const Word &W = V.Words[I];
    llvm::StringRef Text = W.Text;
    auto [Key, Val] = Text.split(':');
    bool HasColon = Text.contains(':');
    if (hasUnknownPart(Key))
      continue;
    bool IsKey = llvm::is_contained(P.Keys, Key);
    bool IsBare = llvm::is_contained(P.Bare, Key);
    if (!IsKey && !IsBare) {
      Ok &= reportUnknownParam(V, W, Key, P);
      continue;
    }
    if (!IsBare && (!HasColon || Val.empty())) {
      V.Diags.emit(V.range(W), diag::QuickParameterNeedsValue, Key.str(),
                   V.Name.str());
      Ok = false;
      continue;
    }
    if (Check && !hasUnknownPart(Val) && HasColon)
      Ok &= Check(Key, Val,
                  partRange(V, W, Key.size() + 1, Val.size()));
  }
  return Ok;
}

bool isIPv4(llvm::StringRef S) {
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  S.split(Parts, '.', -1, /*KeepEmpty=*/true);
  if (Parts.size() != 4)
    return false;
  for (llvm::StringRef P : Parts) {
    unsigned N;
    if (!isNumber(P) || P.size() > 3 || P.getAsInteger(10, N) || N > 255)
      return false;
  }
  return true;
}

bool checkIPv4(llvm::StringRef Val, llvm::SMRange R, DiagnosticEngine &D) {
  if (isIPv4(Val))
    return true;
  D.emit(R, diag::NotIPv4Address, Val.str());
  return false;
}

bool checkNetworkName(llvm::StringRef Name, llvm::SMRange R,
                      DiagnosticEngine &D) {
  if (!isHumanName(Name)) {
    D.emit(R, diag::NameMismatch, std::string("network name"), Name.str(),
           std::string(HumanNameRegex));
    return false;
  }
  if (Name.size() > 15) {
    D.emit(R, diag::NetworkNameTooLong, Name.str(), uint64_t(Name.size()));
    return false;
  }
  return true;
}

bool checkChoice(llvm::StringRef What, llvm::StringRef Val,
                 llvm::ArrayRef<llvm::StringRef> Choices, llvm::StringRef Use,
                 llvm::SMRange R, DiagnosticEngine &D) {
  if (llvm::is_contained(Choices, Val))
    return true;
  D.emit(R, diag::UnknownChoice, What.str(), Val.str(), Use.str());
  return false;
}

/// The sub-parameters nat, nonat and expose share.
const llvm::StringRef NatKeys[] = {"ext_if", "ext_ip", "network", "on_if"};
const llvm::StringRef ExposeKeys[] = {"descr",   "ext_if", "ext_ip", "network",
                                      "on_if",   "proto"};
const llvm::StringRef LogoptsKey[] = {"logopts"};

bool checkNetParam(const OptionValue &V, llvm::StringRef Key,
                   llvm::StringRef Val, llvm::SMRange R) {
  if (Key == "network")
    return checkNetworkName(Val, R, V.Diags);
  if (Key == "proto")
    return checkChoice("protocol", Val, {"tcp", "udp"}, "'tcp' or 'udp'", R,
                       V.Diags);
  return true;
}

/// One side of an expose port: a number, a range `a-b` or a service name.
bool checkPortSide(llvm::StringRef S, llvm::SMRange R, DiagnosticEngine &D) {
  auto [A, B] = S.split('-');
  bool IsRange = S.contains('-') && isNumber(A) && isNumber(B);
  if (!IsRange && !isNumber(S))
    return true; // a services(5) name
  for (llvm::StringRef P : {A, IsRange ? B : A}) {
    uint64_t N;
    if (P.size() > 5 || P.getAsInteger(10, N) || N > 65535) {
      D.emit(R, diag::PortOutOfRange, P.str());
      return false;
    }
  }
  uint64_t Lo = 0, Hi = 0;
  if (IsRange && !A.getAsInteger(10, Lo) && !B.getAsInteger(10, Hi) &&
      Hi < Lo) {
    D.emit(R, diag::PortRangeReversed, S.str());
    return false;
  }
  return true;
}

bool checkOctalMode(llvm::StringRef Val, llvm::SMRange R,
                    DiagnosticEngine &D) {
  bool Ok = !Val.empty() && Val.size() <= 4 &&
            llvm::all_of(Val, [](char C) { return C >= '0' && C <= '7'; });
  if (!Ok)
    D.emit(R, diag::PermMode, Val.str());
  return Ok;
}

} // namespace

bool appjail::isNumber(llvm::StringRef Text) {
  return !Text.empty() && llvm::all_of(Text, llvm::isDigit);
}

bool appjail::checkNumberWord(const Word &W, llvm::SMRange R,
                              llvm::StringRef What, DiagnosticEngine &Diags) {
  if (W.Unknown || isNumber(W.Text))
    return true;
  Diags.emit(R, diag::NotANumber, What.str(), W.Text);
  return false;
}

bool appjail::checkNumberValue(const OptionValue &V) {
  if (V.Words.size() != 1 || V.anyUnknown()) {
    if (V.Words.size() > 1 && !V.anyUnknown()) {
      V.Diags.emit(V.range(V.Words[1]), diag::QuickExtraWord, V.Name.str(),
                   std::string("one number"), V.Words[1].Text);
      return false;
    }
    return true;
  }
  return checkNumberWord(V.Words[0], V.range(V.Words[0]),
                         "the value of '" + V.Name.str() + "'", V.Diags);
}

bool appjail::checkAliasValue(const OptionValue &V) {
  // `alias[=interface]`: one interface name.
  if (V.Words.size() > 1 && !V.anyUnknown()) {
    V.Diags.emit(V.range(V.Words[1]), diag::QuickExtraWord, V.Name.str(),
                 std::string("one interface name"), V.Words[1].Text);
    return false;
  }
  return true;
}

bool appjail::checkOverwriteValue(const OptionValue &V) {
  if (V.anyUnknown())
    return true;
  if (V.Words.size() > 1) {
    V.Diags.emit(V.range(V.Words[1]), diag::QuickExtraWord, V.Name.str(),
                 std::string("one mode"), V.Words[1].Text);
    return false;
  }
  return checkChoice("overwrite mode", V.Words[0].Text,
                     {"force", "recursive", "force+recursive"},
                     "'force', 'recursive' or 'force+recursive'",
                     V.range(V.Words[0]), V.Diags);
}

bool appjail::checkVirtualnetValue(const OptionValue &V) {
  const Word &First = V.Words.front();
  bool Ok = true;
  if (!First.Unknown) {
    llvm::StringRef T = First.Text;
    if (!T.contains(':') || T.split(':').second.empty()) {
      V.Diags.emit(V.range(First), diag::VirtualnetInterface, T.str());
      Ok = false;
    } else if (llvm::StringRef Net = T.split(':').first; !Net.empty()) {
      Ok &= checkNetworkName(Net, partRange(V, First, 0, Net.size()),
                             V.Diags);
    }
  }
  static const llvm::StringRef Keys[] = {"address", "interface_desc"};
  static const llvm::StringRef Bare[] = {"default"};
  return checkParams(V, 1, {Keys, Bare},
                     [&](llvm::StringRef K, llvm::StringRef Val,
                         llvm::SMRange R) {
                       return K != "address" || checkIPv4(Val, R, V.Diags);
                     }) &&
         Ok;
}

bool appjail::checkNatValue(const OptionValue &V) {
  return checkParams(V, 0, {NatKeys, LogoptsKey},
                     [&](llvm::StringRef K, llvm::StringRef Val,
                         llvm::SMRange R) {
                       return checkNetParam(V, K, Val, R);
                     });
}

bool appjail::checkExposeValue(const OptionValue &V) {
  const Word &First = V.Words.front();
  bool Ok = true;
  if (!First.Unknown) {
    llvm::StringRef T = First.Text;
    auto [H, J] = T.split(':');
    if (H.empty() || (T.contains(':') && (J.empty() || J.contains(':')))) {
      V.Diags.emit(V.range(First), diag::ExposePortForm, T.str());
      Ok = false;
    } else {
      Ok &= checkPortSide(H, partRange(V, First, 0, H.size()), V.Diags);
      if (!J.empty())
        Ok &= checkPortSide(J, partRange(V, First, H.size() + 1, J.size()),
                            V.Diags);
    }
  }
  return checkParams(V, 1, {ExposeKeys, LogoptsKey},
                     [&](llvm::StringRef K, llvm::StringRef Val,
                         llvm::SMRange R) {
                       return checkNetParam(V, K, Val, R);
                     }) &&
         Ok;
}

bool appjail::checkLabelValue(const OptionValue &V) {
  // `key[:value]`: the whole value, split at the first ':'. The value part
  // may hold blanks and colons, so the raw words are not used.
  const Word &First = V.Words.front();
  if (First.Unknown)
    return true;
  llvm::StringRef Key = First.Text;
  Key = Key.split(':').first;
  if (isLabelKey(Key))
    return true;
  V.Diags.emit(partRange(V, First, 0, Key.size()), diag::LabelKeyForm,
               Key.str());
  return false;
}

bool appjail::checkFstabValue(const OptionValue &V) {
  static const char *const Fields[] = {"device", "mount point", "type",
                                       "options", "dump", "pass"};
  if (V.anyUnknown())
    return true;
  bool Ok = true;
  if (V.Words.size() < 2) {
    V.Diags.emit(V.Loc.range(0, V.Raw.size()), diag::QuickMissingWord,
                 V.Name.str(), std::string("'device mountpoint'"));
    return false;
  }
  if (V.Words.size() > 6) {
    V.Diags.emit(V.range(V.Words[6]), diag::QuickExtraWord, V.Name.str(),
                 std::string("six words"), V.Words[6].Text);
    Ok = false;
  }
  for (size_t I = 0; I < std::min<size_t>(V.Words.size(), 6); ++I) {
    const Word &W = V.Words[I];
    if (W.Text.empty()) {
      V.Diags.emit(V.range(W), diag::QuickEmptyField, std::string(Fields[I]),
                   V.Name.str());
      Ok = false;
    } else if (I >= 4) {
      Ok &= checkNumberWord(W, V.range(W),
                            "the " + std::string(Fields[I]) + " field",
                            V.Diags);
    } else if (I == 2 && llvm::StringRef(W.Text).startswith("<")) {
      Ok &= checkChoice("pseudo file system", W.Text,
                        {"<pseudofs>", "<volumefs>"},
                        "'<pseudofs>' or '<volumefs>'", V.range(W), V.Diags);
    }
  }
  return Ok;
}

bool appjail::checkVolumeValue(const OptionValue &V) {
  const Word &First = V.Words.front();
  bool Ok = true;
  if (!First.Unknown && !isHumanName(First.Text)) {
    V.Diags.emit(V.range(First), diag::NameMismatch,
                 std::string("volume name"), First.Text,
                 std::string(HumanNameRegex));
    Ok = false;
  }
  static const llvm::StringRef Keys[] = {"group", "mountpoint", "owner",
                                         "perm", "type"};
  return checkParams(V, 1, {Keys, {}},
                     [&](llvm::StringRef K, llvm::StringRef Val,
                         llvm::SMRange R) {
                       if (K == "perm")
                         return checkOctalMode(Val, R, V.Diags);
                       if (K == "type")
                         return checkChoice("volume type", Val,
                                            {"nullfs", "<pseudofs>"},
                                            "'nullfs' or '<pseudofs>'", R,
                                            V.Diags);
                       return true;
                     }) &&
         Ok;
}

bool appjail::checkHealthcheckValue(const OptionValue &V) {
  static const llvm::StringRef Keys[] = {
      "health_cmd",  "interval",         "kill_after",
      "name",        "recover_cmd",      "recover_kill_after",
      "recover_timeout", "recover_timeout_signal", "recover_total",
      "retries",     "start_period",     "timeout",
      "timeout_signal"};
  static const llvm::StringRef Numeric[] = {
      "interval",      "kill_after", "recover_kill_after", "recover_timeout",
      "recover_total", "retries",    "start_period",       "timeout"};
  return checkParams(
      V, 0, {Keys, {}},
      [&](llvm::StringRef K, llvm::StringRef Val, llvm::SMRange R) {
        if (llvm::is_contained(Numeric, K)) {
          Word W{Val.str(), 0, 0, false};
          return checkNumberWord(W, R, "'" + K.str() + "'", V.Diags);
        }
        if (K != "health_cmd" && K != "recover_cmd")
          return true;
        // `type:command`: a type prefix that looks like a word must be
        // 'host' or 'jail'.
        llvm::StringRef Type = Val.split(':').first;
        if (!Val.contains(':') || !llvm::all_of(Type, llvm::isAlpha))
          return true;
        return checkChoice("command type", Type, {"host", "jail"},
                           "'host' or 'jail'", R, V.Diags);
      });
}

bool appjail::checkLimitsValue(const OptionValue &V) {
  const Word &First = V.Words.front();
  bool Ok = First.Unknown || checkRctlRule(First.Text, V.range(First), V.Diags);
  static const llvm::StringRef Keys[] = {"descr"};
  return checkParams(V, 1, {Keys, {}}) && Ok;
}
