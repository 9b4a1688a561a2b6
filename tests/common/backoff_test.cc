// Backoff between attempts: doubling with jitter, capped, reset after a success.
#include "common/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace edgeid {
namespace {

using std::chrono::seconds;

TEST(BackoffTest, GrowsWithJitterUpToTheCapAndResets) {
  Backoff backoff(seconds(1), seconds(8));
  std::vector<int64_t> waits;
  waits.reserve(6);
  for (int i = 0; i < 6; ++i) waits.push_back(backoff.Next().count());
  EXPECT_GE(waits[0], 500);
  EXPECT_LE(waits[0], 1000);
  EXPECT_GE(waits[1], 1000);
  EXPECT_LE(waits[1], 2000);
  for (int i = 3; i < 6; ++i) {
    EXPECT_GE(waits[i], 4000);
    EXPECT_LE(waits[i], 8000);
  }
  backoff.Reset();
  EXPECT_LE(backoff.Next().count(), 1000);
}

}  // namespace
}  // namespace edgeid
