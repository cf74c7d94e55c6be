//===- DirectorLabels.cpp - Labels of Director services ---------*- C++ -*-===//
//
// A service's labels come from `label` options (`label: "key:value"`, split
// at the first ':'). A label set twice with different values is suspicious;
// Overlord reads its special labels after every `up`: `overlord.skydns*`
// publishes DNS records and `overlord.load-balancer*` registers the jail in
// HAProxy. Their companions are checked here, before anything runs, with the
// rules Overlord applies at run time (overlord-behaviour.md §8): required
// companions, integer values, the SkyDNS group regex, JSON `set.*` values.
//
//===----------------------------------------------------------------------===//
#include "overlord/AppJail/Director.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"

using namespace overlord;
using namespace overlord::appjail;
using llvm::SMLoc;
using llvm::SMRange;
using llvm::StringRef;

namespace {

enum class LabelValue { Any, Int, Group, Json };

/// One label Overlord reads: its trigger (the label that enables the
/// integration it belongs to) and whether the integration requires it.
struct LabelRule {
  StringRef Name;
  StringRef Trigger;
  bool Required;
  LabelValue Form;
};

const StringRef Skydns = "overlord.skydns";
const StringRef Srv = "overlord.skydns.srv";
const StringRef Lb = "overlord.load-balancer";
const StringRef LbSet = "overlord.load-balancer.set.";

const LabelRule Rules[] = {
    {"overlord.vm", "", false, LabelValue::Any},
    {Skydns, "", false, LabelValue::Any},
    {"overlord.skydns.group", Skydns, true, LabelValue::Group},
    {"overlord.skydns.interface", Skydns, true, LabelValue::Any},
    {"overlord.skydns.interface.address", Skydns, false, LabelValue::Any},
    {"overlord.skydns.ttl", Skydns, false, LabelValue::Int},
    {"overlord.skydns.ptr", Skydns, false, LabelValue::Any},
    {Srv, Skydns, false, LabelValue::Any},
    {"overlord.skydns.srv.port", Srv, true, LabelValue::Int},
    {"overlord.skydns.srv.proto", Srv, true, LabelValue::Any},
    {"overlord.skydns.srv.service", Srv, true, LabelValue::Any},
    {"overlord.skydns.srv.priority", Srv, false, LabelValue::Int},
    {"overlord.skydns.srv.weight", Srv, false, LabelValue::Int},
    {"overlord.skydns.srv.ttl", Srv, false, LabelValue::Int},
    {Lb, "", false, LabelValue::Any},
    {"overlord.load-balancer.backend", Lb, true, LabelValue::Any},
    {"overlord.load-balancer.interface", Lb, true, LabelValue::Any},
    {"overlord.load-balancer.interface.port", Lb, true, LabelValue::Int},
    {"overlord.load-balancer.interface.address", Lb, false, LabelValue::Any},
};

/// The rule for a label; `overlord.load-balancer.set.<field>` share one.
const LabelRule *findRule(StringRef Name) {
  static const LabelRule SetRule = {LbSet, Lb, false, LabelValue::Json};
  if (Name.startswith(LbSet) && Name.size() > LbSet.size())
    return &SetRule;
  for (const LabelRule &R : Rules)
    if (R.Name == Name)
      return &R;
  return nullptr;
}

/// Python's int(): optional blanks and sign around decimal digits.
bool isPythonInt(StringRef S) {
  S = S.trim(" \t\n");
  if (S.startswith("+") || S.startswith("-"))
    S = S.drop_front();
  return !S.empty() && S.find_first_not_of("0123456789") == StringRef::npos;
}

/// SkyDNS groups: `^[a-zA-Z_-][a-zA-Z\d_-]+$` (skydns.py).
bool isSkydnsGroup(StringRef S) {
  auto Ok = [](char C, bool First) {
    return (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') || C == '_' ||
           C == '-' || (!First && C >= '0' && C <= '9');
  };
  if (S.size() < 2 || !Ok(S[0], true))
    return false;
  for (char C : S.drop_front())
    if (!Ok(C, false))
      return false;
  return true;
}

/// Why Value does not have the form Form, or "".
std::string valueProblem(LabelValue Form, StringRef Value) {
  switch (Form) {
  case LabelValue::Any:
    return "";
  case LabelValue::Int:
    return isPythonInt(Value) ? "" : "Overlord reads it as an integer";
  case LabelValue::Group:
    return isSkydnsGroup(Value)
               ? ""
               : "SkyDNS groups match '^[a-zA-Z_-][a-zA-Z0-9_-]+$' (two or "
                 "more characters, no dots)";
  case LabelValue::Json:
    if (llvm::Expected<llvm::json::Value> J = llvm::json::parse(Value)) {
      (void)J;
      return "";
    } else {
      llvm::consumeError(J.takeError());
    }
    return "Overlord decodes 'overlord.load-balancer.set.*' values as JSON; "
           "write strings in double quotes";
  }
  return "";
}

std::vector<StringRef> knownLabels() {
  std::vector<StringRef> Names;
  for (const LabelRule &R : Rules)
    Names.push_back(R.Name);
  return Names;
}

} // namespace

SMRange appjail::locateInScalar(SMRange R, StringRef Text, size_t Pos,
                                size_t Len) {
  if (!R.Start.isValid() || !R.End.isValid() ||
      R.End.getPointer() < R.Start.getPointer() || Pos > Text.size())
    return R;
  StringRef Src(R.Start.getPointer(),
                R.End.getPointer() - R.Start.getPointer());
  Len = std::min(Len, Text.size() - Pos);
  size_t Base;
  if (Src == Text)
    Base = 0;
  else if (Src.size() == Text.size() + 2 && Src.substr(1, Text.size()) == Text)
    Base = 1; // 'quoted' or "quoted" without escapes
  else
    return R;
  const char *P = R.Start.getPointer() + Base + Pos;
  return SMRange(SMLoc::getFromPointer(P), SMLoc::getFromPointer(P + Len));
}

void appjail::addDirectorLabel(const KeyValue &Option,
                               std::vector<KeyValue> &Out) {
  if (!Option.Value)
    return;
  StringRef Text = *Option.Value;
  auto [Key, Value] = Text.split(':');
  KeyValue L;
  L.Key = Key.str();
  L.Value = Value.str();
  L.Range = Option.ValueRange;
  L.KeyRange = locateInScalar(Option.ValueRange, Text, 0, Key.size());
  L.ValueRange = Text.contains(':')
                     ? locateInScalar(Option.ValueRange, Text, Key.size() + 1,
                                      Value.size())
                     : L.KeyRange;
  Out.push_back(std::move(L));
}

bool appjail::checkDirectorLabels(const DirectorService &S,
                                  DiagnosticEngine &Diags) {
  unsigned ErrorsBefore = Diags.getNumErrors();
  llvm::StringMap<const KeyValue *> Seen;
  for (const KeyValue &L : S.Labels) {
    auto [It, New] = Seen.try_emplace(L.Key, &L);
    // The same label with the same value (set globally and again in the
    // service) is redundant but harmless.
    const KeyValue &First = *It->second;
    if (!New && First.Value != L.Value)
      Diags
          .emit(L.KeyRange, diag::DirectorDuplicateLabel, L.Key, S.Name,
                First.Value.value_or(""), L.Value.value_or(""))
          .note(First.KeyRange, diag::DirectorNoteLabelHere, L.Key);
  }
  static const std::vector<StringRef> Known = knownLabels();
  for (const KeyValue &L : S.Labels) {
    if (Seen.lookup(L.Key) != &L)
      continue; // a duplicate, already reported
    StringRef Key = L.Key;
    const LabelRule *R = findRule(Key);
    if (!R) {
      if (Key.startswith("overlord."))
        Diags.emit(L.KeyRange, diag::DirectorUnknownOverlordLabel, L.Key,
                   didYouMean(suggestClosest(Key, Known)));
      continue;
    }
    if (!R->Trigger.empty() && !Seen.count(R->Trigger))
      Diags.emit(L.KeyRange, diag::DirectorLabelWithoutTrigger, L.Key,
                 R->Trigger.str());
    std::string Problem = valueProblem(R->Form, L.Value.value_or(""));
    if (!Problem.empty())
      Diags.emit(L.ValueRange, diag::DirectorLabelValue, L.Key,
                 L.Value.value_or(""), Problem);
  }
  // Required companions, reported at the label that enables them.
  for (const LabelRule &R : Rules) {
    if (!R.Required || Seen.count(R.Name))
      continue;
    const KeyValue *Trigger = Seen.lookup(R.Trigger);
    if (!Trigger)
      continue;
    Diags
        .emit(Trigger->KeyRange, diag::DirectorLabelMissing, S.Name,
              R.Trigger.str(), R.Name.str())
        .note(S.Range, diag::DirectorNoteMakejailLabels, R.Name.str());
  }
  return Diags.getNumErrors() == ErrorsBefore;
}
