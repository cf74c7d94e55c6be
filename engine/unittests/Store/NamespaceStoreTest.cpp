//===- NamespaceStoreTest.cpp - Tests of the namespace store --------------===//
//
// Mapping validation (every error), the trees create/update build, owner,
// group, mode and umask (ownership checks need root, as the engine runs),
// confinement of paths and symlinks, the GET shape, atomic replacement and
// the plan's one-line mapping form.
//
//===----------------------------------------------------------------------===//
#include "StoreTestSupport.h"

#include "overlord/Engine/NamespaceStore.h"

#include <atomic>
#include <thread>
#include <unistd.h>

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::storetest;
using Outcome = MetadataStore::Outcome;
using llvm::json::Array;
using llvm::json::Object;

namespace {

class NamespaceStoreTest : public StoreTest {
protected:
  void SetUp() override {
    StoreTest::SetUp();
    Meta = std::make_unique<MetadataStore>(path("meta"), 1 << 20);
    Ns = std::make_unique<NamespaceStore>(path("ns"), *Meta);
    ASSERT_EQ(must(Meta->create("conf", "listen 80\n")), Outcome::Created);
    ASSERT_EQ(must(Meta->create("key", "secret")), Outcome::Created);
  }

  /// The error of validating Mapping.
  std::pair<StoreErrorKind, std::string> mappingError(Array Mapping) {
    return errorOf(parseNamespaceMapping(Mapping, "/base"));
  }

