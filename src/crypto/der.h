// A strict, allocation-free DER reader (X.690 §10): definite lengths in minimal form, low tag
// numbers only. Used where OpenSSL 3.0's generic decoders are too slow for a hot path.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace edgeid::crypto {

namespace der_tag {
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kNull = 0x05;
inline constexpr uint8_t kOid = 0x06;
inline constexpr uint8_t kSequence = 0x30;
inline constexpr uint8_t kSet = 0x31;
inline constexpr uint8_t kContext0Constructed = 0xa0;
}  // namespace der_tag

struct DerElement {
  uint8_t tag = 0;
  std::string_view contents;  // the value octets
  std::string_view encoding;  // tag, length and value
};

class DerReader {
 public:
  explicit DerReader(std::string_view data) : data_(data) {}

  bool empty() const { return data_.empty(); }
  uint8_t PeekTag() const { return data_.empty() ? 0 : static_cast<uint8_t>(data_[0]); }
  Result<DerElement> Next();
  // Next element, which must carry `tag`; `what` names it in the error.
  Result<DerElement> Expect(uint8_t tag, const char* what);

 private:
  std::string_view data_;
};

// The contents of a BIT STRING with no unused bits (keys and signatures are whole octets).
Result<std::string_view> DerBitStringBytes(const DerElement& bit_string, const char* what);

}  // namespace edgeid::crypto
