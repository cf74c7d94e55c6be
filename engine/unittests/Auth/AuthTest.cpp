//===- AuthTest.cpp - HS256 JWT and server secret tests ---------*- C++ -*-===//
//
// Tokens: reference vectors computed independently (Python hmac/base64,
// PyJWT's compact JSON), round trips, tampering, wrong key, alg=none and
// other algorithms, expiry and not-before with an injected clock, malformed
// base64url and JSON. The Authentication header's status codes and
// messages. The keyfile: created with mode 0600, reused, never silently
// regenerated.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/Auth.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "llvm/Support/FormatVariadic.h"

#include "gtest/gtest.h"

#include <atomic>
#include <thread>

#include <fstream>
#include <sys/stat.h>

using namespace overlord;
using namespace overlord::engine;

namespace {

/// PyJWT-style token (unsorted compact JSON) for payload
/// {"metadata":{"user":"alice","overlord.version":"0.25.0"},
///  "random_chunk":"0123456789abcdef","exp":1900000000}, key "s3cret-key";
/// computed with Python's hmac and base64 modules.
const char *RefTokenExp =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJtZXRhZGF0YSI6eyJ1c2VyIjoiYWxpY2UiLCJvdmVybG9yZC52ZXJzaW9uIjoiMC4yNS4wIn"
    "0sInJhbmRvbV9jaHVuayI6IjAxMjM0NTY3ODlhYmNkZWYiLCJleHAiOjE5MDAwMDAwMDB9."
    "X5I7geO5DPrdmusDZVh6DE7cbPPrlJlJvdA18k08VG4";
/// No exp; key = bytes 0..63 (a keyfile's 64 raw bytes).
const char *RefTokenKeyfile =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJtZXRhZGF0YSI6eyJvdmVybG9yZC52ZXJzaW9uIjoiMC4yNS4wIn0sInJhbmRvbV9jaHVuay"
    "I6ImZlZGNiYTk4NzY1NDMyMTAifQ."
    "wssaIl7kTZWd7easFKRjY13oXJNuofz7w5gXQclggOk";
/// poll-autoscale's empty payload, key "s3cret-key".
const char *RefTokenEmpty = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30."
                            "HnPMDQ64teLMCCEYUdwG1OeD2ZKyLFAVhiPCEpwfNNQ";
/// What genToken must produce for metadata a=1, expire 1 hour at
/// 1700000000, random chunk 00112233445566aa, key "k" (sorted keys).
const char *ExpectedGenToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJleHAiOjE3MDAwMDM2MDAsIm1ldGFkYXRhIjp7ImEiOiIxIiwib3ZlcmxvcmQudmVyc2lvbi"
    "I6IjAuMS4wIn0sInJhbmRvbV9jaHVuayI6IjAwMTEyMjMzNDQ1NTY2YWEifQ."
    "8oz8pL4XjHFy1e67MincwtoXresVKuE7kCw7fPsolTY";

std::string keyfileBytes() {
  std::string K;
  for (int I = 0; I < 64; ++I)
    K += (char)I;
  return K;
}

/// A token with an arbitrary header, payload and signature key.
std::string forge(llvm::StringRef Header, llvm::StringRef Payload,
                  llvm::StringRef Key) {
  std::string In = base64UrlEncode(Header) + "." + base64UrlEncode(Payload);
  return In + "." + base64UrlEncode(hmacSha256(Key, In));
}

const char *HS256 = R"({"alg":"HS256","typ":"JWT"})";

} // namespace

TEST(Base64Url, RoundTripAndStrictness) {
  for (std::string S : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::optional<std::string> D = base64UrlDecode(base64UrlEncode(S));
    ASSERT_TRUE(D) << S;
    EXPECT_EQ(*D, S);
  }
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64UrlDecode("Zg==")); // padding
  EXPECT_FALSE(base64UrlDecode("Z"));    // length 1 mod 4
  EXPECT_FALSE(base64UrlDecode("Zm+v")); // '+' is base64, not base64url
  EXPECT_FALSE(base64UrlDecode("Zh"));   // non-zero unused bits
  EXPECT_TRUE(base64UrlDecode("Zg"));
}

