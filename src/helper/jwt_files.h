// JWT-SVID and JWT bundle files: which token to keep, when to fetch it again, which bundle to
// write.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "workloadapi/workload_client.h"

namespace edgeid::helper {

using TimePoint = std::chrono::system_clock::time_point;

// The token whose hint is `hint`, or the first when `hint` is empty.
Result<workloadapi::JwtSvidResult> SelectJwtSvid(
    const std::vector<workloadapi::JwtSvidResult>& svids, const std::string& hint);

// The token's "exp", read without validation: the agent just handed the token over.
Result<TimePoint> JwtExpiry(std::string_view token);

// When to fetch again: half of the lifetime left at `now` (as spiffe-helper, plus a second), so
// that the file never holds a token past its half-life by more than that second; at least a
// second from now.
TimePoint JwtRefreshTime(TimePoint expiry, TimePoint now);

// The JWK set of `trust_domain` from FetchJWTBundles' answer.
Result<std::string> JwtBundleOf(const std::map<std::string, std::string>& bundles,
                                const std::string& trust_domain);

}  // namespace edgeid::helper
