#include "device/se/crc16.h"

#include <array>

namespace edgeid::device::se {
namespace {

constexpr uint16_t kReflectedPolynomial = 0x8408;

constexpr std::array<uint16_t, 256> MakeTable() {
  std::array<uint16_t, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? static_cast<uint16_t>((crc >> 1) ^ kReflectedPolynomial)
                           : static_cast<uint16_t>(crc >> 1);
    }
    table[i] = crc;
  }
  return table;
}

constexpr auto kTable = MakeTable();

}  // namespace

uint16_t Crc16X25(std::string_view bytes) {
  uint16_t crc = 0xFFFF;
  for (unsigned char byte : bytes) {
    crc = static_cast<uint16_t>((crc >> 8) ^ kTable[(crc ^ byte) & 0xFF]);
  }
  return static_cast<uint16_t>(crc ^ 0xFFFF);
}

}  // namespace edgeid::device::se
