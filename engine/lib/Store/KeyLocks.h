//===- KeyLocks.h - One mutex per key, created on demand --------*- C++ -*-===//
//
// Serialises the writers of one metadata key or namespace, like the
// reference's per-key asyncio locks, without growing forever: an entry lives
// only while a thread holds or waits for it.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_LIB_STORE_KEYLOCKS_H
#define OVERLORD_ENGINE_LIB_STORE_KEYLOCKS_H

#include "llvm/ADT/StringRef.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace overlord {
namespace engine {

/// A map of mutexes keyed by name; lock() blocks while another thread holds
/// the same name.
class KeyLocks {
  struct Entry {
    std::mutex M;
    unsigned Users = 0; ///< holders and waiters; guarded by KeyLocks::Mutex
  };

public:
  /// Holds one name's mutex until destroyed.
  class Guard {
  public:
    Guard(KeyLocks &Owner, std::map<std::string, Entry>::iterator It)
        : Owner(&Owner), It(It) {}
    Guard(Guard &&O) noexcept : Owner(O.Owner), It(O.It) { O.Owner = nullptr; }
    Guard(const Guard &) = delete;
    Guard &operator=(const Guard &) = delete;
    Guard &operator=(Guard &&) = delete;
    ~Guard() {
      if (Owner)
        Owner->release(It);
    }

  private:
    KeyLocks *Owner;
    std::map<std::string, Entry>::iterator It;
  };

  /// Locks Name (blocking).
  Guard lock(llvm::StringRef Name) {
    std::map<std::string, Entry>::iterator It;
    {
      std::lock_guard<std::mutex> L(Mutex);
      It = Map.try_emplace(Name.str()).first;
      ++It->second.Users;
    }
    It->second.M.lock();
    return Guard(*this, It);
  }

  /// Names currently held or waited for (for tests).
  size_t size() {
    std::lock_guard<std::mutex> L(Mutex);
    return Map.size();
  }

private:
  void release(std::map<std::string, Entry>::iterator It) {
    It->second.M.unlock();
    std::lock_guard<std::mutex> L(Mutex);
    if (--It->second.Users == 0)
      Map.erase(It);
  }

  std::mutex Mutex;
  // std::map: iterators and entries stay valid while other names come and go.
  std::map<std::string, Entry> Map;
};

} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_LIB_STORE_KEYLOCKS_H
