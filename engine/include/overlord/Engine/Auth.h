//===- Auth.h - HS256 JWT tokens and the server secret ----------*- C++ -*-===//
//
// Authentication as the reference Overlord does it (overlord-behaviour.md
// §4.1, §11.2): a request carries `Authentication: Bearer <jwt>`, the token
// is an HS256 JWT signed with the node's secret, and any valid token grants
// access. Unlike libjwt 1.10 this library checks `exp` (and `nbf`) against
// an injectable clock, accepts only `alg: HS256`, compares signatures in
// constant time and decodes base64url strictly. The secret comes from
// `secret_key`, or from `secret_keyfile`, created on first start with 64
// random bytes and mode 0600.
//
// Plain OpenSSL 3 (HMAC, RAND_bytes, CRYPTO_memcmp) does the cryptography.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_AUTH_H
#define OVERLORD_ENGINE_AUTH_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace overlord::engine {

//===----------------------------------------------------------------------===//
// Encoding and HMAC
//===----------------------------------------------------------------------===//

/// base64url without padding (RFC 7515 §2).
std::string base64UrlEncode(llvm::StringRef Bytes);
/// Strict base64url decoding: no padding, no characters outside the
/// alphabet, no length of 1 mod 4, unused trailing bits zero. nullopt when
/// the text is not canonical base64url.
std::optional<std::string> base64UrlDecode(llvm::StringRef Text);
/// HMAC-SHA256 of Data under Key: 32 raw bytes.
std::string hmacSha256(llvm::StringRef Key, llvm::StringRef Data);
/// Equal length and equal bytes, in time independent of where they differ.
bool constantTimeEquals(llvm::StringRef A, llvm::StringRef B);
/// N cryptographically random bytes (OpenSSL RAND_bytes); nullopt when the
/// generator fails.
std::optional<std::string> randomBytes(size_t N);
/// Lowercase hex of Bytes (Python's bytes.hex()).
std::string toHex(llvm::StringRef Bytes);

//===----------------------------------------------------------------------===//
// Tokens
//===----------------------------------------------------------------------===//

/// Seconds since the Unix epoch. Injected so that tests control time.
using Clock = std::function<int64_t()>;
/// The system clock.
int64_t systemNow();

/// `gen-token --expire-type`.
enum class ExpireUnit { Seconds, Minutes, Hours, Days, Weeks };
/// "seconds" … "weeks" (as the reference's argparse choices); nullopt else.
std::optional<ExpireUnit> parseExpireUnit(llvm::StringRef Name);
/// Seconds in one Unit.
int64_t unitSeconds(ExpireUnit Unit);

/// `gen-token --metadata KEY[=VALUE]`: split at the first '=', no '=' gives
/// the value "", blank keys are skipped. Order is kept; a repeated key keeps
/// its last value (a Python dict).
std::vector<std::pair<std::string, std::string>>
parseMetadataArgs(llvm::ArrayRef<std::string> Args);

/// The version written as `metadata["overlord.version"]`.
inline constexpr const char *OverlordVersion = "0.1.0";

/// What gen-token puts in a token.
struct TokenRequest {
  std::vector<std::pair<std::string, std::string>> Metadata;
  int64_t Expire = 0;                  ///< <= 0: the token never expires
  ExpireUnit Unit = ExpireUnit::Hours; ///< the reference's default
  std::string Version = OverlordVersion;
  /// 16 hex digits; empty: drawn from the random generator.
  std::string RandomChunk;
};

/// The reference payload: {"metadata": {…, "overlord.version": V},
/// "random_chunk": hex16} plus "exp": Now + Expire*Unit when Expire > 0.
llvm::json::Object makeTokenPayload(const TokenRequest &Req, int64_t Now);

/// Signs Payload: `base64url(header).base64url(payload).base64url(sig)`
/// with the header {"alg":"HS256","typ":"JWT"} and compact JSON (sorted keys).
std::string signToken(const llvm::json::Object &Payload,
                      llvm::StringRef Secret);

