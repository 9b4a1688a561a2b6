#include "crypto/der_writer.h"

#include <ctime>

#include "crypto/der.h"

namespace edgeid::crypto {

std::string DerTlv(uint8_t tag, std::string_view contents) {
  std::string out;
  out.reserve(contents.size() + 6);
  out += static_cast<char>(tag);
  size_t n = contents.size();
  if (n < 0x80) {
    out += static_cast<char>(n);
  } else {
    char len[4];
    int count = 0;
    for (size_t v = n; v != 0; v >>= 8) len[count++] = static_cast<char>(v & 0xff);
    out += static_cast<char>(0x80 | count);
    while (count > 0) out += len[--count];
  }
  out.append(contents);
  return out;
}

std::string DerSequence(std::initializer_list<std::string_view> elements) {
  std::string contents;
  for (auto e : elements) contents.append(e);
  return DerTlv(der_tag::kSequence, contents);
}

std::string DerUnsignedInteger(std::string_view big_endian) {
  while (big_endian.size() > 1 && big_endian[0] == 0) big_endian.remove_prefix(1);
  std::string contents;
  if (big_endian.empty() || (static_cast<uint8_t>(big_endian[0]) & 0x80) != 0) contents += '\0';
  contents.append(big_endian);
  return DerTlv(der_tag::kInteger, contents);
}

std::string DerSmallInteger(uint32_t value) {
  std::string bytes;
  for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((value >> shift) & 0xff);
  return DerUnsignedInteger(bytes);
}

std::string DerBitString(std::string_view bytes) {
  std::string contents(1, '\0');
  contents.append(bytes);
  return DerTlv(der_tag::kBitString, contents);
}

std::string DerOctetString(std::string_view bytes) {
  return DerTlv(0x04, bytes);
}

std::string DerTime(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  int year = tm.tm_year + 1900;
  char buf[32];
  if (year >= 1950 && year < 2050) {
    std::strftime(buf, sizeof buf, "%y%m%d%H%M%SZ", &tm);
    return DerTlv(0x17, buf);  // UTCTime
  }
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return DerTlv(0x18, buf);  // GeneralizedTime
}

std::string DerNamedBits(uint32_t bits) {
  if (bits == 0) return DerTlv(der_tag::kBitString, std::string(1, '\0'));
  int highest = 0;
  for (int i = 0; i < 32; ++i) {
    if (bits & (1u << i)) highest = i;
  }
  size_t octets = static_cast<size_t>(highest) / 8 + 1;
  std::string contents(octets + 1, '\0');
  for (int i = 0; i <= highest; ++i) {
    if (bits & (1u << i)) {
      auto& octet = contents[1 + static_cast<size_t>(i) / 8];
      octet = static_cast<char>(static_cast<uint8_t>(octet) | (0x80u >> (i % 8)));
    }
  }
  contents[0] = static_cast<char>(7 - highest % 8);  // unused bits after the last named bit
  return DerTlv(der_tag::kBitString, contents);
}

std::string_view SignatureAlgorithmIdDer(bool ecdsa, bool sha384) {
  using std::string_view_literals::operator""sv;
  if (!ecdsa) return "\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b\x05\x00"sv;
  return sha384 ? "\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x03"sv
                : "\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02"sv;
}

}  // namespace edgeid::crypto