  std::unique_ptr<MetadataStore> Meta;
  std::unique_ptr<NamespaceStore> Ns;
};

TEST_F(NamespaceStoreTest, MappingErrors) {
  using K = StoreErrorKind;
  struct Case {
    llvm::json::Value Item;
    K Kind;
    std::string Message;
  };
  std::vector<Case> Cases;
  Cases.push_back({"a string", K::InvalidMapping,
                   "namespace.mapping[0]: must be a map, not a string"});
  Cases.push_back({Object{{"file", "conf:a"}, {"mdoe", 1}}, K::InvalidMapping,
                   "namespace.mapping[0]: unknown key 'mdoe'"});
  Cases.push_back({Object{{"mode", 420}}, K::InvalidMapping,
                   "namespace.mapping[0]: 'file' or 'directory' is required"});
  Cases.push_back({Object{{"file", nullptr}, {"directory", nullptr}},
                   K::InvalidMapping,
                   "namespace.mapping[0]: 'file' or 'directory' is required"});
  Cases.push_back({Object{{"file", "conf:a"}, {"directory", "b"}},
                   K::InvalidMapping,
                   "namespace.mapping[0]: 'file' and 'directory' are both "
                   "given; only one is allowed"});
  Cases.push_back({Object{{"file", "conf"}}, K::InvalidMapping,
                   "namespace.mapping[0].file: must be '<metadata>:<path>', "
                   "got 'conf'"});
  Cases.push_back({Object{{"file", Array{"conf"}}}, K::InvalidMapping,
                   "namespace.mapping[0].file: must be a list of two strings, "
                   "the metadata and the path"});
  Cases.push_back({Object{{"file", Array{"conf", 3}}}, K::InvalidMapping,
                   "namespace.mapping[0].file: must be a list of two strings, "
                   "the metadata and the path"});
  Cases.push_back({Object{{"file", 7}}, K::InvalidMapping,
                   "namespace.mapping[0].file: must be a string or a list, "
                   "not a number"});
  Cases.push_back({Object{{"file", "../conf:a"}}, K::InvalidMapping,
                   "namespace.mapping[0].file: '../conf' is not a metadata "
                   "key"});
  Cases.push_back({Object{{"file", "conf:"}}, K::InvalidMapping,
                   "namespace.mapping[0].file: '' names the namespace "
                   "directory, not a file in it"});
  Cases.push_back({Object{{"file", "conf:/./"}}, K::InvalidMapping,
                   "namespace.mapping[0].file: '/./' names the namespace "
                   "directory, not a file in it"});
  Cases.push_back({Object{{"directory", true}}, K::InvalidMapping,
                   "namespace.mapping[0].directory: must be a string, not a "
                   "boolean"});
  Cases.push_back({Object{{"directory", "../etc"}}, K::OutsideBase,
                   "'../etc' is not a path of '/base'"});
  Cases.push_back({Object{{"file", "conf:/a/../../etc/passwd"}}, K::OutsideBase,
                   "'a/../../etc/passwd' is not a path of '/base'"});
  Cases.push_back({Object{{"directory", std::string("a\0b", 3)}},
                   K::InvalidMapping,
                   "namespace.mapping[0].directory: the path contains a NUL "
                   "byte"});
  Cases.push_back({Object{{"directory", "d"}, {"mode", "0644"}},
                   K::InvalidMapping,
                   "namespace.mapping[0].mode: must be an integer, not a "
                   "string"});
  Cases.push_back({Object{{"directory", "d"}, {"mode", true}},
                   K::InvalidMapping,
                   "namespace.mapping[0].mode: must be an integer, not a "
                   "boolean"});
  Cases.push_back({Object{{"directory", "d"}, {"mode", 4096}},
                   K::InvalidMapping,
                   "namespace.mapping[0].mode: 4096 is out of range 0..4095 "
                   "(07777)"});
  Cases.push_back({Object{{"directory", "d"}, {"umask", 512}},
                   K::InvalidMapping,
                   "namespace.mapping[0].umask: 512 is out of range 0..511 "
                   "(0777)"});
  Cases.push_back({Object{{"directory", "d"}, {"mode", 1.5}}, K::InvalidMapping,
                   "namespace.mapping[0].mode: must be an integer, not a "
                   "number"});
  Cases.push_back({Object{{"directory", "d"}, {"owner", -1}}, K::InvalidMapping,
                   "namespace.mapping[0].owner: -1 is out of range for an id"});
  Cases.push_back({Object{{"directory", "d"}, {"owner", Array{}}},
                   K::InvalidMapping,
                   "namespace.mapping[0].owner: must be an integer or a "
                   "string, not a list"});
  Cases.push_back({Object{{"directory", "d"}, {"owner", "no-such-user-xyz"}},
                   K::UnknownOwner,
                   "namespace.mapping[0].owner: unknown user "
                   "'no-such-user-xyz'"});
  Cases.push_back({Object{{"directory", "d"}, {"group", "no-such-group-xyz"}},
                   K::UnknownOwner,
                   "namespace.mapping[0].group: unknown group "
                   "'no-such-group-xyz'"});
  Cases.push_back({Object{{"directory", "d"}, {"group", ""}}, K::InvalidMapping,
                   "namespace.mapping[0].group: the name is empty"});
  Cases.push_back({Object{{"directory", "d"}, {"prefix", 3}}, K::InvalidMapping,
                   "namespace.mapping[0].prefix: must be a string or a "
                   "boolean, not a number"});
  for (Case &C : Cases) {
    auto [Kind, Msg] = mappingError(Array{C.Item});
    EXPECT_EQ(Kind, C.Kind) << C.Message;
    EXPECT_EQ(Msg, C.Message);
  }
  EXPECT_EQ(mappingError(Array{}).second,
            "namespace.mapping: must not be empty");
  // The index of the failing item is named.
  EXPECT_EQ(mappingError(Array{Object{{"directory", "ok"}}, 5}).second,
            "namespace.mapping[1]: must be a map, not a number");
}

TEST_F(NamespaceStoreTest, MappingNormalisesPaths) {
  auto E = must(parseNamespaceMapping(
      Array{Object{{"file", "conf:/usr/local/etc/app.conf"}},
            Object{{"file", Array{"key", "a/./b/../c//d"}}},
            Object{{"directory", "/"}, {"mode", 0700}},
            Object{{"directory", "x/"},
                   {"owner", "root"},
                   {"group", 0},
                   {"umask", 077},
                   {"prefix", false},
                   {"mode", nullptr}},
            Object{{"file", "conf:a:b"}, {"owner", "4321"}}},
      "/base"));
  ASSERT_EQ(E.size(), 5u);
  EXPECT_EQ(E[0].Kind, NamespaceEntry::File);
  EXPECT_EQ(E[0].Metadata, "conf");
  EXPECT_EQ(E[0].Path, "usr/local/etc/app.conf");
  EXPECT_EQ(E[1].Metadata, "key");
  EXPECT_EQ(E[1].Path, "a/c/d");
  EXPECT_EQ(E[2].Kind, NamespaceEntry::Directory);
  EXPECT_EQ(E[2].Path, "");
  EXPECT_EQ(E[2].Mode, 0700u);
  EXPECT_EQ(E[3].Path, "x");
  EXPECT_EQ(E[3].Owner, 0u);
  EXPECT_EQ(E[3].Group, 0u);
  EXPECT_EQ(E[3].Umask, 077u);
  EXPECT_EQ(E[3].Mode, std::nullopt);
  EXPECT_EQ(E[4].Path, "a:b");  // split at the first ':' only
  EXPECT_EQ(E[4].Owner, 4321u); // a numeric name that is no user: an id
}

TEST_F(NamespaceStoreTest, CreateBuildsTheTreeAndGetDescribesIt) {
  Array Mapping{Object{{"file", "conf:/etc/app/app.conf"}},
                Object{{"directory", "var/db"}},
                Object{{"file", Array{"key", "secret.txt"}}}};
  EXPECT_FALSE(Ns->exists("web"));
  EXPECT_EQ(must(Ns->get("web")), std::nullopt);
  ASSERT_EQ(must(Ns->create("web", Mapping)), Outcome::Created);
  EXPECT_TRUE(Ns->exists("web"));
  std::string Base = path("ns/web");
  EXPECT_EQ(Ns->pathOf("web"), Base);
  EXPECT_EQ(readFile(Base + "/etc/app/app.conf"), "listen 80\n");
  EXPECT_EQ(readFile(Base + "/secret.txt"), "secret");
  EXPECT_EQ(modeOf(Base) & 07777, 0755u);
  EXPECT_EQ(modeOf(Base + "/etc/app") & 07777, 0755u);
  EXPECT_EQ(modeOf(Base + "/secret.txt") & 07777, 0644u);

  Array Got = *must(Ns->get("web"));
  std::vector<std::string> Paths;
  for (const llvm::json::Value &V : Got) {
    const Object &O = *V.getAsObject();
    ASSERT_EQ(O.size(), 4u);
    auto P = O.getString("directory");
    bool IsDir = bool(P);
    if (!P)
      P = O.getString("file");
    ASSERT_TRUE(P);
    Paths.push_back(P->str());
    struct stat St;
    ASSERT_EQ(::lstat(P->str().c_str(), &St), 0);
    EXPECT_EQ(*O.getInteger("owner"), int64_t(St.st_uid));
    EXPECT_EQ(*O.getInteger("group"), int64_t(St.st_gid));
    EXPECT_EQ(*O.getInteger("mode"), int64_t(St.st_mode)); // raw st_mode
    EXPECT_EQ(IsDir, S_ISDIR(St.st_mode));
  }
  std::vector<std::string> Want = {
      Base + "/etc",        Base + "/etc/app", Base + "/etc/app/app.conf",
      Base + "/secret.txt", Base + "/var",     Base + "/var/db"};
  EXPECT_EQ(Paths, Want);
  // Depth-first with sorted children, directories carry S_IFDIR.
  EXPECT_EQ(*Got[0].getAsObject()->getInteger("mode"), int64_t(040755));
  EXPECT_EQ(*Got[2].getAsObject()->getInteger("mode"), int64_t(0100644));
}

TEST_F(NamespaceStoreTest, CreateOfAnExistingNamespaceChangesNothing) {
  ASSERT_EQ(must(Ns->create("web", Array{Object{{"file", "conf:a"}}})),
            Outcome::Created);
  EXPECT_EQ(must(Ns->create("web", Array{Object{{"file", "key:b"}}})),
            Outcome::Unchanged);
  EXPECT_TRUE(llvm::sys::fs::exists(path("ns/web/a")));
  EXPECT_FALSE(llvm::sys::fs::exists(path("ns/web/b")));
}

TEST_F(NamespaceStoreTest, MissingMetadataWritesNothing) {
  Array Mapping{Object{{"directory", "d"}}, Object{{"file", "conf:a"}},
                Object{{"file", "absent:b"}}};
  auto [Kind, Msg] = errorOf(Ns->create("web", Mapping));
  EXPECT_EQ(Kind, StoreErrorKind::MissingMetadata);
  EXPECT_EQ(Msg, "namespace.mapping[2].file: metadata 'absent' does not exist");
  EXPECT_FALSE(Ns->exists("web"));
  EXPECT_EQ(rawList(path("ns")), std::vector<std::string>{});
  // An invalid mapping fails before the directory is even created.
  NamespaceStore Fresh(path("ns2"), *Meta);
  EXPECT_FALSE(bool(Fresh.create("web", Array{Object{{"directory", 1}}})));
  EXPECT_FALSE(llvm::sys::fs::exists(path("ns2")));
}

TEST_F(NamespaceStoreTest, ConflictingEntries) {
  auto [K1, M1] = errorOf(Ns->create(
      "web", Array{Object{{"directory", "a"}}, Object{{"file", "conf:a"}}}));
  EXPECT_EQ(K1, StoreErrorKind::InvalidMapping);
  EXPECT_EQ(M1, "namespace.mapping[1]: 'a' is a directory of an earlier "
                "entry, not a file");
  auto [K2, M2] = errorOf(Ns->create(
      "web", Array{Object{{"file", "conf:a"}}, Object{{"directory", "a/b"}}}));
  EXPECT_EQ(K2, StoreErrorKind::InvalidMapping);
  EXPECT_EQ(M2, "namespace.mapping[1]: 'a' is a file of an earlier entry, "
                "not a directory");
  EXPECT_FALSE(Ns->exists("web"));
  EXPECT_EQ(rawList(path("ns")), std::vector<std::string>{});
  // The same file twice: the later content wins.
  ASSERT_EQ(must(Ns->create("web", Array{Object{{"file", "conf:a"}},
                                         Object{{"file", "key:a"}}})),
            Outcome::Created);
  EXPECT_EQ(readFile(path("ns/web/a")), "secret");
}

TEST_F(NamespaceStoreTest, ModeAndUmask) {
  ASSERT_EQ(must(Ns->create(
                "web",
                Array{Object{{"file", "conf:private/app.conf"}, {"umask", 077}},
                      Object{{"file", "key:k"}, {"mode", 0400}},
                      Object{{"directory", "pub/x"}, {"mode", 01777}},
                      Object{{"directory", ""}, {"mode", 0750}}})),
            Outcome::Created);
  EXPECT_EQ(modeOf(path("ns/web/private")) & 07777, 0700u);
  EXPECT_EQ(modeOf(path("ns/web/private/app.conf")) & 07777, 0600u);
  EXPECT_EQ(modeOf(path("ns/web/k")) & 07777, 0400u);
  EXPECT_EQ(modeOf(path("ns/web/pub")) & 07777, 0755u);
  EXPECT_EQ(modeOf(path("ns/web/pub/x")) & 07777, 01777u);
  EXPECT_EQ(modeOf(path("ns/web")) & 07777, 0750u);
  // The process umask is left alone.
  mode_t Old = ::umask(022);
  EXPECT_EQ(Old, ::umask(Old));
}

TEST_F(NamespaceStoreTest, OwnerAndGroupAsRoot) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "chown needs root";
  ASSERT_EQ(must(Ns->create("web", Array{Object{{"file", "conf:a/app.conf"},
                                                {"owner", 1234},
                                                {"group", 5678},
                                                {"mode", 0640}},
                                         Object{{"directory", "a"},
                                                {"owner", "root"},
                                                {"group", "4242"}}})),
            Outcome::Created);
  struct stat St;
  ASSERT_EQ(::stat(path("ns/web/a/app.conf").c_str(), &St), 0);
  EXPECT_EQ(St.st_uid, 1234u);
  EXPECT_EQ(St.st_gid, 5678u);
  EXPECT_EQ(St.st_mode & 07777, 0640u);
  ASSERT_EQ(::stat(path("ns/web/a").c_str(), &St), 0);
  EXPECT_EQ(St.st_uid, 0u);
  EXPECT_EQ(St.st_gid, 4242u);
  Array Got = *must(Ns->get("web"));
  ASSERT_EQ(Got.size(), 2u);
  const Object &File = *Got[1].getAsObject();
  EXPECT_EQ(*File.getString("file"), path("ns/web/a/app.conf"));
  EXPECT_EQ(*File.getInteger("owner"), 1234);
  EXPECT_EQ(*File.getInteger("group"), 5678);
  EXPECT_EQ(*File.getInteger("mode"), int64_t(0100640));
  EXPECT_EQ(*Got[0].getAsObject()->getInteger("group"), 4242);
}

