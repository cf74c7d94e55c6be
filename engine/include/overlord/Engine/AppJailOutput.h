//===- AppJailOutput.h - Parsers of AppJail command output ------*- C++ -*-===//
//
// Pure functions over the bytes AppJail, rctl(8) and AppJail's state files
// produce (appjail-interface.md §1.3–1.6): `appjail status -q` exit codes,
// `appjail jail get -I` values, label and keyword files, `rctl -u` lines,
// `appjail cpuset` output, and ANSI-escape stripping. None of them throws or
// crashes on garbage: they return a typed value or an OutputParseError.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_APPJAILOUTPUT_H
#define OVERLORD_ENGINE_APPJAILOUTPUT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace overlord {
namespace engine {

/// The output of a tool could not be understood.
class OutputParseError : public llvm::ErrorInfo<OutputParseError> {
public:
  static char ID;
  /// What was parsed ("director result", "rctl -u") and why it failed.
  OutputParseError(std::string What, std::string Message)
      : What(std::move(What)), Message(std::move(Message)) {}

  llvm::StringRef what() const { return What; }
  llvm::StringRef detail() const { return Message; }
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  std::string What;
  std::string Message;
};

/// Shorthand for returning an OutputParseError.
llvm::Error makeParseError(llvm::StringRef What, const llvm::Twine &Message);

//===----------------------------------------------------------------------===//
// Text helpers
//===----------------------------------------------------------------------===//

/// Removes CSI escape sequences, the reference's `util.sansi` regex
/// `(\x9B|\x1B\[)[0-?]*[ -/]*[@-~]` applied to text: the 8-bit CSI is the
/// code point U+009B, i.e. the UTF-8 bytes C2 9B, so a lone 0x9B byte inside
/// another multi-byte character is left alone. An unterminated sequence at
/// the end is removed too.
std::string stripAnsi(llvm::StringRef Text);

/// Turns "\r\n" into "\n" (AppJail run under script(1) with
/// ENABLE_LOGGING_OUTPUT writes through a pty) and drops a lone trailing '\r'.
std::string normalizeNewlines(llvm::StringRef Text);

/// Drops exactly one trailing "\n" (or "\r\n"), as Overlord's readers do.
llvm::StringRef chompOne(llvm::StringRef Text);

//===----------------------------------------------------------------------===//
// appjail status -q
//===----------------------------------------------------------------------===//

/// The meaning of `appjail status -q JAIL`'s exit code (§1.3 A1), which is
/// also a Director service `status` (§2.6).
enum class JailRunState {
  Running,     ///< 0
  Stopped,     ///< 1: the jail exists but is not running
  Missing,     ///< 66 (EX_NOINPUT): no jail directory
  InvalidName, ///< 65
  Usage,       ///< 64
  Error,       ///< anything else
};

JailRunState classifyJailStatus(int64_t Rc);
llvm::StringRef jailRunStateName(JailRunState S);
/// The VM path's rule: rc < 2 means the jail exists (running or stopped).
inline bool jailExists(int64_t Rc) { return Rc == 0 || Rc == 1; }

//===----------------------------------------------------------------------===//
// appjail jail get -I -- JAIL KEYWORD
//===----------------------------------------------------------------------===//

/// The value printed by `jail get -I`: stdout minus one trailing newline
/// (and a '\r' before it). An empty value prints just "\n" and gives "".
std::string parseJailGetValue(llvm::StringRef Stdout);

/// The values printed by `jail get -It -- JAIL KW...` for Count (>= 2)
/// distinct, known keywords, each as parseJailGetValue() gives it for the
/// one-keyword form. AppJail's lib_table_print writes each value followed by
/// a tab, then "\n", and strips trailing spaces of every line; an empty (or
/// blank) value is written as one space when the row has several columns.
/// So a value is "" when its field is " ", and otherwise its field with the
/// spaces before each line end and at its end removed (what the one-keyword
/// form's `sed 's/ *$//'` removes). An error when the row does not have
/// Count tab-terminated fields: a value containing a tab, or an unknown or
/// repeated keyword (AppJail skips those with a warning), shifts the row;
/// the caller then asks one keyword at a time.
llvm::Expected<std::vector<std::string>>
parseJailGetValues(llvm::StringRef Stdout, size_t Count);

/// `status` keyword: "UP" or "DOWN".
llvm::Expected<bool> parseJailUp(llvm::StringRef Value);

/// `dirty`, `ephemeral`, `locked`, `boot`, `is_container`, ...: "0" or "1".
llvm::Expected<bool> parseJailFlag(llvm::StringRef Keyword,
                                   llvm::StringRef Value);

/// One entry of the `ports` keyword.
struct JailPort {
  unsigned Host = 0;
  unsigned Jail = 0;
  std::string Protocol; ///< "tcp" or "udp"
  bool operator==(const JailPort &O) const {
    return Host == O.Host && Jail == O.Jail && Protocol == O.Protocol;
  }
};

/// `ports`: comma-separated "8080/tcp" (same port on both sides) or
/// "8432 -> 8080/tcp" entries; "" gives none.
llvm::Expected<std::vector<JailPort>> parseJailPorts(llvm::StringRef Value);

/// `network_ip4` (and `network_ip6`): comma-joined addresses; "" gives none.
std::vector<std::string> parseJailAddressList(llvm::StringRef Value);

//===----------------------------------------------------------------------===//
// Files under <JAILDIR>/<jail>/conf
//===----------------------------------------------------------------------===//

/// A keyword file (label value, volume mountpoint, expose hport, ...) read the
/// way Overlord reads it: one trailing newline dropped, empty means absent.
/// AppJail writes labels with printf "%s" (no newline) and conf/boot files
/// with "%s\n"; both give the same value.
std::optional<std::string> parseKeywordFile(llvm::StringRef Contents);

//===----------------------------------------------------------------------===//
// rctl -u jail:JAIL
//===----------------------------------------------------------------------===//

/// `rctl -u` output: one "resource=integer" per line, in the order printed
/// (callers must not depend on it). Blank lines are ignored.
struct RctlUsage {
  std::vector<std::pair<std::string, int64_t>> Resources;
  /// The value of Resource, if it was printed.
  std::optional<int64_t> get(llvm::StringRef Resource) const;
};

/// Fails on a line that is not "name=integer" (never pass `-h`: "13M" is
/// rejected rather than misread).
llvm::Expected<RctlUsage> parseRctlUsage(llvm::StringRef Stdout);

//===----------------------------------------------------------------------===//
// appjail cpuset JAIL
//===----------------------------------------------------------------------===//

/// The CPU list: "0, 1, 2, 3" (also ranges "0-3" and a raw `cpuset -g`
/// line "jail 1 mask: 0, 1"). Empty output (a stopped jail) gives an empty
/// list. The result is sorted and without duplicates.
llvm::Expected<std::vector<unsigned>> parseCpuset(llvm::StringRef Stdout);

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_APPJAILOUTPUT_H
