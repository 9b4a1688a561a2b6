// The CRC of STSAFE-A frames: CRC-16/X-25 (polynomial 0x1021 processed reflected, initial value
// 0xFFFF, final XOR 0xFFFF), sent most significant byte first.
#pragma once

#include <cstdint>
#include <string_view>

namespace edgeid::device::se {

uint16_t Crc16X25(std::string_view bytes);

}  // namespace edgeid::device::se
