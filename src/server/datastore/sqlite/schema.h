// The SQLite schema, as the versioned steps sql::Migrate applies.
#pragma once

#include "server/datastore/sql/migrate.h"

namespace edgeid::server::sqlite {

sql::MigrationSteps MigrationSteps();

}  // namespace edgeid::server::sqlite
