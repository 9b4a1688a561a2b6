#include "crypto/der.h"

#include <string>

namespace edgeid::crypto {

Result<DerElement> DerReader::Next() {
  if (data_.size() < 2) return InvalidArgument("DER: truncated element header");
  auto byte = [&](size_t i) { return static_cast<uint8_t>(data_[i]); };
  uint8_t tag = byte(0);
  if ((tag & 0x1f) == 0x1f) return InvalidArgument("DER: high tag numbers are not supported");
  size_t length = 0;
  size_t header = 2;
  uint8_t first = byte(1);
  if (first < 0x80) {
    length = first;
  } else {
    size_t count = first & 0x7f;
    if (count == 0) return InvalidArgument("DER: indefinite length is not allowed");
    if (count > 4) return InvalidArgument("DER: length too large");
    if (data_.size() < 2 + count) return InvalidArgument("DER: truncated length");
    if (byte(2) == 0) return InvalidArgument("DER: length not in minimal form");
    for (size_t i = 0; i < count; ++i) length = length << 8 | byte(2 + i);
    if (length < 0x80) return InvalidArgument("DER: length not in minimal form");
    header += count;
  }
  if (length > data_.size() - header) return InvalidArgument("DER: element runs past its end");
  DerElement element{tag, data_.substr(header, length), data_.substr(0, header + length)};
  data_.remove_prefix(header + length);
  return element;
}

Result<DerElement> DerReader::Expect(uint8_t tag, const char* what) {
  auto element = Next();
  if (!element.ok()) return element.error().Wrap(what);
  if (element->tag != tag) return InvalidArgument(std::string(what) + ": unexpected DER tag");
  return element;
}

Result<std::string_view> DerBitStringBytes(const DerElement& bit_string, const char* what) {
  if (bit_string.contents.empty() || bit_string.contents[0] != 0) {
    return InvalidArgument(std::string(what) + ": BIT STRING with unused bits");
  }
  return bit_string.contents.substr(1);
}

}  // namespace edgeid::crypto
