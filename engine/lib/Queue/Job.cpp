//===- Job.cpp - Job kinds, statuses and their JSON shapes ------*- C++ -*-===//
//
// Spellings of the enums (as stored and as the reference prints them) and
// the two JSON views of a job: the full row, and the reference's status
// record (overlord-behaviour.md §6.4).
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Job.h"

#include "llvm/ADT/StringSwitch.h"

using namespace overlord;
using namespace overlord::engine;

llvm::StringRef engine::toString(JobKind K) {
  switch (K) {
  case JobKind::ProjectUp:
    return "project.up";
  case JobKind::ProjectDown:
    return "project.down";
  case JobKind::ProjectCancel:
    return "project.cancel";
  case JobKind::VmCreate:
    return "vm.create";
  case JobKind::MetadataPut:
    return "metadata.put";
  case JobKind::MetadataDelete:
    return "metadata.delete";
  }
  return "project.up";
}

llvm::StringRef engine::toString(JobStatus S) {
  switch (S) {
  case JobStatus::Queued:
    return "queued";
  case JobStatus::Running:
    return "running";
  case JobStatus::Completed:
    return "completed";
  case JobStatus::Incompleted:
    return "incompleted";
  case JobStatus::Failed:
    return "failed";
  case JobStatus::Noop:
    return "noop";
  case JobStatus::Cancelled:
    return "cancelled";
  }
  return "queued";
}

std::string engine::toOperation(JobStatus S) { return toString(S).upper(); }

std::optional<JobKind> engine::parseJobKind(llvm::StringRef S) {
  return llvm::StringSwitch<std::optional<JobKind>>(S)
      .Case("project.up", JobKind::ProjectUp)
      .Case("project.down", JobKind::ProjectDown)
      .Case("project.cancel", JobKind::ProjectCancel)
      .Case("vm.create", JobKind::VmCreate)
      .Case("metadata.put", JobKind::MetadataPut)
      .Case("metadata.delete", JobKind::MetadataDelete)
      .Default(std::nullopt);
}

std::optional<JobStatus> engine::parseJobStatus(llvm::StringRef S) {
  return llvm::StringSwitch<std::optional<JobStatus>>(S)
      .Case("queued", JobStatus::Queued)
      .Case("running", JobStatus::Running)
      .Case("completed", JobStatus::Completed)
      .Case("incompleted", JobStatus::Incompleted)
      .Case("failed", JobStatus::Failed)
      .Case("noop", JobStatus::Noop)
      .Case("cancelled", JobStatus::Cancelled)
      .Default(std::nullopt);
}

/// Process output may hold any bytes; JSON strings must be UTF-8.
static llvm::json::Value utf8(const std::string &S) {
  if (llvm::json::isUTF8(S))
    return S;
  return llvm::json::fixUTF8(S);
}

/// Director prints JSON on `up -j`/`down -j`; embed it as such, like the
/// reference does, and fall back to a string for anything else.
static llvm::json::Value outputText(const std::string &S) {
  if (!S.empty() && (S.front() == '{' || S.front() == '[')) {
    if (auto V = llvm::json::parse(S))
      return std::move(*V);
    else
      llvm::consumeError(V.takeError());
  }
  return utf8(S);
}

static void addResult(llvm::json::Object &O, const Job &J) {
  const JobResult &R = J.Result;
  if (R.Rc || !R.Stdout.empty() || !R.Stderr.empty()) {
    llvm::json::Object Out;
    if (R.Rc)
      Out["rc"] = *R.Rc;
    else
      Out["rc"] = nullptr;
    Out["stdout"] = outputText(R.Stdout);
    Out["stderr"] = utf8(R.Stderr);
    O["output"] = std::move(Out);
  }
  if (R.Truncated)
    O["truncated"] = true;
  if (J.Kind == JobKind::ProjectUp)
    O["restarted"] = R.Restarted.value_or(false);
  if (!R.Labels.empty())
    O["labels"] = outputText(R.Labels);
  if (!R.ExceptionType.empty())
    O["exception"] = llvm::json::Object{{"type", R.ExceptionType},
                                        {"message", utf8(R.ExceptionMessage)}};
  if (!R.Message.empty())
    O["message"] = utf8(R.Message);
  if (R.State)
    O["state"] = directorStateName(*R.State);
  if (R.Locked)
    O["locked"] = *R.Locked;
}

llvm::json::Object engine::toStatusRecord(const Job &J) {
  llvm::json::Object O{{"operation", toOperation(J.Status)},
                       {"last_update", J.LastUpdate},
                       {"job_id", J.Id}};
  if (isFinal(J.Status))
    addResult(O, J);
  if (J.CancelRequested)
    O["cancel_requested"] = true;
  if (J.CancelledBy)
    O["cancelled_by"] = *J.CancelledBy;
  if (!J.Reconciled.empty())
    O["reconciled"] = J.Reconciled;
  return O;
}

/// The payload as JSON with the values of `environment` (which may hold
/// secrets) masked; text that is not JSON is returned as a string.
static llvm::json::Value maskedPayload(llvm::StringRef Payload) {
  llvm::Expected<llvm::json::Value> V = llvm::json::parse(Payload);
  if (!V) {
    llvm::consumeError(V.takeError());
    return Payload.str();
  }
  auto MaskAll = [](llvm::json::Object &Env) {
    for (auto &KV : Env)
      KV.second = "********";
  };
  if (llvm::json::Object *O = V->getAsObject())
    for (const char *Key : {"environment", "start-environment",
                            "build-environment", "script-environment"}) {
      // A project's environment is an object; a VM profile's are lists of
      // one-key objects (`[{"PASSWORD": "..."}]`).
      if (llvm::json::Object *Env = O->getObject(Key))
        MaskAll(*Env);
      else if (llvm::json::Array *List = O->getArray(Key))
        for (llvm::json::Value &Item : *List) {
          if (llvm::json::Object *Env = Item.getAsObject())
            MaskAll(*Env);
          else if (Item.getAsString())
            Item = "********";
        }
    }
  return std::move(*V);
}

llvm::json::Object engine::toJSON(const Job &J) {
  llvm::json::Object O = toStatusRecord(J);
  O["status"] = toString(J.Status);
  O["payload"] = maskedPayload(J.Payload);
  O["kind"] = toString(J.Kind);
  O["project"] = J.Project;
  O["target"] = J.Target;
  O["restart"] = J.Restart;
  O["attempts"] = static_cast<int64_t>(J.Attempts);
  O["enqueued_at"] = J.EnqueuedAt;
  if (J.StartedAt)
    O["started_at"] = J.StartedAt;
  if (J.FinishedAt)
    O["finished_at"] = J.FinishedAt;
  return O;
}
