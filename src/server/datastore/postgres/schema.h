// The PostgreSQL schema, as the versioned steps sql::Migrate applies. Its versions are its own:
// a PostgreSQL database is never opened by the SQLite driver or the reverse.
#pragma once

#include "server/datastore/sql/migrate.h"

namespace edgeid::server::postgres {

sql::MigrationSteps MigrationSteps();

}  // namespace edgeid::server::postgres