TEST_F(NamespaceStoreTest, UpdateSwapsTheTree) {
  ASSERT_EQ(must(Ns->update("web", Array{Object{{"file", "conf:old"}}})),
            Outcome::Created); // PUT works on a missing namespace
  ASSERT_EQ(must(Ns->update("web", Array{Object{{"file", "key:new"}}})),
            Outcome::Updated);
  EXPECT_FALSE(llvm::sys::fs::exists(path("ns/web/old")));
  EXPECT_EQ(readFile(path("ns/web/new")), "secret");
  EXPECT_EQ(rawList(path("ns")), std::vector<std::string>{"web"});

  // A failing update leaves the old tree as it was.
  EXPECT_EQ(errorOf(Ns->update("web", Array{Object{{"file", "gone:x"}}})).first,
            StoreErrorKind::MissingMetadata);
  EXPECT_EQ(
      errorOf(Ns->update("web", Array{Object{{"directory", "../x"}}})).first,
      StoreErrorKind::OutsideBase);
  EXPECT_EQ(errorOf(Ns->update("web", Array{Object{{"file", "conf:a"}},
                                            Object{{"directory", "a/b"}}}))
                .first,
            StoreErrorKind::InvalidMapping);
  EXPECT_EQ(readFile(path("ns/web/new")), "secret");
  EXPECT_EQ(rawList(path("ns")), std::vector<std::string>{"web"});
  EXPECT_EQ(rawList(path("ns/web")), std::vector<std::string>{"new"});
}

