// The STWIN board's environmental sensors, simulated: temperature, pressure and humidity that
// drift slowly around indoor values (a mean-reverting random walk) with measurement noise on
// every sample, as a real sensor's readings look. Seeded, so a test can repeat a run.
#pragma once

#include <cstdint>
#include <random>

namespace edgeid::devsim {

struct EnvironmentReading {
  double temperature_celsius = 0;
  double pressure_hectopascal = 0;
  double humidity_percent = 0;
};

class EnvironmentSensors {
 public:
  explicit EnvironmentSensors(uint64_t seed);
  EnvironmentReading Sample();

 private:
  struct Quantity {
    double mean, level, step, noise, low, high;
  };
  double Next(Quantity& q);

  std::mt19937_64 random_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  Quantity temperature_{22.5, 22.5, 0.05, 0.05, -40.0, 85.0};
  Quantity pressure_{1013.25, 1013.25, 0.05, 0.02, 260.0, 1260.0};
  Quantity humidity_{45.0, 45.0, 0.2, 0.3, 0.0, 100.0};
};

}  // namespace edgeid::devsim
