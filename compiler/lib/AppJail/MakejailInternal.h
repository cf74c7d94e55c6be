//===- MakejailInternal.h - Makejail parser internals -----------*- C++ -*-===//
//
// The state one Makejail parse carries from instruction to instruction,
// shared by Makejail.cpp (lexing, stages, conditionals) and
// MakejailInstructions.cpp (per-instruction grammar).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_APPJAIL_MAKEJAILINTERNAL_H
#define OVERLORD_LIB_APPJAIL_MAKEJAILINTERNAL_H

#include "overlord/AppJail/Makejail.h"

namespace overlord::appjail {

/// One logical line after comment removal and continuation joining, with
/// the source position of each of its bytes.
struct LogicalLine {
  std::string Text;
  std::vector<const char *> Pos; ///< Text.size() + 1 entries
  unsigned FirstLine = 0;        ///< 0-based physical line it starts on
};

/// One instruction being checked.
struct InstrContext {
  llvm::StringRef Name;
  llvm::StringRef Args;   ///< the parameter string
  TextLocator ArgsLoc;    ///< positions of Args' bytes
  llvm::SMRange NameRange;
  DiagnosticEngine &Diags;
};

/// Instruction facts the parser needs before checking operands.
struct InstrFacts {
  bool Known = false;
  bool BuildOnly = false;
  bool NonConditional = false;
};

/// What the instruction table says about Name.
InstrFacts lookupInstruction(llvm::StringRef Name);

/// Every instruction name, for suggestions.
std::vector<llvm::StringRef> instructionNames();

/// Checks the flags and operands of one instruction (not STAGE, whose
/// effect the parser tracks itself).
bool checkInstructionArgs(const InstrContext &C);

/// Checks ARG, ENV, VAR, LABEL, GLOBAL, OPTION, INCLUDE and RAW
/// (MakejailSpecial.cpp).
bool checkSpecialInstruction(const InstrContext &C);

/// Splits a parameter string leniently (an unterminated quote runs to the
/// end): used where the text is sh code AppJail does not tokenize itself.
std::vector<Word> splitLenient(llvm::StringRef Text);

} // namespace overlord::appjail

#endif // OVERLORD_LIB_APPJAIL_MAKEJAILINTERNAL_H
