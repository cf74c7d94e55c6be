//===- QueueTestSupport.h - Helpers for the job queue tests -----*- C++ -*-===//
//
// A temporary directory per test, a settable clock, and must() to unwrap
// llvm::Expected values (a failure throws, which GoogleTest reports).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_UNITTESTS_QUEUE_QUEUETESTSUPPORT_H
#define OVERLORD_ENGINE_UNITTESTS_QUEUE_QUEUETESTSUPPORT_H

#include "overlord/Engine/JobQueue.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <stdexcept>

namespace overlord {
namespace engine {
namespace test {

/// Unwraps E or throws with its message.
template <typename T> T must(llvm::Expected<T> E) {
  if (!E)
    throw std::runtime_error(llvm::toString(E.takeError()));
  return std::move(*E);
}

inline void must(llvm::Error E) {
  if (E)
    throw std::runtime_error(llvm::toString(std::move(E)));
}

/// True if E is an error (consumed).
inline bool fails(llvm::Error E) {
  bool Failed = static_cast<bool>(E);
  llvm::consumeError(std::move(E));
  return Failed;
}
template <typename T> bool fails(llvm::Expected<T> E) {
  if (E)
    return false;
  llvm::consumeError(E.takeError());
  return true;
}

/// A fresh directory with a queue path in it; removed afterwards.
class QueueTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("overlord-queue", Dir));
    llvm::SmallString<128> P(Dir);
    llvm::sys::path::append(P, "jobs.db");
    Path = std::string(P);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }

  /// Options with the test clock.
  JobQueueOptions options() {
    JobQueueOptions O;
    O.Clock = [this] { return Now; };
    return O;
  }
  std::unique_ptr<JobQueue> open(JobQueueOptions O) {
    return must(JobQueue::open(Path, std::move(O)));
  }
  std::unique_ptr<JobQueue> open() { return open(options()); }

  static NewJob up(std::string Project, std::string Payload = "{}") {
    NewJob J;
    J.Kind = JobKind::ProjectUp;
    J.Project = std::move(Project);
    J.Target = "main";
    J.Payload = std::move(Payload);
    return J;
  }

  llvm::SmallString<128> Dir;
  std::string Path;
  double Now = 1700000000.0;
};

} // namespace test
} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_UNITTESTS_QUEUE_QUEUETESTSUPPORT_H
