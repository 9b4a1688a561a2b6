// The PostgreSQL driver: one libpq connection behind the sql::Connection interface. Statements
// are prepared once per connection and reused; a lost connection is re-established on next use.
#pragma once

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/datastore/sql/connection.h"

namespace edgeid::server::postgres {

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultCloser {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultCloser>;

class PgConnection final : public sql::Connection {
 public:
  // `conninfo` is a libpq connection string ("host=/run/postgresql dbname=edgeid" or a
  // postgresql:// URI). It may hold a password, so it is never part of an error.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo);

  Result<std::unique_ptr<sql::Statement>> Prepare(std::string_view sql) override;
  Status Exec(std::string_view sql) override;
  Status Begin() override;
  Status BeginRead() override;
  Status Commit() override;
  void Rollback() override;
  // The counter the schema's triggers bump in every transaction that changes entries; it is
  // read after commit, so a reader that sees it changed also sees the change.
  Result<int64_t> ChangeMarker() override;

  // Runs a prepared statement (preparing it on first use); used by the statements.
  Result<ResultPtr> Execute(const std::string& sql, const std::vector<std::string>& params);

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Status EnsureConnected();
  Error ResultError(const PGresult* result, std::string_view what) const;

  std::unique_ptr<PGconn, ConnCloser> conn_;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
  bool in_transaction_ = false;
};

}  // namespace edgeid::server::postgres
