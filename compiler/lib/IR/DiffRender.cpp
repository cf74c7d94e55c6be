//===- DiffRender.cpp - Text, markdown and JSON diff output -----*- C++ -*-===//
//
// Renders a PlanDiff. Every renderer shows the same facts: the entries in
// order with their markers, the changed fields (secrets masked), the reasons
// a replace is forced, and the summary line. Markdown is meant for a pull
// request comment: one ```diff block (so GitHub colours the markers), cut at
// whole entries to stay under the comment size limit, with a note when cut.
//
//===----------------------------------------------------------------------===//
#include "overlord/IR/Diff.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::ir;

namespace {

/// The marker as printed in markdown: GitHub's diff highlighting colours
/// lines starting with '+', '-' and '!' only.
llvm::StringRef markdownMarker(DiffAction A) {
  switch (A) {
  case DiffAction::Add: return "+";
  case DiffAction::Destroy: return "-";
  default: return "!";
  }
}

std::string fieldLine(const FieldChange &C) {
  std::string S;
  switch (C.Action) {
  case DiffAction::Add:
    S = C.Name + " = " + C.New;
    break;
  case DiffAction::Destroy:
    S = C.Name + " = " + C.Old + " -> none";
    break;
  default:
    if (C.Sensitive)
      S = C.Name + " = (sensitive value) changed";
    else
      S = C.Name + " = " + C.Old + " -> " + C.New;
    if (C.Unknown)
      S = C.Name + " = (sensitive value) changed (unknown: the plans were "
                   "sealed with different secret keys)";
  }
  if (C.ForcesReplace)
    S += "  # forces replacement";
  return S;
}

/// The lines of one entry. Markdown puts the marker in column 0.
std::vector<std::string> entryLines(const DiffEntry &E, bool Markdown) {
  auto Mark = [&](DiffAction A) {
    return (Markdown ? markdownMarker(A) : diffMarker(A)).str();
  };
  std::vector<std::string> L;
  std::string Head = E.Mnemonic + " " + quoted(E.Symbol);
  if (E.Mnemonic == "target")
    Head = "target " + quoted(E.Route);
  if (Markdown)
    L.push_back(Mark(E.Action) + " " + Head + "  (" +
                diffActionName(E.Action).str() + ")");
  else
    L.push_back("  " + Mark(E.Action) + " " + Head);
  for (const FieldChange &C : E.Fields) {
    std::string M = Mark(C.Action);
    L.push_back(Markdown ? M + "       " + fieldLine(C)
                         : "      " + M + " " + fieldLine(C));
    for (const std::string &T : C.TextLines)
      L.push_back(Markdown ? T.substr(0, 1) + "           " + T.substr(1)
                           : "          " + T);
  }
  for (const std::string &R : E.Reasons)
    L.push_back((Markdown ? "#       " : "      # ") +
                std::string("forces replacement: ") + R);
  return L;
}

} // namespace

void ir::renderDiffText(const PlanDiff &D, llvm::raw_ostream &OS) {
  std::string Route;
  bool First = true;
  for (const DiffEntry &E : D.Entries) {
    if (First || E.Route != Route) {
      OS << (First ? "" : "\n") << E.Route << ":\n";
      Route = E.Route;
      First = false;
    }
    for (const std::string &L : entryLines(E, false))
      OS << L << '\n';
  }
  if (!D.Entries.empty())
    OS << '\n';
  OS << summaryLine(D.Summary) << '\n';
}

static std::string withCommas(size_t N) {
  std::string S = std::to_string(N);
  for (int I = static_cast<int>(S.size()) - 3; I > 0; I -= 3)
    S.insert(static_cast<size_t>(I), ",");
  return S;
}

void ir::renderDiffMarkdown(const PlanDiff &D, llvm::raw_ostream &OS,
                            size_t MaxChars) {
  std::string Head = "#### overlord plan\n\n**" + summaryLine(D.Summary) +
                     "**\n";
  if (D.Entries.empty()) {
    OS << Head;
    return;
  }
  std::string Body = "\n```diff\n";
  const std::string Fence = "```\n";
  // Room for the fence and the truncation note.
  const size_t Reserve = 400;
  size_t Budget = MaxChars > Head.size() + Reserve
                      ? MaxChars - Head.size() - Reserve
                      : 0;
  size_t Shown = 0;
  std::string Route;
  for (const DiffEntry &E : D.Entries) {
    std::string Block;
    if (Shown == 0 || E.Route != Route)
      Block += "# " + E.Route + "\n";
    for (const std::string &L : entryLines(E, true))
      Block += L + "\n";
    if (Body.size() + Block.size() > Budget)
      break;
    Body += Block;
    Route = E.Route;
    ++Shown;
  }
  OS << Head << Body << Fence;
  if (Shown < D.Entries.size())
    OS << "\n> **Note:** this diff was truncated to stay under "
       << withCommas(MaxChars) << " characters: " << Shown << " of "
       << D.Entries.size()
       << " changes are shown. Run `overlordc diff` on the plans for the "
          "whole diff.\n";
}

llvm::json::Value ir::diffToJson(const PlanDiff &D) {
  llvm::json::Array Changes;
  for (const DiffEntry &E : D.Entries) {
    llvm::json::Array Fields;
    for (const FieldChange &C : E.Fields) {
      llvm::json::Object F{{"name", C.Name},
                           {"action", diffActionName(C.Action)},
                           {"sensitive", C.Sensitive},
                           {"forces_replace", C.ForcesReplace}};
      if (C.Action != DiffAction::Add)
        F["old"] = C.Old;
      if (C.Action != DiffAction::Destroy)
        F["new"] = C.New;
      if (C.Unknown)
        F["unknown"] = true;
      if (C.ForcesReplace)
        F["reason"] = C.Reason;
      Fields.push_back(std::move(F));
    }
    llvm::json::Array Reasons;
    for (const std::string &R : E.Reasons)
      Reasons.push_back(R);
    Changes.push_back(llvm::json::Object{{"action", diffActionName(E.Action)},
                                         {"target", E.Route},
                                         {"op", E.Mnemonic},
                                         {"symbol", E.Symbol},
                                         {"fields", std::move(Fields)},
                                         {"reasons", std::move(Reasons)}});
  }
  const DiffSummary &S = D.Summary;
  return llvm::json::Object{
      {"summary", llvm::json::Object{{"add", S.Add},
                                     {"change", S.Change},
                                     {"replace", S.Replace},
                                     {"destroy", S.Destroy}}},
      {"summary_line", summaryLine(S)},
      {"same_secret_key", D.SameSecretKey},
      {"changes", std::move(Changes)}};
}
