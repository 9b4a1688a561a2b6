// The SQLite schema and its versioned migrations.
#pragma once

#include <sqlite3.h>

#include "common/result.h"

namespace edgeid::server::sqlite {

inline constexpr int kSchemaVersion = 2;

// Brings the database up to `target` (kSchemaVersion unless a test asks for an older one), one
// transaction per step. A database written by a newer edgeid is refused rather than guessed at.
Status Migrate(sqlite3* db, int target = kSchemaVersion);
Result<int> SchemaVersion(sqlite3* db);

}  // namespace edgeid::server::sqlite
