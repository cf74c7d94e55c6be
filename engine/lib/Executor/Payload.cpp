//===- Payload.cpp - Job payloads and the up/down environment ---*- C++ -*-===//
//
// Decoding of the job payloads the API and planFragment() store (brief "Job
// payloads") and the pieces of the environment Director gets: the daemon's
// own, the `environ_from_metadata` YAML map, `OVERLORD_FREEPORT_<IFACE>`.
// Every decoder is strict: a wrong type is an error naming the field, never
// a silent default (the reference coerces with `value_type(value)`).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Executor.h"

#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

extern char **environ;

using namespace overlord;
using namespace overlord::engine;

namespace {

llvm::Error payloadError(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "job payload: " + Msg);
}

llvm::Expected<llvm::json::Object> parseObject(llvm::StringRef Json) {
  llvm::Expected<llvm::json::Value> V = llvm::json::parse(Json);
  if (!V)
    return payloadError("not JSON: " + llvm::toString(V.takeError()));
  if (!V->getAsObject())
    return payloadError("not a JSON object");
  return std::move(*V->getAsObject());
}

/// `Key` as an optional string (absent or null: nullopt).
llvm::Error optionalString(const llvm::json::Object &O, llvm::StringRef Key,
                           std::optional<std::string> &Out) {
  const llvm::json::Value *V = O.get(Key);
  if (!V || V->kind() == llvm::json::Value::Null)
    return llvm::Error::success();
  if (!V->getAsString())
    return payloadError("'" + Key + "' must be a string");
  Out = V->getAsString()->str();
  return llvm::Error::success();
}

llvm::Error optionalBool(const llvm::json::Object &O, llvm::StringRef Key,
                         bool &Out) {
  const llvm::json::Value *V = O.get(Key);
  if (!V || V->kind() == llvm::json::Value::Null)
    return llvm::Error::success();
  if (!V->getAsBoolean())
    return payloadError("'" + Key + "' must be a boolean");
  Out = *V->getAsBoolean();
  return llvm::Error::success();
}

llvm::Error stringMap(const llvm::json::Object &O, llvm::StringRef Key,
                      std::map<std::string, std::string> &Out) {
  const llvm::json::Value *V = O.get(Key);
  if (!V || V->kind() == llvm::json::Value::Null)
    return llvm::Error::success();
  const llvm::json::Object *M = V->getAsObject();
  if (!M)
    return payloadError("'" + Key + "' must be an object");
  for (const auto &[K, Val] : *M) {
    if (!Val.getAsString())
      return payloadError("'" + Key + "." + K.str() + "' must be a string");
    Out[K.str()] = Val.getAsString()->str();
  }
  return llvm::Error::success();
}