TEST(Hmac, KnownVectorAndCompare) {
  // RFC 4231 test case 2.
  EXPECT_EQ(toHex(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(constantTimeEquals("", ""));
}

TEST(Token, ReferenceTokensVerify) {
  VerifiedToken V = verifyToken(RefTokenExp, "s3cret-key", 1800000000);
  ASSERT_TRUE(V) << describe(V.Error).str();
  const llvm::json::Object *M = V.Claims.getObject("metadata");
  ASSERT_TRUE(M);
  EXPECT_EQ(M->getString("user"), llvm::StringRef("alice"));
  EXPECT_EQ(M->getString("overlord.version"), llvm::StringRef("0.25.0"));
  EXPECT_EQ(V.Claims.getString("random_chunk"),
            llvm::StringRef("0123456789abcdef"));

  EXPECT_TRUE(verifyToken(RefTokenKeyfile, keyfileBytes(), 0));
  EXPECT_TRUE(verifyToken(RefTokenEmpty, "s3cret-key", 0));
}

TEST(Token, GenTokenMatchesIndependentEncoding) {
  TokenRequest Req;
  Req.Metadata = {{"a", "1"}};
  Req.Expire = 1;
  Req.Unit = ExpireUnit::Hours;
  Req.RandomChunk = "00112233445566aa";
  llvm::Expected<std::string> T = genToken(Req, "k", 1700000000);
  ASSERT_TRUE(bool(T));
  EXPECT_EQ(*T, ExpectedGenToken);
}

TEST(Token, GenTokenRoundTrip) {
  TokenRequest Req;
  Req.Metadata = parseMetadataArgs({"user=bob", "flag", "=skipped", "k=a=b"});
  llvm::Expected<std::string> T = genToken(Req, "secret", 100);
  ASSERT_TRUE(bool(T));
  VerifiedToken V = verifyToken(*T, "secret", 1'000'000'000'000);
  ASSERT_TRUE(V);
  EXPECT_FALSE(V.Claims.get("exp")); // no --expire: never expires
  const llvm::json::Object *M = V.Claims.getObject("metadata");
  ASSERT_TRUE(M);
  EXPECT_EQ(M->getString("user"), llvm::StringRef("bob"));
  EXPECT_EQ(M->getString("flag"), llvm::StringRef(""));
  EXPECT_EQ(M->getString("k"), llvm::StringRef("a=b"));
  EXPECT_FALSE(M->get(""));
  EXPECT_EQ(M->getString("overlord.version"), llvm::StringRef(OverlordVersion));
  auto Chunk = V.Claims.getString("random_chunk");
  ASSERT_TRUE(Chunk);
  EXPECT_EQ(Chunk->size(), 16u);
  EXPECT_TRUE(Chunk->find_first_not_of("0123456789abcdef") ==
              llvm::StringRef::npos);
  // Two tokens differ by their random chunk.
  EXPECT_NE(*T, *genToken(Req, "secret", 100));
}

TEST(Token, ExpireUnits) {
  EXPECT_EQ(parseExpireUnit("seconds"), ExpireUnit::Seconds);
  EXPECT_EQ(parseExpireUnit("weeks"), ExpireUnit::Weeks);
  EXPECT_FALSE(parseExpireUnit("fortnights"));
  EXPECT_FALSE(parseExpireUnit("Hours"));
  TokenRequest Req;
  Req.RandomChunk = "0000000000000000";
  const std::pair<ExpireUnit, int64_t> Cases[] = {{ExpireUnit::Seconds, 2},
                                                  {ExpireUnit::Minutes, 120},
                                                  {ExpireUnit::Hours, 7200},
                                                  {ExpireUnit::Days, 172800},
                                                  {ExpireUnit::Weeks, 1209600}};
  for (const auto &[Unit, Secs] : Cases) {
    Req.Expire = 2;
    Req.Unit = Unit;
    llvm::json::Object P = makeTokenPayload(Req, 1000);
    EXPECT_EQ(P.getInteger("exp").value_or(0), 1000 + Secs);
  }
  Req.Expire = INT64_MAX; // saturates instead of overflowing
  Req.Unit = ExpireUnit::Weeks;
  EXPECT_EQ(makeTokenPayload(Req, 1000).getInteger("exp").value_or(0),
            INT64_MAX);
}

/// The verifier's cache of accepted tokens: a cached token is still refused
/// once expired (and before its nbf when the clock goes back), tampered or
/// foreign tokens are never cached, the size stays bounded, and threads may
/// share it.
TEST(Token, VerifierCacheStillEnforcesTime) {
  int64_t Now = 1000;
  TokenRequest Req;
  Req.Expire = 30;
  Req.Unit = ExpireUnit::Seconds;
  std::string T = *genToken(Req, "key", Now);
  TokenVerifier Verifier("key", [&] { return Now; });
  EXPECT_EQ(Verifier.cached(), 0u);
  auto First = Verifier.verify(T);
  ASSERT_TRUE(First);
  EXPECT_EQ(Verifier.cached(), 1u);
  auto Second = Verifier.verify(T); // from the cache
  ASSERT_TRUE(Second);
  EXPECT_EQ(Second.Claims, First.Claims);
  Now = 1030;
  EXPECT_EQ(Verifier.verify(T).Error, TokenError::Expired);
  EXPECT_EQ(Verifier.cached(), 0u); // forgotten once expired
  Now = 1000;
  EXPECT_TRUE(Verifier.verify(T));

  // nbf is re-checked on a hit too (a clock that goes back).
  llvm::json::Object P{{"nbf", int64_t(900)}};
  std::string N = signToken(P, "key");
  EXPECT_TRUE(Verifier.verify(N));
  Now = 800;
  EXPECT_EQ(Verifier.verify(N).Error, TokenError::NotYetValid);
  Now = 1000;

  // Refused tokens are not remembered; a token signed with another key is
  // refused every time.
  size_t Before = Verifier.cached();
  std::string Foreign = *genToken(Req, "other", Now);
  EXPECT_EQ(Verifier.verify(Foreign).Error, TokenError::BadSignature);
  EXPECT_EQ(Verifier.verify(Foreign).Error, TokenError::BadSignature);
  std::string Tampered = T;
  Tampered.back() = Tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Verifier.verify(Tampered));
  EXPECT_EQ(Verifier.cached(), Before);

  // Bounded: many distinct valid tokens never grow it past MaxCached.
  Req.Expire = 0;
  for (size_t I = 0; I < TokenVerifier::MaxCached + 10; ++I) {
    Req.RandomChunk = llvm::formatv("{0:x16}", I).str();
    ASSERT_TRUE(Verifier.verify(*genToken(Req, "key", Now)));
    ASSERT_LE(Verifier.cached(), TokenVerifier::MaxCached);
  }

  // Shared by threads.
  std::vector<std::thread> Threads;
  std::atomic<int> Good{0};
  for (int I = 0; I < 4; ++I)
    Threads.emplace_back([&] {
      for (int J = 0; J < 500; ++J)
        Good += bool(Verifier.verify(T)) && !Verifier.verify(Foreign);
    });
  for (auto &Th : Threads)
    Th.join();
  EXPECT_EQ(Good, 2000);
}

TEST(Token, ExpiryWithInjectedClock) {
  int64_t Now = 1000;
  TokenRequest Req;
  Req.Expire = 30;
  Req.Unit = ExpireUnit::Seconds;
  std::string T = *genToken(Req, "key", Now);
  TokenVerifier Verifier("key", [&] { return Now; });
  EXPECT_TRUE(Verifier.verify(T));
  Now = 1029;
  EXPECT_TRUE(Verifier.verify(T));
  Now = 1030; // exp <= now is expired, as PyJWT
  EXPECT_EQ(Verifier.verify(T).Error, TokenError::Expired);
  Now = 5000;
  EXPECT_EQ(Verifier.verify(T).Error, TokenError::Expired);
  // The reference vector expires at 1900000000.
  EXPECT_EQ(verifyToken(RefTokenExp, "s3cret-key", 1900000000).Error,
            TokenError::Expired);
}

TEST(Token, NotBefore) {
  std::string T = forge(HS256, R"({"nbf":2000})", "k");
  EXPECT_EQ(verifyToken(T, "k", 1999).Error, TokenError::NotYetValid);
  EXPECT_TRUE(verifyToken(T, "k", 2000));
  EXPECT_TRUE(verifyToken(forge(HS256, R"({"exp":2000.5})", "k"), "k", 2000));
  EXPECT_EQ(verifyToken(forge(HS256, R"({"exp":"2000"})", "k"), "k", 0).Error,
            TokenError::BadClaim);
  EXPECT_EQ(verifyToken(forge(HS256, R"({"nbf":null})", "k"), "k", 0).Error,
            TokenError::BadClaim);
}

TEST(Token, TamperedAndWrongKey) {
  std::string T = RefTokenEmpty;
  EXPECT_EQ(verifyToken(T, "other-key", 0).Error, TokenError::BadSignature);
  // Change one payload character: {} -> a different valid object.
  std::string Tampered = T;
  size_t Dot = Tampered.find('.');
  Tampered.replace(Dot + 1, 3, base64UrlEncode(R"({"a":1})"));
  EXPECT_EQ(verifyToken(Tampered, "s3cret-key", 0).Error,
            TokenError::BadSignature);
  // Flip a signature character.
  std::string BadSig = T;
  BadSig.back() = BadSig.back() == 'Q' ? 'A' : 'Q';
  EXPECT_NE(verifyToken(BadSig, "s3cret-key", 0).Error, TokenError::None);
  // Truncated signature.
  EXPECT_EQ(verifyToken(T.substr(0, T.size() - 4), "s3cret-key", 0).Error,
            TokenError::BadSignature);
  // Empty secret never verifies a token signed with another one.
  EXPECT_EQ(verifyToken(T, "", 0).Error, TokenError::BadSignature);
}

TEST(Token, OnlyHS256) {
  // alg=none with an empty signature: the classic bypass.
  std::string None = base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                     base64UrlEncode("{}") + ".";
  EXPECT_EQ(verifyToken(None, "k", 0).Error, TokenError::UnsupportedAlg);
  // alg=none even with a valid HMAC.
  EXPECT_EQ(verifyToken(forge(R"({"alg":"none"})", "{}", "k"), "k", 0).Error,
            TokenError::UnsupportedAlg);
  EXPECT_EQ(verifyToken(forge(R"({"alg":"HS512"})", "{}", "k"), "k", 0).Error,
            TokenError::UnsupportedAlg);
  EXPECT_EQ(verifyToken(forge(R"({"alg":"RS256"})", "{}", "k"), "k", 0).Error,
            TokenError::UnsupportedAlg);
  EXPECT_EQ(verifyToken(forge(R"({"typ":"JWT"})", "{}", "k"), "k", 0).Error,
            TokenError::UnsupportedAlg);
  EXPECT_EQ(verifyToken(forge(R"({"alg":"hs256"})", "{}", "k"), "k", 0).Error,
            TokenError::UnsupportedAlg);
  EXPECT_TRUE(verifyToken(forge(R"({"alg":"HS256"})", "{}", "k"), "k", 0));
}

TEST(Token, MalformedInput) {
  EXPECT_EQ(verifyToken("", "k", 0).Error, TokenError::Malformed);
  EXPECT_EQ(verifyToken("a.b", "k", 0).Error, TokenError::Malformed);
  EXPECT_EQ(verifyToken("a.b.c.d", "k", 0).Error, TokenError::Malformed);
  EXPECT_EQ(
      verifyToken(std::string(RefTokenEmpty) + " extra", "s3cret-key", 0).Error,
      TokenError::BadBase64);
  EXPECT_EQ(verifyToken("!!!.e30.AAAA", "k", 0).Error, TokenError::BadBase64);
  EXPECT_EQ(verifyToken("eyJhbGciOiJIUzI1NiJ9=.e30.AAAA", "k", 0).Error,
            TokenError::BadBase64);
  std::string H = base64UrlEncode(HS256);
  EXPECT_EQ(verifyToken(H + ".e30.@@@@", "k", 0).Error, TokenError::BadBase64);
  // Header not JSON / not an object.
  EXPECT_EQ(verifyToken(base64UrlEncode("{") + ".e30.AAAA", "k", 0).Error,
            TokenError::BadJson);
  EXPECT_EQ(verifyToken(base64UrlEncode("[1]") + ".e30.AAAA", "k", 0).Error,
            TokenError::BadJson);
  // Payload not JSON / not an object, correctly signed.
  EXPECT_EQ(verifyToken(forge(HS256, "not json", "k"), "k", 0).Error,
            TokenError::BadJson);
  EXPECT_EQ(verifyToken(forge(HS256, "[]", "k"), "k", 0).Error,
            TokenError::BadJson);
  EXPECT_EQ(verifyToken(forge(HS256, "\"str\"", "k"), "k", 0).Error,
            TokenError::BadJson);
  // Binary garbage never crashes.
  std::string G;
  for (int I = 0; I < 256; ++I)
    G += (char)I;
  EXPECT_FALSE(verifyToken(G + "." + G + "." + G, "k", 0));
  EXPECT_FALSE(verifyToken(forge(HS256, G, "k"), "k", 0));
  for (TokenError E : {TokenError::Malformed, TokenError::Expired})
    EXPECT_FALSE(describe(E).empty());
}

TEST(AuthHeader, ReferenceStatusesAndMessages) {
  TokenVerifier V("s3cret-key", [] { return (int64_t)0; });
  AuthResult R = authenticate(std::nullopt, V);
  EXPECT_EQ(R.Status, 401u);
  EXPECT_EQ(R.Message,
            "'Authentication' header is required but hasn't been specified.");
  R = authenticate(llvm::StringRef("Bearer"), V);
  EXPECT_EQ(R.Status, 400u);
  EXPECT_EQ(R.Message,
            "'Authentication' header is invalid for this entrypoint.");
  R = authenticate(llvm::StringRef(""), V);
  EXPECT_EQ(R.Status, 400u);
  R = authenticate(llvm::StringRef("Basic abc"), V);
  EXPECT_EQ(R.Status, 400u);
  EXPECT_EQ(R.Message, "Authentication scheme is invalid for this entrypoint.");
  R = authenticate(llvm::StringRef("bearer abc"), V);
  EXPECT_EQ(R.Status, 400u);
  R = authenticate(llvm::StringRef("Bearer abc"), V);
  EXPECT_EQ(R.Status, 401u);
  EXPECT_EQ(R.Message, "Error while decoding the JWT.");
  EXPECT_EQ(R.Error, TokenError::Malformed);
  // Three parts: 401, as the reference answers.
  R = authenticate(
      llvm::StringRef(std::string("Bearer ") + RefTokenEmpty + " extra"), V);
  EXPECT_EQ(R.Status, 401u);
  R = authenticate(llvm::StringRef(std::string("Bearer ") + RefTokenEmpty), V);
  EXPECT_TRUE(R);
  EXPECT_EQ(R.Status, 200u);
  EXPECT_TRUE(R.Claims.empty());
}

//===----------------------------------------------------------------------===//
// The keyfile
//===----------------------------------------------------------------------===//

namespace {
struct TempDir {
  llvm::SmallString<128> Path;
  TempDir() {
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("overlord-auth", Path));
  }
  ~TempDir() { llvm::sys::fs::remove_directories(Path); }
  std::string file(llvm::StringRef Name) const {
    llvm::SmallString<128> P(Path);
    llvm::sys::path::append(P, Name);
    return std::string(P);
  }
};

unsigned modeOf(const std::string &Path) {
  struct stat St;
  EXPECT_EQ(::stat(Path.c_str(), &St), 0);
  return St.st_mode & 07777;
}

std::string errorText(llvm::Error E) { return llvm::toString(std::move(E)); }
} // namespace