TEST_F(NamespaceStoreTest, RemoveAndList) {
  EXPECT_EQ(must(Ns->list()), std::vector<std::string>{}); // no directory
  for (llvm::StringRef N : {"zeta", "alpha", "mid.one"})
    ASSERT_EQ(must(Ns->create(N, Array{Object{{"directory", "d"}}})),
              Outcome::Created);
  makeDir("ns/.alpha.new-abcdef");
  makeDir("ns/not valid");
  writeFile("ns/afile", "x");
  EXPECT_EQ(must(Ns->list()),
            (std::vector<std::string>{"alpha", "mid.one", "zeta"}));
  EXPECT_EQ(must(Ns->remove("alpha")), Outcome::Deleted);
  EXPECT_EQ(must(Ns->remove("alpha")), Outcome::NotFound);
  EXPECT_EQ(must(Ns->remove("afile")), Outcome::NotFound);
  EXPECT_EQ(must(Ns->remove("../ns")), Outcome::InvalidKey);
  EXPECT_EQ(must(Ns->create("a/b", Array{Object{{"directory", "d"}}})),
            Outcome::InvalidKey);
  EXPECT_EQ(must(Ns->update("..", Array{Object{{"directory", "d"}}})),
            Outcome::InvalidKey);
  EXPECT_EQ(errorOf(Ns->get("..")).first, StoreErrorKind::InvalidName);
  EXPECT_FALSE(Ns->exists("alpha"));
  Ns->removeStaleTemporaries();
  EXPECT_EQ(rawList(path("ns")), (std::vector<std::string>{
                                     "afile", "mid.one", "not valid", "zeta"}));
}

