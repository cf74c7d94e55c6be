//===- PlanPrinter.cpp - Canonical .oplan text and JSON ---------*- C++ -*-===//
//
// Prints a plan in the canonical text format (docs/PlanIR.md "Text format"):
// the header, then each target and its ops, every field printed (absent
// optional fields as `none`) in registry order, which is sorted by name.
// The same walk produces the JSON export.
//
//===----------------------------------------------------------------------===//
#include "overlord/IR/Plan.h"

#include "FieldValues.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::ir;
using namespace overlord::ir::detail;

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

bool detail::printsAsHeredoc(llvm::StringRef Text) {
  if (Text.find('\n') == llvm::StringRef::npos)
    return false;
  for (unsigned char C : Text)
    if ((C < 0x20 && C != '\n' && C != '\t') || C == 0x7f)
      return false;
  return true;
}

static void indent(llvm::raw_ostream &OS, unsigned N) { OS.indent(N); }

static void printHeredoc(llvm::raw_ostream &OS, llvm::StringRef Text,
                         unsigned Indent) {
  bool FinalNewline = Text.endswith("\n");
  if (FinalNewline)
    Text = Text.drop_back();
  OS << (FinalNewline ? "<<EOT\n" : "<<-EOT\n");
  while (true) {
    auto [Line, Rest] = Text.split('\n');
    if (!Line.empty()) {
      indent(OS, Indent + 2);
      OS << Line;
    }
    OS << '\n';
    if (Rest.data() == nullptr || Line.size() == Text.size())
      break;
    Text = Rest;
  }
  indent(OS, Indent);
  OS << "EOT";
}

void detail::printValue(llvm::raw_ostream &OS, const FieldInfo &F,
                        const std::string &V, unsigned Indent) {
  switch (F.Type) {
  case FieldType::Text:
    if (printsAsHeredoc(V))
      return printHeredoc(OS, V, Indent);
    printQuoted(OS, V);
    return;
  case FieldType::Digest:
  case FieldType::Secret:
    OS << V;
    return;
  default:
    printQuoted(OS, V);
  }
}

void detail::printValue(llvm::raw_ostream &OS, const FieldInfo &, int64_t V,
                        unsigned) {
  OS << V;
}

void detail::printValue(llvm::raw_ostream &OS, const FieldInfo &, uint64_t V,
                        unsigned) {
  OS << formatSize(V);
}

void detail::printValue(llvm::raw_ostream &OS, const FieldInfo &, bool V,
                        unsigned) {
  OS << (V ? "true" : "false");
}

void detail::printValue(llvm::raw_ostream &OS, const FieldInfo &,
                        const std::vector<std::string> &V, unsigned Indent) {
  if (V.empty()) {
    OS << "[]";
    return;
  }
  OS << "[\n";
  for (const std::string &S : V) {
    indent(OS, Indent + 2);
    printQuoted(OS, S);
    OS << '\n';
  }
  indent(OS, Indent);
  OS << ']';
}

void detail::printValue(llvm::raw_ostream &OS, const FieldInfo &F,
                        const std::map<std::string, std::string> &V,
                        unsigned Indent) {
  if (V.empty()) {
    OS << "{}";
    return;
  }
  OS << "{\n";
  for (const auto &[K, Val] : V) {
    indent(OS, Indent + 2);
    printQuoted(OS, K);
    OS << ": ";
    if (F.Type == FieldType::SecretMap)
      OS << Val;
    else
      printQuoted(OS, Val);
    OS << '\n';
  }
  indent(OS, Indent);
  OS << '}';
}

//===----------------------------------------------------------------------===//
// Plan text
//===----------------------------------------------------------------------===//

