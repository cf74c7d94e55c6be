//===- FieldValues.h - Formatting field values (internal) -------*- C++ -*-===//
//
// The printer, the diff and the JSON export all format field values; the
// overloads here dispatch on the member's C++ type and the registry's
// FieldType (String, Text, Digest and Secret share std::string).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_IR_FIELDVALUES_H
#define OVERLORD_LIB_IR_FIELDVALUES_H

#include "overlord/IR/Plan.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace overlord::ir::detail {

/// True when Text prints as a <<EOT block: it has a newline and no other
/// control character than tab.
bool printsAsHeredoc(llvm::StringRef Text);

/// Canonical block form at indentation Indent (the field line's indent).
void printValue(llvm::raw_ostream &OS, const FieldInfo &F,
                const std::string &V, unsigned Indent);
void printValue(llvm::raw_ostream &OS, const FieldInfo &F, int64_t V,
                unsigned Indent);
void printValue(llvm::raw_ostream &OS, const FieldInfo &F, uint64_t V,
                unsigned Indent);
void printValue(llvm::raw_ostream &OS, const FieldInfo &F, bool V,
                unsigned Indent);
void printValue(llvm::raw_ostream &OS, const FieldInfo &F,
                const std::vector<std::string> &V, unsigned Indent);
void printValue(llvm::raw_ostream &OS, const FieldInfo &F,
                const std::map<std::string, std::string> &V, unsigned Indent);
template <typename T>
void printValue(llvm::raw_ostream &OS, const FieldInfo &F,
                const std::optional<T> &V, unsigned Indent) {
  if (!V)
    OS << "none";
  else
    printValue(OS, F, *V, Indent);
}

/// One-line form for the diff (Text becomes a quoted string).
std::string inlineValue(const FieldInfo &F, const std::string &V);
std::string inlineValue(const FieldInfo &F, int64_t V);
std::string inlineValue(const FieldInfo &F, uint64_t V);
std::string inlineValue(const FieldInfo &F, bool V);
std::string inlineValue(const FieldInfo &F, const std::vector<std::string> &V);
std::string inlineValue(const FieldInfo &F,
                        const std::map<std::string, std::string> &V);
template <typename T>
std::string inlineValue(const FieldInfo &F, const std::optional<T> &V) {
  return V ? inlineValue(F, *V) : std::string("none");
}

/// JSON form: strings, numbers, booleans, arrays, objects; null for none.
llvm::json::Value jsonValue(const FieldInfo &F, const std::string &V);
llvm::json::Value jsonValue(const FieldInfo &F, int64_t V);
llvm::json::Value jsonValue(const FieldInfo &F, uint64_t V);
llvm::json::Value jsonValue(const FieldInfo &F, bool V);
llvm::json::Value jsonValue(const FieldInfo &F,
                            const std::vector<std::string> &V);
llvm::json::Value jsonValue(const FieldInfo &F,
                            const std::map<std::string, std::string> &V);
template <typename T>
llvm::json::Value jsonValue(const FieldInfo &F, const std::optional<T> &V) {
  return V ? jsonValue(F, *V) : llvm::json::Value(nullptr);
}

} // namespace overlord::ir::detail

#endif // OVERLORD_LIB_IR_FIELDVALUES_H
