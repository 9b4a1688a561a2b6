// The federation and OIDC tables of the server's config: [server.federation.bundle_endpoint],
// [server.federation.federates_with."<trust domain>"] and [server.oidc_discovery].
#pragma once

#include <toml++/toml.h>

#include "common/result.h"
#include "server/config/server_config.h"

namespace edgeid::server {

// Reads them from the `server` table into `config`, whose other fields are already set (the
// relationships are checked against its trust domain). Files named are read now, so that a
// missing or broken one is a startup error.
Status ReadFederationTables(const toml::table& server, ServerConfig& config);

}  // namespace edgeid::server
