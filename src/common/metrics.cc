#include "common/metrics.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace edgeid {
namespace {

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string RenderLabels(const MetricLabels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
  }
  return out + "}";
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void Metrics::DescribeCounter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  families_[name].help = help;
}

void Metrics::Increment(const std::string& name, const MetricLabels& labels, uint64_t by) {
  std::lock_guard lock(mu_);
  families_[name].series[RenderLabels(labels)] += by;
}

void Metrics::AddGauge(const std::string& name, const std::string& help,
                       std::function<double()> read, const MetricLabels& labels) {
  std::lock_guard lock(mu_);
  auto& family = families_[name];
  family.help = help;
  family.gauge = true;
  family.read = std::move(read);
  family.gauge_labels = RenderLabels(labels);
}

std::string Metrics::Render() const {
  // Gauges are read outside the lock: their callbacks may take locks of their own.
  struct Gauge {
    std::string name, labels;
    std::function<double()> read;
  };
  std::vector<Gauge> gauges;
  std::string out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, family] : families_) {
      if (family.gauge) {
        gauges.push_back({name, family.gauge_labels, family.read});
        continue;
      }
      out += "# HELP " + name + " " + family.help + "\n# TYPE " + name + " counter\n";
      if (family.series.empty()) out += name + " 0\n";
      for (const auto& [labels, value] : family.series) {
        out += name + labels + " " + std::to_string(value) + "\n";
      }
    }
  }
  for (const auto& [name, labels, read] : gauges) {
    std::string help;
    {
      std::lock_guard lock(mu_);
      help = families_.at(name).help;
    }
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + labels + " " +
           Number(read()) + "\n";
  }
  return out;
}

uint64_t Metrics::CounterValue(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard lock(mu_);
  auto family = families_.find(name);
  if (family == families_.end()) return 0;
  auto series = family->second.series.find(RenderLabels(labels));
  return series == family->second.series.end() ? 0 : series->second;
}

double ResidentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

}  // namespace edgeid
