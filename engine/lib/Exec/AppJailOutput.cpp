//===- AppJailOutput.cpp - Parsers of AppJail command output ----*- C++ -*-===//
//
// The byte formats of appjail-interface.md §1.3–1.6. Every function is total:
// garbage gives an OutputParseError, never an exception or a crash.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/AppJailOutput.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace overlord;
using namespace overlord::engine;

char OutputParseError::ID = 0;

void OutputParseError::log(llvm::raw_ostream &OS) const {
  OS << "cannot parse " << What << ": " << Message;
}

std::error_code OutputParseError::convertToErrorCode() const {
  return std::make_error_code(std::errc::illegal_byte_sequence);
}

llvm::Error engine::makeParseError(llvm::StringRef What,
                                   const llvm::Twine &Message) {
  return llvm::make_error<OutputParseError>(What.str(), Message.str());
}

namespace {

/// A short, printable excerpt of bad input for error messages.
std::string excerpt(llvm::StringRef S) {
  std::string Out;
  for (char C : S.take_front(40)) {
    unsigned char U = C;
    if (U >= 0x20 && U < 0x7f) {
      Out += C;
    } else {
      llvm::raw_string_ostream OS(Out);
      OS << "\\x";
      OS.write_hex(U);
    }
  }
  if (S.size() > 40)
    Out += "...";
  return Out;
}

} // namespace

//===----------------------------------------------------------------------===//
// Text helpers
//===----------------------------------------------------------------------===//

std::string engine::stripAnsi(llvm::StringRef Text) {
  std::string Out;
  Out.reserve(Text.size());
  std::size_t I = 0, N = Text.size();
  while (I < N) {
    std::size_t Body;
    if (Text[I] == '\x1b' && I + 1 < N && Text[I + 1] == '[')
      Body = I + 2;
    else if (Text[I] == '\xc2' && I + 1 < N && Text[I + 1] == '\x9b')
      Body = I + 2;
    else {
      Out += Text[I++];
      continue;
    }
    // Parameter bytes [0-?], intermediate bytes [ -/], final byte [@-~].
    std::size_t J = Body;
    while (J < N && Text[J] >= '0' && Text[J] <= '?')
      ++J;
    while (J < N && Text[J] >= ' ' && Text[J] <= '/')
      ++J;
    if (J < N && Text[J] >= '@' && Text[J] <= '~') {
      I = J + 1;
    } else if (J == N) {
      I = N; // unterminated sequence at the end: drop it
    } else {
      Out += Text[I++]; // not a CSI sequence after all: keep the byte
    }
  }
  return Out;
}

std::string engine::normalizeNewlines(llvm::StringRef Text) {
  std::string Out;
  Out.reserve(Text.size());
  for (std::size_t I = 0; I < Text.size(); ++I) {
    if (Text[I] == '\r' && (I + 1 == Text.size() || Text[I + 1] == '\n'))
      continue;
    Out += Text[I];
  }
  return Out;
}

llvm::StringRef engine::chompOne(llvm::StringRef Text) {
  if (Text.endswith("\r\n"))
    return Text.drop_back(2);
  if (Text.endswith("\n"))
    return Text.drop_back(1);
  return Text;
}

//===----------------------------------------------------------------------===//
// appjail status, jail get
//===----------------------------------------------------------------------===//

JailRunState engine::classifyJailStatus(int64_t Rc) {
  switch (Rc) {
  case 0:
    return JailRunState::Running;
  case 1:
    return JailRunState::Stopped;
  case 66:
    return JailRunState::Missing;
  case 65:
    return JailRunState::InvalidName;
  case 64:
    return JailRunState::Usage;
  default:
    return JailRunState::Error;
  }
}

llvm::StringRef engine::jailRunStateName(JailRunState S) {
  switch (S) {
  case JailRunState::Running:
    return "running";
  case JailRunState::Stopped:
    return "stopped";
  case JailRunState::Missing:
    return "missing";
  case JailRunState::InvalidName:
    return "invalid-name";
  case JailRunState::Usage:
    return "usage";
  case JailRunState::Error:
    return "error";
  }
  return "error";
}

