//===- MetadataStoreTest.cpp - Tests of the metadata store ----------------===//
//
// Every outcome and error of MetadataStore, the size limit in characters,
// atomic replacement (no temporary file survives, a reader never sees half a
// value) and writers racing on one key.
//
//===----------------------------------------------------------------------===//
#include "StoreTestSupport.h"

#include "overlord/Engine/NamespaceStore.h"
#include "overlord/Support/MetadataKey.h"

#include <atomic>
#include <set>
#include <thread>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::storetest;
using Outcome = MetadataStore::Outcome;

namespace {

class MetadataStoreTest : public StoreTest {
protected:
  std::string metaDir() const { return path("meta"); }
  MetadataStore store(uint64_t Max = 1048576) const {
    return MetadataStore(metaDir(), Max);
  }
};

TEST(MetadataKeyTest, MatchesTheReferenceRegex) {
  for (llvm::StringRef K : {"a", "tor.makejail", "web-a1", "A_b.c-D9", "x1y2",
                            "overlord.autoscale.web"})
    EXPECT_TRUE(MetadataStore::validKey(K)) << K.str();
  for (llvm::StringRef K :
       {"", "1a", "_a", ".a", "a.", "a..b", "a.-b", "a.1", "web_1_", "a/b",
        "..", ".", "a b", "a\n", "é", "web-1a"})
    EXPECT_FALSE(MetadataStore::validKey(K)) << K.str();
  EXPECT_FALSE(MetadataStore::validKey(llvm::StringRef("a\0b", 3)));
  EXPECT_STREQ(MetadataKeyPattern,
               "^[a-zA-Z][a-zA-Z0-9]*((\\.|-|_)?[a-zA-Z][a-zA-Z0-9]*)*$");
}

TEST_F(MetadataStoreTest, MissingDirectoryIsEmptyAndFirstWriteCreatesIt) {
  MetadataStore S = store();
  EXPECT_EQ(must(S.list()), std::vector<std::string>{});
  EXPECT_EQ(must(S.get("k")), std::nullopt);
  EXPECT_FALSE(S.exists("k"));
  EXPECT_EQ(must(S.update("k", "v")), Outcome::NotFound);
  EXPECT_EQ(must(S.remove("k")), Outcome::NotFound);
  EXPECT_FALSE(llvm::sys::fs::exists(metaDir()));

  EXPECT_EQ(must(S.create("k", "v")), Outcome::Created);
  EXPECT_TRUE(llvm::sys::fs::is_directory(metaDir()));
  EXPECT_EQ(readFile(S.pathOf("k")), "v");
  EXPECT_EQ(S.pathOf("k"), metaDir() + "/k");
  EXPECT_EQ(S.dir(), metaDir());
  EXPECT_EQ(modeOf(S.pathOf("k")) & 07777, 0644u);
}

TEST_F(MetadataStoreTest, CreateIsIdempotent) {
  MetadataStore S = store(4);
  EXPECT_EQ(must(S.create("k", "one")), Outcome::Created);
  ino_t Before = 0;
  struct stat St;
  ASSERT_EQ(::stat(S.pathOf("k").c_str(), &St), 0);
  Before = St.st_ino;
  // An existing key is never rewritten, even with a value over the limit.
  EXPECT_EQ(must(S.create("k", "two")), Outcome::Unchanged);
  EXPECT_EQ(must(S.create("k", "far too long")), Outcome::Unchanged);
  EXPECT_EQ(*must(S.get("k")), "one");
  ASSERT_EQ(::stat(S.pathOf("k").c_str(), &St), 0);
  EXPECT_EQ(St.st_ino, Before);
}

TEST_F(MetadataStoreTest, UpdateWritesOnlyWhenContentDiffers) {
  MetadataStore S = store();
  ASSERT_EQ(must(S.create("k", "one")), Outcome::Created);
  struct stat St;
  ASSERT_EQ(::stat(S.pathOf("k").c_str(), &St), 0);
  ino_t First = St.st_ino;
  EXPECT_EQ(must(S.update("k", "one")), Outcome::Unchanged);
  ASSERT_EQ(::stat(S.pathOf("k").c_str(), &St), 0);
  EXPECT_EQ(St.st_ino, First) << "an unchanged value must not be rewritten";
  EXPECT_EQ(must(S.update("k", "two")), Outcome::Updated);
  EXPECT_EQ(*must(S.get("k")), "two");
  EXPECT_EQ(must(S.update("missing", "x")), Outcome::NotFound);
  EXPECT_FALSE(S.exists("missing"));
}

TEST_F(MetadataStoreTest, PutUpserts) {
  MetadataStore S = store();
  EXPECT_EQ(must(S.put("k", "a")), Outcome::Created);
  EXPECT_EQ(must(S.put("k", "a")), Outcome::Unchanged);
  EXPECT_EQ(must(S.put("k", "b")), Outcome::Updated);
  EXPECT_EQ(*must(S.get("k")), "b");
}

TEST_F(MetadataStoreTest, RemoveDeletes) {
  MetadataStore S = store();
  ASSERT_EQ(must(S.create("k", "v")), Outcome::Created);
  EXPECT_EQ(must(S.remove("k")), Outcome::Deleted);
  EXPECT_FALSE(S.exists("k"));
  EXPECT_EQ(must(S.get("k")), std::nullopt);
  EXPECT_EQ(must(S.remove("k")), Outcome::NotFound);
}

TEST_F(MetadataStoreTest, InvalidKeysAreRefusedEverywhere) {
  MetadataStore S = store();
  for (llvm::StringRef K : {"../x", "a/b", "", ".hidden", "1x"}) {
    EXPECT_EQ(must(S.create(K, "v")), Outcome::InvalidKey) << K.str();
    EXPECT_EQ(must(S.update(K, "v")), Outcome::InvalidKey);
    EXPECT_EQ(must(S.put(K, "v")), Outcome::InvalidKey);
    EXPECT_EQ(must(S.remove(K)), Outcome::InvalidKey);
    EXPECT_FALSE(S.exists(K));
    auto [Kind, Msg] = errorOf(S.get(K));
    EXPECT_EQ(Kind, StoreErrorKind::InvalidName);
    EXPECT_EQ(Msg, K.str() + ": invalid key name.");
  }
  EXPECT_FALSE(llvm::sys::fs::exists(path("x")));
}

TEST_F(MetadataStoreTest, LongKeysStayFileNames) {
  MetadataStore S = store();
  std::string Longest(MetadataStore::MaxKeyLength, 'k');
  EXPECT_EQ(must(S.create(Longest, "v")), Outcome::Created);
  EXPECT_EQ(*must(S.get(Longest)), "v");
  // One more and the temporary file name would pass NAME_MAX: refused up
  // front instead of failing in the file system.
  std::string TooLong = Longest + "k";
  EXPECT_FALSE(MetadataStore::validKey(TooLong));
  EXPECT_EQ(must(S.create(TooLong, "v")), Outcome::InvalidKey);
  NamespaceStore Ns(path("ns"), S);
  EXPECT_EQ(must(Ns.create(Longest, llvm::json::Array{llvm::json::Object{
                                        {"file", Longest + ":x"}}})),
            Outcome::Created);
  EXPECT_EQ(must(Ns.create(TooLong, llvm::json::Array{llvm::json::Object{
                                        {"directory", "x"}}})),
            Outcome::InvalidKey);
}

TEST_F(MetadataStoreTest, SizeLimitCountsCharacters) {
  MetadataStore S = store(3);
  EXPECT_EQ(MetadataStore::characterCount("h\xC3\xA9\xC3\xA9"), 3u); // héé
  EXPECT_EQ(MetadataStore::characterCount("\xF0\x9F\x98\x80"), 1u);  // 😀
  EXPECT_EQ(MetadataStore::characterCount("\xE2\x82\xAC"), 1u);      // €
  EXPECT_EQ(MetadataStore::characterCount("\xFF\x80\xC3"), 3u);      // bad
  EXPECT_EQ(MetadataStore::characterCount(""), 0u);

  // 3 characters in 5 bytes fit; 4 characters do not.
  EXPECT_EQ(must(S.create("ok", "h\xC3\xA9\xC3\xA9")), Outcome::Created);
  EXPECT_EQ(must(S.create("emoji", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                                   "\xF0\x9F\x98\x80")),
            Outcome::Created);
  EXPECT_EQ(must(S.create("big", "h\xC3\xA9\xC3\xA9\xC3\xA9")),
            Outcome::TooLong);
  EXPECT_FALSE(S.exists("big"));
  EXPECT_EQ(S.tooLongMessage("big", "h\xC3\xA9\xC3\xA9\xC3\xA9"),
            "big: metadata too long - 4 > 3");
  EXPECT_EQ(must(S.update("ok", "abcd")), Outcome::TooLong);
  EXPECT_EQ(*must(S.get("ok")), "h\xC3\xA9\xC3\xA9");
  EXPECT_EQ(must(S.put("new", "abcd")), Outcome::TooLong);
  EXPECT_EQ(must(S.put("ok", "abc")), Outcome::Updated);
  EXPECT_EQ(S.maxSize(), 3u);

  MetadataStore Zero = store(0);
  EXPECT_EQ(must(Zero.create("empty", "")), Outcome::Created);
  EXPECT_EQ(*must(Zero.get("empty")), "");
  EXPECT_EQ(must(Zero.create("one", "x")), Outcome::TooLong);
}

TEST_F(MetadataStoreTest, ListIsSortedAndOnlyKeys) {
  MetadataStore S = store();
  for (llvm::StringRef K : {"zeta", "alpha", "Mid", "beta.gamma"})
    ASSERT_EQ(must(S.create(K, "v")), Outcome::Created);
  // Things a key cannot be: skipped.
  writeFile("meta/.hidden", "x");
  writeFile("meta/.zeta.tmp-abc123", "half");
  writeFile("meta/bad name", "x");
  makeDir("meta/adir");
  ASSERT_EQ(::symlink("alpha", path("meta/link").c_str()), 0);
  std::vector<std::string> Want = {"Mid", "alpha", "beta.gamma", "link",
                                   "zeta"};
  EXPECT_EQ(must(S.list()), Want);
  EXPECT_FALSE(S.exists("adir"));
  EXPECT_EQ(must(S.get("adir")), std::nullopt);
  EXPECT_EQ(must(S.remove("adir")), Outcome::NotFound);
}

TEST_F(MetadataStoreTest, NoTemporaryFilesRemain) {
  MetadataStore S = store();
  for (int I = 0; I < 20; ++I)
    ASSERT_TRUE(bool(S.put("k", "value " + std::to_string(I))));
  ASSERT_EQ(must(S.create("other", "x")), Outcome::Created);
  EXPECT_EQ(rawList(metaDir()), (std::vector<std::string>{"k", "other"}));

  writeFile("meta/.k.tmp-Ab12Cd", "left by a crash");
  writeFile("meta/.notes", "not ours");
  S.removeStaleTemporaries();
  EXPECT_EQ(rawList(metaDir()),
            (std::vector<std::string>{".notes", "k", "other"}));
}

TEST_F(MetadataStoreTest, ValuesAreBytesExactly) {
  MetadataStore S = store();
  std::string V("line\r\nnul\0end\n", 14);
  ASSERT_EQ(must(S.create("bin", V)), Outcome::Created);
  EXPECT_EQ(*must(S.get("bin")), V);
}

TEST_F(MetadataStoreTest, FileSystemErrorsAreIoErrors) {
  writeFile("meta", "a file where the directory should be");
  MetadataStore S = store();
  EXPECT_EQ(errorOf(S.list()).first, StoreErrorKind::Io);
  auto [Kind, Msg] = errorOf(S.create("k", "v"));
  EXPECT_EQ(Kind, StoreErrorKind::Io);
  EXPECT_NE(Msg.find(metaDir()), std::string::npos) << Msg;
  EXPECT_FALSE(S.exists("k"));
}

TEST_F(MetadataStoreTest, FifoIsNotAValue) {
  makeDir("meta");
  ASSERT_EQ(::mkfifo(path("meta/pipe").c_str(), 0644), 0);
  MetadataStore S = store();
  EXPECT_FALSE(S.exists("pipe"));
  EXPECT_EQ(must(S.get("pipe")), std::nullopt); // and does not block
  EXPECT_EQ(must(S.list()), std::vector<std::string>{});
}

TEST_F(MetadataStoreTest, RacingWritersOfOneKey) {
  MetadataStore S = store();
  constexpr int Threads = 8, Rounds = 15;
  std::set<std::string> Values;
  auto ValueOf = [](int T, int R) {
    // Different lengths, so a torn write would show.
    return std::string(static_cast<size_t>(100 + T * 37 + R), char('a' + T));
  };
  for (int T = 0; T < Threads; ++T)
    for (int R = 0; R < Rounds; ++R)
      Values.insert(ValueOf(T, R));
  ASSERT_EQ(must(S.put("k", ValueOf(0, 0))), Outcome::Created);

  std::atomic<bool> Done{false};
  std::atomic<int> Torn{0}, Reads{0};
  std::thread Reader([&] {
    while (!Done) {
      auto V = S.get("k");
      if (!V || !*V || !Values.count(**V))
        ++Torn;
      if (!V)
        llvm::consumeError(V.takeError());
      ++Reads;
    }
  });
  std::vector<std::thread> Writers;
  std::atomic<int> Failures{0};
  for (int T = 0; T < Threads; ++T)
    Writers.emplace_back([&, T] {
      for (int R = 0; R < Rounds; ++R) {
        auto O = S.put("k", ValueOf(T, R));
        if (!O || (*O != Outcome::Updated && *O != Outcome::Unchanged))
          ++Failures;
        if (!O)
          llvm::consumeError(O.takeError());
      }
    });
  for (std::thread &W : Writers)
    W.join();
  Done = true;
  Reader.join();
  EXPECT_EQ(Failures, 0);
  EXPECT_EQ(Torn, 0) << "a reader saw a missing or partial value";
  EXPECT_GT(Reads, 0);
  EXPECT_TRUE(Values.count(*must(S.get("k"))));
  EXPECT_EQ(rawList(metaDir()), std::vector<std::string>{"k"});
}

TEST_F(MetadataStoreTest, RacingCreatorsCreateOnce) {
  MetadataStore S = store();
  constexpr int Threads = 8;
  std::atomic<int> Created{0}, Unchanged{0};
  std::vector<std::thread> Ts;
  for (int T = 0; T < Threads; ++T)
    Ts.emplace_back([&, T] {
      auto O = S.create("once", "writer " + std::to_string(T));
      if (O && *O == Outcome::Created)
        ++Created;
      else if (O && *O == Outcome::Unchanged)
        ++Unchanged;
      if (!O)
        llvm::consumeError(O.takeError());
    });
  for (std::thread &T : Ts)
    T.join();
  EXPECT_EQ(Created, 1);
  EXPECT_EQ(Unchanged, Threads - 1);
  EXPECT_EQ(must(S.get("once"))->rfind("writer ", 0), 0u);
}

TEST(MetadataOutcomeTest, NamesAndErrors) {
  EXPECT_EQ(MetadataStore::outcomeName(Outcome::Created), "created");
  EXPECT_EQ(MetadataStore::outcomeName(Outcome::Updated), "updated");
  EXPECT_EQ(MetadataStore::outcomeName(Outcome::Unchanged), "unchanged");
  EXPECT_EQ(MetadataStore::outcomeName(Outcome::Deleted), "deleted");
  EXPECT_EQ(MetadataStore::outcomeName(Outcome::NotFound), "not-found");
  EXPECT_EQ(MetadataStore::outcomeName(Outcome::TooLong), "too-long");
  EXPECT_EQ(MetadataStore::outcomeName(Outcome::InvalidKey), "invalid-key");

  auto [Kind, Msg] = takeStoreError(
      StoreError::make(StoreErrorKind::OutsideBase, "'x' is outside"));
  EXPECT_EQ(Kind, StoreErrorKind::OutsideBase);
  EXPECT_EQ(Msg, "'x' is outside");
  auto Other = takeStoreError(llvm::createStringError(
      std::make_error_code(std::errc::io_error), "disk on fire"));
  EXPECT_EQ(Other.first, StoreErrorKind::Io);
  EXPECT_EQ(Other.second, "disk on fire");
  StoreError E(StoreErrorKind::InvalidMapping, "m");
  EXPECT_TRUE(E.isClientError());
  EXPECT_FALSE(StoreError(StoreErrorKind::Io, "m").isClientError());
}

} // namespace
