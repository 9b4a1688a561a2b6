// The value formats of the characteristics the sensor node offers, as the Bluetooth GATT
// specification supplement defines them: little-endian fixed-point integers.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid::device::link {

// Temperature (0x2A6E): sint16 in 0.01 degree Celsius.
std::string EncodeTemperature(double celsius);
Result<double> DecodeTemperature(std::string_view value);
// Pressure (0x2A6D): uint32 in 0.1 Pa; here in hectopascal.
std::string EncodePressure(double hectopascal);
Result<double> DecodePressure(std::string_view value);
// Humidity (0x2A6F): uint16 in 0.01 percent.
std::string EncodeHumidity(double percent);
Result<double> DecodeHumidity(std::string_view value);
// Digital (0x2A56), one output: 0x00 off, 0x01 on.
std::string EncodeSwitch(bool on);
Result<bool> DecodeSwitch(std::string_view value);

// A characteristic's value as text for a twin or a log, by its UUID ("22.41", "true",
// "1.2.0"); InvalidArgument for a UUID without a known format.
Result<std::string> ValueAsText(uint16_t uuid, std::string_view value);

}  // namespace edgeid::device::link
