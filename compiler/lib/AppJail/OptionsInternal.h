//===- OptionsInternal.h - Checkers of quick option values ------*- C++ -*-===//
//
// Shared between Options.cpp (the option table) and OptionsValues.cpp (the
// value grammars) and the Makejail checks that reuse them.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_APPJAIL_OPTIONSINTERNAL_H
#define OVERLORD_LIB_APPJAIL_OPTIONSINTERNAL_H

#include "overlord/AppJail/Options.h"

namespace overlord::appjail {

/// An option value after tokenizing, with what is needed to report on it.
struct OptionValue {
  llvm::StringRef Name;
  llvm::StringRef Raw;
  const TextLocator &Loc;
  const std::vector<Word> &Words;
  DiagnosticEngine &Diags;

  llvm::SMRange range(const Word &W) const { return Loc.range(W.Begin, W.End); }
  /// True when some word is only known at run time: it may expand to any
  /// number of words, so positional checks are skipped.
  bool anyUnknown() const {
    for (const Word &W : Words)
      if (W.Unknown)
        return true;
    return false;
  }
};

using ValueChecker = bool (*)(const OptionValue &);

bool checkAliasValue(const OptionValue &V);
bool checkNumberValue(const OptionValue &V);
bool checkExposeValue(const OptionValue &V);
bool checkFstabValue(const OptionValue &V);
bool checkHealthcheckValue(const OptionValue &V);
bool checkLabelValue(const OptionValue &V);
bool checkLimitsValue(const OptionValue &V);
bool checkNatValue(const OptionValue &V);
bool checkOverwriteValue(const OptionValue &V);
bool checkVirtualnetValue(const OptionValue &V);
bool checkVolumeValue(const OptionValue &V);

/// ASCII lower-case letter (llvm 15 has no llvm::isLower).
inline bool isLowerAscii(char C) { return C >= 'a' && C <= 'z'; }

/// True when Text is a non-empty string of decimal digits.
bool isNumber(llvm::StringRef Text);

/// Reports NotANumber for a word that is not (and cannot become) a number.
bool checkNumberWord(const Word &W, llvm::SMRange R, llvm::StringRef What,
                     DiagnosticEngine &Diags);

} // namespace overlord::appjail

#endif // OVERLORD_LIB_APPJAIL_OPTIONSINTERNAL_H
