// The embedded default DataStore: one SQLite file in WAL mode, written with synchronous=FULL so
// that an acknowledged change survives a crash or kill -9.
#pragma once

#include <memory>
#include <string>

#include "server/datastore/datastore.h"

namespace edgeid::server {

// Opens (creating with mode 0600 if needed: join tokens are secrets) and migrates `path`. One
// connection: SQLite has one writer at a time anyway.
Result<std::unique_ptr<DataStore>> OpenSqliteDataStore(const std::string& path);

}  // namespace edgeid::server
