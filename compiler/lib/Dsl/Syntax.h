//===- Syntax.h - DSL syntax tree (private to lib/Dsl) ----------*- C++ -*-===//
//
// The parsed form of one .ovl module, built from the ANTLR parse tree by
// Parse.cpp and evaluated by Eval.cpp. Plain structs owned by a Module
// arena; every node keeps its source range (pointers into the SourceMgr
// buffer). ANTLR types never appear here.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_DSL_SYNTAX_H
#define OVERLORD_LIB_DSL_SYNTAX_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace overlord::dsl {

/// A written type: `string`, `list<int>`.
struct TypeRef {
  std::string Name;
  const TypeRef *Elem = nullptr;
  llvm::SMRange Range;
};

enum class ExprKind {
  Int,      ///< 8080
  Float,    ///< 14.2
  Size,     ///< 10G (a string as written, of type size)
  Duration, ///< 30s (integer seconds, of type duration)
  Bool,
  Null,
  Str,      ///< "a#{b}c"
  Block,    ///< | lines
  Name,     ///< x
  List,     ///< [a, b]
  Map,      ///< {k: v}
  ListComp, ///< [for x in xs : e if c]
  MapComp,  ///< {for k, v in m : ke => ve if c}
  Member,   ///< a.b
  Index,    ///< a[i]
  Call,     ///< f(a, n = b)
  Unary,    ///< -a, not a
  Binary,   ///< a + b
  If,       ///< if c then a else b
  Let       ///< let x = v in body
};

struct Expr;

/// One piece of a string literal: text, or an interpolated expression.
struct StrPart {
  std::string Text;
  const Expr *Interp = nullptr;
};

/// A map entry; Key is a Str expression (a bare name is a Str too).
struct Entry {
  const Expr *Key = nullptr;
  const Expr *Val = nullptr;
};

/// A call argument, positional (Name empty) or named.
struct Arg {
  std::string Name;
  llvm::SMRange NameRange;
  const Expr *Val = nullptr;
};

struct Expr {
  ExprKind Kind = ExprKind::Null;
  llvm::SMRange Range;
  int64_t Int = 0;
  double Float = 0;
  bool Bool = false;
  /// Name: the name; Member: the member; Size/Float: the text as written;
  /// Unary/Binary: the operator spelling; Let/comprehensions: variable.
  std::string Text;
  llvm::SMRange TextRange; ///< range of the name/member/variable
  std::string Var2;        ///< second comprehension variable (k, v)
  llvm::SMRange Var2Range;
  std::vector<StrPart> Parts;            ///< Str
  bool BareKey = false;                  ///< Str written as a bare name key
  std::vector<const char *> LineStarts;  ///< Block: content start per line
  std::vector<const Expr *> Items;       ///< List
  std::vector<Entry> Entries;            ///< Map
  std::vector<Arg> Args;                 ///< Call
  const Expr *A = nullptr, *B = nullptr, *C = nullptr, *D = nullptr;
  const TypeRef *Ty = nullptr; ///< Let: declared type
};

/// A function parameter.
struct Param {
  std::string Name;
  llvm::SMRange Range;
  const TypeRef *Ty = nullptr;
  const Expr *Default = nullptr;
};

/// A top-level declaration.
struct Decl {
  enum class Kind { Let, Fn, Import, EnvFile } K = Kind::Let;
  std::string Name; ///< Let/Fn/Import: the bound name
  llvm::SMRange NameRange;
  llvm::SMRange Range;       ///< the whole declaration
  const TypeRef *Ty = nullptr; ///< Let: declared type; Fn: return type
  const Expr *Val = nullptr;   ///< Let: value; Fn: body
  std::vector<Param> Params;   ///< Fn
  std::string Path;            ///< Import/EnvFile: the path as written
  llvm::SMRange PathRange;
};

/// `deploy <kind> { ... }`.
struct Deployment {
  std::string Kind; ///< empty when not written
  llvm::SMRange KindRange;
  llvm::SMRange Range; ///< `deploy` keyword
  const Expr *Body = nullptr;
};

/// One parsed .ovl file.
struct Module {
  unsigned BufferID = 0;
  std::string Path; ///< as opened (for relative imports)
  std::vector<Decl> Decls;
  std::optional<Deployment> Deploy;

  Expr *newExpr(ExprKind K, llvm::SMRange R) {
    Exprs.emplace_back();
    Exprs.back().Kind = K;
    Exprs.back().Range = R;
    return &Exprs.back();
  }
  TypeRef *newType() {
    Types.emplace_back();
    return &Types.back();
  }

private:
  std::deque<Expr> Exprs;
  std::deque<TypeRef> Types;
};

} // namespace overlord::dsl

#endif // OVERLORD_LIB_DSL_SYNTAX_H
