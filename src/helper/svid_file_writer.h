// Writes what the configuration asks for from what the Workload API returned. Fetching (and
// retrying) is the caller's: one-shot and daemon modes differ there, not in the files.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "helper/helper_config.h"
#include "workloadapi/workload_client.h"

namespace edgeid::helper {

class SvidFileWriter {
 public:
  explicit SvidFileWriter(const HelperConfig& config) : config_(config) {}

  // The SVID the hint selects: writes svid/key/bundle files when configured, and makes its trust
  // domain the helper's (whose JWT bundle is written). Returns the SVID's SPIFFE ID.
  Result<std::string> WriteX509(const workloadapi::X509Context& context);
  // The audiences of jwt_svids[i]: jwt_audience, then jwt_extra_audiences.
  std::vector<std::string> AudienceOf(size_t i) const;
  // The token the hint selects from FetchJWTSVID's answer for jwt_svids[i], into its file. The
  // helper's trust domain becomes the token's when no X.509-SVID set it. Returns its expiry.
  Result<std::chrono::system_clock::time_point> WriteJwtSvid(
      size_t i, const std::vector<workloadapi::JwtSvidResult>& svids);
  // The JWK set of the helper's trust domain from FetchJWTBundles' answer, into
  // jwt_bundle_file_name.
  Status WriteJwtBundle(const std::map<std::string, std::string>& bundles);

  const std::string& trust_domain() const { return trust_domain_; }

 private:
  const HelperConfig& config_;
  std::string trust_domain_;
};

}  // namespace edgeid::helper