/// makeTokenPayload + signToken (the `gen-token` command). Fails only when
/// the random generator does.
llvm::Expected<std::string> genToken(const TokenRequest &Req,
                                     llvm::StringRef Secret, int64_t Now);

/// Why a token was refused.
enum class TokenError {
  None,
  Malformed,      ///< not three dot-separated parts
  BadBase64,      ///< a part is not canonical base64url
  BadJson,        ///< header or payload is not a JSON object
  UnsupportedAlg, ///< alg is not "HS256" (e.g. "none")
  BadSignature,   ///< wrong key or tampered token
  BadClaim,       ///< exp/nbf is not a number
  Expired,        ///< exp <= now
  NotYetValid,    ///< nbf > now
};
/// A short lowercase description ("token has expired").
llvm::StringRef describe(TokenError E);

struct VerifiedToken {
  TokenError Error = TokenError::None;
  llvm::json::Object Claims; ///< the payload, when Error == None
  explicit operator bool() const { return Error == TokenError::None; }
};

/// Verifies Token under Secret at time Now: header alg == HS256, signature,
/// then `exp` (expired when exp <= Now, as PyJWT) and `nbf` (nbf > Now).
/// Never throws, never crashes on any input.
VerifiedToken verifyToken(llvm::StringRef Token, llvm::StringRef Secret,
                          int64_t Now);

/// Verifies tokens with one secret and a clock, remembering the tokens it
/// accepted: a token seen before is not decoded and HMAC'd again, but its
/// `exp` and `nbf` are still checked against the clock on every call (an
/// expired token is refused and forgotten). Only accepted tokens are kept,
/// at most MaxCached (then the cache starts over), keyed by the whole token
/// text. verify() is thread-safe.
class TokenVerifier {
public:
  /// Tokens remembered at most.
  static constexpr size_t MaxCached = 1024;

  TokenVerifier(std::string Secret, Clock Now = systemNow);
  ~TokenVerifier();
  VerifiedToken verify(llvm::StringRef Token) const;
  /// Tokens remembered now (tests).
  size_t cached() const;

private:
  struct Cache;
  std::string Secret;
  Clock Now;
  std::unique_ptr<Cache> C;
};

//===----------------------------------------------------------------------===//
// The `Authentication` header
//===----------------------------------------------------------------------===//

/// The outcome of authenticating a request, with the reference's status
/// code and message (§4.1).
struct AuthResult {
  unsigned Status = 200; ///< 200, 400 or 401
  std::string Message;   ///< the reference's message when Status != 200
  TokenError Error = TokenError::None;
  llvm::json::Object Claims;
  explicit operator bool() const { return Status == 200; }
};

/// Splits an `Authentication` header value at its first space into scheme
/// and token. Missing header → 401; no space → 400 "header is invalid";
/// scheme other than `Bearer` → 400; otherwise the token (the rest, which a
/// verifier then rejects when it has extra parts).
AuthResult parseAuthenticationHeader(std::optional<llvm::StringRef> Value,
                                     std::string &Token);

/// parseAuthenticationHeader, then verification (401 "Error while decoding
/// the JWT." on failure).
AuthResult authenticate(std::optional<llvm::StringRef> HeaderValue,
                        const TokenVerifier &Verifier);

//===----------------------------------------------------------------------===//
// The server secret
//===----------------------------------------------------------------------===//

/// Size of a generated keyfile, as the reference.
inline constexpr size_t KeyFileSize = 64;

/// Reads the keyfile at Path, or creates it (parent directories, 64 random
/// bytes, mode 0600, fsync) when it does not exist. Unlike the reference, a
/// keyfile of the wrong size or readable by group or others is an error,
/// never silently regenerated (that would invalidate every token).
llvm::Expected<std::string> loadOrCreateKeyFile(llvm::StringRef Path);

/// The signing secret: SecretKey when set (the keyfile is then ignored),
/// else loadOrCreateKeyFile(KeyFile).
llvm::Expected<std::string>
loadServerSecret(const std::optional<std::string> &SecretKey,
                 llvm::StringRef KeyFile);

} // namespace overlord::engine

#endif // OVERLORD_ENGINE_AUTH_H