TEST(KeyFile, CreatedWithMode0600AndReused) {
  TempDir D;
  // Parent directories are created too.
  std::string Path = D.file("sub/dir/keyfile");
  mode_t Old = ::umask(0);
  llvm::Expected<std::string> K1 = loadOrCreateKeyFile(Path);
  ::umask(Old);
  ASSERT_TRUE(bool(K1)) << errorText(K1.takeError());
  EXPECT_EQ(K1->size(), KeyFileSize);
  EXPECT_EQ(modeOf(Path), 0600u);
  llvm::Expected<std::string> K2 = loadOrCreateKeyFile(Path);
  ASSERT_TRUE(bool(K2)) << errorText(K2.takeError());
  EXPECT_EQ(*K1, *K2);
  // A token signed with the key verifies with the reloaded key.
  std::string T = *genToken(TokenRequest{}, *K1, 0);
  EXPECT_TRUE(verifyToken(T, *K2, 0));
  // The reference's own 0400 files are accepted.
  ASSERT_EQ(::chmod(Path.c_str(), 0400), 0);
  EXPECT_TRUE(bool(loadOrCreateKeyFile(Path)));
}

TEST(KeyFile, ReferenceKeyfileVerifiesReferenceToken) {
  TempDir D;
  std::string Path = D.file("keyfile");
  {
    std::ofstream OS(Path, std::ios::binary);
    OS << keyfileBytes();
  }
  ASSERT_EQ(::chmod(Path.c_str(), 0400), 0);
  llvm::Expected<std::string> K = loadServerSecret(std::nullopt, Path);
  ASSERT_TRUE(bool(K)) << errorText(K.takeError());
  EXPECT_TRUE(verifyToken(RefTokenKeyfile, *K, 0));
}

