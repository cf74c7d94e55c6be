//===- Spec.h - Typed deployment specification ------------------*- C++ -*-===//
//
// A checked deployment file (overlord-spec(5)) as plain typed structs with
// every default filled in. Built by Sema from an ast::Document; consumed by
// print-spec and by lowering to the plan IR.
//
// PLACEHOLDER: the full model is written with the spec checker.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_AST_SPEC_H
#define OVERLORD_AST_SPEC_H

#include <string>

namespace overlord::ast {

struct Deployment {
  std::string Kind;
};

} // namespace overlord::ast

#endif // OVERLORD_AST_SPEC_H
