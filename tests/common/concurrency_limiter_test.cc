#include "common/concurrency_limiter.h"

#include <gtest/gtest.h>

#include <vector>

namespace edgeid {
namespace {

using Refusal = ConcurrencyLimiter::Refusal;

TEST(ConcurrencyLimiterTest, CapsEachKeyAndEveryone) {
  ConcurrencyLimiter limiter(2, 3);
  Refusal why = Refusal::kNone;
  auto a1 = limiter.TryAcquire("a");
  auto a2 = limiter.TryAcquire("a");
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(limiter.TryAcquire("a", &why));
  EXPECT_EQ(why, Refusal::kKeyFull);
  auto b1 = limiter.TryAcquire("b");
  ASSERT_TRUE(b1);
  EXPECT_FALSE(limiter.TryAcquire("c", &why)) << "three slots in all";
  EXPECT_EQ(why, Refusal::kAllFull);
  EXPECT_EQ(limiter.in_use(), 3u);
  EXPECT_EQ(limiter.in_use("a"), 2u);
}

TEST(ConcurrencyLimiterTest, SlotsComeBackWhenPermitsGo) {
  ConcurrencyLimiter limiter(1, 0);
  {
    auto held = limiter.TryAcquire("peer");
    ASSERT_TRUE(held);
    EXPECT_FALSE(limiter.TryAcquire("peer"));
    std::optional<ConcurrencyLimiter::Permit> moved(std::move(*held));
    held.reset();  // the moved-from permit gives nothing back
    EXPECT_EQ(limiter.in_use("peer"), 1u);
  }
  EXPECT_EQ(limiter.in_use(), 0u);
  EXPECT_EQ(limiter.in_use("peer"), 0u);
  EXPECT_TRUE(limiter.TryAcquire("peer"));
}

TEST(ConcurrencyLimiterTest, ZeroMeansNoCap) {
  ConcurrencyLimiter limiter(0, 0);
  std::vector<ConcurrencyLimiter::Permit> held;
  for (int i = 0; i < 1000; ++i) {
    auto permit = limiter.TryAcquire("same");
    ASSERT_TRUE(permit);
    held.push_back(std::move(*permit));
  }
  EXPECT_EQ(limiter.in_use("same"), 1000u);
}

}  // namespace
}  // namespace edgeid
