//===- Options.cpp - appjail-quick(1) option names and values ---*- C++ -*-===//
//
// The option names appjail-quick accepts (the `case` of `quick_main` in
// AppJail's share/appjail/cmd/quick), whether each takes a value, and the
// tokenizer AppJail splits multi-word values with. The structured values
// themselves are checked in OptionsValues.cpp.
//
//===----------------------------------------------------------------------===//
#include "overlord/AppJail/Options.h"
#include "OptionsInternal.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <cstring>

using namespace overlord;
using namespace overlord::appjail;

//===----------------------------------------------------------------------===//
// TextLocator
//===----------------------------------------------------------------------===//

TextLocator TextLocator::forRange(llvm::StringRef Text, llvm::SMRange Range) {
  TextLocator L;
  L.Fallback = Range;
  const char *B = Range.Start.getPointer(), *E = Range.End.getPointer();
  // Exact only when the source bytes are the text itself (no quotes or
  // escapes were decoded away, no `!ENV` substitution happened).
  if (B && E && E >= B && size_t(E - B) == Text.size() &&
      std::memcmp(B, Text.data(), Text.size()) == 0) {
    L.Pos.reserve(Text.size() + 1);
    for (size_t I = 0; I <= Text.size(); ++I)
      L.Pos.push_back(B + I);
  }
  return L;
}

TextLocator TextLocator::forPositions(std::vector<const char *> Pos) {
  TextLocator L;
  L.Pos = std::move(Pos);
  if (!L.Pos.empty())
    L.Fallback = {llvm::SMLoc::getFromPointer(L.Pos.front()),
                  llvm::SMLoc::getFromPointer(L.Pos.back())};
  return L;
}

llvm::SMRange TextLocator::range(size_t Begin, size_t End) const {
  if (Pos.empty())
    return Fallback;
  size_t Last = Pos.size() - 1;
  Begin = std::min(Begin, Last);
  End = std::clamp(End, Begin, Last);
  const char *B = Pos[Begin];
  // The end is one past the last byte of the range, which may sit on
  // another source line when a Makejail line was continued.
  const char *E = End > Begin ? Pos[End - 1] + 1 : B;
  return {llvm::SMLoc::getFromPointer(B), llvm::SMLoc::getFromPointer(E)};
}

TextLocator TextLocator::drop(size_t Offset) const {
  TextLocator L;
  L.Fallback = Fallback;
  if (!Pos.empty())
    L.Pos.assign(Pos.begin() + std::min(Offset, Pos.size() - 1), Pos.end());
  return L;
}

//===----------------------------------------------------------------------===//
// Tokenizer
//===----------------------------------------------------------------------===//

bool appjail::hasUnknownPart(llvm::StringRef Text) {
  return Text.contains("${") || Text.contains("%{") || Text.contains("%%") ||
         Text.contains('$');
}

