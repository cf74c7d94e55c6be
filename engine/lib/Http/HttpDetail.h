//===- HttpDetail.h - Boost-free helpers of the HTTP server -----*- C++ -*-===//
//
// Private to lib/Http (and its unit tests): request-target splitting, the
// checks a handler's response must pass before it goes on the wire, and
// the bounded method label of the request metrics. Kept out of Server.cpp
// so that they compile without Boost and can be tested alone.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LIB_HTTP_HTTPDETAIL_H
#define OVERLORD_ENGINE_LIB_HTTP_HTTPDETAIL_H

#include "overlord/Engine/Http.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace overlord::engine::http::detail {

/// The `method` label: the standard methods as they are, "OTHER" for the
/// rest, so that clients cannot grow the metric without bound.
llvm::StringRef methodLabel(llvm::StringRef Method);

/// Why a handler's response cannot be written (a status outside 200..599,
/// a header name that is not an RFC 9110 token, a value with CR, LF or
/// NUL), or "" when it can.
std::string responseProblem(const Response &R);

/// Splits a request target into its raw path and query. Origin form
/// ("/p?q"), absolute form ("http://host/p?q", "http://host?q" → "/") and
/// "*" are accepted; false for anything else.
bool splitTarget(llvm::StringRef Target, llvm::StringRef &Path,
                 llvm::StringRef &Query);

} // namespace overlord::engine::http::detail

#endif // OVERLORD_ENGINE_LIB_HTTP_HTTPDETAIL_H
