//===- StoreTestSupport.h - Helpers for the store tests ---------*- C++ -*-===//
//
// A fresh temporary directory per test, small file helpers and must() to
// unwrap llvm::Expected values (a failure throws, which GoogleTest reports).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_UNITTESTS_STORE_STORETESTSUPPORT_H
#define OVERLORD_ENGINE_UNITTESTS_STORE_STORETESTSUPPORT_H

#include "overlord/Engine/MetadataStore.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace llvm {
namespace json {
/// GoogleTest prints JSON objects as JSON (found by argument lookup).
inline void PrintTo(const Object &O, std::ostream *OS) {
  std::string S;
  llvm::raw_string_ostream(S) << llvm::json::Value(Object(O));
  *OS << S;
}
} // namespace json
} // namespace llvm

namespace overlord {
namespace engine {
namespace storetest {

/// Unwraps E or throws with its message.
template <typename T> T must(llvm::Expected<T> E) {
  if (!E)
    throw std::runtime_error(llvm::toString(E.takeError()));
  return std::move(*E);
}

/// The kind and message of the error in E; fails the test if E succeeded.
template <typename T>
std::pair<StoreErrorKind, std::string> errorOf(llvm::Expected<T> E) {
  if (E) {
    ADD_FAILURE() << "expected an error";
    return {StoreErrorKind::Io, ""};
  }
  return takeStoreError(E.takeError());
}

/// A fresh directory, removed afterwards.
class StoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> D;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("overlord-store", D));
    llvm::SmallString<128> Real;
    ASSERT_FALSE(llvm::sys::fs::real_path(D, Real));
    Root = std::string(Real);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Root); }

  std::string path(llvm::StringRef Rel) const { return Root + "/" + Rel.str(); }

  /// Writes Content to Root/Rel, creating parent directories.
  void writeFile(llvm::StringRef Rel, llvm::StringRef Content) const {
    std::string P = path(Rel);
    llvm::sys::fs::create_directories(llvm::sys::path::parent_path(P));
    std::ofstream(P, std::ios::binary) << Content.str();
  }
  void makeDir(llvm::StringRef Rel) const {
    llvm::sys::fs::create_directories(path(Rel));
  }

  static std::string readFile(const std::string &P) {
    std::ifstream In(P, std::ios::binary);
    std::stringstream SS;
    SS << In.rdbuf();
    return SS.str();
  }

  /// Every name in Dir (hidden ones included), sorted.
  static std::vector<std::string> rawList(const std::string &Dir) {
    std::vector<std::string> Out;
    std::error_code EC;
    for (llvm::sys::fs::directory_iterator I(Dir, EC), E; !EC && I != E;
         I.increment(EC))
      Out.push_back(std::string(llvm::sys::path::filename(I->path())));
    std::sort(Out.begin(), Out.end());
    return Out;
  }

  static mode_t modeOf(const std::string &P) {
    struct stat St;
    return ::lstat(P.c_str(), &St) == 0 ? St.st_mode : 0;
  }

  std::string Root;
};

} // namespace storetest
} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_UNITTESTS_STORE_STORETESTSUPPORT_H
