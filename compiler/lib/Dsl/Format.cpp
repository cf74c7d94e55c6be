//===- Format.cpp - overlordc fmt -------------------------------*- C++ -*-===//
//
// Canonical layout from the token stream, comments included: line breaks
// stay where the author put them (runs of blank lines become one, none
// after an opening or before a closing bracket), indentation is two spaces
// per open bracket plus one level for a line that continues an entry or a
// binding (`key:` / `=` at the end of the previous line), and spacing inside
// a line follows fixed rules (`a: b`, `f(x, y)`, `{ a: 1 }`, `a + b`, `-x`,
// `list<string>`). Strings and `|` text lines are copied byte for byte.
// The file must parse: fmt never reformats broken code.
//
//===----------------------------------------------------------------------===//
#include "overlord/Dsl/Dsl.h"

#include "OverlordLexer.h"
#include "Parse.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace overlord;
using namespace overlord::dsl;
using L = overlord::dsl::grammar::OverlordLexer;

namespace {

bool isOpen(size_t T) {
  return T == L::LBRACE || T == L::LBRACK || T == L::LPAREN;
}
bool isClose(size_t T) {
  return T == L::RBRACE || T == L::RBRACK || T == L::RPAREN;
}
bool isBinaryOp(size_t T) {
  return (T >= L::FATARROW && T <= L::PERCENT) || T == L::AND || T == L::OR;
}
/// Tokens after which `-` is a sign, not a subtraction.
bool expectsOperand(size_t T) {
  return isBinaryOp(T) || isOpen(T) || T == L::COMMA || T == L::COLON ||
         T == L::IF || T == L::THEN || T == L::ELSE || T == L::IN ||
         T == L::NOT || T == L::STR_INTERP;
}
/// A token that ends an operand (a call or index may follow directly).
bool endsOperand(size_t T) {
  return T == L::IDENT || isClose(T) || T == L::STR_END || T == L::INT ||
         T == L::FLOAT || T == L::SIZE || T == L::DURATION;
}

/// One unit of output: a token, or a whole string literal copied verbatim.
struct Unit {
  size_t Type;
  llvm::StringRef Text;
  unsigned NewlinesBefore;
  bool Unary = false; ///< MINUS used as a sign
  bool TypeAngle = false; ///< `<`/`>` of list<T>/map<T>
};

std::vector<Unit> units(const std::vector<Token> &Toks) {
  std::vector<Unit> Out;
  const char *PrevEnd = nullptr;
  for (size_t I = 0; I < Toks.size(); ++I) {
    const Token &T = Toks[I];
    // Whitespace is skipped by the lexer: the gap holds only blanks.
    unsigned NL = PrevEnd ? unsigned(llvm::StringRef(PrevEnd, T.Begin - PrevEnd)
                                         .count('\n'))
                          : 0;
    Unit U{T.Type, T.text(), NL};
    if (T.Type == L::DQUOTE) {
      // Copy the string, interpolations included, up to its closing quote.
      std::vector<size_t> Stack{L::DQUOTE};
      size_t J = I + 1;
      for (; J < Toks.size() && !Stack.empty(); ++J) {
        size_t Ty = Toks[J].Type;
        if (Ty == L::STR_INTERP || Ty == L::LBRACE)
          Stack.push_back(Ty);
        else if (Ty == L::RBRACE && Stack.back() != L::DQUOTE)
          Stack.pop_back();
        else if (Ty == L::DQUOTE)
          Stack.push_back(Ty);
        else if ((Ty == L::STR_END || Ty == L::STR_NL) &&
                 Stack.back() == L::DQUOTE)
          Stack.pop_back();
      }
      U.Type = L::STR_END;
      U.Text = llvm::StringRef(T.Begin, Toks[J - 1].End - T.Begin);
      I = J - 1;
    }
    PrevEnd = Toks[I].End;
    if (U.Type == L::LINE_COMMENT)
      U.Text = U.Text.rtrim(" \t\r");
    Out.push_back(U);
  }
  // Signs and type brackets need the neighbours.
  size_t Prev = L::COMMA;
  for (size_t I = 0; I < Out.size(); ++I) {
    Unit &U = Out[I];
    if (U.Type == L::LINE_COMMENT || U.Type == L::BLOCK_COMMENT)
      continue;
    if (U.Type == L::MINUS && (expectsOperand(Prev) || I == 0))
      U.Unary = true;
    if (U.Type == L::LT && I > 0 &&
        (Out[I - 1].Text == "list" || Out[I - 1].Text == "map")) {
      // list<string>, map<list<int>>: find the matching '>'.
      int Depth = 0;
      for (size_t J = I; J < Out.size(); ++J) {
        if (Out[J].Type == L::LT)
          ++Depth;
        else if (Out[J].Type == L::GT) {
          Out[J].TypeAngle = true;
          if (--Depth == 0)
            break;
        } else if (Out[J].Type != L::IDENT)
          break;
      }
      U.TypeAngle = true;
    }
    Prev = U.Type;
  }
  return Out;
}

/// Whether a space separates two units on one line.
bool spaceBetween(const Unit &P, const Unit &C) {
  size_t A = P.Type, B = C.Type;
  if (B == L::LINE_COMMENT || B == L::BLOCK_COMMENT || A == L::BLOCK_COMMENT)
    return true;
  if (B == L::COMMA || B == L::COLON || B == L::DOT || A == L::DOT)
    return false;
  if (A == L::LPAREN || A == L::LBRACK || B == L::RPAREN || B == L::RBRACK)
    return false;
  // `list<map<int>> = []`: nothing inside the brackets, a space after the
  // last one unless a bracket or comma follows (`>=` would lex as one token).
  if (P.TypeAngle && A == L::GT)
    return !(B == L::GT || B == L::COMMA || B == L::RPAREN || B == L::RBRACK);
  if (P.Unary || P.TypeAngle || C.TypeAngle)
    return false;
  if (A == L::LBRACE)
    return B != L::RBRACE;
  if (B == L::RBRACE)
    return true;
  if ((B == L::LPAREN || B == L::LBRACK) && endsOperand(A))
    return false;
  return true;
}

/// Whether a line ending with P continues on the next line.
bool continues(const Unit &P) {
  size_t T = P.Type;
  return T == L::COLON || T == L::ASSIGN || T == L::FATARROW ||
         (isBinaryOp(T) && !P.TypeAngle) || T == L::THEN || T == L::ELSE ||
         T == L::IN;
}

/// Whether Text lexes to the same significant tokens as Toks (whitespace
/// aside; `|` lines compared by their text after the bar).
bool sameTokens(const std::vector<Token> &Toks, const std::string &Text) {
  llvm::SourceMgr SM;
  DiagnosticEngine D(SM);
  unsigned B = SM.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(Text, "<fmt>"), llvm::SMLoc());
  std::vector<Token> Again;
  if (!lexBuffer(B, D, Again))
    return false;
  auto Significant = [](const std::vector<Token> &V) {
    std::vector<std::pair<size_t, std::string>> Out;
    for (const Token &T : V) {
      llvm::StringRef S = T.text();
      if (T.Type == L::BLOCK_LINE) {
        S = S.drop_front();
        if (S.startswith(" "))
          S = S.drop_front();
      } else if (T.Type == L::LINE_COMMENT) {
        S = S.rtrim(" \t\r");
      }
      Out.push_back({T.Type, S.str()});
    }
    return Out;
  };
  return Significant(Toks) == Significant(Again);
}

} // namespace