std::string engine::parseJailGetValue(llvm::StringRef Stdout) {
  return chompOne(Stdout).str();
}

namespace {

/// Removes the spaces before every line end ("\n" or "\r\n") and at the
/// end of Field, as `sed 's/ *$//'` does per line.
std::string stripLineTrailingSpaces(llvm::StringRef Field) {
  std::string Out;
  while (true) {
    size_t NL = Field.find('\n');
    llvm::StringRef Line = Field.substr(0, NL);
    bool CR = Line.endswith("\r");
    if (CR)
      Line = Line.drop_back();
    Out += Line.rtrim(' ').str();
    if (CR)
      Out += '\r';
    if (NL == llvm::StringRef::npos)
      return Out;
    Out += '\n';
    Field = Field.substr(NL + 1);
  }
}

} // namespace

llvm::Expected<std::vector<std::string>>
engine::parseJailGetValues(llvm::StringRef Stdout, size_t Count) {
  llvm::StringRef Row = Stdout;
  if (!Row.consume_back("\t\n") && !Row.consume_back("\t\r\n"))
    return makeParseError("jail get -It",
                          "the row does not end with a tab and a newline: '" +
                              excerpt(Stdout) + "'");
  llvm::SmallVector<llvm::StringRef, 8> Fields;
  Row.split(Fields, '\t', -1, /*KeepEmpty=*/true);
  if (Fields.size() != Count)
    return makeParseError("jail get -It",
                          "expected " + std::to_string(Count) +
                              " values, got " + std::to_string(Fields.size()) +
                              ": '" + excerpt(Stdout) + "'");
  std::vector<std::string> Out;
  Out.reserve(Count);
  for (llvm::StringRef F : Fields)
    Out.push_back(F == " " ? std::string() : stripLineTrailingSpaces(F));
  return Out;
}

llvm::Expected<bool> engine::parseJailUp(llvm::StringRef Value) {
  llvm::StringRef V = Value.trim();
  if (V == "UP")
    return true;
  if (V == "DOWN")
    return false;
  return makeParseError("jail status", "expected 'UP' or 'DOWN', got '" +
                                           excerpt(Value) + "'");
}

llvm::Expected<bool> engine::parseJailFlag(llvm::StringRef Keyword,
                                           llvm::StringRef Value) {
  llvm::StringRef V = Value.trim();
  if (V == "1")
    return true;
  if (V == "0")
    return false;
  return makeParseError("jail " + Keyword.str(),
                        "expected '0' or '1', got '" + excerpt(Value) + "'");
}

namespace {

bool parsePort(llvm::StringRef S, unsigned &Port) {
  return !S.empty() && !S.getAsInteger(10, Port) && Port > 0 && Port < 65536;
}

} // namespace

llvm::Expected<std::vector<JailPort>>
engine::parseJailPorts(llvm::StringRef Value) {
  std::vector<JailPort> Ports;
  llvm::StringRef V = Value.trim();
  if (V.empty())
    return Ports;
  llvm::SmallVector<llvm::StringRef, 8> Items;
  V.split(Items, ',');
  for (llvm::StringRef Item : Items) {
    auto Bad = [&] {
      return makeParseError("jail ports", "expected 'PORT/PROTO' or 'HOST -> "
                                          "PORT/PROTO', got '" +
                                              excerpt(Item) + "'");
    };
    JailPort P;
    auto [Ports0, Proto] = Item.trim().rsplit('/');
    P.Protocol = Proto.trim().str();
    if (P.Protocol != "tcp" && P.Protocol != "udp")
      return Bad();
    llvm::StringRef Left = Ports0.trim();
    std::size_t Arrow = Left.find("->");
    if (Arrow == llvm::StringRef::npos) {
      if (!parsePort(Left, P.Jail))
        return Bad();
      P.Host = P.Jail;
    } else if (!parsePort(Left.take_front(Arrow).trim(), P.Host) ||
               !parsePort(Left.drop_front(Arrow + 2).trim(), P.Jail)) {
      return Bad();
    }
    Ports.push_back(std::move(P));
  }
  return Ports;
}

