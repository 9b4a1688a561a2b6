// What the SQL DataStore needs from a database driver: statements with numbered parameters
// ($1, $2, ...), transactions and a change marker. SQLite and PostgreSQL implement it, so the
// datastore's SQL and logic are written once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid::server::sql {

class Statement {
 public:
  virtual ~Statement() = default;

  // Makes the statement ready to run again with new parameters.
  virtual Statement& Reset() = 0;
  // Parameters are numbered from 1, as $1 in the SQL text.
  virtual Statement& Bind(int index, std::string_view text) = 0;
  virtual Statement& Bind(int index, int64_t value) = 0;
  // One row: true when a row is available, false when done.
  virtual Result<bool> Step() = 0;
  // Runs to completion, for statements that return no rows; the number of rows changed.
  virtual Result<int64_t> Run() = 0;

  virtual std::string Text(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;

  // Errors map to the codes callers act on: AlreadyExists for a unique-key violation,
  // InvalidArgument for data the database refuses, Unavailable for a lost connection or a busy
  // database.
  virtual Result<std::unique_ptr<Statement>> Prepare(std::string_view sql) = 0;
  // One or more statements without parameters.
  virtual Status Exec(std::string_view sql) = 0;
  // A transaction that holds the write lock from the start where the database has one.
  virtual Status Begin() = 0;
  // A read-only transaction whose statements all see one snapshot, so that an entry and its
  // selectors are read as of the same moment.
  virtual Status BeginRead() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // A number that changes when another connection commits a change to registration entries.
  virtual Result<int64_t> ChangeMarker() = 0;
};

// Begin on construction; rolled back on destruction unless Commit succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& db) {
    EDGEID_RETURN_IF_ERROR(db.Begin());
    return Transaction(&db);
  }
  static Result<Transaction> BeginRead(Connection& db) {
    EDGEID_RETURN_IF_ERROR(db.BeginRead());
    return Transaction(&db);
  }
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() {
    if (db_ != nullptr) db_->Rollback();
  }
  Status Commit() {
    EDGEID_RETURN_IF_ERROR(db_->Commit());
    db_ = nullptr;
    return OkStatus();
  }

 private:
  explicit Transaction(Connection* db) : db_(db) {}
  Connection* db_;
};

}  // namespace edgeid::server::sql
