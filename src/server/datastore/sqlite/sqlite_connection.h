// The SQLite driver: one connection to one database file, behind the sql::Connection interface.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "server/datastore/sql/connection.h"

namespace edgeid::server::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

class SqliteConnection final : public sql::Connection {
 public:
  // Opens an existing or new file (created with mode 0600: it holds join tokens) in WAL mode,
  // synchronous=FULL, foreign keys on.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path);

  Result<std::unique_ptr<sql::Statement>> Prepare(std::string_view sql) override;
  Status Exec(std::string_view sql) override;
  Status Begin() override;
  Status BeginRead() override;
  Status Commit() override;
  void Rollback() override;
  // SQLite's data_version: it changes when another connection commits to the file.
  Result<int64_t> ChangeMarker() override;

 private:
  explicit SqliteConnection(DbPtr db) : db_(std::move(db)) {}
  DbPtr db_;
};

}  // namespace edgeid::server::sqlite
