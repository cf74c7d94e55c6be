// STUB (delete when Options.cpp exists): appjail-quick option checks.
#include "overlord/AppJail/Options.h"
using namespace overlord;
bool appjail::checkQuickOption(llvm::StringRef, std::optional<llvm::StringRef>, llvm::SMRange, llvm::SMRange, DiagnosticEngine &) { return true; }
bool appjail::checkRctlRule(llvm::StringRef, llvm::SMRange, DiagnosticEngine &) { return true; }
bool appjail::isLabelKey(llvm::StringRef) { return true; }
