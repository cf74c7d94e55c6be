//===- Suggest.cpp - "did you mean" suggestions -----------------*- C++ -*-===//
#include "overlord/Support/Suggest.h"

#include <algorithm>

using namespace overlord;

std::string overlord::suggestClosest(llvm::StringRef Name,
                                     llvm::ArrayRef<llvm::StringRef> Candidates) {
  for (llvm::StringRef C : Candidates)
    if (C.equals_insensitive(Name))
      return C.str();
  unsigned Limit = std::clamp<unsigned>(Name.size() / 3, 1, 3);
  unsigned Best = Limit + 1;
  llvm::StringRef BestName;
  for (llvm::StringRef C : Candidates) {
    unsigned D = Name.edit_distance(C, /*AllowReplacements=*/true, Best);
    // Ties go to the first candidate: registries list keys in a fixed order.
    if (D < Best) {
      Best = D;
      BestName = C;
    }
  }
  return Best <= Limit ? BestName.str() : std::string();
}

std::string overlord::didYouMean(llvm::StringRef Suggestion) {
  if (Suggestion.empty())
    return "";
  return "; did you mean '" + Suggestion.str() + "'?";
}
