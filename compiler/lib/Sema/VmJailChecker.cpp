//===- VmJailChecker.cpp - kind: vmJail checking ----------------*- C++ -*-===//
//
// checkVmJail checks the keys of a `kind: vmJail` deployment
// (overlord-behaviour.md §2.7) and builds the typed VmJailSpec: the VM name
// with the node's route regex (the reference client does not enforce it, the
// node then fails), exactly one of makejail/makejailFromMetadata, the
// vm-bhyve template (warning about the disk0_*/disk1_* keys overlord sets
// itself), the disk layout (VmJailDisk.cpp), metadata, the appjail-quick
// options, the five `- NAME: value` lists, cloud-init and the flags. Every
// error is reported; a part that failed is not looked at further.
//
//===----------------------------------------------------------------------===//
#include "VmJailChecker.h"
#include "SchemaCheck.h"

#include "overlord/AppJail/Makejail.h"
#include "overlord/AppJail/Options.h"

using namespace overlord;
using namespace overlord::sema;
using namespace overlord::ast;
using llvm::StringRef;

namespace {

/// The node's VM name route regex (2 to 231 characters).
const char *VmNamePattern = "^[a-zA-Z0-9][.a-zA-Z0-9_-]{0,229}[a-zA-Z0-9]$";

/// An !ENV value whose variable was unset: reported where the variable is,
/// so its form is not checked again.
bool isUnsetEnv(const Value &V) { return V.FromEnv && V.Text.empty(); }

struct Checker {
  const Value &Root;
  SchemaChecker &C;
  VmJailSpec &Out;
  llvm::SMRange KindRange; ///< where document-level omissions are reported

  DiagnosticEngine &diags() { return C.diags(); }
  /// A required top-level key; absent and written elsewhere (under
  /// `datacenters.main`, as in the article) is reported by the spec
  /// checker, so it is not reported again here.
  const Value *requireTop(StringRef Key) {
    if (!Root.get(Key) &&
        (C.isMisnested(Key) || vmjail::writtenElsewhere(Root, Key)))
      return nullptr;
    return C.require(Root, Key, "", KindRange);
  }

  void checkName();
  void checkMakejail();
  void checkTemplate();
  void checkTemplateOverrides();
  void checkDiskLayout();
  void checkMetadata();
  void checkKeyValueList(StringRef Key, bool IsOptions,
                         std::vector<VmKeyValue> &List);
  bool checkKeyValueItem(const Value &Item, StringRef Key,
                         const std::string &Path, bool IsOptions,
                         std::vector<VmKeyValue> &List);
  void checkCloudInit();
  void checkFlags();
};

} // namespace

void Checker::checkName() {
  const Value *V = requireTop("vmName");
  if (!V || !C.expectString(*V, "vmName"))
    return;
  if (isUnsetEnv(*V) ||
      C.checkPattern(V->Text, V->Range, VmNamePattern, "VM name"))
    Out.VmName = V->Text;
}

void Checker::checkMakejail() {
  const Value *MJ = SchemaChecker::lookup(Root, "makejail");
  const Value *FromMD = SchemaChecker::lookup(Root, "makejailFromMetadata");
  if (!MJ && !FromMD) {
    if (!C.isMisnested("makejail") && !C.isMisnested("makejailFromMetadata") &&
        !vmjail::writtenElsewhere(Root, "makejail") &&
        !vmjail::writtenElsewhere(Root, "makejailFromMetadata"))
      diags().emit(KindRange, diag::VmMakejailMissing);
    return;
  }
  if (MJ && FromMD) {
    diags()
        .emit(SchemaChecker::keyRange(Root, "makejailFromMetadata"),
              diag::VmMakejailConflict)
        .note(SchemaChecker::keyRange(Root, "makejail"), diag::NoteKeyHere,
              std::string("makejail"));
    return;
  }
  if (MJ) {
    if (!C.expectString(*MJ, "makejail"))
      return;
    if (isUnsetEnv(*MJ) ||
        appjail::checkMakejailReference(MJ->Text, MJ->Range, diags()))
      Out.Makejail = MJ->Text;
    return;
  }
  if (C.expectString(*FromMD, "makejailFromMetadata") &&
      (isUnsetEnv(*FromMD) ||
       C.checkPattern(FromMD->Text, FromMD->Range, patterns::MetadataKey,
                      "metadata key")))
    Out.MakejailFromMetadata = FromMD->Text;
}

