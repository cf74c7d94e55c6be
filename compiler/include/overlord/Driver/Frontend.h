//===- Frontend.h - Load and check a deployment file ------------*- C++ -*-===//
//
// The pipeline every command that reads a deployment file shares: env files
// -> read the file into the SourceMgr -> YAML front end -> Sema. Keeps the
// parsed documents alive as long as the typed deployment that points into
// their source buffers.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_DRIVER_FRONTEND_H
#define OVERLORD_DRIVER_FRONTEND_H

#include "overlord/AST/Spec.h"
#include "overlord/AST/Value.h"
#include "overlord/Support/Diagnostics.h"
#include "overlord/Support/Environment.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace overlord::driver {

struct FrontendOptions {
  std::string File;                  ///< the deployment file ("-": stdin)
  std::vector<std::string> EnvFiles; ///< -e/--env-file, in order
  bool DefaultEnvFile = true;        ///< load ./.env when no -e is given
  uint64_t MaxFileBytes = 64 << 20;
};

class Frontend {
public:
  Frontend(DiagnosticEngine &Diags, Environment Env)
      : Diags(Diags), Env(std::move(Env)) {}

  /// Loads env files, parses and checks Opts.File. Returns the deployment or
  /// nullopt (diagnostics were emitted).
  std::optional<ast::Deployment> load(const FrontendOptions &Opts);

  /// Loads Opts.EnvFiles (or ./.env when none is given and
  /// Opts.DefaultEnvFile) into the environment, never overriding a variable
  /// already set. Returns false when a file had errors.
  bool loadEnvFiles(const FrontendOptions &Opts);

  /// Reads Path into the SourceMgr; returns the buffer id or 0 (diagnosed).
  unsigned readFile(llvm::StringRef Path, llvm::SMRange From,
                    uint64_t MaxBytes);

  Environment &getEnvironment() { return Env; }

private:
  DiagnosticEngine &Diags;
  Environment Env;
  std::vector<std::unique_ptr<ast::Document>> Docs;
};

} // namespace overlord::driver

#endif // OVERLORD_DRIVER_FRONTEND_H
