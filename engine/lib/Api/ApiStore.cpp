//===- ApiStore.cpp - Metadata and namespace endpoints ----------*- C++ -*-===//
//
// /v1/metadata and /v1/namespace (overlord-behaviour.md §4.2): create-only
// POST (an existing key answers 201 without writing), PUT that rewrites
// only a changed value, DELETE 204, HEAD 200/404, and the listings. The
// stores do the locking, fsync and path confinement; this file maps their
// outcomes to the reference's status codes and messages. Unlike the
// reference, listing a metadata directory that does not exist yet gives an
// empty list (not 500) and a namespace mapping that does not validate is a
// 400 (not 500).
//
//===----------------------------------------------------------------------===//
#include "ApiImpl.h"

#include "overlord/Engine/MetadataStore.h"
#include "overlord/Engine/NamespaceStore.h"

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace overlord::engine::api {

/// Unwraps a store result: client errors are 400 with the store's message
/// (the reference's wording), file system errors 500.
template <typename T> static T check(const Call &C, llvm::Expected<T> R) {
  if (R)
    return std::move(*R);
  bool Client = false;
  std::string Msg;
  llvm::handleAllErrors(
      R.takeError(),
      [&](const StoreError &S) {
        Client = S.isClientError();
        Msg = S.message();
      },
      [&](const llvm::ErrorInfoBase &B) { Msg = B.message(); });
  if (Client)
    throw ApiError{400, Msg};
  internalError(C.Ctx, llvm::createStringError(llvm::inconvertibleErrorCode(),
                                               Msg));
}

static Value strings(const std::vector<std::string> &V) {
  Array A;
  for (const auto &S : V)
    A.push_back(S);
  return A;
}

static Reply metadataMissing() {
  return Reply::message(404, "Metadata cannot be found.");
}

static Reply metadataGet(Call &C) {
  auto V = check(C, C.Ctx.Meta->get(C.param("key")));
  if (!V)
    return metadataMissing();
  return Reply::ok({{"metadata", std::move(*V)}});
}

static std::string created(llvm::StringRef What, llvm::StringRef Key) {
  return What.str() + " '" + Key.str() + "' has been successfully created.";
}
static std::string updated(llvm::StringRef What, llvm::StringRef Key) {
  return What.str() + " '" + Key.str() + "' has been successfully updated.";
}

static Reply metadataPost(Call &C) {
  llvm::StringRef Key = C.param("key");
  MetadataStore &M = *C.Ctx.Meta;
  if (M.exists(Key))
    return Reply::message(201, created("Metadata", Key));
  std::string Value = strArg(C, "value", /*Strip=*/false);
  auto O = check(C, M.create(Key, Value));
  if (O == MetadataStore::Outcome::TooLong)
    return Reply::message(400, M.tooLongMessage(Key, Value));
  return Reply::message(201, created("Metadata", Key));
}

static Reply metadataPut(Call &C) {
  llvm::StringRef Key = C.param("key");
  MetadataStore &M = *C.Ctx.Meta;
  if (!M.exists(Key))
    return metadataMissing();
  std::string Value = strArg(C, "value", /*Strip=*/false);
  auto O = check(C, M.update(Key, Value));
  if (O == MetadataStore::Outcome::TooLong)
    return Reply::message(400, M.tooLongMessage(Key, Value));
  if (O == MetadataStore::Outcome::NotFound)
    return metadataMissing();
  return Reply::message(200, updated("Metadata", Key));
}

static Reply metadataDelete(Call &C) {
  auto O = check(C, C.Ctx.Meta->remove(C.param("key")));
  if (O != MetadataStore::Outcome::Deleted)
    return metadataMissing();
  return Reply::status(204);
}

static Reply namespaceMissing() {
  return Reply::message(404, "Namespace cannot be found.");
}

/// `mapping` (value_type=list, default None). The reference validates it
/// with the spec validator, whose RequiredParameter escapes as a 500.
static Array mappingArg(const Call &C) {
  if (!rawArg(C, "mapping") || rawArg(C, "mapping")->kind() == Value::Null)
    throw ApiError{400, "mapping: a required parameter has not been specified."};
  return listArg(C, "mapping");
}

static Reply namespaceGet(Call &C) {
  auto V = check(C, C.Ctx.Ns->get(C.param("name")));
  if (!V)
    return namespaceMissing();
  return Reply::ok({{"namespace", std::move(*V)}});
}

static Reply namespacePost(Call &C) {
  llvm::StringRef Name = C.param("name");
  if (C.Ctx.Ns->exists(Name))
    return Reply::message(201, created("Namespace", Name));
  Array Mapping = mappingArg(C);
  check(C, C.Ctx.Ns->create(Name, Mapping));
  return Reply::message(201, created("Namespace", Name));
}

static Reply namespacePut(Call &C) {
  llvm::StringRef Name = C.param("name");
  Array Mapping = mappingArg(C);
  check(C, C.Ctx.Ns->update(Name, Mapping));
  return Reply::message(200, updated("Namespace", Name));
}

static Reply namespaceDelete(Call &C) {
  auto O = check(C, C.Ctx.Ns->remove(C.param("name")));
  if (O != MetadataStore::Outcome::Deleted)
    return namespaceMissing();
  return Reply::status(204);
}

void addStoreRoutes(RouteTable &T) {
  T.add("/v1/metadata", "metadata.list", {{"GET", [](Call &C) {
          return Reply::ok(
              {{"metadata", strings(check(C, C.Ctx.Meta->list()))}});
        }}});
  T.add("/v1/metadata/{key}", "metadata",
        {{"GET", metadataGet},
         {"POST", metadataPost},
         {"PUT", metadataPut},
         {"DELETE", metadataDelete},
         {"HEAD",
          [](Call &C) {
            return Reply::status(C.Ctx.Meta->exists(C.param("key")) ? 200
                                                                    : 404);
          }}},
        {{"key", MetadataStore::validKey}});
  T.add("/v1/namespace", "namespace.list", {{"GET", [](Call &C) {
          return Reply::ok(
              {{"namespaces", strings(check(C, C.Ctx.Ns->list()))}});
        }}});
  T.add("/v1/namespace/{name}", "namespace",
        {{"GET", namespaceGet},
         {"POST", namespacePost},
         {"PUT", namespacePut},
         {"DELETE", namespaceDelete},
         {"HEAD",
          [](Call &C) {
            return Reply::status(C.Ctx.Ns->exists(C.param("name")) ? 200
                                                                   : 404);
          }}},
        {{"name", MetadataStore::validKey}});
}

} // namespace overlord::engine::api