void Checker::checkTemplate() {
  const Value *T = requireTop("template");
  if (T)
    C.stringMap(*T, "template", Out.Template);
}

/// disk0_* (and disk1_* with cloud-init) are written by the node after the
/// template's own keys, so values given for them are lost.
void Checker::checkTemplateOverrides() {
  const Value *T = SchemaChecker::lookup(Root, "template");
  if (!T || !T->isMap())
    return;
  struct Override {
    StringRef Key;
    const char *How;
    bool CloudInit;
  };
  static const Override Overrides[] = {
      {"disk0_type", "from 'diskLayout.driver'", false},
      {"disk0_name", "to 'disk0.img'", false},
      {"disk0_dev", "to 'file'", false},
      {"disk0_size", "from 'diskLayout.size'", false},
      {"disk1_type", "to 'ahci-cd' for the cloud-init seed", true},
      {"disk1_name", "to 'seed.iso' for the cloud-init seed", true},
      {"disk1_dev", "to 'file' for the cloud-init seed", true},
  };
  for (const MapEntry &E : T->Entries) {
    if (!E.Key || !E.Key->isString())
      continue;
    for (const Override &O : Overrides)
      if (O.Key == E.Key->Text && (!O.CloudInit || Out.CloudInit.Enabled))
        diags().emit(E.Key->Range, diag::VmTemplateOverridden, E.Key->Text,
                     std::string(O.How));
  }
}

void Checker::checkDiskLayout() {
  const Value *V = requireTop("diskLayout");
  if (!V)
    return;
  VmDiskLayout L;
  if (vmjail::checkDiskLayout(*V, SchemaChecker::keyRange(Root, "diskLayout"),
                              Root, C, L))
    Out.DiskLayout = std::move(L);
}

void Checker::checkMetadata() {
  const Value *Prefix = SchemaChecker::lookup(Root, "metadataPrefix");
  if (Prefix && C.expectString(*Prefix, "metadataPrefix") &&
      (isUnsetEnv(*Prefix) ||
       C.checkPattern(Prefix->Text, Prefix->Range, patterns::MetadataKey,
                      "metadata prefix")))
    Out.MetadataPrefix = Prefix->Text;
  const Value *L = SchemaChecker::lookup(Root, "metadata");
  if (!L || !C.expectList(*L, "metadata"))
    return;
  for (size_t I = 0; I < L->Items.size(); ++I) {
    const Value *Item = L->Items[I];
    std::string Path = ("metadata[" + llvm::Twine(I) + "]").str();
    if (!Item || !C.expectString(*Item, Path) ||
        (!isUnsetEnv(*Item) &&
         !C.checkPattern(Item->Text, Item->Range, patterns::MetadataKey,
                         "metadata key")))
      continue;
    Out.Metadata.push_back(Out.MetadataPrefix
                               ? *Out.MetadataPrefix + "." + Item->Text
                               : Item->Text);
  }
}

bool Checker::checkKeyValueItem(const Value &Item, StringRef Key,
                                const std::string &Path, bool IsOptions,
                                std::vector<VmKeyValue> &List) {
  if (!C.expectMap(Item, Path))
    return false;
  // appjail-director takes each item as exactly one `NAME: value`.
  if (Item.Entries.size() != 1 || !Item.Entries[0].Key) {
    diags().emit(Item.Range, diag::VmKeyValueItem, Key.str(),
                 static_cast<unsigned>(Item.Entries.size()));
    return false;
  }
  const Value &Name = *Item.Entries[0].Key;
  const Value *Val = Item.Entries[0].Val;
  if (!C.expectString(Name, Path))
    return false;
  std::string ValuePath = SchemaChecker::join(Key, Name.Text);
  if (Val && Val->isNull())
    Val = nullptr;
  if (!IsOptions && !Val) {
    // A null has no text of its own: point at the name.
    diags().emit(Name.Range, diag::TypeMismatch, ValuePath, std::string("a string"),
                 std::string("null"));
    return false;
  }
  if (Val && !C.expectString(*Val, ValuePath))
    return false;
  std::optional<std::string> Text;
  if (Val)
    Text = Val->Text;
  bool Ok;
  if (IsOptions)
    Ok = appjail::checkQuickOption(Name.Text, Text, Name.Range,
                                   Val ? Val->Range : Name.Range, diags());
  else
    Ok = C.checkPattern(Name.Text, Name.Range, patterns::EnvName,
                        Key.endswith("arguments") ? "argument name"
                                                  : "variable name");
  if (Ok)
    List.push_back({Name.Text, Text, Val && Val->Secret});
  return Ok;
}

