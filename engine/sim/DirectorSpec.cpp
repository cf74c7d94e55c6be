//===- DirectorSpec.cpp - Director file loading for the simulator -*- C++
//-*-===//
//
// Parses a Director file as Director does (PyYAML SafeLoader rules, `!ENV`
// expanded with the current environment), reports the first problem with
// Director's own wording for unknown keys and missing `services`, and
// otherwise with the compiler's check, and renders each service as a
// canonical text (keys sorted) so that `up` can compare specs.
//
//===----------------------------------------------------------------------===//
#include "Director.h"
#include "Sim.h"

#include "overlord/AppJail/Director.h"
#include "overlord/Support/Environment.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"


using namespace llvm;

namespace overlord::sim {

/// Python-dict-like canonical text of V: maps with sorted keys.
static std::string canonical(const ast::Value *V) {
  if (!V)
    return "null";
  switch (V->Kind) {
  case ast::ValueKind::Map: {
    std::map<std::string, std::string> M;
    for (const ast::MapEntry &E : V->Entries)
      M[E.Key->asPythonString()] = canonical(E.Val);
    std::string S = "{";
    for (const auto &[K, Val] : M)
      S += K + ":" + Val + ",";
    return S + "}";
  }
  case ast::ValueKind::List: {
    std::string S = "[";
    for (const ast::Value *I : V->Items)
      S += canonical(I) + ",";
    return S + "]";
  }
  case ast::ValueKind::String:
    return "'" + V->Text + "'";
  default:
    return V->asPythonString();
  }
}

/// Whether Key is one of Keys (director-spec(5)'s key lists come from the
/// Director checker, appjail::directorTopKeys/directorServiceKeys).
static bool allowed(llvm::ArrayRef<llvm::StringRef> Keys,
                    const std::string &Key) {
  return llvm::is_contained(Keys, llvm::StringRef(Key));
}

/// Director's own messages for the mistakes its parser reports first.
static std::optional<std::string> directorError(const ast::Value *Root) {
  if (!Root || !Root->isMap())
    return std::string("<main>: Invalid type.");
  for (const ast::MapEntry &E : Root->Entries)
    if (!allowed(appjail::directorTopKeys(), E.Key->asPythonString()))
      return "<main>: Unknown key \"" + E.Key->asPythonString() + "\".";
  const ast::Value *Services = Root->get("services");
  if (!Services)
    return std::string("<main>: Key \"services\" is required.");
  if (!Services->isMap())
    return std::string("services: Invalid type.");
  for (const ast::MapEntry &S : Services->Entries) {
    std::string Name = S.Key->asPythonString();
    if (!S.Val || !S.Val->isMap())
      return "services/" + Name + ": Invalid type.";
    for (const ast::MapEntry &E : S.Val->Entries)
      if (!allowed(appjail::directorServiceKeys(), E.Key->asPythonString()))
        return "services/" + Name + ": Unknown key \"" +
               E.Key->asPythonString() + "\".";
  }
  return std::nullopt;
}

std::optional<DirectorSpec> loadDirectorSpec(const std::string &Path,
                                             std::string &Error) {
  auto Buf = MemoryBuffer::getFile(Path);
  if (!Buf) {
    Error = Path + ": Director file cannot be found.";
    return std::nullopt;
  }
  SourceMgr SM;
  unsigned ID = SM.AddNewSourceBuffer(std::move(*Buf), SMLoc());
  DiagnosticEngine Diags(SM);
  Environment Env = Environment::fromProcess();
  yaml::ParseOptions Opts;
  Opts.Env = &Env;
  std::unique_ptr<ast::Document> Doc = yaml::parseBuffer(ID, Diags, Opts);
  auto FirstError = [&]() {
    for (const Diagnostic &D : Diags.getDiagnostics())
      if (D.Sev == Severity::Error)
        return D.Message;
    return std::string("invalid Director file");
  };
  if (!Doc || Diags.hasErrors()) {
    Error = "<main>: " + FirstError();
    return std::nullopt;
  }
  if (std::optional<std::string> E = directorError(Doc->Root)) {
    Error = *E;
    return std::nullopt;
  }
  std::optional<appjail::DirectorFile> F =
      appjail::checkDirectorFile(Doc->Root, Doc->Root->Range, Diags);
  if (!F || Diags.hasErrors()) {
    Error = FirstError();
    return std::nullopt;
  }
  DirectorSpec Spec;
  Spec.File = std::move(*F);
  Spec.OptionsText = canonical(Doc->Root->get("options"));
  for (const ast::MapEntry &E : Doc->Root->get("services")->Entries)
    Spec.ServiceText[E.Key->asPythonString()] = canonical(E.Val);
  return Spec;
}

static std::string quoteFstab(StringRef S) {
  std::string Out = "\"";
  for (char C : S) {
    if (C == '"')
      Out += '\\';
    Out += C;
  }
  return Out + "\"";
}

std::string fstabOption(const appjail::DirectorFile &F,
                        const appjail::DirectorVolume &V,
                        const std::string &Mountpoint,
                        const std::string &BaseDir) {
  std::string Type = V.Type.value_or(F.DefaultVolumeType);
  std::string Device = V.Device;
  if (Type == "nullfs" || Type == "<pseudofs>" || Type == "<volumefs>") {
    SmallString<256> P(Device);
    if (!sys::path::is_absolute(P))
      P = BaseDir + "/" + Device;
    makeDirs(std::string(P));
    SmallString<256> Real;
    Device = sys::fs::real_path(P, Real) ? std::string(P) : std::string(Real);
  }
  return "fstab=" + quoteFstab(Device) + " " + quoteFstab(Mountpoint) + " " +
         quoteFstab(Type) + " " + quoteFstab(V.MountOptions) + " " +
         std::to_string(V.Dump) + " " + std::to_string(V.Pass);
}

} // namespace overlord::sim
