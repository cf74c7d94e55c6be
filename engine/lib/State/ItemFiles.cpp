//===- ItemFiles.cpp - A jail's conf/ items as the API serves them --------===//
//
// The per-jail extras the reference reads straight from AppJail's tree
// (overlord-behaviour.md §7.1, appjail-interface.md §1.5): one directory per
// entry under `<jails>/<jail>/conf/<dir>/<id>/`, one file per keyword. Each
// entry is served with every configured keyword (null when the file is
// missing or empty) plus its id as a string. Unlike the reference, entries
// are sorted (numerically for `nro`s), fstab's `pass` reads `fs_passno`
// (the reference's `==` typo made it always null, §12.1 #13), and a missing
// directory is an empty list rather than "keep whatever was cached".
//
//===----------------------------------------------------------------------===//
#include "StateInternal.h"

#include "overlord/Engine/AppJailOutput.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>

using namespace overlord::engine;
using llvm::StringRef;

namespace {

/// Where an item lives and how its entries are keyed.
struct ItemLayout {
  JailItem Item;
  StringRef Name;  ///< URL segment
  StringRef Group; ///< polling.keywords group
  StringRef Dir;   ///< under conf/
  StringRef IdKey; ///< "nro", "name", "network"
  bool NumericIds; ///< ids are AppJail nros
};

const ItemLayout Layouts[] = {
    {JailItem::Devfs, "devfs", "devfs", "boot/devfs", "nro", true},
    {JailItem::Expose, "expose", "expose", "boot/expose", "nro", true},
    {JailItem::Healthcheck, "healthcheck", "healthcheck", "boot/health", "nro",
     true},
    {JailItem::Limits, "limits", "limits", "boot/limits", "nro", true},
    {JailItem::Fstab, "fstab", "fstab", "boot/fstab", "nro", true},
    {JailItem::Labels, "labels", "label", "labels", "name", false},
    {JailItem::Nat, "nat", "nat", "boot/nat", "network", false},
    {JailItem::Volumes, "volumes", "volume", "volumes", "name", false},
};

const ItemLayout &layout(JailItem Item) {
  return Layouts[static_cast<size_t>(Item)];
}

/// The file a keyword is stored in; "" when the item has no such file
/// (nat keywords other than `rule`).
StringRef keywordFile(JailItem Item, StringRef Keyword) {
  switch (Item) {
  case JailItem::Expose:
    return Keyword == "rule" ? StringRef("pf-rule") : Keyword;
  case JailItem::Nat:
    return Keyword == "rule" ? StringRef("pf-nat.conf") : StringRef();
  case JailItem::Fstab:
    return llvm::StringSwitch<StringRef>(Keyword)
        .Case("device", "fs_spec")
        .Case("mountpoint", "fs_file")
        .Case("type", "fs_vfstype")
        .Case("options", "fs_mntops")
        .Case("dump", "fs_freq")
        .Case("pass", "fs_passno")
        .Default(Keyword);
  default:
    return Keyword;
  }
}

/// Keyword files are tiny; anything larger is not AppJail's.
constexpr uint64_t MaxKeywordFile = 64 * 1024;

/// Reads one keyword file: nullopt for missing/empty, an error when it
/// exists but cannot be read.
llvm::Expected<std::optional<std::string>>
readKeyword(const std::string &Path) {
  llvm::sys::fs::file_status St;
  if (llvm::sys::fs::status(Path, St) ||
      St.type() != llvm::sys::fs::file_type::regular_file)
    return std::nullopt;
  if (St.getSize() > MaxKeywordFile)
    return llvm::createStringError(
        std::errc::file_too_large, "'%s' is larger than %llu bytes",
        Path.c_str(), (unsigned long long)MaxKeywordFile);
  auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false,
                                         /*IsVolatile=*/true);
  if (!Buf)
    return llvm::createStringError(Buf.getError(), "cannot read '%s': %s",
                                   Path.c_str(),
                                   Buf.getError().message().c_str());
  return parseKeywordFile((*Buf)->getBuffer());
}

/// The entry directories of Dir: names of subdirectories, sorted (nros
/// numerically; names that are not numbers are not AppJail's and skipped).
llvm::Expected<std::vector<std::string>> listIds(const std::string &Dir,
                                                 bool Numeric) {
  std::vector<std::string> Ids;
  if (!llvm::sys::fs::is_directory(Dir))
    return Ids;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
       It.increment(EC)) {
    StringRef Name = llvm::sys::path::filename(It->path());
    unsigned long long N;
    if (Numeric && (Name.empty() || Name.getAsInteger(10, N)))
      continue;
    if (llvm::sys::fs::is_directory(It->path()))
      Ids.push_back(Name.str());
  }
  if (EC)
    return llvm::createStringError(EC, "cannot list '%s': %s", Dir.c_str(),
                                   EC.message().c_str());
  if (Numeric)
    llvm::sort(Ids, [](const std::string &A, const std::string &B) {
      return A.size() != B.size() ? A.size() < B.size() : A < B;
    });
  else
    llvm::sort(Ids);
  return Ids;
}

} // namespace

StringRef overlord::engine::jailItemName(JailItem Item) {
  return layout(Item).Name;
}

StringRef overlord::engine::jailItemKeywordGroup(JailItem Item) {
  return layout(Item).Group;
}

std::optional<JailItem> overlord::engine::parseJailItem(StringRef Name) {
  for (const ItemLayout &L : Layouts)
    if (L.Name == Name)
      return L.Item;
  return std::nullopt;
}

const std::vector<JailItem> &overlord::engine::allJailItems() {
  static const std::vector<JailItem> All = [] {
    std::vector<JailItem> V;
    for (const ItemLayout &L : Layouts)
      V.push_back(L.Item);
    return V;
  }();
  return All;
}

llvm::Expected<llvm::json::Array>
state::readJailItem(const EngineConfig &Cfg, JailItem Item, StringRef Jail,
                    const std::vector<std::string> &Keywords) {
  const ItemLayout &L = layout(Item);
  llvm::SmallString<256> Base(Cfg.AppjailJails);
  llvm::sys::path::append(Base, Jail, "conf", L.Dir);
  auto Ids = listIds(std::string(Base), L.NumericIds);
  if (!Ids)
    return Ids.takeError();
  llvm::json::Array Out;
  for (const std::string &Id : *Ids) {
    llvm::json::Object Entry;
    for (const std::string &Kw : Keywords) {
      StringRef File = keywordFile(Item, Kw);
      std::optional<std::string> Value;
      if (!File.empty()) {
        llvm::SmallString<256> Path(Base);
        llvm::sys::path::append(Path, Id, File);
        auto V = readKeyword(std::string(Path));
        if (!V)
          return V.takeError();
        Value = std::move(*V);
      }
      Entry[Kw] =
          Value ? jsonString(std::move(*Value)) : llvm::json::Value(nullptr);
    }
    // As the reference (`data.update({key: index})`): the id wins over a
    // keyword of the same name (labels' and volumes' "name").
    Entry[L.IdKey] = Id;
    Out.push_back(std::move(Entry));
  }
  return Out;
}
