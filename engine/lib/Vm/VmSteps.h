//===- VmSteps.h - Named steps of the VM flow (private) ---------*- C++ -*-===//
//
// StepRunner runs the commands of one vm.create job as named steps: it
// writes the transcript (`==> step: command line`, then the merged,
// ANSI-stripped output), polls the cancel flag between steps, applies the
// configured timeouts and output limits, and records the first failure
// (its step, reason and exit status). VmBuilder.cpp drives the flow,
// VmInstall.cpp the disk and payload steps.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LIB_VM_VMSTEPS_H
#define OVERLORD_ENGINE_LIB_VM_VMSTEPS_H

#include "overlord/Engine/Config.h"
#include "overlord/Engine/ExecCommands.h"
#include "overlord/Engine/Job.h"
#include "overlord/Engine/Process.h"
#include "overlord/Engine/VmBuilder.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <functional>
#include <optional>
#include <string>

namespace overlord::engine::vm {

/// What a command step returned.
struct StepOutput {
  bool Started = false; ///< the program ran at all
  int Rc = -1;          ///< shell-like status (127 when it could not start)
  bool TimedOut = false;
  std::string Output; ///< merged, ANSI-stripped
  bool ok() const { return Started && Rc == 0 && !TimedOut; }
};

/// Runs the steps of one job and keeps its transcript and first failure.
class StepRunner {
public:
  StepRunner(const EngineConfig &Cfg, const std::function<bool()> &Cancelled)
      : Cfg(Cfg), Cancelled(Cancelled) {}

  /// Runs Spec as step Step with the timeout of `overlordd.timeouts.<Key>`.
  /// Does not record a failure: callers decide (see check()).
  StepOutput run(llvm::StringRef Step, ProcessSpec Spec,
                 llvm::StringRef TimeoutKey);
  /// run(), then fail(Step, ...) when the command did not succeed.
  bool check(llvm::StringRef Step, ProcessSpec Spec,
             llvm::StringRef TimeoutKey, StepOutput *Out = nullptr);

  /// True (and the job is failed with "Cancelled") once the cancel flag is
  /// set. Polled between steps.
  bool cancelled();
  /// Records the first failure: "step '<Step>' failed: <Why>".
  void fail(llvm::StringRef Step, const llvm::Twine &Why,
            std::optional<int> Rc = std::nullopt);
  /// Records a payload/file error as the reference's `exception`.
  void exception(llvm::StringRef Type, const llvm::Twine &Message);
  bool failed() const { return Failed; }
  /// A line of the transcript.
  void note(const llvm::Twine &Line);

  /// How the job ended: Failed when a failure was recorded, else Status.
  JobResult finish(JobStatus Status);
  /// The Rc reported with a COMPLETED result (the last main command's).
  std::optional<int> LastRc;
  bool Restarted = false;

private:
  const EngineConfig &Cfg;
  const std::function<bool()> &Cancelled;
  std::string Transcript;
  bool Failed = false;
  JobResult Failure;
};

/// Helpers shared by the flow files.
std::string joinPath(llvm::StringRef A, llvm::StringRef B);
/// Writes Text to Path (parents created), fsync'ed, with Mode.
llvm::Error writeFileSynced(llvm::StringRef Path, llvm::StringRef Text,
                            unsigned Mode = 0644);
llvm::Error appendFile(llvm::StringRef Path, llvm::StringRef Text);
std::optional<std::string> readWholeFile(llvm::StringRef Path);

/// `appjail cmd jexec J args...`.
ProcessSpec appjailJexec(const ToolPaths &T, llvm::StringRef Jail,
                         std::vector<std::string> Args);
/// A program of VmTools, inheriting the daemon's environment.
ProcessSpec tool(const std::string &Program, std::vector<std::string> Args);

/// The disk/payload part of create_vm for components, appjailImage and
/// pkgbase (§10.3): partitions, formats, boot code, mount, payload, fstab,
/// the user's script, unmount, then start. The metadata files are already
/// written. JailPath is `<appjail.jails>/<vm>/jail`.
bool installSystem(StepRunner &R, const EngineConfig &Cfg,
                   const ToolPaths &Tools, const VmTools &Vm,
                   const VmProfile &P, llvm::StringRef JailPath);
/// vm-start.sh: `appjail sysrc jail J vm_list+=J`, `appjail cmd jexec J vm
/// start J`.
bool startVm(StepRunner &R, const ToolPaths &Tools, llvm::StringRef Vm);

} // namespace overlord::engine::vm

#endif // OVERLORD_ENGINE_LIB_VM_VMSTEPS_H
