//===- DirectorKVList.cpp - Director KV-lists -------------------*- C++ -*-===//
//
// Director's "KV-lists" (`options`, `environment`, `arguments`, `volumes`,
// ...) are YAML lists of single-key mappings, `- key: value`; parser.py's
// _fix_non_str_list stringifies keys and values and rejects null values
// where a value is required. The mistakes people make get their own
// messages and fix-its: a mapping written instead of a list (insert '- '),
// `- key=value` or `- key:value` strings (write `key: value`), two keys in
// one item (a forgotten '- '). After each mistake the entries are still
// read, as the items they were meant to be, so their contents are checked.
//
//===----------------------------------------------------------------------===//
#include "overlord/AppJail/Director.h"

using namespace overlord;
using namespace overlord::appjail;
using ast::MapEntry;
using ast::Value;
using llvm::SMRange;
using llvm::StringRef;

namespace {

/// A range that is never empty when the value has none (a YAML null).
SMRange rangeOr(const Value *V, SMRange Fallback) {
  if (V && V->Range.Start.isValid() && V->Range.End.isValid() &&
      V->Range.End.getPointer() > V->Range.Start.getPointer())
    return V->Range;
  return Fallback;
}

void addItem(const Value &Key, const Value *Val, SMRange Item,
             const std::string &What, bool AllowNull,
             std::vector<KeyValue> &Out, DiagnosticEngine &Diags) {
  KeyValue KV;
  KV.Key = Key.asPythonString();
  KV.Range = Item;
  KV.KeyRange = Key.Range;
  KV.ValueRange = Key.Range;
  if (!Val || Val->isNull()) {
    if (!AllowNull)
      Diags.emit(Key.Range, diag::DirectorKVNullValue, KV.Key, What);
  } else {
    KV.ValueRange = Val->Range;
    if (!Val->isScalar())
      Diags.emit(Val->Range, diag::DirectorNonScalar,
                 "'" + KV.Key + "' in " + What, Val->typeName().str());
    KV.Value = Val->asPythonString();
  }
  Out.push_back(std::move(KV));
}

/// `- FOO=bar` or `- expose:80` (no space, so a string) instead of
/// `- FOO: bar`: say how to write it, with a fix-it when it is safe.
void diagnoseItemNotMap(const Value &Item, unsigned N, const std::string &What,
                        DiagnosticEngine &Diags) {
  std::string Hint, Fix;
  if (Item.isString() && !Item.FromEnv) {
    StringRef T = Item.Text;
    size_t Sep = T.find_first_of("=:");
    if (Sep != StringRef::npos && Sep > 0) {
      Fix = (T.take_front(Sep) + ": " + T.drop_front(Sep + 1)).str();
    } else if (!T.empty() && T.find_first_of(" \t\n#") == StringRef::npos) {
      Fix = (T + ":").str();
    }
    if (!Fix.empty())
      Hint = "; write '- " + Fix + "'";
    // Only rewrite plain one-line scalars whose new text stays one mapping.
    StringRef After = Fix.empty() ? "" : StringRef(Fix).drop_until([](char C) {
      return C == ':';
    });
    if (Item.Style != ast::ScalarStyle::Plain ||
        After.drop_front().contains(": ") || StringRef(Fix).contains('#') ||
        StringRef(Fix).contains('\n'))
      Fix.clear();
  }
  DiagBuilder D =
      Diags.emit(rangeOr(&Item, Item.Range), diag::DirectorKVItemNotMap, N,
                 What, Item.typeName().str(), Hint);
  if (!Fix.empty())
    D.fixit(Item.Range, Fix);
}

} // namespace

std::vector<KeyValue> appjail::readDirectorKVList(const Value &V,
                                                  const std::string &What,
                                                  bool AllowNull,
                                                  DiagnosticEngine &Diags) {
  std::vector<KeyValue> Out;
  if (V.isMap()) {
    // The most common mistake: `environment:` written as a mapping. In block
    // style, putting '- ' before every key makes it the list Director wants.
    DiagBuilder D = Diags.emit(V.Range, diag::DirectorKVListIsMap, What);
    const char *P = V.Range.Start.getPointer();
    if (P && *P != '{')
      for (const MapEntry &E : V.Entries)
        D.fixitInsert(E.Key->Range.Start, "- ");
    // Recover: read the entries as the items they were meant to be.
    for (const MapEntry &E : V.Entries)
      addItem(*E.Key, E.Val, rangeOr(E.Val, E.Key->Range), What, AllowNull, Out,
              Diags);
    return Out;
  }
  if (!V.isList()) {
    Diags.emit(V.Range, diag::DirectorWrongType, What, V.typeName().str(),
               std::string("a list of '- key: value' items"));
    return Out;
  }
  for (unsigned I = 0; I < V.Items.size(); ++I) {
    const Value &Item = *V.Items[I];
    if (!Item.isMap()) {
      diagnoseItemNotMap(Item, I + 1, What, Diags);
      continue;
    }
    if (Item.Entries.size() != 1) {
      DiagBuilder D = Diags.emit(Item.Range, diag::DirectorKVItemKeyCount,
                                 I + 1, What, unsigned(Item.Entries.size()));
      if (Item.Entries.size() >= 2)
        D.note(Item.Entries[1].Key->Range, diag::DirectorNoteNewItem,
               Item.Entries[1].Key->asPythonString());
    }
    // With several keys the user most likely forgot a '- ': read each.
    for (const MapEntry &E : Item.Entries)
      addItem(*E.Key, E.Val, Item.Range, What, AllowNull, Out, Diags);
  }
  return Out;
}
