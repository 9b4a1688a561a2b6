// The SPIFFE bundle endpoint's document (SPIFFE_Federation.md §4): GET on the root path returns
// the trust domain's bundle with spiffe_sequence and spiffe_refresh_hint.
#pragma once

#include <chrono>
#include <functional>

#include "spiffe/spiffe_bundle.h"

namespace httplib {
class Server;
}

namespace edgeid::server::federation {

void AddBundleEndpointRoutes(httplib::Server& http,
                             std::function<spiffe::SpiffeBundle()> current_bundle,
                             std::chrono::seconds refresh_hint);

}  // namespace edgeid::server::federation
