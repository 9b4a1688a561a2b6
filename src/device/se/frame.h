// STSAFE-A110 frames as they cross the I2C bus (here: the device link).
//
// Command:  header (bits 4..0 command code, bit 7 C-MAC present, bit 6 R-MAC requested,
//           bit 5 host channel), data, CRC-16/X-25 of header and data.
// Response: status, length (2 bytes big-endian: data plus CRC), data, CRC of status and data.
// A frame is at most 507 bytes on the A110.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "device/se/codes.h"

namespace edgeid::device::se {

inline constexpr size_t kMaxFrameBytes = 507;
inline constexpr size_t kCrcBytes = 2;
inline constexpr size_t kResponseHeaderBytes = 3;  // status and length

inline constexpr uint8_t kHeaderCodeMask = 0x1F;
inline constexpr uint8_t kHeaderCmac = 0x80;
inline constexpr uint8_t kHeaderRmac = 0x40;
inline constexpr uint8_t kHeaderHostChannel = 0x20;

struct Command {
  uint8_t header = 0;  // the command code and the MAC bits
  std::string data;

  CommandCode code() const { return static_cast<CommandCode>(header & kHeaderCodeMask); }
};

struct Response {
  ResponseStatus status = ResponseStatus::kOk;
  std::string data;
};

// Refuses data that would make the frame longer than kMaxFrameBytes.
Result<std::string> EncodeCommand(const Command& command);
// InvalidArgument naming what is wrong: too short, too long, or a CRC mismatch (the element
// answers those with a communication error).
Result<Command> DecodeCommand(std::string_view frame);

Result<std::string> EncodeResponse(const Response& response);
// The whole response: its length field must match the bytes given.
Result<Response> DecodeResponse(std::string_view frame);
// How many bytes the response starting with these three (status, length) has in all; the
// transport reads that many.
Result<size_t> ResponseFrameSize(std::string_view first_three_bytes);

}  // namespace edgeid::device::se
