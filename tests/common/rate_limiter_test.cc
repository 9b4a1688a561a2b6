#include "common/rate_limiter.h"

#include <gtest/gtest.h>

namespace edgeid {
namespace {

using Clock = RateLimiter::Clock;
using std::chrono::milliseconds;

TEST(RateLimiterTest, BurstThenRefillAtTheRate) {
  RateLimiter limiter(2);  // 2/s, burst 2
  auto t = Clock::now();
  EXPECT_TRUE(limiter.Allow("a", 1, t));
  EXPECT_TRUE(limiter.Allow("a", 1, t));
  EXPECT_FALSE(limiter.Allow("a", 1, t));
  EXPECT_FALSE(limiter.Allow("a", 1, t + milliseconds(400)));
  EXPECT_TRUE(limiter.Allow("a", 1, t + milliseconds(600)));
  EXPECT_FALSE(limiter.Allow("a", 1, t + milliseconds(700)));
}

TEST(RateLimiterTest, CallersHaveTheirOwnBuckets) {
  RateLimiter limiter(1);
  auto t = Clock::now();
  EXPECT_TRUE(limiter.Allow("10.0.0.1", 1, t));
  EXPECT_FALSE(limiter.Allow("10.0.0.1", 1, t));
  EXPECT_TRUE(limiter.Allow("10.0.0.2", 1, t));
}

TEST(RateLimiterTest, CostCountsAndRefusalTakesNothing) {
  RateLimiter limiter(10);
  auto t = Clock::now();
  EXPECT_TRUE(limiter.Allow("a", 7, t));
  EXPECT_FALSE(limiter.Allow("a", 4, t));
  EXPECT_TRUE(limiter.Allow("a", 3, t));
  EXPECT_FALSE(limiter.Allow("a", 1, t));
}

TEST(RateLimiterTest, CostAboveTheBurstIsAlwaysRefused) {
  RateLimiter limiter(10);
  auto t = Clock::now();
  EXPECT_FALSE(limiter.Allow("a", 11, t));
  EXPECT_TRUE(limiter.Allow("a", 10, t)) << "the refusal took nothing";
}

TEST(RateLimiterTest, ZeroRateIsOff) {
  RateLimiter limiter(0);
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.Allow("a"));
}

}  // namespace
}  // namespace edgeid
