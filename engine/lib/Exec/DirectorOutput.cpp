//===- DirectorOutput.cpp - Parsers of appjail-director output --*- C++ -*-===//
//
// JSON goes through llvm::json; every field is type-checked so that a value
// of the wrong type is a parse error naming the field, not a crash later.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/DirectorOutput.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace overlord;
using namespace overlord::engine;
namespace json = llvm::json;

namespace {

/// Parses Text as one JSON object; What names the output for errors.
llvm::Expected<json::Object> parseObject(llvm::StringRef What,
                                         llvm::StringRef Text) {
  llvm::StringRef T = Text.trim(" \t\r\n");
  if (T.empty())
    return makeParseError(What, "no output");
  llvm::Expected<json::Value> V = json::parse(T);
  if (!V)
    return makeParseError(What, "not JSON: " + llvm::toString(V.takeError()));
  json::Object *O = V->getAsObject();
  if (!O)
    return makeParseError(What, "expected a JSON object");
  return std::move(*O);
}

llvm::Error fieldError(llvm::StringRef What, llvm::StringRef Field,
                       llvm::StringRef Expected) {
  return makeParseError(What, "field '" + Field + "' must be " + Expected);
}

/// A required integer (JSON numbers without a fraction).
llvm::Error getInt(llvm::StringRef What, const json::Object &O,
                   llvm::StringRef Field, int64_t &Out) {
  const json::Value *V = O.get(Field);
  llvm::Optional<int64_t> I = V ? V->getAsInteger() : llvm::None;
  if (!I)
    return fieldError(What, Field, "an integer");
  Out = *I;
  return llvm::Error::success();
}

llvm::Error getString(llvm::StringRef What, const json::Object &O,
                      llvm::StringRef Field, std::string &Out) {
  const json::Value *V = O.get(Field);
  llvm::Optional<llvm::StringRef> S = V ? V->getAsString() : llvm::None;
  if (!S)
    return fieldError(What, Field, "a string");
  Out = S->str();
  return llvm::Error::success();
}

/// An optional string: absent or null gives std::nullopt.
llvm::Error getNullableString(llvm::StringRef What, const json::Object &O,
                              llvm::StringRef Field,
                              std::optional<std::string> &Out) {
  const json::Value *V = O.get(Field);
  Out.reset();
  if (!V || V->getAsNull())
    return llvm::Error::success();
  llvm::Optional<llvm::StringRef> S = V->getAsString();
  if (!S)
    return fieldError(What, Field, "a string or null");
  Out = S->str();
  return llvm::Error::success();
}

} // namespace

//===----------------------------------------------------------------------===//
// up -j / down -j
//===----------------------------------------------------------------------===//

DirectorStep engine::parseDirectorStep(llvm::StringRef Name) {
  return llvm::StringSwitch<DirectorStep>(Name)
      .Case("stop", DirectorStep::Stop)
      .Case("destroy", DirectorStep::Destroy)
      .Case("makejail", DirectorStep::Makejail)
      .Case("enable-start", DirectorStep::EnableStart)
      .Case("oci-user", DirectorStep::OciUser)
      .Case("oci-workdir", DirectorStep::OciWorkdir)
      .Case("oci-environment", DirectorStep::OciEnvironment)
      .Case("scripts", DirectorStep::Scripts)
      .Case("start", DirectorStep::Start)
      .Case("runtime-makejail", DirectorStep::RuntimeMakejail)
      .Default(DirectorStep::Unknown);
}

llvm::StringRef engine::directorStepName(DirectorStep S) {
  switch (S) {
  case DirectorStep::Stop:
    return "stop";
  case DirectorStep::Destroy:
    return "destroy";
  case DirectorStep::Makejail:
    return "makejail";
  case DirectorStep::EnableStart:
    return "enable-start";
  case DirectorStep::OciUser:
    return "oci-user";
  case DirectorStep::OciWorkdir:
    return "oci-workdir";
  case DirectorStep::OciEnvironment:
    return "oci-environment";
  case DirectorStep::Scripts:
    return "scripts";
  case DirectorStep::Start:
    return "start";
  case DirectorStep::RuntimeMakejail:
    return "runtime-makejail";
  case DirectorStep::Unknown:
    return "";
  }
  return "";
}

