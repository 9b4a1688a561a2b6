#include "server/datastore/sql/migrate.h"

#include <string>

namespace edgeid::server::sql {

Result<int> SchemaVersion(Connection& db) {
  EDGEID_RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  auto stmt = EDGEID_TRY(db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  EDGEID_TRY(stmt->Step());
  return static_cast<int>(stmt->Int(0));
}

Status Migrate(Connection& db, MigrationSteps steps, int target) {
  const int latest = static_cast<int>(steps.size());
  int version = EDGEID_TRY(SchemaVersion(db));
  if (version > latest) {
    return FailedPrecondition("database schema version " + std::to_string(version) +
                              " is newer than this edgeid supports (" + std::to_string(latest) +
                              ")");
  }
  for (int step = version; step < target && step < latest; ++step) {
    auto tx = EDGEID_TRY(Transaction::Begin(db));
    EDGEID_RETURN_IF_ERROR(db.Exec(steps[static_cast<size_t>(step)]));
    auto record = EDGEID_TRY(db.Prepare("INSERT INTO schema_version VALUES ($1)"));
    EDGEID_TRY(record->Bind(1, int64_t{step + 1}).Run());
    EDGEID_RETURN_IF_ERROR(tx.Commit());
  }
  return OkStatus();
}

}  // namespace edgeid::server::sql
