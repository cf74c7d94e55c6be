//===- Environment.cpp - Variables for !ENV substitution --------*- C++ -*-===//
#include "overlord/Support/Environment.h"

extern char **environ;

using namespace overlord;

Environment Environment::fromProcess() {
  Environment E;
  for (char **P = environ; P && *P; ++P) {
    llvm::StringRef Entry(*P);
    auto [Name, Value] = Entry.split('=');
    if (!Name.empty())
      E.Vars[Name] = Value.str();
  }
  return E;
}

std::optional<std::string> Environment::lookup(llvm::StringRef Name) const {
  auto It = Vars.find(Name);
  if (It == Vars.end())
    return std::nullopt;
  return It->second;
}

void Environment::setDefault(llvm::StringRef Name, llvm::StringRef Value) {
  Vars.try_emplace(Name, Value.str());
}

void Environment::set(llvm::StringRef Name, llvm::StringRef Value) {
  Vars[Name] = Value.str();
}
