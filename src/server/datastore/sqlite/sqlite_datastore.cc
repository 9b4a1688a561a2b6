#include "server/datastore/sqlite/sqlite_datastore.h"

#include "server/datastore/sql/migrate.h"
#include "server/datastore/sql/sql_datastore.h"
#include "server/datastore/sqlite/schema.h"
#include "server/datastore/sqlite/sqlite_connection.h"

namespace edgeid::server {

Result<std::unique_ptr<DataStore>> OpenSqliteDataStore(const std::string& path) {
  auto conn = sqlite::SqliteConnection::Open(path);
  if (!conn.ok()) return conn.error().Wrap("datastore " + path);
  const auto steps = sqlite::MigrationSteps();
  auto migrated = sql::Migrate(**conn, steps, static_cast<int>(steps.size()));
  if (!migrated.ok()) return migrated.error().Wrap("datastore " + path);
  std::vector<std::unique_ptr<sql::Connection>> pool;
  pool.push_back(std::move(*conn));
  return std::unique_ptr<DataStore>(std::make_unique<SqlDataStore>(std::move(pool)));
}

}  // namespace edgeid::server
