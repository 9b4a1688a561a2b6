// Reads fixed-layout binary fields (a secure element's command data, a link's PDUs), naming the
// field that is missing or malformed. Big-endian unless the name says Le (Bluetooth's ATT is
// little-endian).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid {

class ByteReader {
 public:
  ByteReader(std::string_view bytes, std::string what) : rest_(bytes), what_(std::move(what)) {}

  Result<uint8_t> U8(const char* field) {
    auto b = Take(1, field);
    if (!b.ok()) return b.error();
    return static_cast<uint8_t>((*b)[0]);
  }
  Result<uint16_t> U16(const char* field) {
    auto b = Take(2, field);
    if (!b.ok()) return b.error();
    return static_cast<uint16_t>((static_cast<uint8_t>((*b)[0]) << 8) |
                                 static_cast<uint8_t>((*b)[1]));
  }
  Result<uint16_t> U16Le(const char* field) {
    auto b = Take(2, field);
    if (!b.ok()) return b.error();
    return static_cast<uint16_t>(static_cast<uint8_t>((*b)[0]) |
                                 (static_cast<uint8_t>((*b)[1]) << 8));
  }
  Result<uint64_t> U64(const char* field) {
    auto b = Take(8, field);
    if (!b.ok()) return b.error();
    uint64_t value = 0;
    for (char c : *b) value = (value << 8) | static_cast<uint8_t>(c);
    return value;
  }
  Result<std::string> Bytes(size_t n, const char* field) {
    auto b = Take(n, field);
    if (!b.ok()) return b.error();
    return std::string(*b);
  }
  // A 2-byte big-endian length, then that many bytes.
  Result<std::string> LengthPrefixed(const char* field) {
    auto n = U16(field);
    if (!n.ok()) return n.error();
    return Bytes(*n, field);
  }
  size_t remaining() const { return rest_.size(); }
  std::string_view Rest() {
    auto out = rest_;
    rest_ = {};
    return out;
  }
  Status End() const {
    if (!rest_.empty()) {
      return InvalidArgument(what_ + ": " + std::to_string(rest_.size()) + " unexpected bytes");
    }
    return OkStatus();
  }

 private:
  Result<std::string_view> Take(size_t n, const char* field) {
    if (rest_.size() < n) {
      return InvalidArgument(what_ + ": " + field + " needs " + std::to_string(n) + " bytes, " +
                             std::to_string(rest_.size()) + " left");
    }
    auto out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }

  std::string_view rest_;
  std::string what_;
};

inline void AppendU16(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xFF));
}

inline void AppendU16Le(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value & 0xFF));
  out.push_back(static_cast<char>(value >> 8));
}

inline void AppendU64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

// A 2-byte big-endian length, then the bytes; the caller keeps them under 64 KiB.
inline void AppendLengthPrefixed(std::string& out, std::string_view bytes) {
  AppendU16(out, static_cast<uint16_t>(bytes.size()));
  out += bytes;
}

}  // namespace edgeid
