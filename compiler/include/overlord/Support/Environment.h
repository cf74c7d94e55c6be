//===- Environment.h - Variables for !ENV substitution ----------*- C++ -*-===//
//
// The variables a deployment file's `!ENV '${VAR}'` scalars see: the process
// environment, then `.env` files (`-e/--env-file`, repeatable, default
// `.env`), which never override a variable already set, exactly as
// python-dotenv's load_dotenv does for the reference Overlord. Evaluation
// reads nothing else, so the same inputs always give the same result.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_SUPPORT_ENVIRONMENT_H
#define OVERLORD_SUPPORT_ENVIRONMENT_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace overlord {

class Environment {
public:
  /// A copy of the process environment (`environ`).
  static Environment fromProcess();

  std::optional<std::string> lookup(llvm::StringRef Name) const;
  /// Sets Name unless it is already set (dotenv's override=False).
  void setDefault(llvm::StringRef Name, llvm::StringRef Value);
  /// Sets Name, replacing any value.
  void set(llvm::StringRef Name, llvm::StringRef Value);
  bool contains(llvm::StringRef Name) const { return Vars.count(Name); }

private:
  llvm::StringMap<std::string> Vars;
};

} // namespace overlord

#endif // OVERLORD_SUPPORT_ENVIRONMENT_H