llvm::Expected<DirectorResult>
engine::parseDirectorResult(llvm::StringRef Stdout) {
  const llvm::StringRef What = "director result";
  llvm::Expected<json::Object> O = parseObject(What, Stdout);
  if (!O)
    return O.takeError();
  DirectorResult R;
  if (llvm::Error E = getInt(What, *O, "errlevel", R.ErrLevel))
    return E;
  if (llvm::Error E = getNullableString(What, *O, "message", R.Message))
    return E;
  const json::Array *Failed = O->getArray("failed");
  if (!Failed)
    return fieldError(What, "failed", "an array");
  for (const json::Value &F : *Failed) {
    const json::Object *FO = F.getAsObject();
    if (!FO)
      return fieldError(What, "failed", "an array of objects");
    DirectorFailure DF;
    if (llvm::Error E = getString(What, *FO, "type", DF.Type))
      return E;
    if (llvm::Error E = getString(What, *FO, "service", DF.Service))
      return E;
    DF.Step = parseDirectorStep(DF.Type);
    R.Failed.push_back(std::move(DF));
  }
  return R;
}

std::optional<DirectorException>
engine::parseDirectorException(llvm::StringRef Stderr) {
  std::string Clean = normalizeNewlines(stripAnsi(Stderr));
  llvm::SmallVector<llvm::StringRef, 16> Lines;
  llvm::StringRef(Clean).split(Lines, '\n');
  auto Start = std::find_if(Lines.begin(), Lines.end(), [](llvm::StringRef L) {
    return L.trim() == "Exception:";
  });
  if (Start == Lines.end())
    return std::nullopt;
  DirectorException Ex;
  for (auto It = Start + 1; It != Lines.end(); ++It) {
    llvm::StringRef L = *It;
    if (!L.startswith(" "))
      break; // the block's lines are indented by one space
    auto [Key, Value] = L.trim().split(':');
    Value = Value.trim();
    if (Key == "type")
      Ex.Type = Value.str();
    else if (Key == "error")
      Ex.Error = Value.str();
    else if (Key == "file")
      Ex.File = Value.str();
  }
  return Ex;
}

//===----------------------------------------------------------------------===//
// describe
//===----------------------------------------------------------------------===//

std::string DirectorDescription::lastLogName() const {
  if (!LastLog)
    return "";
  llvm::StringRef P = llvm::StringRef(*LastLog).rtrim('/');
  std::size_t Slash = P.rfind('/');
  return (Slash == llvm::StringRef::npos ? P : P.drop_front(Slash + 1)).str();
}

const DirectorService *
DirectorDescription::service(llvm::StringRef Name) const {
  for (const DirectorService &S : Services)
    if (S.Name == Name)
      return &S;
  return nullptr;
}

llvm::Expected<DirectorDescription>
engine::parseDirectorDescription(llvm::StringRef Stdout) {
  const llvm::StringRef What = "director describe";
  llvm::Expected<json::Object> O = parseObject(What, Stdout);
  if (!O)
    return O.takeError();
  DirectorDescription D;
  std::string State;
  if (llvm::Error E = getString(What, *O, "name", D.Name))
    return E;
  if (llvm::Error E = getString(What, *O, "state", State))
    return E;
  std::optional<DirectorState> PS = parseDirectorState(State);
  if (!PS)
    return makeParseError(What, "unknown project state '" + State + "'");
  D.State = *PS;
  if (llvm::Error E = getNullableString(What, *O, "last_log", D.LastLog))
    return E;
  llvm::Optional<bool> Locked = O->getBoolean("locked");
  if (!Locked)
    return fieldError(What, "locked", "a boolean");
  D.Locked = *Locked;
  const json::Array *Services = O->getArray("services");
  if (!Services)
    return fieldError(What, "services", "an array");
  for (const json::Value &V : *Services) {
    const json::Object *SO = V.getAsObject();
    if (!SO)
      return fieldError(What, "services", "an array of objects");
    DirectorService S;
    if (llvm::Error E = getString(What, *SO, "name", S.Name))
      return E;
    if (llvm::Error E = getInt(What, *SO, "status", S.Status))
      return E;
    if (llvm::Error E = getString(What, *SO, "jail", S.Jail))
      return E;
    D.Services.push_back(std::move(S));
  }
  std::sort(D.Services.begin(), D.Services.end(),
            [](const DirectorService &A, const DirectorService &B) {
              return A.Name < B.Name;
            });
  return D;
}

