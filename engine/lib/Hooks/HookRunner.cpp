//===- HookRunner.cpp - run_special_labels ----------------------*- C++ -*-===//
//
// The runner of overlord-behaviour.md §8.1: `check`, `describe`, the state
// rule, then for each running service its `overlord.*` labels and the
// integrations in the reference's order. Unlike the reference, a failure
// inside an integration is recorded for that service without aborting the
// others (the reference's report dict raised KeyError there), and a label
// that cannot be read is reported (under "labels") instead of only logged.
//
//===----------------------------------------------------------------------===//
#include "Integrations.h"

#include "overlord/Engine/AppJailOutput.h"
#include "overlord/Engine/DirectorOutput.h"
#include "overlord/Engine/Process.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <exception>
#include <typeinfo>

using namespace overlord;
using namespace overlord::engine;

HookRunner::HookRunner(const EngineConfig &Cfg, ToolPaths Tools)
    : Cfg(Cfg), Tools(std::move(Tools)), State(std::make_unique<Impl>(Cfg)) {}

HookRunner::~HookRunner() = default;
HookRunner::HookRunner(HookRunner &&) noexcept = default;

namespace {

/// Largest label value read (labels are short strings).
constexpr uint64_t MaxLabelBytes = 1 << 20;

llvm::json::Object outcomeJson(const HookOutcome &O) {
  return llvm::json::Object{
      {"error", O.Error},
      {"message", O.Message ? llvm::json::Value(*O.Message) : nullptr}};
}

void record(llvm::json::Object &Report, llvm::StringRef Integration,
            llvm::StringRef Service, const HookOutcome &O) {
  llvm::json::Value &Slot = Report[Integration.str()];
  if (!Slot.getAsObject())
    Slot = llvm::json::Object();
  // An ObjectKey made from a StringRef does not own its text: copy it.
  (*Slot.getAsObject())[Service.str()] = outcomeJson(O);
}

/// Runs a Director command with its configured timeout.
llvm::Expected<ProcessResult>
runDirector(const EngineConfig &Cfg, ProcessSpec Spec, llvm::StringRef Name) {
  Spec.Timeout = std::chrono::seconds(Cfg.timeoutFor(Name));
  Spec.StdoutLimit = static_cast<size_t>(Cfg.Overlordd.MaxOutput);
  return runProcess(Spec);
}

} // namespace

llvm::Expected<LabelMap>
HookRunner::readJailLabels(llvm::StringRef Jail) const {
  LabelMap Labels;
  llvm::SmallString<256> Dir(Cfg.AppjailJails);
  llvm::sys::path::append(Dir, Jail, "conf", "labels");
  if (!llvm::sys::fs::is_directory(Dir))
    return Labels; // no label was ever added
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
       It.increment(EC)) {
    llvm::StringRef Name = llvm::sys::path::filename(It->path());
    if (!Name.startswith("overlord."))
      continue;
    llvm::SmallString<256> File(It->path());
    llvm::sys::path::append(File, "value");
    if (!llvm::sys::fs::exists(File))
      continue;
    auto Buf = llvm::MemoryBuffer::getFile(File, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!Buf)
      return llvm::createStringError(Buf.getError(), "cannot read '%s': %s",
                                     File.c_str(),
                                     Buf.getError().message().c_str());
    if ((*Buf)->getBufferSize() > MaxLabelBytes)
      return llvm::createStringError(
          std::errc::file_too_large, "'%s' is larger than %llu bytes",
          File.c_str(), (unsigned long long)MaxLabelBytes);
    if (std::optional<std::string> V = parseKeywordFile((*Buf)->getBuffer()))
      Labels[Name.str()] = std::move(*V);
  }
  if (EC)
    return llvm::createStringError(EC, "cannot list '%s': %s", Dir.c_str(),
                                   EC.message().c_str());
  return Labels;
}

llvm::json::Object HookRunner::run(llvm::StringRef Project, HookMode Mode,
                                   bool Force) {
  llvm::json::Object Report{{"error", false}, {"message", nullptr}};
  auto Fail = [&](const llvm::Twine &Msg) {
    Report["error"] = true;
    Report["message"] = Msg.str();
    return std::move(Report);
  };

  llvm::Expected<ProcessResult> Check =
      runDirector(Cfg, directorCheck(Tools, Project), "director-check");
  if (!Check)
    return Fail("Error checking the project '" + Project +
                "': " + llvm::toString(Check.takeError()));
  if (Check->TimedOut)
    return Fail("Error checking the project '" + Project + "': timed out");
  if (!Check->succeeded())
    return Report; // no such project: nothing to do

  llvm::Expected<ProcessResult> Desc =
      runDirector(Cfg, directorDescribe(Tools, Project), "director-describe");
  if (!Desc || !Desc->succeeded()) {
    if (!Desc)
      llvm::consumeError(Desc.takeError());
    return Fail("Error retrieving information about the project '" + Project +
                "'");
  }
  llvm::Expected<DirectorDescription> Info =
      parseDirectorDescription(Desc->Stdout);
  if (!Info) {
    llvm::consumeError(Info.takeError());
    return Fail("Error retrieving information about the project '" + Project +
                "'");
  }
  return run(Project, Mode, Force, *Info);
}

llvm::json::Object HookRunner::run(llvm::StringRef Project, HookMode Mode,
                                   bool Force,
                                   const DirectorDescription &Info) {
  llvm::json::Object Report{{"error", false}, {"message", nullptr}};
  if (Info.State != DirectorState::Done && !Force) {
    Report["error"] = true;
    Report["message"] = ("Project '" + Project + "' has an unexpected state '" +
                         directorStateName(Info.State) + "'")
                            .str();
    return Report;
  }

  for (const DirectorService &S : Info.Services) {
    if (S.Status != 0)
      continue;
    llvm::Expected<LabelMap> Labels = readJailLabels(S.Jail);
    if (!Labels) {
      record(Report, "labels", S.Name,
             HookOutcome{true, ("(project:" + Project + ", service:" + S.Name +
                                ", jail:" + S.Jail +
                                ") error when retrieving the labels: " +
                                llvm::toString(Labels.takeError()))
                                   .str()});
      continue;
    }
    using Integration = HookOutcome (HookRunner::*)(
        llvm::StringRef, llvm::StringRef, const LabelMap &, HookMode);
    static const std::pair<const char *, Integration> Integrations[] = {
        {"load-balancer", &HookRunner::runLoadBalancer},
        {"skydns", &HookRunner::runSkydns},
    };
    for (const auto &[Name, Fn] : Integrations) {
      HookOutcome O;
      try {
        O = (this->*Fn)(Project, S.Name, *Labels, Mode);
      } catch (const std::exception &E) {
        O = HookOutcome{true, std::string("Exception ") + typeid(E).name() +
                                  ": " + E.what()};
      } catch (...) {
        O = HookOutcome{true, "Exception: unknown"};
      }
      if (O.Error || O.Message)
        record(Report, Name, S.Name, O);
    }
  }
  return Report;
}

bool HookRunner::failed(const llvm::json::Object &Report) {
  if (Report.getBoolean("error").value_or(false))
    return true;
  for (const auto &KV : Report) {
    const llvm::json::Object *Services = KV.second.getAsObject();
    if (!Services)
      continue;
    for (const auto &Svc : *Services)
      if (const llvm::json::Object *O = Svc.second.getAsObject())
        if (O->getBoolean("error").value_or(false))
          return true;
  }
  return false;
}
