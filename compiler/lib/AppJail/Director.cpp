//===- Director.cpp - Director file checks (appjail-director(5)) -*- C++
//-*-===//
//
// Validates a parsed Director file with the rules of Director's parser.py
// (top-level, service, volume and script keys, their types, KV-lists and
// their null rules, name regexes), but reports every error instead of the
// first, and adds what Director only finds at `up` time or never: volumes
// that are not defined, names AppJail rejects, option strings and Makejail
// references (checked by Options.cpp and Makejail.cpp), and Overlord's
// special labels (DirectorLabels.cpp). Scalars are stringified where
// Director stringifies them, so `expose: 5000` is the option value "5000".
//
//===----------------------------------------------------------------------===//
#include "overlord/AppJail/Director.h"

#include "overlord/AppJail/Makejail.h"
#include "overlord/AppJail/Options.h"
#include "overlord/Support/Suggest.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

using namespace overlord;
using namespace overlord::appjail;
using ast::MapEntry;
using ast::Value;
using llvm::SMLoc;
using llvm::SMRange;
using llvm::StringRef;

namespace {

const StringRef TopKeys[] = {"options", "services", "default_volume_type",
                             "volumes"};
const StringRef ServiceKeys[] = {"priority",
                                 "name",
                                 "makejail",
                                 "runtime-makejail",
                                 "reset_options",
                                 "ignore_mtime",
                                 "options",
                                 "arguments",
                                 "runtime-arguments",
                                 "environment",
                                 "runtime-environment",
                                 "start-environment",
                                 "oci",
                                 "volumes",
                                 "scripts",
                                 "start",
                                 "serial"};
const StringRef VolumeKeys[] = {"device", "type", "options", "dump", "pass",
                                "umask",  "mode", "owner",   "group"};
const StringRef ScriptKeys[] = {"shell", "type", "text", "post-start"};
const StringRef ScriptTypes[] = {"jexec", "local", "chroot"};
const StringRef OciKeys[] = {"user", "workdir", "environment"};

bool isAlnum(char C) {
  return (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') ||
         (C >= '0' && C <= '9');
}
bool isServiceChar(char C) {
  return isAlnum(C) || C == '.' || C == '_' || C == '-';
}
bool isJailFirst(char C) { return isAlnum(C) || C == '_'; }
bool isJailChar(char C) { return isAlnum(C) || C == '_' || C == '-'; }
bool isVarFirst(char C) { return isJailFirst(C) && !(C >= '0' && C <= '9'); }
bool isVarChar(char C) { return isJailFirst(C); }

std::string describeChar(char C) {
  if (C == ' ')
    return "a space";
  if (C > ' ' && C < 127)
    return "'" + std::string(1, C) + "'";
  return llvm::formatv("byte 0x{0:X-2}", unsigned(uint8_t(C))).str();
}

/// Why Name breaks the rule `^First Rest*$`, or "" when it follows it. Pos
/// is set to the offending byte.
std::string nameProblem(StringRef Name, bool (*First)(char), bool (*Rest)(char),
                        size_t &Pos) {
  Pos = 0;
  if (Name.empty())
    return "is empty";
  if (!First(Name[0]))
    return "cannot start with " + describeChar(Name[0]);
  for (size_t I = 1; I < Name.size(); ++I)
    if (!Rest(Name[I])) {
      Pos = I;
      return "cannot contain " + describeChar(Name[I]);
    }
  return "";
}

/// The narrowest range for byte Pos of a name written at R.
SMRange nameRange(SMRange R, StringRef Name, size_t Pos) {
  if (Name.empty())
    return R;
  return locateInScalar(R, Name, Pos, 1);
}

/// A range that is never empty when the value has none (a YAML null).
SMRange rangeOr(const Value *V, SMRange Fallback) {
  if (V && V->Range.Start.isValid() && V->Range.End.isValid() &&
      V->Range.End.getPointer() > V->Range.Start.getPointer())
    return V->Range;
  return Fallback;
}

std::string quoted(StringRef S) { return "'" + S.str() + "'"; }

/// Python truthiness of a scalar, as Director tests `post-start`.
bool truthy(const Value &V) {
  switch (V.Kind) {
  case ast::ValueKind::Null:
    return false;
  case ast::ValueKind::Bool:
    return V.BoolVal;
  case ast::ValueKind::Int:
    return V.IntVal != 0;
  case ast::ValueKind::Float:
    return V.FloatVal != 0;
  case ast::ValueKind::String:
    return !V.Text.empty();
  case ast::ValueKind::List:
    return !V.Items.empty();
  case ast::ValueKind::Map:
    return !V.Entries.empty();
  }
  return false;
}

/// What a quoted scalar would be without its quotes, to offer a fix-it.
bool looksLike(const Value &V, ast::ValueKind Want) {
  if (!V.isString() || V.FromEnv ||
      (V.Style != ast::ScalarStyle::SingleQuoted &&
       V.Style != ast::ScalarStyle::DoubleQuoted))
    return false;
  StringRef T = V.Text;
  if (Want == ast::ValueKind::Bool)
    return T == "true" || T == "false" || T == "True" || T == "False";
  if (Want == ast::ValueKind::Int) {
    StringRef D = T.startswith("-") ? T.drop_front() : T;
    return !D.empty() && D.size() < 18 &&
           D.find_first_not_of("0123456789") == StringRef::npos &&
           (D.size() == 1 || D[0] != '0');
  }
  return false;
}

enum class NameRule { Env, Arg };

class Checker {
public:
  explicit Checker(DiagnosticEngine &Diags) : Diags(Diags) {}
  std::optional<DirectorFile> run(const Value *Root, SMRange Whole);

private:
  using HintFn = llvm::function_ref<std::string(const MapEntry &)>;

  // Values of one type.
  void wrongType(const Value &V, SMRange R, const std::string &What,
                 StringRef Expected,
                 ast::ValueKind Want = ast::ValueKind::Null);
  std::optional<std::string> readString(const Value &V,
                                        const std::string &What);
  std::optional<int64_t> readInt(const Value &V, const std::string &What);
  std::optional<bool> readBool(const Value &V, const std::string &What);
  void checkKeys(const Value &Map, llvm::ArrayRef<StringRef> Allowed,
                 const std::string &Where, HintFn Hint = nullptr);

  // KV-lists.
  std::vector<KeyValue> readKVList(const Value &V, const std::string &What,
                                   bool AllowNull) {
    return readDirectorKVList(V, What, AllowNull, Diags);
  }
  void checkNames(const std::vector<KeyValue> &List, NameRule Rule);
  void warnNullEnv(const std::vector<KeyValue> &List, const std::string &What);
  std::vector<KeyValue> readOptions(const Value &V, const std::string &What);
  std::vector<KeyValue> readEnv(const Value &V, const std::string &What,
                                bool AllowNull);

  // Sections.
  void checkServices(const MapEntry &E);
  void checkService(const Value &M, DirectorService &S);
  bool checkServiceScalar(StringRef Key, const Value &V,
                          const std::string &What, DirectorService &S);
  void checkServiceList(StringRef Key, const Value &V, const std::string &What,
                        DirectorService &S);
  void checkJailName(const Value &V, const std::string &What,
                     DirectorService &S);
  void checkMakejail(const Value &V, const std::string &What, std::string &Out);
  void checkOci(const Value &V, const std::string &What, DirectorService &S);
  void checkScripts(const Value &V, const std::string &What,
                    DirectorService &S);
  void checkScript(const Value &M, const std::string &Owner,
                   DirectorScript &Sc);
  void checkVolumes(const MapEntry &E);
  void checkVolume(const Value &M, DirectorVolume &Vol);
  void readOwner(const Value &V, const std::string &What,
                 std::optional<std::string> &Out);

  // Whole-file checks.
  void checkVolumeUses();
  void checkJailNames();
  void collectLabels();

  DiagnosticEngine &Diags;
  DirectorFile File;
  const MapEntry *VolumesEntry = nullptr;
  /// False when some service's `volumes` could not be read, so "never
  /// used" warnings would be guesses.
  bool UsesKnown = true;
};

//===----------------------------------------------------------------------===//
// Values of one type
//===----------------------------------------------------------------------===//

void Checker::wrongType(const Value &V, SMRange R, const std::string &What,
                        StringRef Expected, ast::ValueKind Want) {
  DiagBuilder D = Diags.emit(R, diag::DirectorWrongType, What,
                             V.typeName().str(), Expected.str());
  // `priority: "10"` and `reset_options: 'true'`: drop the quotes.
  if (looksLike(V, Want))
    D.fixit(V.Range, V.Text);
}

std::optional<std::string> Checker::readString(const Value &V,
                                               const std::string &What) {
  if (V.isNull())
    return std::nullopt;
  if (!V.isScalar())
    Diags.emit(V.Range, diag::DirectorNonScalar, What, V.typeName().str());
  return V.asPythonString();
}

std::optional<int64_t> Checker::readInt(const Value &V,
                                        const std::string &What) {
  if (V.isInt())
    return V.IntVal;
  // Python's bool is an int: parser.py's isinstance(x, int) accepts it.
  if (V.isBool()) {
    Diags.emit(V.Range, diag::DirectorBoolAsInt, What, int64_t(V.BoolVal));
    return int64_t(V.BoolVal);
  }
  if (!V.isNull())
    wrongType(V, V.Range, What, "an 'int'", ast::ValueKind::Int);
  return std::nullopt;
}

std::optional<bool> Checker::readBool(const Value &V, const std::string &What) {
  if (V.isBool())
    return V.BoolVal;
  if (!V.isNull())
    wrongType(V, V.Range, What, "a 'bool' (true or false)",
              ast::ValueKind::Bool);
  return std::nullopt;
}

void Checker::checkKeys(const Value &Map, llvm::ArrayRef<StringRef> Allowed,
                        const std::string &Where, HintFn Hint) {
  for (const MapEntry &E : Map.Entries) {
    std::string Key = E.Key->asPythonString();
    if (llvm::is_contained(Allowed, Key))
      continue;
    std::string Suggestion = suggestClosest(Key, Allowed);
    std::string Extra = didYouMean(Suggestion);
    if (Extra.empty() && Hint)
      Extra = Hint(E);
    DiagBuilder D =
        Diags.emit(E.Key->Range, diag::DirectorUnknownKey, Key, Where, Extra);
    if (!Suggestion.empty())
      D.fixit(E.Key->Range, Suggestion);
  }
}

//===----------------------------------------------------------------------===//
// KV-lists
//===----------------------------------------------------------------------===//

void Checker::checkNames(const std::vector<KeyValue> &List, NameRule Rule) {
  for (const KeyValue &KV : List) {
    size_t Pos;
    std::string Problem = nameProblem(KV.Key, isVarFirst, isVarChar, Pos);
    if (Problem.empty())
      continue;
    SMRange R = nameRange(KV.KeyRange, KV.Key, Pos);
    if (Rule == NameRule::Env)
      Diags.emit(R, diag::DirectorEnvName, KV.Key, Problem);
    else
      Diags.emit(R, diag::DirectorArgName, KV.Key, Problem);
  }
}

void Checker::warnNullEnv(const std::vector<KeyValue> &List,
                          const std::string &What) {
  for (const KeyValue &KV : List)
    if (!KV.Value)
      Diags.emit(KV.KeyRange, diag::DirectorEnvNullValue, KV.Key, What);
}

std::vector<KeyValue> Checker::readOptions(const Value &V,
                                           const std::string &What) {
  std::vector<KeyValue> List = readKVList(V, What, /*AllowNull=*/true);
  for (const KeyValue &KV : List) {
    std::optional<StringRef> Val;
    if (KV.Value)
      Val = StringRef(*KV.Value);
    checkQuickOption(KV.Key, Val, KV.KeyRange, KV.ValueRange, Diags);
  }
  return List;
}

std::vector<KeyValue> Checker::readEnv(const Value &V, const std::string &What,
                                       bool AllowNull) {
  std::vector<KeyValue> List = readKVList(V, What, AllowNull);
  checkNames(List, NameRule::Env);
  if (AllowNull)
    warnNullEnv(List, What);
  return List;
}

//===----------------------------------------------------------------------===//
// Services
//===----------------------------------------------------------------------===//

void Checker::checkServices(const MapEntry &E) {
  const Value *V = E.Val;
  if (!V || V->isNull()) {
    Diags.emit(E.Key->Range, diag::DirectorMissingServices);
    return;
  }
  if (!V->isMap()) {
    wrongType(*V, V->Range, "'services'",
              "a mapping of service names to services");
    return;
  }
  if (V->Entries.empty())
    Diags.emit(rangeOr(V, E.Key->Range), diag::DirectorEmptyServices);
  for (const MapEntry &SE : V->Entries) {
    DirectorService S;
    S.Name = SE.Key->asPythonString();
    S.Range = SE.Key->Range;
    size_t Pos;
    std::string Problem =
        nameProblem(S.Name, isServiceChar, isServiceChar, Pos);
    if (!Problem.empty())
      Diags.emit(nameRange(S.Range, S.Name, Pos), diag::DirectorServiceName,
                 S.Name, Problem);
    if (!SE.Val || !SE.Val->isMap()) {
      UsesKnown = false;
      wrongType(SE.Val ? *SE.Val : *SE.Key, rangeOr(SE.Val, S.Range),
                "service " + quoted(S.Name),
                "a mapping of service keys such as 'makejail' and 'options'");
    } else {
      checkService(*SE.Val, S);
    }
    File.Services.push_back(std::move(S));
  }
}

void Checker::checkService(const Value &M, DirectorService &S) {
  std::string Owner = "service " + quoted(S.Name);
  checkKeys(M, ServiceKeys, Owner);
  for (const MapEntry &E : M.Entries) {
    if (!E.Val || E.Val->isNull())
      continue; // parser.py: a null value is an absent key
    std::string Key = E.Key->asPythonString();
    std::string What = quoted(Key) + " of " + Owner;
    if (!checkServiceScalar(Key, *E.Val, What, S))
      checkServiceList(Key, *E.Val, What, S);
  }
}

/// The keys with one value; false when Key is not one of them.
bool Checker::checkServiceScalar(StringRef Key, const Value &V,
                                 const std::string &What, DirectorService &S) {
  if (Key == "priority") {
    if (std::optional<int64_t> I = readInt(V, What))
      S.Priority = *I;
  } else if (Key == "serial") {
    S.Serial = readInt(V, What);
  } else if (Key == "name") {
    checkJailName(V, What, S);
  } else if (Key == "makejail") {
    checkMakejail(V, What, S.Makejail);
  } else if (Key == "runtime-makejail") {
    std::string Ref;
    checkMakejail(V, What, Ref);
    S.RuntimeMakejail = Ref;
  } else if (Key == "reset_options") {
    S.ResetOptions = readBool(V, What).value_or(false);
  } else if (Key == "ignore_mtime") {
    S.IgnoreMtime = readBool(V, What).value_or(false);
  } else if (Key == "oci") {
    checkOci(V, What, S);
  } else if (Key == "scripts") {
    checkScripts(V, What, S);
  } else {
    return false;
  }
  return true;
}

/// The KV-list keys.
void Checker::checkServiceList(StringRef Key, const Value &V,
                               const std::string &What, DirectorService &S) {
  if (Key == "options") {
    S.Options = readOptions(V, What);
  } else if (Key == "arguments" || Key == "runtime-arguments" ||
             Key == "start") {
    std::vector<KeyValue> List = readKVList(V, What, /*AllowNull=*/false);
    checkNames(List, NameRule::Arg);
    (Key == "arguments" ? S.Arguments
     : Key == "start"   ? S.Start
                        : S.RuntimeArguments) = std::move(List);
  } else if (Key == "environment") {
    S.Environment = readEnv(V, What, /*AllowNull=*/true);
  } else if (Key == "runtime-environment") {
    S.RuntimeEnvironment = readEnv(V, What, /*AllowNull=*/true);
  } else if (Key == "start-environment") {
    S.StartEnvironment = readEnv(V, What, /*AllowNull=*/true);
  } else if (Key == "volumes") {
    if (!V.isList() && !V.isMap())
      UsesKnown = false;
    S.Volumes = readKVList(V, What, /*AllowNull=*/false);
  }
}

void Checker::checkJailName(const Value &V, const std::string &What,
                            DirectorService &S) {
  if (!V.isScalar()) {
    wrongType(V, V.Range, What, "a jail name");
    return;
  }
  std::string Name = V.asPythonString();
  size_t Pos;
  std::string Problem = nameProblem(Name, isJailFirst, isJailChar, Pos);
  if (!Problem.empty())
    Diags.emit(nameRange(V.Range, Name, Pos), diag::DirectorJailName, Name,
               Problem);
  S.JailName = Name;
  S.JailNameRange = V.Range;
}

void Checker::checkMakejail(const Value &V, const std::string &What,
                            std::string &Out) {
  std::optional<std::string> Ref = readString(V, What);
  if (!Ref)
    return;
  Out = *Ref;
  if (V.isScalar())
    checkMakejailReference(Out, V.Range, Diags);
}

void Checker::checkOci(const Value &V, const std::string &What,
                       DirectorService &S) {
  if (!V.isMap()) {
    wrongType(V, V.Range, What,
              "a mapping with 'user', 'workdir' and 'environment'");
    return;
  }
  for (const MapEntry &E : V.Entries) {
    std::string Key = E.Key->asPythonString();
    // parser.py never looks at other keys: they are silently ignored.
    if (!llvm::is_contained(OciKeys, Key)) {
      std::string Suggestion = suggestClosest(Key, OciKeys);
      DiagBuilder D = Diags.emit(E.Key->Range, diag::DirectorUnknownOciKey, Key,
                                 S.Name, didYouMean(Suggestion));
      if (!Suggestion.empty())
        D.fixit(E.Key->Range, Suggestion);
      continue;
    }
    if (!E.Val || E.Val->isNull())
      continue;
    std::string Sub = "'oci." + Key + "' of service " + quoted(S.Name);
    if (Key == "user")
      S.OciUser = readString(*E.Val, Sub);
    else if (Key == "workdir")
      S.OciWorkdir = readString(*E.Val, Sub);
    else
      S.OciEnvironment = readEnv(*E.Val, Sub, /*AllowNull=*/false);
  }
}

void Checker::checkScripts(const Value &V, const std::string &What,
                           DirectorService &S) {
  if (!V.isList()) {
    wrongType(V, V.Range, What,
              "a list of scripts, each a mapping with 'text'");
    return;
  }
  for (unsigned I = 0; I < V.Items.size(); ++I) {
    const Value &Item = *V.Items[I];
    std::string Owner =
        llvm::formatv("script #{0} of service '{1}'", I + 1, S.Name).str();
    if (!Item.isMap()) {
      wrongType(Item, rangeOr(&Item, V.Range), Owner,
                "a mapping with 'text' and optionally 'shell', 'type' and "
                "'post-start'");
      continue;
    }
    DirectorScript Sc;
    checkScript(Item, Owner, Sc);
    const Value *PS = Item.get("post-start");
    if (PS && !PS->isNull() && !PS->isBool())
      Diags.emit(PS->Range, diag::DirectorPostStartType, I + 1, S.Name,
                 PS->typeName().str(), PS->asPythonString(),
                 std::string(truthy(*PS) ? "true" : "false"));
    S.Scripts.push_back(std::move(Sc));
  }
}

void Checker::checkScript(const Value &M, const std::string &Owner,
                          DirectorScript &Sc) {
  checkKeys(M, ScriptKeys, Owner);
  const Value *Text = M.get("text");
  if (!Text || Text->isNull())
    Diags.emit(SMRange(M.Range.Start, M.Range.Start), diag::DirectorMissingKey,
               Owner, std::string("text"));
  else
    Sc.Text = readString(*Text, "'text' of " + Owner).value_or("");
  if (const Value *Shell = M.get("shell"))
    if (std::optional<std::string> Sh =
            readString(*Shell, "'shell' of " + Owner))
      Sc.Shell = *Sh;
  if (const Value *PS = M.get("post-start"))
    Sc.PostStart = truthy(*PS);
  const Value *Type = M.get("type");
  if (!Type || Type->isNull())
    return;
  Sc.Type = readString(*Type, "'type' of " + Owner).value_or("");
  if (llvm::is_contained(ScriptTypes, Sc.Type))
    return;
  std::string Suggestion = suggestClosest(Sc.Type, ScriptTypes);
  DiagBuilder D = Diags.emit(Type->Range, diag::DirectorScriptType, Sc.Type,
                             didYouMean(Suggestion));
  if (!Suggestion.empty())
    D.fixit(Type->Range, Suggestion);
}

//===----------------------------------------------------------------------===//
// Volumes
//===----------------------------------------------------------------------===//

void Checker::checkVolumes(const MapEntry &E) {
  const Value *V = E.Val;
  if (!V || V->isNull())
    return;
  if (!V->isMap()) {
    wrongType(*V, V->Range, "'volumes'",
              "a mapping of volume names to volumes");
    return;
  }
  for (const MapEntry &VE : V->Entries) {
    DirectorVolume Vol;
    Vol.Name = VE.Key->asPythonString();
    Vol.Range = VE.Key->Range;
    if (!VE.Val || !VE.Val->isMap())
      wrongType(VE.Val ? *VE.Val : *VE.Key, rangeOr(VE.Val, Vol.Range),
                "volume " + quoted(Vol.Name),
                "a mapping with at least 'device'");
    else
      checkVolume(*VE.Val, Vol);
    File.Volumes.push_back(std::move(Vol));
  }
}

void Checker::checkVolume(const Value &M, DirectorVolume &Vol) {
  std::string Owner = "volume " + quoted(Vol.Name);
  checkKeys(M, VolumeKeys, Owner);
  const Value *Device = M.get("device");
  if (!Device || Device->isNull())
    Diags.emit(Vol.Range, diag::DirectorMissingKey, Owner,
               std::string("device"));
  for (const MapEntry &E : M.Entries) {
    if (!E.Val || E.Val->isNull())
      continue;
    std::string Key = E.Key->asPythonString();
    std::string What = quoted(Key) + " of " + Owner;
    const Value &V = *E.Val;
    if (Key == "device")
      Vol.Device = readString(V, What).value_or("");
    else if (Key == "type")
      Vol.Type = readString(V, What);
    else if (Key == "options")
      Vol.MountOptions = readString(V, What).value_or("rw");
    else if (Key == "dump")
      Vol.Dump = readInt(V, What).value_or(0);
    else if (Key == "pass")
      Vol.Pass = readInt(V, What).value_or(0);
    else if (Key == "umask")
      Vol.Umask = readInt(V, What);
    else if (Key == "mode")
      Vol.Mode = readInt(V, What);
    else if (Key == "owner")
      readOwner(V, What, Vol.Owner);
    else if (Key == "group")
      readOwner(V, What, Vol.Group);
  }
}

void Checker::readOwner(const Value &V, const std::string &What,
                        std::optional<std::string> &Out) {
  if (V.isString()) {
    Out = V.Text;
  } else if (V.isInt() || V.isBool()) {
    if (std::optional<int64_t> I = readInt(V, What))
      Out = std::to_string(*I);
  } else {
    wrongType(V, V.Range, What, "an 'int' (uid or gid) or a 'str' (a name)");
  }
}

//===----------------------------------------------------------------------===//
// Whole-file checks
//===----------------------------------------------------------------------===//

void Checker::checkVolumeUses() {
  std::vector<StringRef> Names;
  for (const DirectorVolume &Vol : File.Volumes)
    Names.push_back(Vol.Name);
  std::vector<bool> Used(File.Volumes.size(), false);
  for (const DirectorService &S : File.Services) {
    for (const KeyValue &U : S.Volumes) {
      auto It = llvm::find(Names, StringRef(U.Key));
      if (It == Names.end()) {
        UsesKnown = false; // the volume it meant would look unused
        std::string Suggestion = suggestClosest(U.Key, Names);
        DiagBuilder D = Diags.emit(U.KeyRange, diag::DirectorVolumeNotFound,
                                   S.Name, U.Key, didYouMean(Suggestion));
        if (!Suggestion.empty())
          D.fixit(U.KeyRange, Suggestion);
        if (VolumesEntry)
          D.note(VolumesEntry->Key->Range, diag::DirectorNoteVolumesHere);
        else
          D.note(U.KeyRange, diag::DirectorNoteNoVolumes, U.Key);
        continue;
      }
      const DirectorVolume &Vol = File.Volumes[It - Names.begin()];
      Used[It - Names.begin()] = true;
      std::string Type = Vol.Type.value_or(File.DefaultVolumeType);
      size_t Pos;
      if (Type == "<volumefs>" && U.Value &&
          !nameProblem(*U.Value, isJailFirst, isJailChar, Pos).empty())
        Diags.emit(U.ValueRange, diag::DirectorVolumefsMountpoint, U.Key,
                   *U.Value);
    }
  }
  if (!UsesKnown)
    return;
  for (size_t I = 0; I < File.Volumes.size(); ++I)
    if (!Used[I])
      Diags.emit(File.Volumes[I].Range, diag::DirectorUnusedVolume,
                 File.Volumes[I].Name);
}

void Checker::checkJailNames() {
  llvm::StringMap<const DirectorService *> Seen;
  for (const DirectorService &S : File.Services) {
    if (!S.JailName)
      continue;
    auto [It, New] = Seen.try_emplace(*S.JailName, &S);
    if (New)
      continue;
    const DirectorService &First = *It->second;
    Diags
        .emit(S.JailNameRange, diag::DirectorDuplicateJailName, *S.JailName,
              First.Name, S.Name)
        .note(First.JailNameRange, diag::DirectorNoteJailNameHere, First.Name);
  }
}

void Checker::collectLabels() {
  for (DirectorService &S : File.Services) {
    if (!S.ResetOptions)
      for (const KeyValue &O : File.Options)
        if (O.Key == "label")
          addDirectorLabel(O, S.Labels);
    for (const KeyValue &O : S.Options)
      if (O.Key == "label")
        addDirectorLabel(O, S.Labels);
    checkDirectorLabels(S, Diags);
  }
}

/// A hint for an unknown top-level key that is a service or a volume put at
/// the wrong level.
std::string misplacedHint(const MapEntry &E) {
  if (!E.Val || !E.Val->isMap())
    return "";
  std::string Name = E.Key->asPythonString();
  if (E.Val->get("device"))
    return "; to define volume '" + Name + "', put it under 'volumes'";
  for (StringRef K : ServiceKeys)
    if (E.Val->get(K))
      return "; to define service '" + Name + "', put it under 'services'";
  return "";
}

/// True when an unknown top-level key is a misspelling of 'services', which
/// was reported already: "no services" would be a follow-on error.
bool misspeltServices(const Value &Root) {
  for (const MapEntry &E : Root.Entries) {
    std::string Key = E.Key->asPythonString();
    if (!llvm::is_contained(TopKeys, Key) &&
        suggestClosest(Key, TopKeys) == "services")
      return true;
  }
  return false;
}

std::optional<DirectorFile> Checker::run(const Value *Root, SMRange Whole) {
  unsigned ErrorsBefore = Diags.getNumErrors();
  if (!Root || Root->isNull()) {
    Diags.emit(SMRange(Whole.Start, Whole.Start), diag::DirectorEmptyFile);
    return std::nullopt;
  }
  if (!Root->isMap()) {
    wrongType(*Root, Root->Range, "the Director file",
              "a mapping with 'services' and optionally 'options', "
              "'volumes' and 'default_volume_type'");
    return std::nullopt;
  }
  checkKeys(*Root, TopKeys, "the Director file", misplacedHint);
  const MapEntry *Services = nullptr;
  for (const MapEntry &E : Root->Entries) {
    std::string Key = E.Key->asPythonString();
    bool Null = !E.Val || E.Val->isNull();
    if (Key == "services")
      Services = &E;
    else if (Key == "volumes")
      VolumesEntry = &E;
    else if (Key == "options" && !Null)
      File.Options = readOptions(*E.Val, "'options'");
    else if (Key == "default_volume_type" && !Null)
      File.DefaultVolumeType =
          readString(*E.Val, "'default_volume_type'").value_or("");
  }
  if (VolumesEntry)
    checkVolumes(*VolumesEntry);
  if (Services)
    checkServices(*Services);
  else if (!misspeltServices(*Root))
    Diags.emit(SMRange(Root->Range.Start, Root->Range.Start),
               diag::DirectorMissingServices);
  checkVolumeUses();
  checkJailNames();
  collectLabels();
  if (Diags.getNumErrors() != ErrorsBefore)
    return std::nullopt;
  return std::move(File);
}

} // namespace

std::optional<DirectorFile>
appjail::checkDirectorFile(const ast::Value *Root, llvm::SMRange WholeRange,
                           DiagnosticEngine &Diags) {
  return Checker(Diags).run(Root, WholeRange);
}

llvm::ArrayRef<StringRef> appjail::directorTopKeys() { return TopKeys; }
llvm::ArrayRef<StringRef> appjail::directorServiceKeys() { return ServiceKeys; }
