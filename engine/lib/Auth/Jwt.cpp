//===- Jwt.cpp - HS256 JSON Web Tokens --------------------------*- C++ -*-===//
//
// Signing and verification of the reference Overlord's tokens with plain
// OpenSSL 3 (dependencies.md §8). Verification is strict where PyJWT is
// lenient (canonical base64url only) and checks what libjwt 1.10 does not
// (`exp`, `nbf`). Every failure is a TokenError, never an exception.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Auth.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <chrono>
#include <cmath>
#include <mutex>

using namespace overlord;
using namespace overlord::engine;

static constexpr char Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string engine::base64UrlEncode(llvm::StringRef Bytes) {
  std::string Out;
  Out.reserve((Bytes.size() + 2) / 3 * 4);
  size_t I = 0;
  for (; I + 3 <= Bytes.size(); I += 3) {
    uint32_t V = (uint8_t)Bytes[I] << 16 | (uint8_t)Bytes[I + 1] << 8 |
                 (uint8_t)Bytes[I + 2];
    Out += Alphabet[V >> 18 & 63];
    Out += Alphabet[V >> 12 & 63];
    Out += Alphabet[V >> 6 & 63];
    Out += Alphabet[V & 63];
  }
  size_t Rest = Bytes.size() - I;
  if (Rest == 1) {
    uint32_t V = (uint8_t)Bytes[I] << 16;
    Out += Alphabet[V >> 18 & 63];
    Out += Alphabet[V >> 12 & 63];
  } else if (Rest == 2) {
    uint32_t V = (uint8_t)Bytes[I] << 16 | (uint8_t)Bytes[I + 1] << 8;
    Out += Alphabet[V >> 18 & 63];
    Out += Alphabet[V >> 12 & 63];
    Out += Alphabet[V >> 6 & 63];
  }
  return Out;
}

static int decodeChar(char C) {
  if (C >= 'A' && C <= 'Z')
    return C - 'A';
  if (C >= 'a' && C <= 'z')
    return C - 'a' + 26;
  if (C >= '0' && C <= '9')
    return C - '0' + 52;
  if (C == '-')
    return 62;
  if (C == '_')
    return 63;
  return -1;
}

std::optional<std::string> engine::base64UrlDecode(llvm::StringRef Text) {
  if (Text.size() % 4 == 1)
    return std::nullopt;
  std::string Out;
  Out.reserve(Text.size() * 3 / 4);
  uint32_t Acc = 0;
  unsigned Bits = 0;
  for (char C : Text) {
    int D = decodeChar(C);
    if (D < 0)
      return std::nullopt;
    Acc = (Acc << 6 | (uint32_t)D) & 0xffffff;
    Bits += 6;
    if (Bits >= 8) {
      Bits -= 8;
      Out += (char)(Acc >> Bits & 0xff);
    }
  }
  // Leftover bits must be zero: otherwise two texts decode to one value.
  if (Bits && (Acc & ((1u << Bits) - 1)))
    return std::nullopt;
  return Out;
}

std::string engine::hmacSha256(llvm::StringRef Key, llvm::StringRef Data) {
  unsigned char Mac[EVP_MAX_MD_SIZE];
  unsigned Len = 0;
  // HMAC() accepts a null key pointer only with length 0; give it a byte.
  static const unsigned char Empty = 0;
  const void *K = Key.empty() ? static_cast<const void *>(&Empty)
                              : static_cast<const void *>(Key.data());
  if (!HMAC(EVP_sha256(), K, (int)Key.size(),
            reinterpret_cast<const unsigned char *>(Data.data()), Data.size(),
            Mac, &Len))
    return std::string();
  return std::string(reinterpret_cast<char *>(Mac), Len);
}

bool engine::constantTimeEquals(llvm::StringRef A, llvm::StringRef B) {
  if (A.size() != B.size())
    return false;
  return A.empty() || CRYPTO_memcmp(A.data(), B.data(), A.size()) == 0;
}

std::optional<std::string> engine::randomBytes(size_t N) {
  std::string Out(N, '\0');
  if (N && RAND_bytes(reinterpret_cast<unsigned char *>(&Out[0]), (int)N) != 1)
    return std::nullopt;
  return Out;
}

std::string engine::toHex(llvm::StringRef Bytes) {
  return llvm::toHex(Bytes, /*LowerCase=*/true);
}

int64_t engine::systemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

//===----------------------------------------------------------------------===//
// Token payloads
//===----------------------------------------------------------------------===//

static const std::pair<llvm::StringRef, ExpireUnit> Units[] = {
    {"seconds", ExpireUnit::Seconds},
    {"minutes", ExpireUnit::Minutes},
    {"hours", ExpireUnit::Hours},
    {"days", ExpireUnit::Days},
    {"weeks", ExpireUnit::Weeks}};

std::optional<ExpireUnit> engine::parseExpireUnit(llvm::StringRef Name) {
  for (const auto &[N, U] : Units)
    if (N == Name)
      return U;
  return std::nullopt;
}