std::vector<std::string> engine::parseJailAddressList(llvm::StringRef Value) {
  std::vector<std::string> Out;
  llvm::SmallVector<llvm::StringRef, 4> Items;
  Value.split(Items, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef Item : Items)
    if (!Item.trim().empty())
      Out.push_back(Item.trim().str());
  return Out;
}

std::optional<std::string> engine::parseKeywordFile(llvm::StringRef Contents) {
  llvm::StringRef V = chompOne(Contents);
  if (V.empty())
    return std::nullopt;
  return V.str();
}

//===----------------------------------------------------------------------===//
// rctl -u
//===----------------------------------------------------------------------===//

std::optional<int64_t> RctlUsage::get(llvm::StringRef Resource) const {
  for (const auto &[Name, Value] : Resources)
    if (Name == Resource)
      return Value;
  return std::nullopt;
}

llvm::Expected<RctlUsage> engine::parseRctlUsage(llvm::StringRef Stdout) {
  RctlUsage U;
  llvm::SmallVector<llvm::StringRef, 32> Lines;
  Stdout.split(Lines, '\n');
  unsigned LineNo = 0;
  for (llvm::StringRef Line : Lines) {
    ++LineNo;
    Line = Line.rtrim("\r");
    if (Line.trim().empty())
      continue;
    auto [Name, Value] = Line.split('=');
    int64_t N;
    bool NameOk = !Name.empty() && Name.find_first_not_of(
                                       "abcdefghijklmnopqrstuvwxyz0123456789_") ==
                                       llvm::StringRef::npos;
    if (!NameOk || Line.find('=') == llvm::StringRef::npos ||
        Value.getAsInteger(10, N))
      return makeParseError("rctl -u", "line " + llvm::Twine(LineNo) +
                                           ": expected 'resource=integer', "
                                           "got '" +
                                           excerpt(Line) + "'");
    U.Resources.emplace_back(Name.str(), N);
  }
  return U;
}

//===----------------------------------------------------------------------===//
// appjail cpuset
//===----------------------------------------------------------------------===//

llvm::Expected<std::vector<unsigned>> engine::parseCpuset(llvm::StringRef Stdout) {
  std::vector<unsigned> Cpus;
  llvm::StringRef V = chompOne(Stdout);
  // A raw `cpuset -g` line: the list follows the last ':'.
  std::size_t Colon = V.rfind(':');
  if (Colon != llvm::StringRef::npos)
    V = V.drop_front(Colon + 1);
  V = V.trim();
  if (V.empty())
    return Cpus;
  llvm::SmallVector<llvm::StringRef, 16> Items;
  V.split(Items, ',');
  constexpr unsigned MaxCpu = 65535; // bounds a hostile "0-4000000000"
  for (llvm::StringRef Item : Items) {
    Item = Item.trim();
    auto [Lo, Hi] = Item.split('-');
    unsigned A, B;
    bool Ok = !Lo.trim().getAsInteger(10, A);
    if (Ok && Item.contains('-'))
      Ok = !Hi.trim().getAsInteger(10, B) && A <= B;
    else
      B = A;
    if (!Ok || B > MaxCpu)
      return makeParseError("cpuset", "expected a CPU number or range, got '" +
                                          excerpt(Item) + "'");
    for (unsigned C = A; C <= B; ++C)
      Cpus.push_back(C);
  }
  std::sort(Cpus.begin(), Cpus.end());
  Cpus.erase(std::unique(Cpus.begin(), Cpus.end()), Cpus.end());
  return Cpus;
}
