//===- Sqlite.h - A thin RAII layer over the SQLite C API -------*- C++ -*-===//
//
// Private to the Queue library: prepared statements with typed binds and
// columns, errors as llvm::Error, and an IMMEDIATE transaction guard.
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_QUEUE_SQLITE_H
#define OVERLORD_ENGINE_QUEUE_SQLITE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

namespace overlord {
namespace engine {
namespace sql {

/// An error carrying SQLite's message for Db.
inline llvm::Error error(sqlite3 *Db, llvm::StringRef What) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "job queue: %s: %s", What.str().c_str(),
                                 Db ? sqlite3_errmsg(Db) : "out of memory");
}

/// Runs one or more statements without results.
inline llvm::Error exec(sqlite3 *Db, const char *Sql) {
  char *Msg = nullptr;
  if (sqlite3_exec(Db, Sql, nullptr, nullptr, &Msg) == SQLITE_OK)
    return llvm::Error::success();
  std::string Text = Msg ? Msg : "unknown error";
  sqlite3_free(Msg);
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "job queue: %s", Text.c_str());
}

/// A prepared statement; binds are 1-based, columns 0-based.
class Stmt {
public:
  Stmt(sqlite3 *Db, const char *Sql) : Db(Db) {
    if (sqlite3_prepare_v2(Db, Sql, -1, &S, nullptr) != SQLITE_OK)
      Err = sqlite3_errmsg(Db);
  }
  ~Stmt() { sqlite3_finalize(S); }
  Stmt(const Stmt &) = delete;
  Stmt &operator=(const Stmt &) = delete;

  Stmt &bind(int I, std::int64_t V) {
    sqlite3_bind_int64(S, I, V);
    return *this;
  }
  Stmt &bind(int I, int V) { return bind(I, static_cast<std::int64_t>(V)); }
  Stmt &bind(int I, bool V) { return bind(I, static_cast<std::int64_t>(V)); }
  Stmt &bind(int I, double V) {
    sqlite3_bind_double(S, I, V);
    return *this;
  }
  Stmt &bind(int I, llvm::StringRef V) {
    sqlite3_bind_text(S, I, V.data(), static_cast<int>(V.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Stmt &bind(int I, const char *V) { return bind(I, llvm::StringRef(V)); }
  Stmt &bind(int I, const std::string &V) {
    return bind(I, llvm::StringRef(V));
  }
  template <typename T> Stmt &bind(int I, const std::optional<T> &V) {
    if (!V) {
      sqlite3_bind_null(S, I);
      return *this;
    }
    return bind(I, *V);
  }

  /// Makes the statement ready to run again with new binds.
  Stmt &reset() {
    sqlite3_reset(S);
    sqlite3_clear_bindings(S);
    return *this;
  }

  /// Steps once: true with a row, false when done.
  llvm::Expected<bool> step() {
    if (!Err.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "job queue: prepare: %s", Err.c_str());
    int Rc = sqlite3_step(S);
    if (Rc == SQLITE_ROW)
      return true;
    if (Rc == SQLITE_DONE)
      return false;
    return error(Db, "step");
  }
  /// Steps to completion, for statements without rows.
  llvm::Error run() {
    while (true) {
      auto Row = step();
      if (!Row)
        return Row.takeError();
      if (!*Row)
        return llvm::Error::success();
    }
  }

  bool isNull(int C) const { return sqlite3_column_type(S, C) == SQLITE_NULL; }
  std::int64_t i64(int C) const { return sqlite3_column_int64(S, C); }
  double real(int C) const { return sqlite3_column_double(S, C); }
  std::string text(int C) const {
    const unsigned char *P = sqlite3_column_text(S, C);
    int N = sqlite3_column_bytes(S, C);
    return P ? std::string(reinterpret_cast<const char *>(P), N)
             : std::string();
  }

private:
  sqlite3 *Db;
  sqlite3_stmt *S = nullptr;
  std::string Err;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back unless commit() succeeded.
class Transaction {
public:
  explicit Transaction(sqlite3 *Db) : Db(Db) {}
  llvm::Error begin() {
    if (auto E = exec(Db, "BEGIN IMMEDIATE"))
      return E;
    Open = true;
    return llvm::Error::success();
  }
  /// With synchronous=FULL the commit returns after the WAL is synced.
  llvm::Error commit() {
    if (auto E = exec(Db, "COMMIT"))
      return E;
    Open = false;
    return llvm::Error::success();
  }
  ~Transaction() {
    if (Open)
      llvm::consumeError(exec(Db, "ROLLBACK"));
  }

private:
  sqlite3 *Db;
  bool Open = false;
};

} // namespace sql
} // namespace engine
} // namespace overlord

#endif // OVERLORD_ENGINE_QUEUE_SQLITE_H
