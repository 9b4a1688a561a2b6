// RAII over the SQLite C API: a connection, prepared statements and transactions.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid::server::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

// Maps the connection's last error to an Error; constraint violations become AlreadyExists.
Error DbError(sqlite3* db, std::string_view what);

class Statement {
 public:
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  // Makes the statement ready to run again with new parameters.
  Statement& Reset();
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  // One step: true when a row is available, false when done.
  Result<bool> Step();
  // Runs to completion, for statements that return no rows.
  Status Run();

  std::string Text(int column) const;
  int64_t Int(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  bool bind_failed_ = false;
};

// BEGIN IMMEDIATE on construction; rolled back on destruction unless Commit succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(sqlite3* db);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Executes one or more statements that take no parameters.
Status Exec(sqlite3* db, std::string_view sql);

}  // namespace edgeid::server::sqlite
