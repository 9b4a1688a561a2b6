// Prometheus metrics: counters and gauges, rendered in the text exposition format. Counters are
// incremented by name and label set; gauges are read by a callback when scraped.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace edgeid {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  void DescribeCounter(const std::string& name, const std::string& help);
  void Increment(const std::string& name, const MetricLabels& labels = {}, uint64_t by = 1);
  // `read` is called at each scrape; it must be thread-safe. `labels` are fixed for the gauge's
  // one series (e.g. edgeid_build_info's version).
  void AddGauge(const std::string& name, const std::string& help, std::function<double()> read,
                const MetricLabels& labels = {});

  // Every metric: counters, then gauges, each sorted by name.
  std::string Render() const;
  // One counter's value (0 when never incremented), for tests.
  uint64_t CounterValue(const std::string& name, const MetricLabels& labels = {}) const;

 private:
  struct Family {
    std::string help;
    bool gauge = false;
    std::map<std::string, uint64_t> series;  // rendered label set -> value
    std::function<double()> read;
    std::string gauge_labels;  // rendered
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// Resident set size of this process in bytes, from /proc/self/statm; 0 if unreadable.
double ResidentMemoryBytes();

}  // namespace edgeid