std::optional<std::string> dsl::formatBuffer(unsigned BufferID,
                                             DiagnosticEngine &Diags) {
  // Only code that parses is reformatted.
  std::vector<Token> Toks;
  if (!parseTokens(BufferID, Diags, Toks))
    return std::nullopt;
  std::vector<Unit> Us = units(Toks);
  std::string Out;
  Out.reserve(Diags.getSourceMgr().getMemoryBuffer(BufferID)->getBufferSize());
  unsigned Depth = 0;
  unsigned LineIndent = 0;  ///< indentation of the current line
  bool ContLine = false;    ///< the current line is a continuation
  const Unit *Prev = nullptr, *PrevCode = nullptr;
  for (const Unit &U : Us) {
    bool NewLine = Prev && U.NewlinesBefore > 0;
    if (!Prev) {
      // Start of file: no leading blank lines.
    } else if (NewLine) {
      bool Blank = U.NewlinesBefore > 1 && !isOpen(Prev->Type) &&
                   !isClose(U.Type);
      Out += Blank ? "\n\n" : "\n";
    } else if (spaceBetween(*Prev, U)) {
      Out += ' ';
    }
    if (!Prev || NewLine) {
      unsigned D = Depth - (isClose(U.Type) && Depth ? 1 : 0);
      // A line continues an expression when the previous one ended with
      // `key:`, `=` or an operator, or when it starts with an operator.
      bool Cont = (PrevCode && continues(*PrevCode) &&
                   U.Type != L::LINE_COMMENT) ||
                  (isBinaryOp(U.Type) && !U.Unary && !U.TypeAngle) ||
                  U.Type == L::THEN || U.Type == L::ELSE || U.Type == L::IN;
      if (U.Type == L::BLOCK_LINE && Prev && Prev->Type == L::BLOCK_LINE)
        Cont = ContLine; // the rest of a text block stays aligned
      ContLine = Cont;
      LineIndent = 2 * (D + (Cont ? 1 : 0));
      Out.append(LineIndent, ' ');
    }
    if (U.Type == L::BLOCK_LINE) {
      // `|text` and `| text` mean the same; the canonical form has a space.
      llvm::StringRef T = U.Text;
      Out += '|';
      if (T.size() > 1 && T[1] != ' ')
        Out += ' ';
      Out.append(T.begin() + 1, T.end());
    } else {
      Out += U.Text;
    }
    if (isOpen(U.Type))
      ++Depth;
    else if (isClose(U.Type) && Depth)
      --Depth;
    Prev = &U;
    if (U.Type != L::LINE_COMMENT && U.Type != L::BLOCK_COMMENT)
      PrevCode = &U;
  }
  if (!Out.empty())
    Out += '\n';
  if (!sameTokens(Toks, Out)) {
    // A layout that lexes differently would change the program: refuse.
    llvm::StringRef Buf =
        Diags.getSourceMgr().getMemoryBuffer(BufferID)->getBuffer();
    Diags.emit(llvm::SMLoc::getFromPointer(Buf.data()), diag::DslSyntax,
               std::string("fmt cannot lay out this file without changing "
                           "its tokens; please report it"));
    return std::nullopt;
  }
  return Out;
}