TEST_F(NamespaceStoreTest, SymlinksAreNeverFollowed) {
  makeDir("outside");
  writeFile("outside/passwd", "root:x:0:0");
  ASSERT_EQ(must(Ns->create("web", Array{Object{{"directory", "d"}}})),
            Outcome::Created);
  // Planted by someone else: GET neither lists nor follows them.
  ASSERT_EQ(::symlink(path("outside").c_str(), path("ns/web/d/out").c_str()),
            0);
  ASSERT_EQ(
      ::symlink(path("outside/passwd").c_str(), path("ns/web/pw").c_str()), 0);
  Array Got = *must(Ns->get("web"));
  ASSERT_EQ(Got.size(), 1u);
  EXPECT_EQ(*Got[0].getAsObject()->getString("directory"), path("ns/web/d"));
  // An update rebuilds from scratch: the links are gone, the outside intact.
  ASSERT_EQ(must(Ns->update("web", Array{Object{{"file", "conf:d/out/x"}},
                                         Object{{"file", "conf:pw"}}})),
            Outcome::Updated);
  EXPECT_EQ(modeOf(path("ns/web/d/out")) & S_IFMT, unsigned(S_IFDIR));
  EXPECT_EQ(readFile(path("ns/web/pw")), "listen 80\n");
  EXPECT_EQ(rawList(path("outside")), std::vector<std::string>{"passwd"});
  EXPECT_EQ(readFile(path("outside/passwd")), "root:x:0:0");

  // A symlink where the namespace itself goes is not a namespace, and is
  // replaced (not followed) by create.
  ASSERT_EQ(::symlink(path("outside").c_str(), path("ns/evil").c_str()), 0);
  EXPECT_FALSE(Ns->exists("evil"));
  EXPECT_EQ(must(Ns->get("evil")), std::nullopt);
  EXPECT_EQ(must(Ns->remove("evil")), Outcome::NotFound);
  ASSERT_EQ(must(Ns->create("evil", Array{Object{{"file", "conf:passwd"}}})),
            Outcome::Created);
  EXPECT_EQ(readFile(path("outside/passwd")), "root:x:0:0");
  EXPECT_EQ(readFile(path("ns/evil/passwd")), "listen 80\n");
}