TEST(KeyFile, WrongSizeIsAnErrorNotARegeneration) {
  TempDir D;
  std::string Path = D.file("keyfile");
  {
    std::ofstream OS(Path, std::ios::binary);
    OS << "short";
  }
  ASSERT_EQ(::chmod(Path.c_str(), 0600), 0);
  llvm::Expected<std::string> K = loadOrCreateKeyFile(Path);
  ASSERT_FALSE(bool(K));
  EXPECT_NE(errorText(K.takeError()).find("holds 5 bytes, not 64"),
            std::string::npos);
  // Still the same file: nothing was regenerated.
  uint64_t Size = 0;
  EXPECT_FALSE(llvm::sys::fs::file_size(Path, Size));
  EXPECT_EQ(Size, 5u);
  {
    std::ofstream OS(Path, std::ios::binary);
    OS << keyfileBytes() << "x";
  }
  K = loadOrCreateKeyFile(Path);
  ASSERT_FALSE(bool(K));
  EXPECT_NE(errorText(K.takeError()).find("more than 64"), std::string::npos);
}

TEST(KeyFile, GroupReadableIsRefused) {
  TempDir D;
  std::string Path = D.file("keyfile");
  {
    std::ofstream OS(Path, std::ios::binary);
    OS << keyfileBytes();
  }
  ASSERT_EQ(::chmod(Path.c_str(), 0644), 0);
  llvm::Expected<std::string> K = loadOrCreateKeyFile(Path);
  ASSERT_FALSE(bool(K));
  EXPECT_NE(errorText(K.takeError()).find("mode 0644"), std::string::npos);
}

TEST(KeyFile, DirectoryAndUnwritable) {
  TempDir D;
  llvm::Expected<std::string> K = loadOrCreateKeyFile(std::string(D.Path));
  ASSERT_FALSE(bool(K));
  EXPECT_NE(errorText(K.takeError()).find("not a regular file"),
            std::string::npos);
  K = loadOrCreateKeyFile("");
  ASSERT_FALSE(bool(K));
  llvm::consumeError(K.takeError());
}

TEST(ServerSecret, SecretKeyWins) {
  TempDir D;
  std::string Path = D.file("keyfile");
  llvm::Expected<std::string> K =
      loadServerSecret(std::string("from-config"), Path);
  ASSERT_TRUE(bool(K));
  EXPECT_EQ(*K, "from-config");
  EXPECT_FALSE(llvm::sys::fs::exists(Path)); // keyfile ignored, not created
  K = loadServerSecret(std::string(""), Path);
  ASSERT_FALSE(bool(K));
  llvm::consumeError(K.takeError());
  K = loadServerSecret(std::nullopt, Path);
  ASSERT_TRUE(bool(K));
  EXPECT_EQ(modeOf(Path), 0600u);
}