int64_t engine::unitSeconds(ExpireUnit Unit) {
  switch (Unit) {
  case ExpireUnit::Seconds:
    return 1;
  case ExpireUnit::Minutes:
    return 60;
  case ExpireUnit::Hours:
    return 3600;
  case ExpireUnit::Days:
    return 86400;
  case ExpireUnit::Weeks:
    return 604800;
  }
  return 1;
}

std::vector<std::pair<std::string, std::string>>
engine::parseMetadataArgs(llvm::ArrayRef<std::string> Args) {
  std::vector<std::pair<std::string, std::string>> Out;
  for (const std::string &A : Args) {
    auto [K, V] = llvm::StringRef(A).split('=');
    if (K.trim().empty())
      continue;
    auto It = llvm::find_if(Out, [&](const auto &P) { return P.first == K; });
    if (It != Out.end())
      It->second = V.str();
    else
      Out.emplace_back(K.str(), V.str());
  }
  return Out;
}

llvm::json::Object engine::makeTokenPayload(const TokenRequest &Req,
                                            int64_t Now) {
  llvm::json::Object Meta;
  for (const auto &[K, V] : Req.Metadata)
    Meta[K] = V;
  Meta["overlord.version"] = Req.Version;
  llvm::json::Object P;
  P["metadata"] = std::move(Meta);
  P["random_chunk"] = Req.RandomChunk;
  if (Req.Expire > 0) {
    int64_t Unit = unitSeconds(Req.Unit);
    // Saturate instead of overflowing on absurd --expire values.
    int64_t Max = INT64_MAX - (Now > 0 ? Now : 0);
    int64_t Delta = Req.Expire > Max / Unit ? Max : Req.Expire * Unit;
    P["exp"] = Now + Delta;
  }
  return P;
}

std::string engine::signToken(const llvm::json::Object &Payload,
                              llvm::StringRef Secret) {
  std::string Body;
  llvm::raw_string_ostream OS(Body);
  OS << llvm::json::Value(llvm::json::Object(Payload));
  OS.flush();
  std::string Input = base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                      base64UrlEncode(Body);
  return Input + "." + base64UrlEncode(hmacSha256(Secret, Input));
}

llvm::Expected<std::string>
engine::genToken(const TokenRequest &Req, llvm::StringRef Secret, int64_t Now) {
  TokenRequest R = Req;
  if (R.RandomChunk.empty()) {
    std::optional<std::string> Bytes = randomBytes(8);
    if (!Bytes)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "the random generator failed");
    R.RandomChunk = toHex(*Bytes);
  }
  return signToken(makeTokenPayload(R, Now), Secret);
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

llvm::StringRef engine::describe(TokenError E) {
  switch (E) {
  case TokenError::None:
    return "token is valid";
  case TokenError::Malformed:
    return "token does not have three parts";
  case TokenError::BadBase64:
    return "token is not base64url";
  case TokenError::BadJson:
    return "token header or payload is not a JSON object";
  case TokenError::UnsupportedAlg:
    return "token algorithm is not HS256";
  case TokenError::BadSignature:
    return "token signature does not match";
  case TokenError::BadClaim:
    return "token 'exp' or 'nbf' is not a number";
  case TokenError::Expired:
    return "token has expired";
  case TokenError::NotYetValid:
    return "token is not valid yet";
  }
  return "token is not valid";
}

/// Decodes one part as a JSON object.
static std::optional<llvm::json::Object> decodeObject(llvm::StringRef Part,
                                                      TokenError &Err) {
  std::optional<std::string> Raw = base64UrlDecode(Part);
  if (!Raw) {
    Err = TokenError::BadBase64;
    return std::nullopt;
  }
  llvm::Expected<llvm::json::Value> V = llvm::json::parse(*Raw);
  if (!V) {
    llvm::consumeError(V.takeError());
    Err = TokenError::BadJson;
    return std::nullopt;
  }
  if (llvm::json::Object *O = V->getAsObject())
    return std::move(*O);
  Err = TokenError::BadJson;
  return std::nullopt;
}

/// A numeric claim as seconds (floats truncated toward -inf as PyJWT's
/// comparisons with an int now behave identically for our checks).
static bool numericClaim(const llvm::json::Value &V, double &Out) {
  if (auto I = V.getAsInteger()) {
    Out = (double)*I;
    return true;
  }
  if (auto D = V.getAsNumber()) {
    if (!std::isfinite(*D))
      return false;
    Out = *D;
    return true;
  }
  return false;
}

