#include "device/se/frame.h"

#include "common/byte_reader.h"
#include "device/se/crc16.h"

namespace edgeid::device::se {
namespace {

// A response's CRC covers its status and data, not its length.
uint16_t ResponseCrc(char status, std::string_view data) {
  std::string covered;
  covered.reserve(1 + data.size());
  covered.push_back(status);
  covered += data;
  return Crc16X25(covered);
}

uint16_t ReadBigEndian16(std::string_view bytes) {
  return static_cast<uint16_t>((static_cast<uint8_t>(bytes[0]) << 8) |
                               static_cast<uint8_t>(bytes[1]));
}

std::string Size(size_t n) {
  return std::to_string(n) + " bytes";
}

}  // namespace

Result<std::string> EncodeCommand(const Command& command) {
  if (1 + command.data.size() + kCrcBytes > kMaxFrameBytes) {
    return InvalidArgument(CommandName(command.header & kHeaderCodeMask) + " data of " +
                           Size(command.data.size()) + " exceeds the " + Size(kMaxFrameBytes) +
                           " frame");
  }
  std::string frame;
  frame.reserve(1 + command.data.size() + kCrcBytes);
  frame.push_back(static_cast<char>(command.header));
  frame += command.data;
  AppendU16(frame, Crc16X25(frame));
  return frame;
}

Result<Command> DecodeCommand(std::string_view frame) {
  if (frame.size() < 1 + kCrcBytes) {
    return InvalidArgument("command frame of " + Size(frame.size()) +
                           " is shorter than a header and a CRC");
  }
  if (frame.size() > kMaxFrameBytes) {
    return InvalidArgument("command frame of " + Size(frame.size()) + " exceeds " +
                           Size(kMaxFrameBytes));
  }
  std::string_view covered = frame.substr(0, frame.size() - kCrcBytes);
  if (ReadBigEndian16(frame.substr(covered.size())) != Crc16X25(covered)) {
    return InvalidArgument("command frame CRC mismatch");
  }
  return Command{static_cast<uint8_t>(frame[0]), std::string(covered.substr(1))};
}

Result<std::string> EncodeResponse(const Response& response) {
  size_t total = kResponseHeaderBytes + response.data.size() + kCrcBytes;
  if (total > kMaxFrameBytes) {
    return InvalidArgument("response data of " + Size(response.data.size()) + " exceeds the " +
                           Size(kMaxFrameBytes) + " frame");
  }
  size_t length = response.data.size() + kCrcBytes;
  std::string frame;
  frame.reserve(total);
  frame.push_back(static_cast<char>(response.status));
  AppendU16(frame, static_cast<uint16_t>(length));
  frame += response.data;
  AppendU16(frame, ResponseCrc(frame[0], response.data));
  return frame;
}

Result<size_t> ResponseFrameSize(std::string_view first_three_bytes) {
  if (first_three_bytes.size() < kResponseHeaderBytes) {
    return InvalidArgument("response header needs 3 bytes, got " + Size(first_three_bytes.size()));
  }
  size_t length = ReadBigEndian16(first_three_bytes.substr(1));
  if (length < kCrcBytes) {
    return InvalidArgument("response length " + std::to_string(length) +
                           " is shorter than its CRC");
  }
  if (kResponseHeaderBytes + length > kMaxFrameBytes) {
    return InvalidArgument("response length " + std::to_string(length) + " exceeds the " +
                           Size(kMaxFrameBytes) + " frame");
  }
  return kResponseHeaderBytes + length;
}

Result<Response> DecodeResponse(std::string_view frame) {
  auto size = ResponseFrameSize(frame);
  if (!size.ok()) return size.error();
  if (*size != frame.size()) {
    return InvalidArgument("response length field says " + Size(*size) + ", frame has " +
                           Size(frame.size()));
  }
  std::string_view data =
      frame.substr(kResponseHeaderBytes, *size - kResponseHeaderBytes - kCrcBytes);
  if (ReadBigEndian16(frame.substr(*size - kCrcBytes)) != ResponseCrc(frame[0], data)) {
    return InvalidArgument("response frame CRC mismatch");
  }
  // The status is the low five bits of the first byte.
  return Response{static_cast<ResponseStatus>(static_cast<uint8_t>(frame[0]) & 0x1F),
                  std::string(data)};
}

}  // namespace edgeid::device::se