bool isVariableName(llvm::StringRef N) {
  if (N.empty() || !(llvm::isAlpha(N.front()) || N.front() == '_'))
    return false;
  return llvm::all_of(N, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

} // namespace

llvm::Expected<ProjectUpPayload>
engine::parseProjectUpPayload(llvm::StringRef Json) {
  llvm::Expected<llvm::json::Object> O = parseObject(Json);
  if (!O)
    return O.takeError();
  ProjectUpPayload P;
  if (auto E = optionalString(*O, "director_file", P.DirectorFile))
    return E;
  if (auto E = optionalString(*O, "director_metadata", P.DirectorMetadata))
    return E;
  if (auto E =
          optionalString(*O, "environ_from_metadata", P.EnvironFromMetadata))
    return E;
  if (auto E = stringMap(*O, "environment", P.Environment))
    return E;
  if (auto E = optionalBool(*O, "restart", P.Restart))
    return E;
  if (P.DirectorFile.has_value() == P.DirectorMetadata.has_value())
    return payloadError(
        "exactly one of 'director_file' and 'director_metadata' is required");
  if (const llvm::json::Value *RP = O->get("reserve_port");
      RP && RP->kind() != llvm::json::Value::Null) {
    const llvm::json::Object *M = RP->getAsObject();
    if (!M)
      return payloadError("'reserve_port' must be an object");
    for (const auto &[Iface, Net] : *M) {
      if (llvm::StringRef(Iface).empty())
        return payloadError("'reserve_port' has an empty interface name");
      if (Net.kind() == llvm::json::Value::Null)
        P.ReservePort[Iface.str()] = std::nullopt;
      else if (Net.getAsString())
        P.ReservePort[Iface.str()] = Net.getAsString()->str();
      else
        return payloadError("'reserve_port." + Iface.str() +
                            "' must be a string or null");
    }
  }
  return P;
}

llvm::Expected<ProjectDownPayload>
engine::parseProjectDownPayload(llvm::StringRef Json) {
  llvm::Expected<llvm::json::Object> O = parseObject(Json);
  if (!O)
    return O.takeError();
  ProjectDownPayload P;
  if (auto E = stringMap(*O, "environment", P.Environment))
    return E;
  if (auto E = optionalBool(*O, "force", P.Force))
    return E;
  return P;
}

llvm::Expected<MetadataPayload>
engine::parseMetadataPayload(llvm::StringRef Json, bool NeedValue) {
  llvm::Expected<llvm::json::Object> O = parseObject(Json);
  if (!O)
    return O.takeError();
  std::optional<std::string> Key, Value;
  if (auto E = optionalString(*O, "key", Key))
    return E;
  if (auto E = optionalString(*O, "value", Value))
    return E;
  if (!Key)
    return payloadError("'key' is required");
  if (NeedValue && !Value)
    return payloadError("'value' is required");
  return MetadataPayload{*Key, Value.value_or("")};
}

std::string engine::freePortVariable(llvm::StringRef Iface) {
  std::string Name = "OVERLORD_FREEPORT_";
  for (char C : Iface)
    Name += llvm::isAlnum(C) ? llvm::toUpper(C) : '_';
  return Name;
}

llvm::Expected<std::map<std::string, std::string>>
engine::parseEnvironYaml(llvm::StringRef Text, llvm::StringRef Name) {
  auto Fail = [&](const llvm::Twine &Why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "metadata '" + Name + "': " + Why);
  };
  llvm::SourceMgr SM;
  unsigned Buf = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(Text, Name), llvm::SMLoc());
  DiagnosticEngine Diags(SM);
  yaml::ParseOptions Opts; // no !ENV variables: the text is data
  std::unique_ptr<ast::Document> Doc = yaml::parseBuffer(Buf, Diags, Opts);
  if (!Doc || Diags.hasErrors()) {
    for (const Diagnostic &D : Diags.getDiagnostics()) {
      if (D.Sev != Severity::Error)
        continue;
      std::string Where;
      if (D.Range.Start.isValid()) {
        auto LC = SM.getLineAndColumn(D.Range.Start, Buf);
        Where = llvm::formatv("line {0}, column {1}: ", LC.first, LC.second);
      }
      return Fail("not YAML: " + Where + D.Message);
    }
    return Fail("not YAML");
  }
  if (!Doc->Root || Doc->Root->isNull())
    return std::map<std::string, std::string>();
  if (!Doc->Root->isMap())
    return Fail("expected a map of environment variables, got " +
                ast::kindNoun(Doc->Root->Kind));
  std::map<std::string, std::string> Out;
  for (const ast::MapEntry &E : Doc->Root->Entries) {
    std::string Key = E.Key->asPythonString();
    if (!E.Key->isString() || !isVariableName(Key))
      return Fail("'" + Key + "' is not an environment variable name");
    if (!E.Val->isScalar() || E.Val->isNull())
      return Fail("the value of '" + Key + "' must be a scalar, got " +
                  ast::kindNoun(E.Val->Kind));
    Out.emplace(Key, E.Val->isString() ? E.Val->Text
                                       : E.Val->asPythonString());
  }
  return Out;
}

std::map<std::string, std::string> engine::daemonEnvironment() {
  std::map<std::string, std::string> Env;
  for (char **P = environ; P && *P; ++P) {
    llvm::StringRef Entry(*P);
    size_t Eq = Entry.find('=');
    if (Eq == llvm::StringRef::npos || Eq == 0)
      continue;
    Env.emplace(Entry.substr(0, Eq).str(), Entry.substr(Eq + 1).str());
  }
  return Env;
}
