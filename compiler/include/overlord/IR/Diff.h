//===- Diff.h - Typed diff of two plans -------------------------*- C++ -*-===//
//
// API STABLE. diffPlans() compares two plans op by op, keyed by the stable
// identity (target route, op mnemonic, symbol), Terraform style: `+` add,
// `~` change in place, `-` destroy, `-/+` replace. Whether a field change
// forces a replace, and why, comes from the registry (Ops.def), never from
// a renderer. Secrets stay masked: a diff says a secret changed, never what
// it was or became.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_IR_DIFF_H
#define OVERLORD_IR_DIFF_H

#include "overlord/IR/Plan.h"

#include <string>
#include <vector>

namespace overlord::ir {

enum class DiffAction { Add, Change, Replace, Destroy };

/// "+", "~", "-/+", "-".
llvm::StringRef diffMarker(DiffAction A);
/// "add", "change", "replace", "destroy".
llvm::StringRef diffActionName(DiffAction A);

/// One changed field (or map entry: Name is `environment["KEY"]`).
struct FieldChange {
  std::string Name;
  DiffAction Action = DiffAction::Change; ///< Add/Change/Destroy of the field
  std::string Old, New;  ///< printed values ("" when absent); secrets masked
  bool Sensitive = false;
  bool Unknown = false;  ///< secrets sealed with different keys
  bool ForcesReplace = false;
  std::string Reason;    ///< from the registry when ForcesReplace
  /// For Text fields: the changed lines, each prefixed "-" or "+".
  std::vector<std::string> TextLines;
};

/// One op (or target) that differs.
struct DiffEntry {
  DiffAction Action;
  std::string Route;
  std::string Mnemonic;
  std::string Symbol;
  std::vector<FieldChange> Fields;  ///< all fields for Add; changes otherwise
  std::vector<std::string> Reasons; ///< distinct replace reasons, sorted
};

struct DiffSummary {
  unsigned Add = 0, Change = 0, Replace = 0, Destroy = 0;
  bool empty() const { return Add + Change + Replace + Destroy == 0; }
};

struct PlanDiff {
  std::vector<DiffEntry> Entries; ///< sorted by route then execution order
  DiffSummary Summary;
  bool SameSecretKey = true; ///< false: secret changes are "unknown"
};

/// Compares Old to New.
PlanDiff diffPlans(const Plan &Old, const Plan &New);

/// "Plan: 1 to add, 2 to change, 0 to replace, 1 to destroy." or
/// "No changes.".
std::string summaryLine(const DiffSummary &S);

/// Renders for a terminal.
void renderDiffText(const PlanDiff &D, llvm::raw_ostream &OS);
/// Renders for a pull-request comment, at most MaxChars characters; when
/// cut, ends with a note saying how many entries were left out.
void renderDiffMarkdown(const PlanDiff &D, llvm::raw_ostream &OS,
                        size_t MaxChars = 65000);
/// The diff as JSON.
llvm::json::Value diffToJson(const PlanDiff &D);

} // namespace overlord::ir

#endif // OVERLORD_IR_DIFF_H
