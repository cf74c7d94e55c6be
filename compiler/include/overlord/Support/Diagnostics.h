//===- Diagnostics.h - The one diagnostics engine ---------------*- C++ -*-===//
//
// Every error, warning and note overlord prints goes through
// DiagnosticEngine. Kinds are registered once in DiagnosticKinds.def with
// their severity, wording and typed arguments; emitting a kind with the wrong
// argument types does not compile. Diagnostics are buffered and printed in
// source order (clang style, or JSON), with the kind name after the message:
//
//   dep.yml:4:3: error: unknown key 'deployin'; did you mean 'deployIn'? [UnknownKey]
//     deployin:
//     ^~~~~~~~
//     deployIn
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_SUPPORT_DIAGNOSTICS_H
#define OVERLORD_SUPPORT_DIAGNOSTICS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace overlord {

enum class Severity { Error, Warning, Note };

/// Every diagnostic kind, from DiagnosticKinds.def.
enum class DiagID : uint16_t {
#define OVERLORD_DIAG(NAME, SEVERITY, FORMAT, ...) NAME,
#include "overlord/Support/DiagnosticKinds.def"
  NumKinds
};

/// Static facts about a kind: its name, severity and llvm::formatv format.
struct DiagInfo {
  llvm::StringRef Name;
  Severity Sev;
  llvm::StringRef Format;
};
const DiagInfo &getDiagInfo(DiagID ID);
/// All registered kinds, in registry order (for `overlordc --list-diagnostics`).
llvm::ArrayRef<DiagInfo> allDiagInfos();

template <typename T> struct TypeIdentity { using type = T; };

/// A kind together with the C++ types of its arguments. Defined in namespace
/// overlord::diag under the kind's name, e.g. `diag::UnknownKey`.
template <typename... Args> struct DiagDescriptor {
  DiagID ID;
};

namespace diag {
#define OVERLORD_DIAG(NAME, SEVERITY, FORMAT, ...)                             \
  inline constexpr DiagDescriptor<__VA_ARGS__> NAME{DiagID::NAME};
#include "overlord/Support/DiagnosticKinds.def"
} // namespace diag

/// A replacement of a source range (empty range: an insertion).
struct FixIt {
  llvm::SMRange Range;
  std::string Text;
};

/// One note attached to a diagnostic.
struct DiagNote {
  llvm::SMRange Range;
  std::string Message;
};

/// A diagnostic as emitted: location, kind, formatted message, notes, fix-its.
struct Diagnostic {
  DiagID ID;
  Severity Sev;
  llvm::SMRange Range; ///< Invalid range: no source location (command line).
  std::string Message;
  std::vector<DiagNote> Notes;
  std::vector<FixIt> FixIts;
  unsigned Order = 0; ///< Emission order, the tie-break for sorting.
};

class DiagnosticEngine;

/// Returned by DiagnosticEngine::emit to attach notes and fix-its.
class DiagBuilder {
public:
  DiagBuilder(DiagnosticEngine *Engine, size_t Index)
      : Engine(Engine), Index(Index) {}

  template <typename... Args>
  DiagBuilder &note(llvm::SMRange Range, const DiagDescriptor<Args...> &D,
                    typename TypeIdentity<Args>::type... A);
  DiagBuilder &fixit(llvm::SMRange Range, llvm::StringRef Text);
  DiagBuilder &fixitInsert(llvm::SMLoc Loc, llvm::StringRef Text) {
    return fixit(llvm::SMRange(Loc, Loc), Text);
  }
  /// False when the diagnostic was suppressed (duplicate or ignored).
  explicit operator bool() const { return Engine != nullptr; }

private:
  DiagnosticEngine *Engine;
  size_t Index;
};

enum class DiagFormat { Text, Json };

class DiagnosticEngine {
public:
  explicit DiagnosticEngine(llvm::SourceMgr &SM) : SM(SM) {}

  template <typename... Args>
  DiagBuilder emit(llvm::SMRange Range, const DiagDescriptor<Args...> &D,
                   typename TypeIdentity<Args>::type... A) {
    return report(D.ID, Range, formatMessage(D.ID, A...));
  }
  template <typename... Args>
  DiagBuilder emit(llvm::SMLoc Loc, const DiagDescriptor<Args...> &D,
                   typename TypeIdentity<Args>::type... A) {
    return report(D.ID, llvm::SMRange(Loc, Loc), formatMessage(D.ID, A...));
  }

  /// Stop printing after this many errors (0: no limit).
  void setErrorLimit(unsigned Limit) { ErrorLimit = Limit; }
  void setFormat(DiagFormat F) { Format = F; }
  void setShowColors(bool Colors) { ShowColors = Colors; }
  /// Treat every warning as an error (`-Werror`).
  void setWarningsAsErrors(bool On) { WarningsAsErrors = On; }

  unsigned getNumErrors() const { return NumErrors; }
  unsigned getNumWarnings() const { return NumWarnings; }
  bool hasErrors() const { return NumErrors != 0; }
  llvm::SourceMgr &getSourceMgr() { return SM; }
  const std::vector<Diagnostic> &getDiagnostics() const { return Diags; }

  /// Sort buffered diagnostics into source order, print them, clear them.
  void flush(llvm::raw_ostream &OS);
  /// Drop buffered diagnostics without printing (used by benchmarks).
  void clear();

  /// "file:line:col" of a location, or "" when it has none.
  std::string describeLoc(llvm::SMLoc Loc) const;

private:
  friend class DiagBuilder;
  template <typename... T>
  std::string formatMessage(DiagID ID, const T &...A) {
    return llvm::formatv(getDiagInfo(ID).Format.data(), A...).str();
  }
  DiagBuilder report(DiagID ID, llvm::SMRange Range, std::string Message);
  void printText(llvm::raw_ostream &OS, const std::vector<const Diagnostic *> &);
  void printJson(llvm::raw_ostream &OS, const std::vector<const Diagnostic *> &);
  std::vector<const Diagnostic *> sorted() const;

  llvm::SourceMgr &SM;
  std::vector<Diagnostic> Diags;
  unsigned NumErrors = 0, NumWarnings = 0, NextOrder = 0;
  unsigned ErrorLimit = 20;
  DiagFormat Format = DiagFormat::Text;
  bool ShowColors = false;
  bool WarningsAsErrors = false;
};

template <typename... Args>
DiagBuilder &DiagBuilder::note(llvm::SMRange Range,
                               const DiagDescriptor<Args...> &D,
                               typename TypeIdentity<Args>::type... A) {
  if (Engine)
    Engine->Diags[Index].Notes.push_back(
        {Range, Engine->formatMessage(D.ID, A...)});
  return *this;
}

} // namespace overlord

#endif // OVERLORD_SUPPORT_DIAGNOSTICS_H