void Checker::checkKeyValueList(StringRef Key, bool IsOptions,
                                std::vector<VmKeyValue> &List) {
  const Value *L = SchemaChecker::lookup(Root, Key);
  if (!L || !C.expectList(*L, Key))
    return;
  for (size_t I = 0; I < L->Items.size(); ++I) {
    std::string Path = (Key + "[" + llvm::Twine(I) + "]").str();
    if (L->Items[I])
      checkKeyValueItem(*L->Items[I], Key, Path, IsOptions, List);
  }
}

void Checker::checkCloudInit() {
  const Value *V = SchemaChecker::lookup(Root, "cloud-init");
  if (!V || !C.expectMap(*V, "cloud-init"))
    return;
  static const StringRef Keys[] = {"flags", "meta-data", "network-config",
                                   "user-data"};
  vmjail::checkKeysAt(*V, Keys, "cloud-init", C);
  VmCloudInit &CI = Out.CloudInit;
  CI.Enabled = !V->Entries.empty();
  C.getString(*V, "flags", "cloud-init", CI.Flags);
  std::pair<StringRef, std::optional<std::string> *> Docs[] = {
      {"meta-data", &CI.MetaDataJson},
      {"network-config", &CI.NetworkConfigJson},
      {"user-data", &CI.UserDataJson}};
  for (auto &[Key, Field] : Docs) {
    const Value *D = SchemaChecker::lookup(*V, Key);
    if (!D || !C.expectMap(*D, SchemaChecker::join("cloud-init", Key)))
      continue;
    std::string Text;
    llvm::raw_string_ostream OS(Text);
    OS << vmjail::valueToJson(*D);
    *Field = std::move(OS.str());
  }
  const Value *Meta = SchemaChecker::lookup(*V, "meta-data");
  if (CI.Enabled && (!Meta || (Meta->isMap() && !Meta->get("instance-id"))))
    diags().emit(Meta ? SchemaChecker::keyRange(*V, "meta-data")
                      : SchemaChecker::keyRange(Root, "cloud-init"),
                 diag::VmCloudInitNoInstanceId);
}

void Checker::checkFlags() {
  C.getString(Root, "script", "", Out.Script);
  C.getBool(Root, "overwrite", "", Out.Overwrite);
  C.getBool(Root, "poweroff", "", Out.Poweroff);
  C.getString(Root, "datastore", "", Out.Datastore);
}

bool sema::checkVmJail(const Value &Root, SchemaChecker &C, VmJailSpec &Out) {
  if (!Root.isMap())
    return false;
  unsigned Before = C.numErrors();
  llvm::SMRange KindRange = Root.Range;
  if (const Value *Kind = SchemaChecker::lookup(Root, "kind"))
    KindRange = Kind->Range;
  // The top-level keys themselves (unknown, misplaced, mis-nested under a
  // datacenter) are checked by the spec checker.
  Checker K{Root, C, Out, KindRange};
  K.checkName();
  K.checkMakejail();
  K.checkTemplate();
  K.checkDiskLayout();
  K.checkMetadata();
  K.checkKeyValueList("options", true, Out.Options);
  K.checkKeyValueList("script-environment", false, Out.ScriptEnvironment);
  K.checkKeyValueList("start-environment", false, Out.StartEnvironment);
  K.checkKeyValueList("start-arguments", false, Out.StartArguments);
  K.checkKeyValueList("build-environment", false, Out.BuildEnvironment);
  K.checkKeyValueList("build-arguments", false, Out.BuildArguments);
  K.checkCloudInit();
  K.checkTemplateOverrides();
  K.checkFlags();
  return C.numErrors() == Before;
}