TEST_F(NamespaceStoreTest, ReadersNeverSeeAMissingTreeDuringUpdates) {
  Array A{Object{{"file", "conf:a"}}, Object{{"directory", "x/y"}}};
  Array B{Object{{"file", "key:b"}}};
  ASSERT_EQ(must(Ns->create("web", A)), Outcome::Created);
  std::atomic<bool> Done{false};
  std::atomic<int> Gaps{0}, Reads{0};
  std::thread Reader([&] {
    while (!Done) {
      // The name always names a whole tree, old or new.
      if (!Ns->exists("web"))
        ++Gaps;
      ++Reads;
    }
  });
  std::vector<std::thread> Writers;
  std::atomic<int> Failures{0};
  for (int T = 0; T < 4; ++T)
    Writers.emplace_back([&, T] {
      for (int R = 0; R < 25; ++R) {
        auto O = Ns->update("web", (T + R) % 2 ? A : B);
        if (!O || *O != Outcome::Updated)
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
  EXPECT_GT(Reads, 0);
#ifdef __linux__
  EXPECT_EQ(Gaps, 0) << "renameat2(RENAME_EXCHANGE) swaps atomically";
#endif
  EXPECT_EQ(rawList(path("ns")), std::vector<std::string>{"web"});
}

TEST_F(NamespaceStoreTest, PlanMappingLines) {
  Object O = must(namespaceMappingFromLine(
      "file conf:/etc/my app.conf owner=root group=0 mode=0644 umask=022"));
  EXPECT_EQ(O, (Object{{"file", "conf:/etc/my app.conf"},
                       {"owner", "root"},
                       {"group", 0},
                       {"mode", 0644},
                       {"umask", 022}}));
  EXPECT_EQ(must(namespaceMappingFromLine("directory var/db mode=0700")),
            (Object{{"directory", "var/db"}, {"mode", 0700}}));
  EXPECT_EQ(must(namespaceMappingFromLine("directory ")),
            (Object{{"directory", ""}}));
  EXPECT_EQ(must(namespaceMappingFromLine("directory a owner=1001")),
            (Object{{"directory", "a"}, {"owner", 1001}}));
  // Options out of order are part of the path (Lower never prints that).
  EXPECT_EQ(must(namespaceMappingFromLine("directory a mode=0700 owner=1")),
            (Object{{"directory", "a mode=0700"}, {"owner", 1}}));
  EXPECT_EQ(errorOf(namespaceMappingFromLine("appConfig")).second,
            "mapping line 'appConfig': must start with 'file ' or "
            "'directory '");
  EXPECT_EQ(errorOf(namespaceMappingFromLine("directory a mode=0999")).second,
            "mapping line 'directory a mode=0999': 'mode=0999' is not an "
            "octal number");
  EXPECT_EQ(errorOf(namespaceMappingFromLine("directory a owner=")).second,
            "mapping line 'directory a owner=': 'owner' has no value");

  // Lines feed the store directly.
  Array Mapping;
  for (llvm::StringRef L :
       {"file conf:etc/app.conf mode=0600", "directory var/run umask=077"})
    Mapping.push_back(must(namespaceMappingFromLine(L)));
  ASSERT_EQ(must(Ns->create("web", Mapping)), Outcome::Created);
  EXPECT_EQ(modeOf(path("ns/web/etc/app.conf")) & 07777, 0600u);
  EXPECT_EQ(modeOf(path("ns/web/var")) & 07777, 0700u);
}

TEST_F(NamespaceStoreTest, RelativeDirectoryIsMadeAbsolute) {
  NamespaceStore Rel("some/../rel-ns", *Meta);
  llvm::SmallString<128> Cwd;
  ASSERT_FALSE(llvm::sys::fs::current_path(Cwd));
  EXPECT_EQ(Rel.dir(), std::string(Cwd) + "/rel-ns");
}

} // namespace