namespace {

template <typename OpT>
void printFields(llvm::raw_ostream &OS, const OpT &Op, unsigned Indent) {
  forEachField(Op, [&](const FieldInfo &F, const auto &V) {
    indent(OS, Indent);
    OS << F.Name << " = ";
    printValue(OS, F, V, Indent);
    OS << '\n';
  });
}

template <typename OpT>
void printOp(llvm::raw_ostream &OS, const OpT &Op, unsigned Indent) {
  indent(OS, Indent);
  OS << getOpInfo(OpT::Kind).Mnemonic << ' ';
  printQuoted(OS, Op.Symbol);
  if (getOpInfo(OpT::Kind).Fields.empty()) {
    OS << " {}\n";
    return;
  }
  OS << " {\n";
  printFields(OS, Op, Indent + 2);
  indent(OS, Indent);
  OS << "}\n";
}

void printHeader(llvm::raw_ostream &OS, const PlanHeader &H) {
  OS << "overlord-plan " << H.Version << '\n';
  OS << "compiler ";
  printQuoted(OS, H.Compiler);
  OS << "\nsecrets " << H.SecretKeyId << '\n';
  for (const SourceDigest &S : H.Sources) {
    OS << "source ";
    printQuoted(OS, S.Path);
    OS << ' ' << S.Digest << '\n';
  }
  OS << "cluster " << (H.Cluster ? *H.Cluster : std::string("none")) << '\n';
}

} // namespace

void ir::printPlan(const Plan &P, llvm::raw_ostream &OS) {
  printHeader(OS, P.Header);
  for (size_t T = 0; T < P.Targets.size(); ++T) {
    const TargetOp &Target = P.Targets[T];
    OS << "\ntarget ";
    printQuoted(OS, Target.Symbol);
    OS << " {\n";
    printFields(OS, Target, 2);
    for (OpRef R : P.TargetOps[T]) {
      OS << '\n';
      visitOp(P, R, [&](const auto &Op) { printOp(OS, Op, 2); });
    }
    OS << "}\n";
  }
}

std::string ir::printPlanToString(const Plan &P) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  printPlan(P, OS);
  return OS.str();
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

llvm::json::Value detail::jsonValue(const FieldInfo &, const std::string &V) {
  return V;
}
llvm::json::Value detail::jsonValue(const FieldInfo &, int64_t V) { return V; }
llvm::json::Value detail::jsonValue(const FieldInfo &, uint64_t V) {
  // Sizes are bytes; JSON numbers above 2^53 lose precision in many readers,
  // so sizes that large are given as strings.
  if (V > (uint64_t(1) << 53))
    return std::to_string(V);
  return static_cast<int64_t>(V);
}
llvm::json::Value detail::jsonValue(const FieldInfo &, bool V) { return V; }
llvm::json::Value detail::jsonValue(const FieldInfo &,
                                    const std::vector<std::string> &V) {
  llvm::json::Array A;
  for (const std::string &S : V)
    A.push_back(S);
  return A;
}
llvm::json::Value
detail::jsonValue(const FieldInfo &,
                  const std::map<std::string, std::string> &V) {
  llvm::json::Object O;
  for (const auto &[K, Val] : V)
    O[K] = Val;
  return O;
}

template <typename OpT> static llvm::json::Object jsonFields(const OpT &Op) {
  llvm::json::Object O;
  forEachField(Op, [&](const FieldInfo &F, const auto &V) {
    O[F.Name] = jsonValue(F, V);
  });
  return O;
}

llvm::json::Value ir::planToJson(const Plan &P) {
  llvm::json::Array Sources;
  for (const SourceDigest &S : P.Header.Sources)
    Sources.push_back(llvm::json::Object{{"path", S.Path}, {"digest", S.Digest}});
  llvm::json::Array Targets;
  for (size_t T = 0; T < P.Targets.size(); ++T) {
    llvm::json::Array Ops;
    for (OpRef R : P.TargetOps[T])
      visitOp(P, R, [&](const auto &Op) {
        Ops.push_back(llvm::json::Object{
            {"op", getOpInfo(R.Kind).Mnemonic},
            {"symbol", Op.Symbol},
            {"fields", jsonFields(Op)}});
      });
    Targets.push_back(llvm::json::Object{{"route", P.Targets[T].Symbol},
                                         {"fields", jsonFields(P.Targets[T])},
                                         {"ops", std::move(Ops)}});
  }
  llvm::json::Value Cluster = nullptr;
  if (P.Header.Cluster)
    Cluster = *P.Header.Cluster;
  return llvm::json::Object{{"format", "overlord-plan"},
                            {"version", static_cast<int64_t>(P.Header.Version)},
                            {"compiler", P.Header.Compiler},
                            {"secrets", P.Header.SecretKeyId},
                            {"sources", std::move(Sources)},
                            {"cluster", std::move(Cluster)},
                            {"targets", std::move(Targets)}};
}
