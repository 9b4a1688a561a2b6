#include "devsim/sensors/environment_sensors.h"

#include <algorithm>

namespace edgeid::devsim {
namespace {

// How strongly each step pulls a drifting level back to its mean.
constexpr double kReversion = 0.02;

}  // namespace

EnvironmentSensors::EnvironmentSensors(uint64_t seed) : random_(seed) {}

double EnvironmentSensors::Next(Quantity& q) {
  q.level += kReversion * (q.mean - q.level) + q.step * normal_(random_);
  q.level = std::clamp(q.level, q.low, q.high);
  return std::clamp(q.level + q.noise * normal_(random_), q.low, q.high);
}

EnvironmentReading EnvironmentSensors::Sample() {
  EnvironmentReading r;
  r.temperature_celsius = Next(temperature_);
  r.pressure_hectopascal = Next(pressure_);
  r.humidity_percent = Next(humidity_);
  return r;
}

}  // namespace edgeid::devsim
