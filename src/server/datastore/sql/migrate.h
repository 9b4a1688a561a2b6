// Versioned schema migrations, shared by the SQL drivers: each driver supplies its own steps.
#pragma once

#include <span>

#include "common/result.h"
#include "server/datastore/sql/connection.h"

namespace edgeid::server::sql {

// steps[i] takes the schema from version i to version i + 1. Never edit a released step: add a
// new one.
using MigrationSteps = std::span<const char* const>;

// Brings the database up to `target` (all steps unless a test asks for fewer), one transaction
// per step. A database written by a newer edgeid is refused rather than guessed at.
Status Migrate(Connection& db, MigrationSteps steps, int target);
Result<int> SchemaVersion(Connection& db);

}  // namespace edgeid::server::sql
