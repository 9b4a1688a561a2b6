#include "common/duration.h"

#include <gtest/gtest.h>

namespace edgeid {
namespace {

using std::chrono::seconds;

TEST(DurationTest, ParsesSpireStyleDurations) {
  EXPECT_EQ(*ParseDuration("90s"), seconds(90));
  EXPECT_EQ(*ParseDuration("5m"), seconds(300));
  EXPECT_EQ(*ParseDuration("24h"), seconds(86400));
  EXPECT_EQ(*ParseDuration("1h30m"), seconds(5400));
  EXPECT_EQ(*ParseDuration("7d"), seconds(7 * 86400));
}

TEST(DurationTest, RejectsMalformedDurations) {
  for (const char* bad : {"", "5", "m", "5x", "-5m", "1.5h", "5 m", "99999999999999999999h"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("invalid duration"), std::string::npos);
    }
  }
}

TEST(DurationTest, FlagsTakeBareSecondsOrDurationsAndNameTheFlagWhenMalformed) {
  EXPECT_EQ(*ParseDurationFlag("600", "--ttl"), seconds(600));
  EXPECT_EQ(*ParseDurationFlag("1h30m", "--ttl"), seconds(5400));
  EXPECT_EQ(*ParseDurationFlag("90s", "--ttl"), seconds(90));
  for (const char* bad : {"", "soon", "10x", "1h30", "-5", "99999999999999999999"}) {
    auto parsed = ParseDurationFlag(bad, "--x509-svid-ttl");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().message.rfind("--x509-svid-ttl: ", 0), 0u) << parsed.error().message;
  }
}

TEST(DurationTest, FormatsRoundTrip) {
  EXPECT_EQ(FormatDuration(seconds(5400)), "1h30m");
  EXPECT_EQ(FormatDuration(seconds(0)), "0s");
  EXPECT_EQ(FormatDuration(seconds(86400 + 1)), "1d1s");
  for (int64_t s : {1, 59, 61, 3600, 86399, 900000}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(seconds(s))), seconds(s));
  }
}

}  // namespace
}  // namespace edgeid
