// DER encoding of the few ASN.1 types certificates are made of (X.690 §8, §10).
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace edgeid::crypto {

// Tag, minimal length, contents.
std::string DerTlv(uint8_t tag, std::string_view contents);
std::string DerSequence(std::initializer_list<std::string_view> elements);
// A non-negative INTEGER from big-endian bytes: leading zeros dropped, 0x00 added when the high
// bit is set.
std::string DerUnsignedInteger(std::string_view big_endian);
std::string DerSmallInteger(uint32_t value);
std::string DerBitString(std::string_view bytes);
std::string DerOctetString(std::string_view bytes);
// The AlgorithmIdentifier DER of the signature algorithms edgeid signs with (RFC 5758 §3.2: no
// parameters for ECDSA; RFC 4055: NULL for RSA): ecdsa-with-SHA256/384, else sha256WithRSA.
std::string_view SignatureAlgorithmIdDer(bool ecdsa, bool sha384);
// UTCTime through 2049, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5).
std::string DerTime(std::chrono::system_clock::time_point t);
// The named bits of a BIT STRING such as keyUsage, bit 0 first, trailing zero bits removed.
std::string DerNamedBits(uint32_t bits);

}  // namespace edgeid::crypto
