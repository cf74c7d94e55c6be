//===- Builder.h - yaml-cpp events to the located AST -----------*- C++ -*-===//
//
// Internal to the YAML front end. Builder receives yaml-cpp's parse events
// and builds ast::Value nodes with source ranges, diagnosing on the way what
// yaml-cpp accepts silently (duplicate keys, non-scalar keys, unknown tags)
// and bounding what could exhaust memory (depth, alias expansion, scalar
// size). A fatal problem throws Builder::Abort, caught by the parse driver.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LIB_YAML_BUILDER_H
#define OVERLORD_LIB_YAML_BUILDER_H

#include "YamlSource.h"

#include "overlord/Yaml/YamlParser.h"

#include "llvm/ADT/StringMap.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>

#include <memory>
#include <utility>
#include <vector>

namespace overlord::yaml::detail {

class Builder final : public YAML::EventHandler {
public:
  /// Thrown to stop parsing after a fatal diagnostic.
  struct Abort {};

  Builder(const Source &Src, ast::Document &Doc, DiagnosticEngine &Diags,
          const ParseOptions &Opts)
      : Src(Src), Doc(Doc), Diags(Diags), Opts(Opts) {}

  void OnDocumentStart(const YAML::Mark &M) override;
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark &M, YAML::anchor_t Anchor) override;
  void OnAlias(const YAML::Mark &M, YAML::anchor_t Anchor) override;
  void OnScalar(const YAML::Mark &M, const std::string &Tag,
                YAML::anchor_t Anchor, const std::string &Value) override;
  void OnSequenceStart(const YAML::Mark &M, const std::string &Tag,
                       YAML::anchor_t Anchor,
                       YAML::EmitterStyle::value Style) override;
  void OnSequenceEnd() override { endCollection(); }
  void OnMapStart(const YAML::Mark &M, const std::string &Tag,
                  YAML::anchor_t Anchor,
                  YAML::EmitterStyle::value Style) override;
  void OnMapEnd() override { endCollection(); }

  /// Text ranges of block and multi-line quoted scalars (tabs allowed there).
  const std::vector<std::pair<const char *, const char *>> &
  scalarRanges() const {
    return MultiLine;
  }

private:
  struct Frame {
    ast::Value *V;
    const char *Start;
    const char *LastEnd;
    int Indent;
    bool Flow;
    YAML::anchor_t Anchor;
    size_t Expanded = 1;
    const ast::Value *PendingKey = nullptr;
    const char *PendingKeyEnd = nullptr;
    bool DropValue = false;
    std::vector<const ast::Value *> Merges;
    std::unique_ptr<llvm::StringMap<const ast::Value *>> KeyIndex;
  };
  struct Anchored {
    const ast::Value *V = nullptr;
    size_t Expanded = 0;
  };

  [[noreturn]] void abort() { throw Abort(); }
  void countNodes(size_t N, const char *At);
  void startCollection(const YAML::Mark &M, const std::string &Tag,
                       YAML::anchor_t Anchor, bool Flow, ast::ValueKind K);
  void endCollection();
  void attach(const ast::Value *V, size_t Expanded, const char *End);
  void addToMap(Frame &F, const ast::Value *Key, const ast::Value *Val);
  void addMerge(Frame &F, const ast::Value *Val);
  void applyMerges(Frame &F);
  const ast::Value *findKey(Frame &F, const ast::Value *Key);
  void finishNode(const ast::Value *V, YAML::anchor_t Anchor, size_t Expanded,
                  const char *End);
  llvm::SMRange tagRange(const char *P) const;
  const char *scanScalar(ast::Value &V, const char *P, bool IsNull);
  void resolveScalar(ast::Value &V, const std::string &Tag, const char *P0);
  void expandEnvScalar(ast::Value &V);
  /// `!SECRET`: a string with `${VAR}` substituted, marked secret; an error
  /// in an embedded Director file.
  void expandSecretScalar(ast::Value &V, const char *P0);

  const Source &Src;
  ast::Document &Doc;
  DiagnosticEngine &Diags;
  const ParseOptions &Opts;
  std::vector<Frame> Stack;
  std::vector<Anchored> Anchors; ///< by yaml-cpp anchor id
  std::vector<std::pair<const char *, const char *>> MultiLine;
  size_t Total = 0;
  unsigned Documents = 0;
};

} // namespace overlord::yaml::detail

#endif // OVERLORD_LIB_YAML_BUILDER_H
