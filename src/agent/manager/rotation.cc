#include "agent/manager/rotation.h"

#include <algorithm>

namespace edgeid::agent {

TimePoint RotationTime(TimePoint not_before, TimePoint not_after, const RotationPolicy& policy,
                       double jitter) {
  auto lifetime = not_after - not_before;
  if (policy.availability_target && lifetime - *policy.availability_target >= kMinRotationWait) {
    return not_after - *policy.availability_target;
  }
  jitter = std::clamp(jitter, 0.0, 1.0);
  auto half = lifetime / 2;
  auto shift = std::chrono::duration_cast<std::chrono::system_clock::duration>(half * 0.1 *
                                                                               (2 * jitter - 1));
  return not_before + half + shift;
}

}  // namespace edgeid::agent
