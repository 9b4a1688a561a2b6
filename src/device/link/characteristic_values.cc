#include "device/link/characteristic_values.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "common/byte_reader.h"
#include "device/link/link_codes.h"

namespace edgeid::device::link {
namespace {

template <typename T>
T Scaled(double value, double scale) {
  double raw = std::round(value * scale);
  double lo = static_cast<double>(std::numeric_limits<T>::min());
  double hi = static_cast<double>(std::numeric_limits<T>::max());
  return static_cast<T>(std::fmin(std::fmax(raw, lo), hi));
}

Status ExpectSize(std::string_view value, size_t size, const char* what) {
  if (value.size() != size) {
    return InvalidArgument(std::string(what) + " value must be " + std::to_string(size) +
                           " bytes, got " + std::to_string(value.size()));
  }
  return OkStatus();
}

std::string Fixed(double value, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace

std::string EncodeTemperature(double celsius) {
  std::string out;
  AppendU16Le(out, static_cast<uint16_t>(Scaled<int16_t>(celsius, 100)));
  return out;
}

Result<double> DecodeTemperature(std::string_view value) {
  EDGEID_RETURN_IF_ERROR(ExpectSize(value, 2, "temperature"));
  ByteReader reader(value, "temperature");
  auto raw = static_cast<int16_t>(reader.U16Le("value").value());
  return raw / 100.0;
}

std::string EncodePressure(double hectopascal) {
  auto raw = Scaled<uint32_t>(hectopascal, 1000);  // 1 hPa = 100 Pa = 1000 units of 0.1 Pa
  std::string out;
  AppendU16Le(out, static_cast<uint16_t>(raw & 0xFFFF));
  AppendU16Le(out, static_cast<uint16_t>(raw >> 16));
  return out;
}

Result<double> DecodePressure(std::string_view value) {
  EDGEID_RETURN_IF_ERROR(ExpectSize(value, 4, "pressure"));
  ByteReader reader(value, "pressure");
  uint32_t low = reader.U16Le("low").value();
  uint32_t high = reader.U16Le("high").value();
  return static_cast<double>(low | (high << 16)) / 1000.0;
}

std::string EncodeHumidity(double percent) {
  std::string out;
  AppendU16Le(out, Scaled<uint16_t>(percent, 100));
  return out;
}

Result<double> DecodeHumidity(std::string_view value) {
  EDGEID_RETURN_IF_ERROR(ExpectSize(value, 2, "humidity"));
  ByteReader reader(value, "humidity");
  return reader.U16Le("value").value() / 100.0;
}

std::string EncodeSwitch(bool on) {
  return std::string(1, on ? '\x01' : '\x00');
}

Result<bool> DecodeSwitch(std::string_view value) {
  EDGEID_RETURN_IF_ERROR(ExpectSize(value, 1, "switch"));
  if (value[0] != 0 && value[0] != 1) return InvalidArgument("switch value must be 0 or 1");
  return value[0] == 1;
}

Result<std::string> ValueAsText(uint16_t uuid, std::string_view value) {
  switch (uuid) {
    case kTemperature: {
      double v = EDGEID_TRY(DecodeTemperature(value));
      return Fixed(v, 2);
    }
    case kPressure: {
      double v = EDGEID_TRY(DecodePressure(value));
      return Fixed(v, 3);
    }
    case kHumidity: {
      double v = EDGEID_TRY(DecodeHumidity(value));
      return Fixed(v, 2);
    }
    case kDigital: {
      bool on = EDGEID_TRY(DecodeSwitch(value));
      return std::string(on ? "true" : "false");
    }
    case kModelNumberString:
    case kSerialNumberString:
    case kFirmwareRevisionString:
      // Device text goes into logs and JSON: printable ASCII only.
      for (char c : value) {
        if (c < 0x20 || c > 0x7E) return InvalidArgument("text value holds a non-printable byte");
      }
      return std::string(value);
    default:
      return InvalidArgument("no known value format for characteristic " + UuidText(uuid));
  }
}

}  // namespace edgeid::device::link
