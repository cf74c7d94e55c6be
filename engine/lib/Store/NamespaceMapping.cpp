//===- NamespaceMapping.cpp - Validating namespace mappings ----*- C++ -*-===//
//
// The wire format of a namespace mapping (the reference's
// validate_namespace_mapping, made total: every shape of JSON gives a
// message, nothing is written before the whole mapping is valid) and the
// reverse of Lower's one-line rendering of a mapping entry.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/NamespaceStore.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#include <vector>

using namespace overlord;
using namespace overlord::engine;

namespace {

constexpr llvm::StringRef ItemKeys[] = {"file", "directory", "owner", "group",
                                        "mode", "umask",     "prefix"};

llvm::StringRef typeNoun(const llvm::json::Value &V) {
  switch (V.kind()) {
  case llvm::json::Value::Null:
    return "null";
  case llvm::json::Value::Boolean:
    return "a boolean";
  case llvm::json::Value::Number:
    return "a number";
  case llvm::json::Value::String:
    return "a string";
  case llvm::json::Value::Array:
    return "a list";
  case llvm::json::Value::Object:
    return "a map";
  }
  return "a value";
}

llvm::Error invalid(const llvm::Twine &Msg) {
  return StoreError::make(StoreErrorKind::InvalidMapping, Msg);
}

/// The value of Key in O; JSON null counts as absent, as in the reference.
const llvm::json::Value *lookup(const llvm::json::Object &O,
                                llvm::StringRef Key) {
  const llvm::json::Value *V = O.get(Key);
  return V && V->kind() != llvm::json::Value::Null ? V : nullptr;
}

/// The path relative to the namespace: leading '/' stripped (as the
/// reference's clear_path does), "." and empty components dropped, ".."
/// applied; nullopt if ".." climbs above the namespace.
std::optional<std::string> normalisePath(llvm::StringRef P) {
  llvm::SmallVector<llvm::StringRef, 8> Parts, Out;
  P.split(Parts, '/');
  for (llvm::StringRef C : Parts) {
    if (C.empty() || C == ".")
      continue;
    if (C == "..") {
      if (Out.empty())
        return std::nullopt;
      Out.pop_back();
      continue;
    }
    Out.push_back(C);
  }
  return llvm::join(Out, "/");
}

/// An id from an integer or a name (a numeric string counts as an id when no
/// user/group has that name, as chown(8) does).
llvm::Expected<uint32_t> parseId(const llvm::json::Value &V,
                                 const std::string &Where, bool IsUser) {
  if (auto I = V.getAsInteger()) {
    if (*I < 0 || *I >= 0xFFFFFFFFLL)
      return invalid(Where + ": " + std::to_string(*I) +
                     " is out of range for an id");
    return static_cast<uint32_t>(*I);
  }
  auto S = V.getAsString();
  if (!S)
    return invalid(Where + ": must be an integer or a string, not " +
                   typeNoun(V));
  if (S->empty() || S->contains('\0'))
    return invalid(Where + ": the name is empty");
  std::string Name = S->str();
  long Size = ::sysconf(IsUser ? _SC_GETPW_R_SIZE_MAX : _SC_GETGR_R_SIZE_MAX);
  std::vector<char> Buf(Size > 0 ? static_cast<size_t>(Size) : 16384);
  if (IsUser) {
    struct passwd Pw, *Res = nullptr;
    if (::getpwnam_r(Name.c_str(), &Pw, Buf.data(), Buf.size(), &Res) == 0 &&
        Res)
      return static_cast<uint32_t>(Res->pw_uid);
  } else {
    struct group Gr, *Res = nullptr;
    if (::getgrnam_r(Name.c_str(), &Gr, Buf.data(), Buf.size(), &Res) == 0 &&
        Res)
      return static_cast<uint32_t>(Res->gr_gid);
  }
  unsigned long long Num;
  if (!S->getAsInteger(10, Num) && Num < 0xFFFFFFFFULL)
    return static_cast<uint32_t>(Num);
  return StoreError::make(StoreErrorKind::UnknownOwner,
                          Where + ": unknown " + (IsUser ? "user" : "group") +
                              " '" + Name + "'");
}

std::string octal(uint64_t N) {
  std::string S;
  do {
    S.insert(S.begin(), static_cast<char>('0' + (N & 7)));
    N >>= 3;
  } while (N);
  return S;
}

llvm::Expected<uint32_t> parseBits(const llvm::json::Value &V,
                                   const std::string &Where, int64_t Max) {
  auto I = V.getAsInteger();
  if (!I)
    return invalid(Where + ": must be an integer, not " + typeNoun(V));
  if (*I < 0 || *I > Max)
    return invalid(Where + ": " + std::to_string(*I) + " is out of range 0.." +
                   std::to_string(Max) + " (0" + octal(Max) + ")");
  return static_cast<uint32_t>(*I);
}

/// `file`: "<metadata>:<path>" or ["<metadata>", "<path>"].
llvm::Error parseFile(const llvm::json::Value &V, const std::string &Where,
                      NamespaceEntry &E, llvm::StringRef &RawPath) {
  llvm::StringRef Meta;
  if (auto S = V.getAsString()) {
    if (!S->contains(':'))
      return invalid(Where + ": must be '<metadata>:<path>', got '" + *S + "'");
    std::tie(Meta, RawPath) = S->split(':');
  } else if (const llvm::json::Array *A = V.getAsArray()) {
    if (A->size() != 2 || !(*A)[0].getAsString() || !(*A)[1].getAsString())
      return invalid(Where + ": must be a list of two strings, the metadata "
                             "and the path");
    Meta = *(*A)[0].getAsString();
    RawPath = *(*A)[1].getAsString();
  } else {
    return invalid(Where + ": must be a string or a list, not " + typeNoun(V));
  }
  if (!MetadataStore::validKey(Meta))
    return invalid(Where + ": '" + Meta + "' is not a metadata key");
  E.Kind = NamespaceEntry::File;
  E.Metadata = Meta.str();
  return llvm::Error::success();
}

llvm::Error parseOptions(const llvm::json::Object &O, const std::string &Where,
                         NamespaceEntry &E) {
  if (const llvm::json::Value *V = lookup(O, "owner")) {
    auto Id = parseId(*V, Where + ".owner", /*IsUser=*/true);
    if (!Id)
      return Id.takeError();
    E.Owner = *Id;
  }
  if (const llvm::json::Value *V = lookup(O, "group")) {
    auto Id = parseId(*V, Where + ".group", /*IsUser=*/false);
    if (!Id)
      return Id.takeError();
    E.Group = *Id;
  }
  if (const llvm::json::Value *V = lookup(O, "mode")) {
    auto M = parseBits(*V, Where + ".mode", 07777);
    if (!M)
      return M.takeError();
    E.Mode = *M;
  }
  if (const llvm::json::Value *V = lookup(O, "umask")) {
    auto M = parseBits(*V, Where + ".umask", 0777);
    if (!M)
      return M.takeError();
    E.Umask = *M;
  }
  if (const llvm::json::Value *V = lookup(O, "prefix"))
    if (!V->getAsString() && !V->getAsBoolean())
      return invalid(Where + ".prefix: must be a string or a boolean, not " +
                     typeNoun(*V));
  return llvm::Error::success();
}

llvm::Expected<NamespaceEntry> parseItem(const llvm::json::Value &Item,
                                         size_t Index, llvm::StringRef Base) {
  std::string Where = llvm::formatv("namespace.mapping[{0}]", Index).str();
  const llvm::json::Object *O = Item.getAsObject();
  if (!O)
    return invalid(Where + ": must be a map, not " + typeNoun(Item));
  std::vector<std::string> Keys;
  for (const auto &KV : *O)
    Keys.push_back(KV.first.str());
  llvm::sort(Keys);
  for (const std::string &K : Keys)
    if (!llvm::is_contained(ItemKeys, K))
      return invalid(Where + ": unknown key '" + K + "'");
  const llvm::json::Value *File = lookup(*O, "file");
  const llvm::json::Value *Dir = lookup(*O, "directory");
  if (!File && !Dir)
    return invalid(Where + ": 'file' or 'directory' is required");
  if (File && Dir)
    return invalid(Where +
                   ": 'file' and 'directory' are both given; only one is "
                   "allowed");
  NamespaceEntry E;
  llvm::StringRef RawPath;
  if (File) {
    if (llvm::Error Err = parseFile(*File, Where + ".file", E, RawPath))
      return Err;
  } else {
    auto S = Dir->getAsString();
    if (!S)
      return invalid(Where + ".directory: must be a string, not " +
                     typeNoun(*Dir));
    E.Kind = NamespaceEntry::Directory;
    RawPath = *S;
  }
  std::string Field = Where + (File ? ".file" : ".directory");
  if (RawPath.contains('\0'))
    return invalid(Field + ": the path contains a NUL byte");
  std::optional<std::string> Path = normalisePath(RawPath);
  if (!Path)
    return StoreError::make(StoreErrorKind::OutsideBase,
                            "'" + RawPath.ltrim('/') + "' is not a path of '" +
                                Base + "'");
  if (File && Path->empty())
    return invalid(Field + ": '" + RawPath +
                   "' names the namespace directory, not a file in it");
  E.Path = std::move(*Path);
  if (llvm::Error Err = parseOptions(*O, Where, E))
    return Err;
  return E;
}

} // namespace

