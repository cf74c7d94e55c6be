//===- YamlParser.cpp - YAML front end entry points -------------*- C++ -*-===//
//
// parseBuffer and parseEmbedded: check the bytes, run yaml-cpp's event
// parser over the text (without copying it), let Builder make the AST, and
// turn every yaml-cpp exception into one diagnostic at its mark, worded in
// our style. Nothing thrown here leaves this file.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <streambuf>

using namespace overlord;
using namespace overlord::yaml;
using namespace overlord::yaml::detail;

namespace {
/// An istream source over memory we already hold.
class MemoryStreamBuf : public std::streambuf {
public:
  MemoryStreamBuf(const char *B, const char *E) {
    char *Begin = const_cast<char *>(B);
    setg(Begin, Begin, const_cast<char *>(E));
  }
};
} // namespace

/// yaml-cpp's message for a ParserException, said our way.
static std::string rewordParserError(const std::string &Msg) {
  namespace EM = YAML::ErrorMsg;
  if (Msg == EM::END_OF_MAP)
    return "this line does not continue the mapping above; check its "
           "indentation";
  if (Msg == EM::END_OF_SEQ)
    return "this line does not continue the list above; check its indentation";
  if (Msg == EM::END_OF_MAP_FLOW)
    return "flow mapping is not closed; expected ',' or '}'";
  if (Msg == EM::END_OF_SEQ_FLOW)
    return "flow list is not closed; expected ',' or ']'";
  if (Msg == EM::MAP_VALUE)
    return "unexpected ':' here; quote a value that contains ': ', or check "
           "the indentation";
  if (Msg == EM::MAP_KEY)
    return "unexpected mapping key here; check the indentation";
  if (Msg == EM::BLOCK_ENTRY)
    return "unexpected list item '-' here; check the indentation";
  if (Msg == EM::FLOW_END)
    return "closing bracket has no matching opening bracket";
  if (Msg == EM::EOF_IN_SCALAR)
    return "quoted scalar is not closed before the end of the file";
  if (Msg == EM::DOC_IN_SCALAR)
    return "document marker inside a quoted scalar; close the quote first";
  if (Msg == EM::CHAR_IN_SCALAR)
    return "unexpected character in a scalar";
  if (Msg == EM::UNKNOWN_TOKEN)
    return "unexpected character; this does not start any YAML token";
  if (Msg == EM::CHAR_IN_BLOCK)
    return "unexpected text after the block scalar indicator";
  if (Msg == EM::ZERO_INDENT_IN_BLOCK)
    return "block scalar indentation indicator must be between 1 and 9";
  if (Msg == EM::ALIAS_NOT_FOUND)
    return "expected an alias name after '*'";
  if (Msg == EM::ANCHOR_NOT_FOUND)
    return "expected an anchor name after '&'";
  if (llvm::StringRef(Msg).startswith(EM::INVALID_ESCAPE))
    return "unknown escape sequence '\\" +
           Msg.substr(strlen(EM::INVALID_ESCAPE)) +
           "' in a double-quoted scalar";
  if (Msg == EM::INVALID_HEX ||
      llvm::StringRef(Msg).startswith(EM::INVALID_UNICODE))
    return "escape sequence does not encode a Unicode character";
  std::string Out = Msg;
  for (const char *Word : {"illegal ", "invalid "})
    for (size_t I; (I = Out.find(Word)) != std::string::npos;)
      Out.replace(I, strlen(Word), "unexpected ");
  return "YAML syntax error: " + Out;
}

static void reportParserError(const Source &Src, const Builder &B,
                              const YAML::ParserException &E,
                              const ParseOptions &Opts,
                              DiagnosticEngine &Diags) {
  const char *P = Src.at(E.mark.line, E.mark.column);
  if (const char *Tab = findTabIndent(Src, P, B.scalarRanges())) {
    Diags.emit(Src.range(Tab, Tab + 1), diag::TabIndentation);
    return;
  }
  if (dynamic_cast<const YAML::DeepRecursion *>(&E)) {
    Diags.emit(Src.loc(P), diag::NestingTooDeep, Opts.MaxDepth);
    return;
  }
  if (E.msg == YAML::ErrorMsg::UNKNOWN_ANCHOR) {
    const char *Q = P < Src.end() && *P == '*' ? P + 1 : P;
    while (Q < Src.end() && !strchr(" \t\r\n,]}", *Q))
      ++Q;
    Diags.emit(Src.range(P, Q), diag::UndefinedAlias,
               std::string(P < Q ? P + 1 : P, Q));
    return;
  }
  Diags.emit(Src.loc(P), diag::YamlSyntax, rewordParserError(E.msg));
}

static std::unique_ptr<ast::Document> parseSource(const Source &Src,
                                                  unsigned BufferID,
                                                  DiagnosticEngine &Diags,
                                                  const ParseOptions &Opts) {
  if (!checkBytes(Src, Diags))
    return nullptr;
  auto Doc = std::make_unique<ast::Document>();
  Doc->BufferID = BufferID;
  Builder B(Src, *Doc, Diags, Opts);
  MemoryStreamBuf Buf(Src.begin(), Src.end());
  std::istream In(&Buf);
  try {
    YAML::Parser P(In);
    while (P.HandleNextDocument(B)) {
    }
  } catch (const Builder::Abort &) {
    return Doc->Root ? std::move(Doc) : nullptr;
  } catch (const YAML::ParserException &E) {
    reportParserError(Src, B, E, Opts, Diags);
    return nullptr;
  } catch (const std::exception &E) {
    Diags.emit(Src.loc(Src.begin()), diag::YamlSyntax,
               std::string("cannot parse this file: ") + E.what());
    return nullptr;
  }
  if (const char *Tab = findTabIndent(Src, Src.end(), B.scalarRanges()))
    Diags.emit(Src.range(Tab, Tab + 1), diag::TabIndentation);
  return Doc;
}

std::unique_ptr<ast::Document> yaml::parseBuffer(unsigned BufferID,
                                                 DiagnosticEngine &Diags,
                                                 const ParseOptions &Opts) {
  const llvm::MemoryBuffer *MB = Diags.getSourceMgr().getMemoryBuffer(BufferID);
  Source Src(MB->getBuffer(), nullptr);
  return parseSource(Src, BufferID, Diags, Opts);
}

std::unique_ptr<ast::Document> yaml::parseEmbedded(const ast::Value &S,
                                                   DiagnosticEngine &Diags,
                                                   const ParseOptions &Opts) {
  Source Src(S.Text, &S.Origin);
  unsigned Buf = 0;
  if (S.Range.Start.isValid())
    Buf = Diags.getSourceMgr().FindBufferContainingLoc(S.Range.Start);
  return parseSource(Src, Buf, Diags, Opts);
}