VerifiedToken engine::verifyToken(llvm::StringRef Token, llvm::StringRef Secret,
                                  int64_t Now) {
  VerifiedToken R;
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  Token.split(Parts, '.');
  if (Parts.size() != 3) {
    R.Error = TokenError::Malformed;
    return R;
  }
  TokenError Err = TokenError::None;
  std::optional<llvm::json::Object> Header = decodeObject(Parts[0], Err);
  if (!Header) {
    R.Error = Err;
    return R;
  }
  // Only HS256: never "none", never a public-key algorithm keyed by the
  // secret (the classic alg-confusion attack).
  auto Alg = Header->getString("alg");
  if (!Alg || *Alg != "HS256") {
    R.Error = TokenError::UnsupportedAlg;
    return R;
  }
  std::optional<std::string> Sig = base64UrlDecode(Parts[2]);
  if (!Sig) {
    R.Error = TokenError::BadBase64;
    return R;
  }
  std::string Input = (Parts[0] + "." + Parts[1]).str();
  if (!constantTimeEquals(hmacSha256(Secret, Input), *Sig)) {
    R.Error = TokenError::BadSignature;
    return R;
  }
  std::optional<llvm::json::Object> Payload = decodeObject(Parts[1], Err);
  if (!Payload) {
    R.Error = Err;
    return R;
  }
  double T = 0;
  if (const llvm::json::Value *Exp = Payload->get("exp")) {
    if (!numericClaim(*Exp, T)) {
      R.Error = TokenError::BadClaim;
      return R;
    }
    if (T <= (double)Now) {
      R.Error = TokenError::Expired;
      return R;
    }
  }
  if (const llvm::json::Value *Nbf = Payload->get("nbf")) {
    if (!numericClaim(*Nbf, T)) {
      R.Error = TokenError::BadClaim;
      return R;
    }
    if (T > (double)Now) {
      R.Error = TokenError::NotYetValid;
      return R;
    }
  }
  R.Claims = std::move(*Payload);
  return R;
}

//===----------------------------------------------------------------------===//
// TokenVerifier: verification with a cache of accepted tokens
//===----------------------------------------------------------------------===//

namespace {
/// An accepted token: its claims and the time limits checked on each use.
struct CachedToken {
  llvm::json::Object Claims;
  std::optional<double> Exp, Nbf;
};
} // namespace

struct TokenVerifier::Cache {
  mutable std::mutex M;
  llvm::StringMap<CachedToken> Tokens; ///< looked up without a copy
};

TokenVerifier::TokenVerifier(std::string Secret, Clock Now)
    : Secret(std::move(Secret)), Now(std::move(Now)),
      C(std::make_unique<Cache>()) {}

TokenVerifier::~TokenVerifier() = default;

size_t TokenVerifier::cached() const {
  std::lock_guard<std::mutex> G(C->M);
  return C->Tokens.size();
}

VerifiedToken TokenVerifier::verify(llvm::StringRef Token) const {
  int64_t T = Now();
  {
    std::lock_guard<std::mutex> G(C->M);
    auto It = C->Tokens.find(Token);
    if (It != C->Tokens.end()) {
      // The signature and the claims' shapes were checked when it was
      // cached; the time limits are checked now, as verifyToken does.
      VerifiedToken R;
      const CachedToken &E = It->second;
      if (E.Exp && *E.Exp <= (double)T) {
        R.Error = TokenError::Expired;
        C->Tokens.erase(It);
        return R;
      }
      if (E.Nbf && *E.Nbf > (double)T) {
        R.Error = TokenError::NotYetValid;
        return R;
      }
      R.Claims = E.Claims;
      return R;
    }
  }
  VerifiedToken R = verifyToken(Token, Secret, T);
  if (!R)
    return R;
  CachedToken E;
  E.Claims = R.Claims;
  double V = 0;
  // verifyToken accepted them, so they are numbers when present.
  if (const llvm::json::Value *Exp = R.Claims.get("exp"))
    if (numericClaim(*Exp, V))
      E.Exp = V;
  if (const llvm::json::Value *Nbf = R.Claims.get("nbf"))
    if (numericClaim(*Nbf, V))
      E.Nbf = V;
  std::lock_guard<std::mutex> G(C->M);
  if (C->Tokens.size() >= MaxCached)
    C->Tokens.clear();
  C->Tokens.insert_or_assign(Token, std::move(E));
  return R;
}

//===----------------------------------------------------------------------===//
// The Authentication header
//===----------------------------------------------------------------------===//

AuthResult
engine::parseAuthenticationHeader(std::optional<llvm::StringRef> Value,
                                  std::string &Token) {
  AuthResult R;
  if (!Value) {
    R.Status = 401;
    R.Message = "'Authentication' header is required but hasn't been "
                "specified.";
    return R;
  }
  auto [Scheme, Rest] = Value->split(' ');
  if (Scheme.size() == Value->size()) {
    R.Status = 400;
    R.Message = "'Authentication' header is invalid for this entrypoint.";
    return R;
  }
  if (Scheme != "Bearer") {
    R.Status = 400;
    R.Message = "Authentication scheme is invalid for this entrypoint.";
    return R;
  }
  Token = Rest.str();
  return R;
}

AuthResult engine::authenticate(std::optional<llvm::StringRef> HeaderValue,
                                const TokenVerifier &Verifier) {
  std::string Token;
  AuthResult R = parseAuthenticationHeader(HeaderValue, Token);
  if (!R)
    return R;
  VerifiedToken V = Verifier.verify(Token);
  if (!V) {
    R.Status = 401;
    R.Message = "Error while decoding the JWT.";
    R.Error = V.Error;
    return R;
  }
  R.Claims = std::move(V.Claims);
  return R;
}
