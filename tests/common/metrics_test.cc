#include "common/metrics.h"

#include <gtest/gtest.h>

#include "common/version.h"

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

TEST(MetricsTest, GaugesCarryTheirFixedLabels) {
  Metrics m;
  m.AddGauge("build_info", "Build.", [] { return 1.0; },
             {{"version", "1.2.3"}, {"revision", "a\"b"}});
  EXPECT_EQ(m.Render(),
            "# HELP build_info Build.\n# TYPE build_info gauge\n"
            "build_info{version=\"1.2.3\",revision=\"a\\\"b\"} 1\n");
}

TEST(MetricsTest, BuildInfoNamesThisBuildsVersion) {
  Metrics m;
  AddBuildInfo(m);
  EXPECT_FALSE(Version().empty());
  EXPECT_EQ(VersionText().rfind(Version(), 0), 0u);
  EXPECT_NE(m.Render().find("edgeid_build_info{version=\"" + Version() + "\",revision=\"" +
                            Revision() + "\"} 1\n"),
            std::string::npos)
      << m.Render();
}

TEST(MetricsTest, ResidentMemoryIsReported) {
  EXPECT_GT(ResidentMemoryBytes(), 1e5);
}

}  // namespace
}  // namespace edgeid
