//===- Template.h - appConfig template expansion ----------------*- C++ -*-===//
//
// The reference renders an appConfig template (a metadata value) with Mako,
// which is Python-only. This engine implements the part of Mako that
// appConfig templates use, with the same output, and diagnoses everything
// else at its position (docs/Templates.md):
//
//   ${name}                         a variable (appConfig entries, appName)
//   ${name or 'default'}            a default when undefined or empty
//   ${context.get('name', 'dflt')}  the same, Mako's spelling
//   ${'literal'}                    a string literal (e.g. ${'${'})
//   ${name | h} / u / x / trim / n  Mako's escaping filters
//   <%include file="key"/>          another template (a metadata key)
//   <%text>...</%text>              verbatim text
//   <%doc>...</%doc>, ## comment    removed
//   %% at a line start              a literal '%'
//   \ at a line end                 joins the next line (Mako's rule)
//
// `% for`/`% if` control lines, `<% %>` blocks, `<%def>`, `<%inherit>` and
// any other Python expression are errors.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_LOWER_TEMPLATE_H
#define OVERLORD_LOWER_TEMPLATE_H

#include "overlord/Support/Diagnostics.h"

#include "llvm/ADT/StringMap.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace overlord::lower {

/// A template's text and where each of its lines is in the source files, so
/// errors point into the metadata file that defines it.
struct TemplateSource {
  std::string Name; ///< the metadata key
  std::string Text;
  /// Source location of the first byte of each line of Text; empty when
  /// unknown (every position then maps to Fallback).
  std::vector<llvm::SMLoc> LineStarts;
  llvm::SMLoc Fallback;

  /// The source location of byte Offset of Text.
  llvm::SMLoc locate(size_t Offset) const;
  /// Finds Text's lines in the buffer holding Near, from Near on (a literal
  /// block scalar keeps each line verbatim after its indentation).
  void mapLines(const llvm::SourceMgr &SM, llvm::SMLoc Near);
};

/// Returns the template an `<%include file="NAME"/>` names, or null.
using TemplateLookup =
    std::function<const TemplateSource *(llvm::StringRef Name)>;

struct TemplateOptions {
  unsigned MaxIncludeDepth = 16;
  size_t MaxOutputBytes = 16 << 20;
};

/// Expands T with the variables Vars. Returns nullopt after diagnostics.
std::optional<std::string> expandTemplate(const TemplateSource &T,
                                          const llvm::StringMap<std::string> &Vars,
                                          const TemplateLookup &Lookup,
                                          DiagnosticEngine &Diags,
                                          const TemplateOptions &Opts = {});

} // namespace overlord::lower

#endif // OVERLORD_LOWER_TEMPLATE_H
