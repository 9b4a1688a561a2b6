// The DataStore on PostgreSQL, for several servers sharing one database. Each server keeps a
// small pool of connections; schema migrations run under an advisory lock so that servers
// starting together migrate once.
#pragma once

#include <memory>
#include <string>

#include "server/datastore/datastore.h"

namespace edgeid::server {

struct PostgresOptions {
  std::string connection_string;  // libpq syntax; may hold a password, never logged
  int max_open_conns = 4;
};

Result<std::unique_ptr<DataStore>> OpenPostgresDataStore(const PostgresOptions& options);

}  // namespace edgeid::server