llvm::Expected<std::vector<NamespaceEntry>>
engine::parseNamespaceMapping(const llvm::json::Array &Mapping,
                              llvm::StringRef Base) {
  if (Mapping.empty())
    return invalid("namespace.mapping: must not be empty");
  std::vector<NamespaceEntry> Entries;
  Entries.reserve(Mapping.size());
  for (size_t I = 0; I < Mapping.size(); ++I) {
    auto E = parseItem(Mapping[I], I, Base);
    if (!E)
      return E.takeError();
    Entries.push_back(std::move(*E));
  }
  return Entries;
}

//===----------------------------------------------------------------------===//
// Plan mapping lines
//===----------------------------------------------------------------------===//

namespace {
/// `owner=`/`group=` values: digits are ids, anything else a name.
llvm::json::Value idValue(llvm::StringRef S) {
  uint64_t N;
  if (!S.getAsInteger(10, N))
    return static_cast<int64_t>(N);
  return S.str();
}
} // namespace

llvm::Expected<llvm::json::Object>
engine::namespaceMappingFromLine(llvm::StringRef Line) {
  llvm::json::Object O;
  // Options come last, in this order; peel them off from the end so that a
  // path may itself contain spaces.
  static constexpr llvm::StringRef Opts[] = {"umask", "mode", "group", "owner"};
  llvm::StringRef Rest = Line;
  for (llvm::StringRef Opt : Opts) {
    size_t Space = Rest.rfind(' ');
    if (Space == llvm::StringRef::npos)
      break;
    llvm::StringRef Tok = Rest.substr(Space + 1);
    if (!Tok.consume_front(Opt) || !Tok.consume_front("="))
      continue;
    if (Tok.empty())
      return invalid("mapping line '" + Line + "': '" + Opt + "' has no value");
    if (Opt == "mode" || Opt == "umask") {
      unsigned long long Bits;
      if (Tok.getAsInteger(8, Bits))
        return invalid("mapping line '" + Line + "': '" + Opt + "=" + Tok +
                       "' is not an octal number");
      O[Opt.str()] = static_cast<int64_t>(Bits);
    } else {
      O[Opt.str()] = idValue(Tok);
    }
    Rest = Rest.take_front(Space);
  }
  if (Rest.consume_front("file "))
    O["file"] = Rest.str();
  else if (Rest.consume_front("directory "))
    O["directory"] = Rest.str();
  else
    return invalid("mapping line '" + Line +
                   "': must start with 'file ' or 'directory '");
  return O;
}
