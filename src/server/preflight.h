// What `edgeid-server run` reads before it serves, read by `validate` too, so that a config that
// validates does not then fail to start: the upstream authority's certificate and key, the
// certificates the bundle endpoint (https_web) and OIDC discovery serve, and the disk key
// manager's key files and their modes. Reads only; creates nothing.
#pragma once

#include "common/result.h"
#include "server/config/server_config.h"

namespace edgeid::server {

Status CheckServerFiles(const ServerConfig& config);

}  // namespace edgeid::server
