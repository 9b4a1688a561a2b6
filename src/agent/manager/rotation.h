// When an SVID is renewed (SPIRE's rotationutil): at half its lifetime, moved by up to 10% of
// that half either way at random, so that many SVIDs issued together are not renewed together. With
// an availability target, as soon as no more than that much validity remains, so that workloads
// keep valid SVIDs through a server outage that long; the target is ignored when the lifetime
// leaves less than kMinRotationWait before it (renewals would never stop).
#pragma once

#include <chrono>
#include <optional>
#include <random>

namespace edgeid::agent {

using TimePoint = std::chrono::system_clock::time_point;

// An SVID must be this long-lived beyond the availability target for the target to apply.
inline constexpr std::chrono::seconds kMinRotationWait{12 * 3600};

struct RotationPolicy {
  std::optional<std::chrono::seconds> availability_target;
};

// `jitter` in [0, 1]: 0 renews at 90% of the half-life, 0.5 at the half-life, 1 at 110%.
TimePoint RotationTime(TimePoint not_before, TimePoint not_after, const RotationPolicy& policy,
                       double jitter);

}  // namespace edgeid::agent
