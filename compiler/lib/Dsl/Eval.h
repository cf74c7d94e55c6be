//===- Eval.h - DSL evaluator (private) -------------------------*- C++ -*-===//
//
// Evaluates parsed modules into ast::Values. Module-level `let`s are
// evaluated on first use (so declarations may come in any order), function
// calls bind parameters in a scope chain, and every value is created in the
// one ast::Document of the compilation with the source range of the
// expression that built it. Errors poison the value they produce; a poisoned
// operand silences follow-on errors.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_DSL_EVAL_H
#define OVERLORD_LIB_DSL_EVAL_H

#include "Syntax.h"

#include "overlord/Dsl/Dsl.h"

#include "llvm/ADT/StringMap.h"

#include <map>
#include <set>

namespace overlord::dsl {

struct ModuleInst;

/// The builtin functions (Builtins.cpp).
enum class BuiltinID : uint8_t {
  None,
#define OVERLORD_DSL_BUILTIN(ID, NAME, MIN, MAX, PARAMS) ID,
#include "Builtins.def"
};

/// A value during evaluation: data (an ast::Value), a function, a builtin
/// or an imported module. Sub refines data strings/ints into size/duration.
struct Val {
  enum class K : uint8_t { Poison, Data, Fn, Builtin, Module };
  enum class Sub : uint8_t { None, Size, Duration };
  K Kind = K::Poison;
  Sub S = Sub::None;
  const ast::Value *V = nullptr;
  const Decl *Fn = nullptr;
  ModuleInst *Mod = nullptr; ///< Fn: its module; Module: the module
  BuiltinID B = BuiltinID::None;

  static Val data(const ast::Value *V, Sub S = Sub::None) {
    Val R;
    R.Kind = K::Data;
    R.V = V;
    R.S = S;
    return R;
  }
  bool poison() const { return Kind == K::Poison; }
  bool isData() const { return Kind == K::Data; }
};

/// A module-level name and its lazily computed value.
struct GlobalSlot {
  const Decl *D = nullptr;
  enum class State : uint8_t { Pending, Busy, Done } St = State::Pending;
  Val V;
};

/// An evaluated (or evaluating) module.
struct ModuleInst {
  std::unique_ptr<Module> Syn;
  std::string Path; ///< real path
  std::string Dir;  ///< folder, for relative imports and env files
  llvm::StringMap<GlobalSlot> Globals;
};

/// One local binding (parameters, let-in, comprehension variables).
struct Scope {
  const Scope *Parent = nullptr;
  llvm::StringRef Name;
  Val V;
  llvm::SMRange Decl;
};

class Evaluator {
public:
  Evaluator(DiagnosticEngine &Diags, const CompileOptions &Opts,
            ast::Document &Doc);

  /// Loads, parses and name-checks a module (and its imports); null after
  /// errors. Path is the real path; BufferID 0 reads the file.
  ModuleInst *loadModule(unsigned BufferID, const std::string &Path,
                         llvm::SMRange From);
  /// Evaluates the deployment of M into the document root.
  const ast::Value *evalDeployment(ModuleInst &M);
  /// Forces every top-level `let` of M (module checks).
  void evalAllGlobals(ModuleInst &M);
  bool failed() const { return Failed; }

  // --- used by Builtins.cpp ---
  ast::Value *newValue(ast::ValueKind K, llvm::SMRange R) {
    return Doc.create(K, R);
  }
  ast::Value *newString(std::string Text, llvm::SMRange R);
  ast::Value *newInt(int64_t I, llvm::SMRange R);
  ast::Value *newBool(bool B, llvm::SMRange R);
  Val error() {
    Failed = true;
    return Val();
  }
  DiagnosticEngine &diags() { return Diags; }
  Environment *env() { return Opts.Env; }
  /// `!ENV` template of an env()-derived string, if any.
  const std::string *templateOf(const ast::Value *V) const;
  void setTemplate(const ast::Value *V, std::string T);
  /// "a string", "an integer", "a size", "a function".
  static std::string describe(const Val &V);
  /// Checks V against a written type; reports `What must be T, not ...`.
  bool checkType(const Val &V, const TypeRef *T, const std::string &What,
                 llvm::SMRange At, llvm::SMRange DeclRange);
  /// Data value of V as a string, or diagnoses. Ok=false on mismatch.
  bool expectString(const Val &V, const std::string &What, llvm::SMRange At);
  bool expectInt(const Val &V, const std::string &What, llvm::SMRange At);
  bool expectKind(const Val &V, ast::ValueKind K, const std::string &What,
                  llvm::SMRange At);
  /// Text of a scalar for interpolation; false for lists/maps/null.
  static bool scalarText(const ast::Value &V, std::string &Out);
  static bool equal(const ast::Value &A, const ast::Value &B);

private:
  Val eval(const Expr *E, const Scope *S, ModuleInst &M);
  Val evalNode(const Expr *E, const Scope *S, ModuleInst &M);
  Val evalStr(const Expr *E, const Scope *S, ModuleInst &M);
  Val evalMap(const Expr *E, const Scope *S, ModuleInst &M);
  Val evalBinary(const Expr *E, const Scope *S, ModuleInst &M);
  Val evalCall(const Expr *E, const Scope *S, ModuleInst &M);
  Val evalComp(const Expr *E, const Scope *S, ModuleInst &M);
  Val evalMember(const Expr *E, const Scope *S, ModuleInst &M);
  Val evalIndex(const Expr *E, const Scope *S, ModuleInst &M);
  Val lookup(llvm::StringRef Name, llvm::SMRange At, const Scope *S,
             ModuleInst &M);
  Val global(GlobalSlot &G, ModuleInst &M, llvm::SMRange At);
  Val callFunction(const Decl &F, ModuleInst &FM, const Expr *Call,
                   std::vector<std::pair<const Arg *, Val>> &Args);
  Val callBuiltin(BuiltinID B, const Expr *Call,
                  std::vector<std::pair<const Arg *, Val>> &Args);
  Val arith(const Expr *E, const Val &A, const Val &B);
  bool step(llvm::SMRange At);

  // Modules (Modules.cpp).
  bool resolveNames(ModuleInst &M);
  std::string findModule(const Decl &I, const ModuleInst &From,
                         std::string &Searched);
  bool loadEnvFile(const Decl &D, const ModuleInst &M);

  friend class NameChecker;
  DiagnosticEngine &Diags;
  const CompileOptions &Opts;
  ast::Document &Doc;
  std::map<std::string, std::unique_ptr<ModuleInst>> Modules;
  std::set<std::string> Loading;
  std::vector<std::string> StdlibDirs;
  EnvTemplates LocalTemplates;
  uint64_t Steps = 0;
  unsigned Depth = 0;
  unsigned EvalDepth = 0;
  const Decl *CurrentFn = nullptr; ///< innermost function being called
  bool Failed = false;
  bool Aborted = false; ///< step or depth limit hit: stop everything
};

/// The builtin named Name, or None.
BuiltinID findBuiltin(llvm::StringRef Name);
/// Names of all builtins (suggestions).
std::vector<llvm::StringRef> builtinNames();

} // namespace overlord::dsl

#endif // OVERLORD_LIB_DSL_EVAL_H
