//===- JsonReader.cpp - JSON with source locations --------------*- C++ -*-===//
//
// Recursive descent over the buffer bytes. Strings are decoded here (all
// RFC 8259 escapes, surrogate pairs to UTF-8); raw control characters and
// lone surrogates are errors. Duplicate object keys are errors as well:
// a snapshot is machine-written and a duplicate means a broken writer.
//
//===----------------------------------------------------------------------===//
#include "JsonReader.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cerrno>
#include <cstdlib>

using namespace overlord;
using namespace overlord::lower;
using llvm::SMLoc;
using llvm::SMRange;

namespace {

class Reader {
public:
  Reader(llvm::StringRef Text, DiagnosticEngine &Diags, ast::Document &Doc,
         unsigned MaxDepth)
      : Cur(Text.begin()), End(Text.end()), Diags(Diags),
        Doc(Doc), MaxDepth(MaxDepth) {}

  const ast::Value *parseDocument() {
    skipSpace();
    const ast::Value *V = parseValue(0);
    if (!V)
      return nullptr;
    skipSpace();
    if (Cur != End)
      return fail("unexpected text after the top-level value");
    return V;
  }

private:
  const ast::Value *fail(const std::string &Msg) {
    if (!Failed)
      Diags.emit(SMLoc::getFromPointer(Cur), diag::SnapshotSyntax, Msg);
    Failed = true;
    return nullptr;
  }

  void skipSpace() {
    while (Cur != End && (*Cur == ' ' || *Cur == '\t' || *Cur == '\n' ||
                          *Cur == '\r'))
      ++Cur;
  }

  SMRange rangeFrom(const char *Start) const {
    return SMRange(SMLoc::getFromPointer(Start), SMLoc::getFromPointer(Cur));
  }

  const ast::Value *parseValue(unsigned Depth) {
    if (Depth > MaxDepth)
      return fail("values are nested deeper than " + std::to_string(MaxDepth) +
                  " levels");
    if (Cur == End)
      return fail("unexpected end of file; expected a value");
    switch (*Cur) {
    case '{':
      return parseObject(Depth);
    case '[':
      return parseArray(Depth);
    case '"':
      return parseString();
    case 't':
      return parseWord("true", ast::ValueKind::Bool, true);
    case 'f':
      return parseWord("false", ast::ValueKind::Bool, false);
    case 'n':
      return parseWord("null", ast::ValueKind::Null, false);
    default:
      if (*Cur == '-' || llvm::isDigit(*Cur))
        return parseNumber();
      return fail(std::string("unexpected character '") + *Cur +
                  "'; expected a value");
    }
  }

  const ast::Value *parseWord(llvm::StringRef Word, ast::ValueKind K,
                              bool B) {
    const char *Start = Cur;
    if (llvm::StringRef(Cur, End - Cur).startswith(Word)) {
      Cur += Word.size();
      ast::Value *V = Doc.create(K, rangeFrom(Start));
      V->BoolVal = B;
      V->Text = Word.str();
      return V;
    }
    return fail("unexpected word; expected 'true', 'false' or 'null'");
  }

  const ast::Value *parseNumber() {
    const char *Start = Cur;
    bool Integral = true;
    if (*Cur == '-')
      ++Cur;
    if (Cur == End || !llvm::isDigit(*Cur))
      return fail("expected a digit");
    if (*Cur == '0' && Cur + 1 != End && llvm::isDigit(Cur[1]))
      return fail("numbers cannot have leading zeros");
    while (Cur != End && llvm::isDigit(*Cur))
      ++Cur;
    if (Cur != End && *Cur == '.') {
      Integral = false;
      ++Cur;
      if (Cur == End || !llvm::isDigit(*Cur))
        return fail("expected a digit after '.'");
      while (Cur != End && llvm::isDigit(*Cur))
        ++Cur;
    }
    if (Cur != End && (*Cur == 'e' || *Cur == 'E')) {
      Integral = false;
      ++Cur;
      if (Cur != End && (*Cur == '+' || *Cur == '-'))
        ++Cur;
      if (Cur == End || !llvm::isDigit(*Cur))
        return fail("expected a digit in the exponent");
      while (Cur != End && llvm::isDigit(*Cur))
        ++Cur;
    }
    std::string Text(Start, Cur);
    ast::Value *V = Doc.create(Integral ? ast::ValueKind::Int
                                        : ast::ValueKind::Float,
                               rangeFrom(Start));
    V->Text = Text;
    errno = 0;
    if (Integral) {
      V->IntVal = std::strtoll(Text.c_str(), nullptr, 10);
      if (errno == ERANGE) {
        Cur = Start;
        return fail("integer '" + Text + "' does not fit in 64 bits");
      }
    } else {
      V->FloatVal = std::strtod(Text.c_str(), nullptr);
    }
    return V;
  }

  /// Reads 4 hex digits after "\u"; -1 on error.
  int readHex4() {
    if (End - Cur < 4)
      return -1;
    unsigned Code = 0;
    for (int I = 0; I < 4; ++I) {
      unsigned D = llvm::hexDigitValue(Cur[I]);
      if (D == ~0U)
        return -1;
      Code = Code * 16 + D;
    }
    Cur += 4;
    return int(Code);
  }