//===----------------------------------------------------------------------===//
// ls
//===----------------------------------------------------------------------===//

llvm::Expected<std::vector<DirectorListEntry>>
engine::parseDirectorList(llvm::StringRef Stdout) {
  const llvm::StringRef What = "director ls";
  std::vector<DirectorListEntry> Out;
  std::string Clean = normalizeNewlines(stripAnsi(Stdout));
  llvm::SmallVector<llvm::StringRef, 32> Lines;
  llvm::StringRef(Clean).split(Lines, '\n', -1, /*KeepEmpty=*/false);
  if (Lines.empty())
    return makeParseError(What, "no output");
  if (Lines.front() == "No project has been created." && Lines.size() == 1)
    return Out;
  if (Lines.front() != "Projects:")
    return makeParseError(What, "expected 'Projects:', got '" +
                                    Lines.front().take_front(40) + "'");
  for (llvm::StringRef L : llvm::makeArrayRef(Lines).drop_front()) {
    // print("", symbol, name): " + demo"
    if (L.size() < 4 || L[0] != ' ' || L[2] != ' ' ||
        !llvm::StringRef("+-!x?").contains(L[1]))
      return makeParseError(What, "unexpected line '" + L.take_front(40) +
                                      "'");
    DirectorListEntry E;
    E.Symbol = L[1];
    E.Name = L.drop_front(3).str();
    switch (E.Symbol) {
    case '+':
      E.State = DirectorState::Done;
      break;
    case '-':
      E.State = DirectorState::Failed;
      break;
    case '!':
      E.State = DirectorState::Unfinished;
      break;
    case 'x':
      E.State = DirectorState::Destroying;
      break;
    default:
      break;
    }
    Out.push_back(std::move(E));
  }
  return Out;
}

//===----------------------------------------------------------------------===//
// The success rule
//===----------------------------------------------------------------------===//

namespace {

/// The part of the rule shared by up, down and destroy.
bool judgeResult(llvm::StringRef Project, int Rc, const DirectorResult *Result,
                 DirectorVerdict &V) {
  if (!Result) {
    V.Reason = "Director printed no usable result for project '" +
               Project.str() + "' (exit status " + std::to_string(Rc) + ")";
    return false;
  }
  if (Rc != 0 || Result->ErrLevel != 0) {
    V.Reason = "Director failed on project '" + Project.str() +
               "' with exit status " + std::to_string(Rc) + " and errlevel " +
               std::to_string(Result->ErrLevel);
    if (Result->Message)
      V.Reason += ": " + *Result->Message;
    return false;
  }
  if (!Result->Failed.empty()) {
    V.Reason = "Director reported failed steps in project '" + Project.str() +
               "':";
    for (const DirectorFailure &F : Result->Failed)
      V.Reason += " " + F.Service + " (" + F.Type + ")";
    return false;
  }
  return true;
}

} // namespace

DirectorVerdict engine::judgeDirectorRun(llvm::StringRef Project, int Rc,
                                         const DirectorResult *Result,
                                         const DirectorDescription *Describe) {
  DirectorVerdict V;
  if (!judgeResult(Project, Rc, Result, V))
    return V;
  if (!Describe) {
    V.Reason = "cannot describe project '" + Project.str() + "'";
    return V;
  }
  if (Describe->State != DirectorState::Done) {
    V.Reason = "Project '" + Project.str() + "' has an unexpected state '" +
               directorStateName(Describe->State).str() + "'";
    return V;
  }
  V.Success = true;
  return V;
}

DirectorVerdict engine::judgeDirectorDestroy(llvm::StringRef Project, int Rc,
                                             const DirectorResult *Result,
                                             int CheckRc) {
  DirectorVerdict V;
  if (!judgeResult(Project, Rc, Result, V))
    return V;
  if (CheckRc != 66) {
    V.Reason = "Project '" + Project.str() + "' still exists after destroy" +
               (CheckRc == 0 ? std::string()
                             : " (check exit status " +
                                   std::to_string(CheckRc) + ")");
    return V;
  }
  V.Success = true;
  return V;
}

bool engine::isDirectorSuccess(int Rc, const DirectorResult &Result,
                               const DirectorDescription &Describe) {
  return judgeDirectorRun(Describe.Name, Rc, &Result, &Describe).Success;
}