bool appjail::splitWords(llvm::StringRef Text, const TextLocator &Loc,
                         DiagnosticEngine &Diags, std::vector<Word> &Out) {
  size_t I = 0, N = Text.size();
  auto IsBlank = [](char C) { return C == ' ' || C == '\t' || C == '\n'; };
  while (I < N) {
    while (I < N && IsBlank(Text[I]))
      ++I;
    if (I == N)
      break;
    Word W;
    W.Begin = I;
    while (I < N && !IsBlank(Text[I])) {
      char C = Text[I];
      if (C == '\\' && I + 1 < N) {
        W.Text += Text[I + 1];
        I += 2;
        continue;
      }
      if (C != '\'' && C != '"') {
        W.Text += C;
        ++I;
        continue;
      }
      size_t Open = I++;
      while (I < N && Text[I] != C) {
        if (C == '"' && Text[I] == '\\' && I + 1 < N)
          ++I;
        W.Text += Text[I++];
      }
      if (I == N) {
        Diags.emit(Loc.range(Open, Open + 1), diag::UnterminatedQuote,
                   std::string(C == '"' ? "double" : "single"));
        return false;
      }
      ++I; // closing quote
    }
    W.End = I;
    W.Unknown = hasUnknownPart(Text.substr(W.Begin, W.End - W.Begin));
    Out.push_back(std::move(W));
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Option names
//===----------------------------------------------------------------------===//

namespace {

enum class Arity { Flag, Optional, Required };

struct OptionSpec {
  llvm::StringRef Name;
  Arity A;
  ValueChecker Check;
};

// Sorted by name; the names are exactly those of `quick_main`.
const OptionSpec Specs[] = {
    {"alias", Arity::Optional, checkAliasValue},
    {"boot", Arity::Flag, nullptr},
    {"brandelf", Arity::Required, nullptr},
    {"brandelf_abi", Arity::Required, nullptr},
    {"bridge", Arity::Required, nullptr},
    {"clone+jail", Arity::Required, nullptr},
    {"clone+release", Arity::Required, nullptr},
    {"container", Arity::Optional, nullptr},
    {"copy", Arity::Required, nullptr},
    {"copydir", Arity::Required, nullptr},
    {"cpuset", Arity::Required, nullptr},
    {"create_args", Arity::Required, nullptr},
    {"defaultrouter", Arity::Required, nullptr},
    {"defaultrouter6", Arity::Required, nullptr},
    {"depend", Arity::Required, nullptr},
    {"devfs_ruleset", Arity::Required, checkNumberValue},
    {"device", Arity::Required, nullptr},
    {"dhcp", Arity::Required, nullptr},
    {"empty", Arity::Flag, nullptr},
    {"env", Arity::Required, nullptr},
    {"ephemeral", Arity::Flag, nullptr},
    {"expose", Arity::Required, checkExposeValue},
    {"file", Arity::Required, nullptr},
    {"files", Arity::Required, nullptr},
    {"from", Arity::Required, nullptr},
    {"fstab", Arity::Required, checkFstabValue},
    {"healthcheck", Arity::Optional, checkHealthcheckValue},
    {"ifconfig", Arity::Required, nullptr},
    {"ifconfig6", Arity::Required, nullptr},
    {"import+jail", Arity::Required, nullptr},
    {"import+root", Arity::Required, nullptr},
    {"initscript", Arity::Required, nullptr},
    {"ip4", Arity::Required, nullptr},
    {"ip4_disable", Arity::Flag, nullptr},
    {"ip4_inherit", Arity::Flag, nullptr},
    {"ip6", Arity::Required, nullptr},
    {"ip6_disable", Arity::Flag, nullptr},
    {"ip6_inherit", Arity::Flag, nullptr},
    {"jng", Arity::Required, nullptr},
    {"label", Arity::Required, checkLabelValue},
    {"limits", Arity::Required, checkLimitsValue},
    {"linuxfs", Arity::Flag, nullptr},
    {"login", Arity::Flag, nullptr},
    {"login_user", Arity::Required, nullptr},
    {"macaddr", Arity::Required, nullptr},
    {"meta", Arity::Required, nullptr},
    {"mount_devfs", Arity::Flag, nullptr},
    {"nat", Arity::Optional, checkNatValue},
    {"network", Arity::Required, nullptr},
    {"noboot", Arity::Flag, nullptr},
    {"nologin", Arity::Flag, nullptr},
    {"nomount_devfs", Arity::Flag, nullptr},
    {"nonat", Arity::Optional, checkNatValue},
    {"nooverwrite", Arity::Flag, nullptr},
    {"noresolv_conf", Arity::Flag, nullptr},
    {"norestart", Arity::Flag, nullptr},
    {"norun", Arity::Flag, nullptr},
    {"nostart", Arity::Flag, nullptr},
    {"notzdata", Arity::Flag, nullptr},
    {"osarch", Arity::Required, nullptr},
    {"osversion", Arity::Required, nullptr},
    {"overwrite", Arity::Optional, checkOverwriteValue},
    {"pkg", Arity::Required, nullptr},
    {"priority", Arity::Required, checkNumberValue},
    {"release", Arity::Required, nullptr},
    {"resolv_conf", Arity::Optional, nullptr},
    {"restart", Arity::Flag, nullptr},
    {"run", Arity::Flag, nullptr},
    {"run_args", Arity::Required, nullptr},
    {"run_env", Arity::Required, nullptr},
    {"secret", Arity::Required, nullptr},
    {"slaac", Arity::Optional, nullptr},
    {"start", Arity::Flag, nullptr},
    {"start_args", Arity::Required, nullptr},
    {"start_env", Arity::Required, nullptr},
    {"stop_args", Arity::Required, nullptr},
    {"stop_env", Arity::Required, nullptr},
    {"template", Arity::Required, nullptr},
    {"tiny+import", Arity::Required, nullptr},
    {"tmpdir", Arity::Required, nullptr},
    {"type", Arity::Required, nullptr},
    {"tzdata", Arity::Optional, nullptr},
    {"virtualnet", Arity::Required, checkVirtualnetValue},
    {"vnet", Arity::Flag, nullptr},
    {"volume", Arity::Required, checkVolumeValue},
    {"x11", Arity::Flag, nullptr},
    {"zfs+import+jail", Arity::Required, nullptr},
    {"zfs+import+root", Arity::Required, nullptr},
};

const OptionSpec *findOption(llvm::StringRef Name) {
  for (const OptionSpec &S : Specs)
    if (S.Name == Name)
      return &S;
  return nullptr;
}

bool reportUnknownOption(llvm::StringRef Name, llvm::SMRange Range,
                         DiagnosticEngine &Diags) {
  std::vector<llvm::StringRef> Names;
  for (const OptionSpec &S : Specs)
    Names.push_back(S.Name);
  std::string Best = suggestClosest(Name, Names);
  DiagBuilder B = Diags.emit(Range, diag::UnknownQuickOption, Name.str(),
                             didYouMean(Best));
  if (!Best.empty())
    B.fixit(Range, Best);
  return false;
}

} // namespace

bool appjail::checkQuickOption(llvm::StringRef Name,
                               std::optional<llvm::StringRef> Value,
                               llvm::SMRange NameRange,
                               const TextLocator &ValueLoc,
                               DiagnosticEngine &Diags) {
  // An option name computed at run time (`${opt}=x`) cannot be checked.
  if (hasUnknownPart(Name))
    return true;
  const OptionSpec *S = findOption(Name);
  if (!S)
    return reportUnknownOption(Name, NameRange, Diags);
  if (!Value) {
    if (S->A != Arity::Required)
      return true;
    Diags.emit(NameRange, diag::QuickOptionNeedsValue, Name.str());
    return false;
  }
  if (S->A == Arity::Flag) {
    Diags.emit(ValueLoc.range(0, Value->size()),
               diag::QuickOptionValueIgnored, Name.str(), Value->str());
    return true;
  }
  if (Value->trim().empty()) {
    if (S->A == Arity::Optional)
      return true;
    Diags.emit(NameRange, diag::QuickOptionNeedsValue, Name.str());
    return false;
  }
  if (!S->Check)
    return true;
  std::vector<Word> Words;
  if (!splitWords(*Value, ValueLoc, Diags, Words))
    return false;
  OptionValue V{Name, *Value, ValueLoc, Words, Diags};
  return S->Check(V);
}

bool appjail::checkQuickOption(llvm::StringRef Name,
                               std::optional<llvm::StringRef> Value,
                               llvm::SMRange NameRange,
                               llvm::SMRange ValueRange,
                               DiagnosticEngine &Diags) {
  TextLocator Loc = Value ? TextLocator::forRange(*Value, ValueRange)
                          : TextLocator::forRange("", ValueRange);
  return checkQuickOption(Name, Value, NameRange, Loc, Diags);
}


bool appjail::isHumanName(llvm::StringRef Name) {
  if (Name.empty())
    return false;
  auto Ok = [](char C, bool First) {
    return llvm::isAlnum(C) || C == '_' || (!First && C == '-');
  };
  for (size_t I = 0; I < Name.size(); ++I)
    if (!Ok(Name[I], I == 0))
      return false;
  return true;
}

bool appjail::isLabelKey(llvm::StringRef Key) {
  // Segments [a-z][a-z0-9]* joined by at most one '.' or '-'.
  bool NeedLetter = true;
  for (size_t I = 0; I < Key.size(); ++I) {
    char C = Key[I];
    if (NeedLetter) {
      if (!isLowerAscii(C))
        return false;
      NeedLetter = false;
    } else if (C == '.' || C == '-') {
      NeedLetter = true;
    } else if (!isLowerAscii(C) && !llvm::isDigit(C)) {
      return false;
    }
  }
  return !Key.empty() && !NeedLetter;
}
