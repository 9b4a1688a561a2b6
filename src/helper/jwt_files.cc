#include "helper/jwt_files.h"

#include "spiffe/jwt_svid.h"

namespace edgeid::helper {

Result<workloadapi::JwtSvidResult> SelectJwtSvid(
    const std::vector<workloadapi::JwtSvidResult>& svids, const std::string& hint) {
  if (svids.empty()) return PermissionDenied("the Workload API returned no JWT-SVID");
  if (hint.empty()) return svids.front();
  for (const auto& svid : svids) {
    if (svid.hint == hint) return svid;
  }
  return NotFound("no JWT-SVID has the hint \"" + hint + "\"");
}

Result<TimePoint> JwtExpiry(std::string_view token) {
  auto claims = spiffe::ParseJwtClaimsInsecure(token);
  if (!claims.ok()) return claims.error().Wrap("JWT-SVID from the agent");
  auto exp = claims->find("exp");
  if (exp == claims->end() || !exp->is_number()) {
    return InvalidArgument("JWT-SVID from the agent has no numeric exp claim");
  }
  return TimePoint(std::chrono::seconds(exp->get<int64_t>()));
}

TimePoint JwtRefreshTime(TimePoint expiry, TimePoint now) {
  constexpr auto kSecond = std::chrono::seconds(1);
  auto left = expiry - now;
  auto refresh = now + left / 2 + kSecond;
  if (refresh < now + kSecond || refresh > expiry) refresh = now + kSecond;
  return refresh;
}

Result<std::string> JwtBundleOf(const std::map<std::string, std::string>& bundles,
                                const std::string& trust_domain) {
  auto it = bundles.find(trust_domain);
  if (it == bundles.end()) return NotFound("no JWT bundle for trust domain " + trust_domain);
  return it->second;
}

}  // namespace edgeid::helper
