//===- KeyCheck.cpp - Unknown keys of a map ---------------------*- C++ -*-===//
#include "overlord/AST/KeyCheck.h"

#include "overlord/Support/Suggest.h"

#include "llvm/ADT/STLExtras.h"

using namespace overlord;

bool ast::checkAllowedKeys(const Value &Map,
                           llvm::ArrayRef<llvm::StringRef> Allowed,
                           llvm::StringRef Path, llvm::StringRef TopName,
                           DiagnosticEngine &Diags) {
  bool Ok = true;
  for (const MapEntry &E : Map.Entries) {
    if (!E.Key)
      continue;
    if (!E.Key->isString()) {
      Diags.emit(E.Key->Range, diag::NonStringKey,
                 Path.empty() ? TopName.str() : Path.str(),
                 kindNoun(E.Key->Kind).str());
      Ok = false;
      continue;
    }
    if (llvm::is_contained(Allowed, llvm::StringRef(E.Key->Text)))
      continue;
    Ok = false;
    std::string Best = suggestClosest(E.Key->Text, Allowed);
    std::string In = Path.empty() ? "" : " in '" + Path.str() + "'";
    DiagBuilder B = Diags.emit(E.Key->Range, diag::UnknownKey, E.Key->Text, In,
                               didYouMean(Best));
    if (!Best.empty())
      B.fixit(E.Key->Range, Best);
  }
  return Ok;
}
