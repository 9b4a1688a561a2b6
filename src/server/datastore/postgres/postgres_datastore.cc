#include "server/datastore/postgres/postgres_datastore.h"

#include "server/datastore/postgres/pg_connection.h"
#include "server/datastore/postgres/schema.h"
#include "server/datastore/sql/sql_datastore.h"

namespace edgeid::server {
namespace {

// The advisory lock key that serialises migrations between servers ("edgeid" in ASCII).
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(111481905834340)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(111481905834340)";

Status MigrateLocked(postgres::PgConnection& conn) {
  EDGEID_RETURN_IF_ERROR(conn.Exec(kMigrationLock));
  const auto steps = postgres::MigrationSteps();
  Status migrated = sql::Migrate(conn, steps, static_cast<int>(steps.size()));
  Status unlocked = conn.Exec(kMigrationUnlock);
  if (!migrated.ok()) return migrated;
  return unlocked;
}

}  // namespace

Result<std::unique_ptr<DataStore>> OpenPostgresDataStore(const PostgresOptions& options) {
  if (options.max_open_conns < 1) {
    return InvalidArgument("max_open_conns must be at least 1");
  }
  std::vector<std::unique_ptr<sql::Connection>> pool;
  for (int i = 0; i < options.max_open_conns; ++i) {
    auto conn = postgres::PgConnection::Connect(options.connection_string);
    if (!conn.ok()) return conn.error().Wrap("datastore");
    if (i == 0) {
      auto migrated = MigrateLocked(**conn);
      if (!migrated.ok()) return migrated.error().Wrap("datastore");
    }
    pool.push_back(std::move(*conn));
  }
  return std::unique_ptr<DataStore>(std::make_unique<SqlDataStore>(std::move(pool)));
}

}  // namespace edgeid::server
