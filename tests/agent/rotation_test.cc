#include "agent/manager/rotation.h"

#include <gtest/gtest.h>

namespace edgeid::agent {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(seconds(1800000000));

TEST(RotationTest, HalfLifeWithinTenPercentEitherWay) {
  auto not_after = kStart + hours(1);
  EXPECT_EQ(RotationTime(kStart, not_after, {}, 0.5), kStart + minutes(30));
  EXPECT_EQ(RotationTime(kStart, not_after, {}, 0.0), kStart + minutes(27));
  EXPECT_EQ(RotationTime(kStart, not_after, {}, 1.0), kStart + minutes(33));
  auto some = RotationTime(kStart, not_after, {}, 0.25);
  EXPECT_GT(some, kStart + minutes(27));
  EXPECT_LT(some, kStart + minutes(30));
  // Out-of-range jitter is clamped: never beyond 110% of the half-life.
  EXPECT_EQ(RotationTime(kStart, not_after, {}, 7.0), kStart + minutes(33));
  EXPECT_EQ(RotationTime(kStart, not_after, {}, -3.0), kStart + minutes(27));
}

TEST(RotationTest, AvailabilityTargetRenewsEarlyForLongSvids) {
  RotationPolicy policy{hours(24)};
  // 48 h SVIDs: renewed with 24 h left, so a 24 h outage leaves workloads valid.
  EXPECT_EQ(RotationTime(kStart, kStart + hours(48), policy, 0.5), kStart + hours(24));
  // 7 days: renewed 24 h before expiry, later than half-life.
  EXPECT_EQ(RotationTime(kStart, kStart + hours(168), policy, 0.5), kStart + hours(144));
  // 30 h leaves only 6 h before the target: renewals would never rest, so half-life applies.
  EXPECT_EQ(RotationTime(kStart, kStart + hours(30), policy, 0.5), kStart + hours(15));
}

}  // namespace
}  // namespace edgeid::agent
