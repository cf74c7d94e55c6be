//===- ApiJson.h - Python-compatible JSON values for the API ----*- C++ -*-===//
//
// The reference API is a tornado application: request bodies are decoded
// with Python's json.loads, arguments are coerced with Python's built-in
// `str(x)`, `bool(x)`, `dict(x)` and `list(x)`, error messages format values
// with `str()`/`repr()` and name types with `type(x).__name__`, and
// responses are written with json.dumps (", " and ": " separators, ASCII
// only) plus tornado's "</" escape. These helpers reproduce those semantics
// over llvm::json values so that overlordd's answers match byte for byte.
//
// Known gap: llvm::json does not remember whether an integral number was
// written as `5` or `5.0`; both behave as the Python int 5 here.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_APIJSON_H
#define OVERLORD_ENGINE_APIJSON_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace overlord::engine::api {

/// `type(x).__name__` of what json.loads gives: NoneType, bool, int, float,
/// str, list or dict.
llvm::StringRef pyTypeName(const llvm::json::Value &V);

/// Python truthiness (`bool(x)`): None, False, 0, 0.0, "", [] and {} are
/// false, everything else true.
bool pyTruth(const llvm::json::Value &V);

/// `repr(x)`: strings quoted as Python does (single quotes unless the text
/// has a single quote and no double quote), True/False/None, floats in
/// their shortest round-trip form, dict keys in sorted order.
std::string pyRepr(const llvm::json::Value &V);

/// `str(x)`: a string unchanged, anything else its repr().
std::string pyStr(const llvm::json::Value &V);

/// `repr(float)`: shortest text that round-trips, "1.0", "1e+16", "inf",
/// "nan".
std::string pyFloatRepr(double D);

/// A Python dict: ordered (key, value) pairs with keys unique under
/// Python's equality (1 == 1.0 == True).
using PyDict = std::vector<std::pair<llvm::json::Value, llvm::json::Value>>;

/// `dict(x)`: a dict is copied; a list must hold 2-element sequences (lists,
/// 2-character strings, 2-key dicts); a string must be empty. nullopt where
/// Python raises TypeError or ValueError.
std::optional<PyDict> pyDict(const llvm::json::Value &V);

/// `list(x)`: a list is copied, a dict gives its keys, a string its
/// characters (code points). nullopt where Python raises TypeError.
std::optional<llvm::json::Array> pyList(const llvm::json::Value &V);

/// Number of code points of UTF-8 text (Python's len(str)).
size_t pyLen(llvm::StringRef Utf8);

/// Writes V as `json.dumps(V)` would (separators ", " and ": ",
/// ensure_ascii) with tornado's "</" -> "<\/" escape. Object keys are
/// written in sorted order.
void writePyJson(llvm::raw_ostream &OS, const llvm::json::Value &V);
std::string toPyJson(const llvm::json::Value &V);

/// An ordered list of top-level fields.
using Fields = std::vector<std::pair<std::string, llvm::json::Value>>;

/// tornado's write_template: `{"status_code": Status, <fields in order>}`.
std::string envelope(unsigned Status, const Fields &F);

/// `{"status_code": Status, "message": Message}`.
std::string messageBody(unsigned Status, llvm::StringRef Message);

} // namespace overlord::engine::api

#endif // OVERLORD_ENGINE_APIJSON_H
