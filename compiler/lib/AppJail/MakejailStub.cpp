// STUB (delete when Makejail.cpp exists): Makejail parser.
#include "overlord/AppJail/Makejail.h"
using namespace overlord;
std::optional<appjail::Makejail> appjail::parseMakejail(llvm::StringRef, const ast::TextOrigin &, DiagnosticEngine &) { return Makejail{}; }
ast::TextOrigin appjail::originForBuffer(llvm::StringRef) { return {}; }
bool appjail::checkMakejailReference(llvm::StringRef, llvm::SMRange, DiagnosticEngine &) { return true; }
