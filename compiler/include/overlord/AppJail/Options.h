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

namespace overlord::appjail {

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

/// AppJail's label key regex `^[a-z][a-z0-9]*((\.|-)?[a-z][a-z0-9]*)*$`.
bool isLabelKey(llvm::StringRef Key);

} // namespace overlord::appjail

#endif // OVERLORD_APPJAIL_OPTIONS_H
