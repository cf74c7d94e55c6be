//===- Suggest.h - "did you mean" suggestions -------------------*- C++ -*-===//
//
// Picks the closest candidate to a misspelt name by edit distance, with a
// case-insensitive exact match always preferred ('deployin' -> 'deployIn').
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_SUPPORT_SUGGEST_H
#define OVERLORD_SUPPORT_SUGGEST_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace overlord {

/// The closest of Candidates to Name, or "" when none is close enough
/// (distance greater than a third of the name's length, at least 1, at most 3;
/// swapping two neighbouring letters counts as one edit).
std::string suggestClosest(llvm::StringRef Name,
                           llvm::ArrayRef<llvm::StringRef> Candidates);

/// "; did you mean 'X'?" or "" when there is no suggestion.
std::string didYouMean(llvm::StringRef Suggestion);

} // namespace overlord

#endif // OVERLORD_SUPPORT_SUGGEST_H
