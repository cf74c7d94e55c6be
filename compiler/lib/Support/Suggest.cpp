//===- Suggest.cpp - "did you mean" suggestions -----------------*- C++ -*-===//
//
// Distance is the optimal string alignment distance (Levenshtein plus the
// transposition of two neighbouring characters as one edit), so 'RNU'
// suggests 'RUN' and 'statr' suggests 'start'; letter case is ignored when
// measuring.
//
//===----------------------------------------------------------------------===//
#include "overlord/Support/Suggest.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <vector>

using namespace overlord;

/// Optimal string alignment distance, case-insensitive, giving up (returning
/// Limit + 1) once every cell of a row exceeds Limit.
static unsigned osaDistance(llvm::StringRef A, llvm::StringRef B,
                            unsigned Limit) {
  size_t N = A.size(), M = B.size();
  if ((N > M ? N - M : M - N) > Limit)
    return Limit + 1;
  std::vector<unsigned> Prev2(M + 1), Prev(M + 1), Cur(M + 1);
  for (size_t J = 0; J <= M; ++J)
    Prev[J] = unsigned(J);
  for (size_t I = 1; I <= N; ++I) {
    Cur[0] = unsigned(I);
    unsigned RowMin = Cur[0];
    for (size_t J = 1; J <= M; ++J) {
      char X = llvm::toLower(A[I - 1]), Y = llvm::toLower(B[J - 1]);
      unsigned Cost = X == Y ? 0 : 1;
      Cur[J] = std::min({Prev[J] + 1, Cur[J - 1] + 1, Prev[J - 1] + Cost});
      if (I > 1 && J > 1 && X == llvm::toLower(B[J - 2]) &&
          llvm::toLower(A[I - 2]) == Y)
        Cur[J] = std::min(Cur[J], Prev2[J - 2] + 1);
      RowMin = std::min(RowMin, Cur[J]);
    }
    if (RowMin > Limit)
      return Limit + 1;
    std::swap(Prev2, Prev);
    std::swap(Prev, Cur);
  }
  return Prev[M];
}

std::string overlord::suggestClosest(llvm::StringRef Name,
                                     llvm::ArrayRef<llvm::StringRef> Candidates) {
  for (llvm::StringRef C : Candidates)
    if (C.equals_insensitive(Name))
      return C.str();
  unsigned Limit = std::clamp<unsigned>(Name.size() / 3, 1, 3);
  unsigned Best = Limit + 1;
  llvm::StringRef BestName;
  for (llvm::StringRef C : Candidates) {
    unsigned D = osaDistance(Name, C, Limit);
    // Ties go to the first candidate: registries list names in a fixed order.
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