  bool appendEscape(std::string &Out) {
    char C = *Cur++;
    switch (C) {
    case '"': Out += '"'; return true;
    case '\\': Out += '\\'; return true;
    case '/': Out += '/'; return true;
    case 'b': Out += '\b'; return true;
    case 'f': Out += '\f'; return true;
    case 'n': Out += '\n'; return true;
    case 'r': Out += '\r'; return true;
    case 't': Out += '\t'; return true;
    case 'u': break;
    default:
      --Cur;
      fail(std::string("unknown escape '\\") + C + "'");
      return false;
    }
    int Code = readHex4();
    if (Code < 0) {
      fail("expected 4 hex digits after '\\u'");
      return false;
    }
    if (Code >= 0xD800 && Code < 0xDC00) {
      if (End - Cur < 2 || Cur[0] != '\\' || Cur[1] != 'u') {
        fail("high surrogate without a low surrogate");
        return false;
      }
      Cur += 2;
      int Low = readHex4();
      if (Low < 0xDC00 || Low > 0xDFFF) {
        fail("high surrogate without a low surrogate");
        return false;
      }
      Code = 0x10000 + ((Code - 0xD800) << 10) + (Low - 0xDC00);
    } else if (Code >= 0xDC00 && Code < 0xE000) {
      fail("low surrogate without a high surrogate");
      return false;
    }
    char Buf[4];
    char *P = Buf;
    llvm::ConvertCodePointToUTF8(unsigned(Code), P);
    Out.append(Buf, P);
    return true;
  }

  const ast::Value *parseString() {
    const char *Start = Cur++;
    std::string Out;
    while (true) {
      if (Cur == End)
        return fail("unterminated string");
      char C = *Cur;
      if (C == '"')
        break;
      if (static_cast<unsigned char>(C) < 0x20)
        return fail("control character in a string; escape it");
      ++Cur;
      if (C != '\\') {
        Out += C;
        continue;
      }
      if (Cur == End)
        return fail("unterminated string");
      if (!appendEscape(Out))
        return nullptr;
    }
    ++Cur;
    if (!llvm::json::isUTF8(Out))
      return Cur = Start, fail("string is not UTF-8");
    ast::Value *V = Doc.create(ast::ValueKind::String, rangeFrom(Start));
    V->Text = std::move(Out);
    V->Style = ast::ScalarStyle::DoubleQuoted;
    return V;
  }

  const ast::Value *parseArray(unsigned Depth) {
    const char *Start = Cur++;
    std::vector<const ast::Value *> Items;
    skipSpace();
    if (Cur != End && *Cur == ']') {
      ++Cur;
    } else {
      while (true) {
        skipSpace();
        const ast::Value *Item = parseValue(Depth + 1);
        if (!Item)
          return nullptr;
        Items.push_back(Item);
        skipSpace();
        if (Cur != End && *Cur == ',') {
          ++Cur;
          continue;
        }
        if (Cur != End && *Cur == ']') {
          ++Cur;
          break;
        }
        return fail("expected ',' or ']' in an array");
      }
    }
    ast::Value *V = Doc.create(ast::ValueKind::List, rangeFrom(Start));
    V->Items = std::move(Items);
    return V;
  }

  const ast::Value *parseObject(unsigned Depth) {
    const char *Start = Cur++;
    std::vector<ast::MapEntry> Entries;
    skipSpace();
    if (Cur != End && *Cur == '}') {
      ++Cur;
    } else {
      while (true) {
        skipSpace();
        if (Cur == End || *Cur != '"')
          return fail("expected a string key in an object");
        const ast::Value *Key = parseString();
        if (!Key)
          return nullptr;
        skipSpace();
        if (Cur == End || *Cur != ':')
          return fail("expected ':' after an object key");
        ++Cur;
        skipSpace();
        const ast::Value *Val = parseValue(Depth + 1);
        if (!Val)
          return nullptr;
        if (!addEntry(Entries, Key, Val))
          return nullptr;
        skipSpace();
        if (Cur != End && *Cur == ',') {
          ++Cur;
          continue;
        }
        if (Cur != End && *Cur == '}') {
          ++Cur;
          break;
        }
        return fail("expected ',' or '}' in an object");
      }
    }
    ast::Value *V = Doc.create(ast::ValueKind::Map, rangeFrom(Start));
    V->Entries = std::move(Entries);
    return V;
  }

  bool addEntry(std::vector<ast::MapEntry> &Entries, const ast::Value *Key,
                const ast::Value *Val) {
    for (const ast::MapEntry &E : Entries) {
      if (E.Key->Text != Key->Text)
        continue;
      Diags.emit(Key->Range, diag::SnapshotDuplicateName, std::string("key"),
                 Key->Text, std::string())
          .note(E.Key->Range, diag::SnapshotPreviousHere, Key->Text);
      Failed = true;
      return false;
    }
    Entries.push_back({Key, Val});
    return true;
  }

  const char *Cur, *End;
  DiagnosticEngine &Diags;
  ast::Document &Doc;
  unsigned MaxDepth;
  bool Failed = false;
};

} // namespace

std::unique_ptr<ast::Document>
overlord::lower::readJson(unsigned BufferID, DiagnosticEngine &Diags,
                          unsigned MaxDepth) {
  const llvm::MemoryBuffer *Buf =
      Diags.getSourceMgr().getMemoryBuffer(BufferID);
  auto Doc = std::make_unique<ast::Document>();
  Doc->BufferID = BufferID;
  Reader R(Buf->getBuffer(), Diags, *Doc, MaxDepth);
  Doc->Root = R.parseDocument();
  if (!Doc->Root)
    return nullptr;
  return Doc;
}

llvm::StringRef overlord::lower::jsonTypeName(const ast::Value &V) {
  switch (V.Kind) {
  case ast::ValueKind::Null:
    return "null";
  case ast::ValueKind::Bool:
    return "a boolean";
  case ast::ValueKind::Int:
  case ast::ValueKind::Float:
    return "a number";
  case ast::ValueKind::String:
    return "a string";
  case ast::ValueKind::List:
    return "an array";
  case ast::ValueKind::Map:
    return "an object";
  }
  return "null";
}
