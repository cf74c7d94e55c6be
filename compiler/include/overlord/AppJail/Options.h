//===- Options.h - appjail-quick(1) option strings --------------*- C++ -*-===//
//
// The option strings that travel from Director files, Makejail `OPTION`
// lines and Overlord `vmJail.options` to `appjail quick`: the option name
// must be one appjail-quick accepts, and the value of the structured options
// (virtualnet, nat, expose, label, alias, ip4_inherit, fstab, volume,
// healthcheck, limits, overwrite, ...) must have the form AppJail parses.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_APPJAIL_OPTIONS_H
#define OVERLORD_APPJAIL_OPTIONS_H

#include "overlord/Support/Diagnostics.h"

#include <optional>
#include <string>
#include <vector>

namespace overlord::appjail {

/// Maps byte offsets of a text (an option value, a Makejail line) back to
/// source locations. Exact when every byte has its own position; otherwise
/// every offset maps to one fallback range.
class TextLocator {
public:
  TextLocator() = default;
  /// Exact when Range covers exactly Text in the source (an unquoted
  /// scalar, a Makejail line); otherwise everything maps to Range.
  static TextLocator forRange(llvm::StringRef Text, llvm::SMRange Range);
  /// One source position per byte of the text, plus one past the end.
  static TextLocator forPositions(std::vector<const char *> Pos);

  /// The source range of bytes [Begin, End) of the text.
  llvm::SMRange range(size_t Begin, size_t End) const;
  /// The locator of the text's bytes from Offset on.
  TextLocator drop(size_t Offset) const;

private:
  llvm::SMRange Fallback;
  std::vector<const char *> Pos;
};

/// One word of an option value or instruction parameter after AppJail's
/// sh-like tokenizer: quotes group words and are removed.
struct Word {
  std::string Text; ///< the word with quotes removed
  size_t Begin = 0; ///< offset of the word's first byte in the raw text
  size_t End = 0;   ///< offset one past its last byte
  /// The word holds `${...}`, `%{...}` or `%%...%%`: its value is only
  /// known when AppJail runs, so nothing about it is checked.
  bool Unknown = false;
};

/// Splits Text into words as AppJail's tokenizer does. Reports an
/// unterminated quote through Diags and returns false.
bool splitWords(llvm::StringRef Text, const TextLocator &Loc,
                DiagnosticEngine &Diags, std::vector<Word> &Out);

/// True when Text holds a part only known at run time (`${x}`, `%{x}`).
bool hasUnknownPart(llvm::StringRef Text);

/// Checks one quick option with the value located by ValueLoc.
bool checkQuickOption(llvm::StringRef Name,
                      std::optional<llvm::StringRef> Value,
                      llvm::SMRange NameRange, const TextLocator &ValueLoc,
                      DiagnosticEngine &Diags);

/// Checks one quick option. Value is nullopt for a bare option (`- nat:` in
/// a Director file, `OPTION start` in a Makejail). NameRange and ValueRange
/// locate the two parts for diagnostics (ValueRange may equal NameRange).
bool checkQuickOption(llvm::StringRef Name,
                      std::optional<llvm::StringRef> Value,
                      llvm::SMRange NameRange, llvm::SMRange ValueRange,
                      DiagnosticEngine &Diags);

/// Checks an rctl rule `resource:action=amount[/per]` (limits option).
bool checkRctlRule(llvm::StringRef Rule, llvm::SMRange Range,
                   DiagnosticEngine &Diags);

/// AppJail's human-name regex `^[a-zA-Z0-9_][a-zA-Z0-9_-]*$` (jails,
/// networks, volumes, custom stages).
bool isHumanName(llvm::StringRef Name);

/// AppJail's label key regex `^[a-z][a-z0-9]*((\.|-)?[a-z][a-z0-9]*)*$`.
bool isLabelKey(llvm::StringRef Key);

} // namespace overlord::appjail

#endif // OVERLORD_APPJAIL_OPTIONS_H
