// STUB (delete when Director.cpp exists): Director file checks.
#include "overlord/AppJail/Director.h"
using namespace overlord;
std::optional<appjail::DirectorFile> appjail::checkDirectorFile(const ast::Value *, llvm::SMRange, DiagnosticEngine &) { return DirectorFile{}; }
