#include "server/federation/bundle_endpoint.h"

#include <httplib.h>

namespace edgeid::server::federation {

void AddBundleEndpointRoutes(httplib::Server& http,
                             std::function<spiffe::SpiffeBundle()> current_bundle,
                             std::chrono::seconds refresh_hint) {
  http.Get("/", [current_bundle = std::move(current_bundle), refresh_hint](const httplib::Request&,
                                                                           httplib::Response& res) {
    spiffe::SpiffeBundle bundle = current_bundle();
    bundle.set_refresh_hint(refresh_hint);
    res.set_header("Cache-Control", "no-store");
    res.set_content(bundle.ToJson(true), "application/json");
  });
}

}  // namespace edgeid::server::federation
