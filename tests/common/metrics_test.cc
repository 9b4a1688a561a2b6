#include "common/metrics.h"

#include <gtest/gtest.h>

namespace edgeid {
namespace {

TEST(MetricsTest, RendersCountersAndGaugesInPrometheusTextFormat) {
  Metrics m;
  m.DescribeCounter("requests_total", "Requests.");
  m.DescribeCounter("idle_total", "Never incremented.");
  m.Increment("requests_total", {{"rpc", "Sign"}});
  m.Increment("requests_total", {{"rpc", "Sign"}}, 2);
  m.Increment("requests_total", {{"rpc", "a\"b"}});
  m.AddGauge("queue_depth", "Depth.", [] { return 7.5; });
  EXPECT_EQ(m.CounterValue("requests_total", {{"rpc", "Sign"}}), 3u);
  EXPECT_EQ(m.CounterValue("requests_total", {{"rpc", "Other"}}), 0u);
  EXPECT_EQ(m.Render(),
            "# HELP idle_total Never incremented.\n# TYPE idle_total counter\nidle_total 0\n"
            "# HELP requests_total Requests.\n# TYPE requests_total counter\n"
            "requests_total{rpc=\"Sign\"} 3\nrequests_total{rpc=\"a\\\"b\"} 1\n"
            "# HELP queue_depth Depth.\n# TYPE queue_depth gauge\nqueue_depth 7.5\n");
}

TEST(MetricsTest, ResidentMemoryIsReported) {
  EXPECT_GT(ResidentMemoryBytes(), 1e5);
}

}  // namespace
}  // namespace edgeid
