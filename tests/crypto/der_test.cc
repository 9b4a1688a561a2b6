#include "crypto/der.h"

#include <gtest/gtest.h>

#include "crypto/der_writer.h"

namespace edgeid::crypto {
namespace {

using namespace std::string_view_literals;

TEST(DerTest, WriterUsesMinimalLengths) {
  EXPECT_EQ(DerTlv(0x04, ""), "\x04\x00"sv);
  EXPECT_EQ(DerTlv(0x04, std::string(127, 'a')).substr(0, 2), "\x04\x7f"sv);
  EXPECT_EQ(DerTlv(0x04, std::string(128, 'a')).substr(0, 3), "\x04\x81\x80"sv);
  EXPECT_EQ(DerTlv(0x04, std::string(256, 'a')).substr(0, 4), "\x04\x82\x01\x00"sv);
}

TEST(DerTest, IntegersAreMinimalAndNonNegative) {
  EXPECT_EQ(DerUnsignedInteger("\x00\x00\x05"sv), "\x02\x01\x05"sv);
  EXPECT_EQ(DerUnsignedInteger("\x80"sv), "\x02\x02\x00\x80"sv);
  EXPECT_EQ(DerUnsignedInteger(""), "\x02\x01\x00"sv);
  EXPECT_EQ(DerSmallInteger(0), "\x02\x01\x00"sv);
  EXPECT_EQ(DerSmallInteger(256), "\x02\x02\x01\x00"sv);
}

TEST(DerTest, NamedBitsDropTrailingZeros) {
  EXPECT_EQ(DerNamedBits(1u << 0), "\x03\x02\x07\x80"sv);                // digitalSignature
  EXPECT_EQ(DerNamedBits((1u << 0) | (1u << 2)), "\x03\x02\x05\xa0"sv);  // + keyEncipherment
  EXPECT_EQ(DerNamedBits((1u << 5) | (1u << 6)), "\x03\x02\x01\x06"sv);  // keyCertSign, cRLSign
  EXPECT_EQ(DerNamedBits(1u << 8), "\x03\x03\x07\x00\x80"sv);            // decipherOnly
}

TEST(DerTest, TimesSwitchToGeneralizedTimeIn2050) {
  using std::chrono::system_clock;
  auto t2030 = system_clock::from_time_t(1893456000);  // 2030-01-01T00:00:00Z
  EXPECT_EQ(DerTime(t2030),
            "\x17\x0d"
            "300101000000Z"sv);
  auto t2050 = system_clock::from_time_t(2524608000);  // 2050-01-01T00:00:00Z
  EXPECT_EQ(DerTime(t2050),
            "\x18\x0f"
            "20500101000000Z"sv);
}

TEST(DerTest, ReaderRoundTripsWhatTheWriterWrites) {
  std::string seq = DerSequence({DerSmallInteger(7), DerOctetString(std::string(300, 'x'))});
  DerReader outer(seq);
  auto s = outer.Expect(der_tag::kSequence, "seq");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(outer.empty());
  DerReader inner(s->contents);
  EXPECT_EQ(inner.Expect(der_tag::kInteger, "int")->contents, "\x07"sv);
  EXPECT_EQ(inner.Expect(0x04, "octets")->contents.size(), 300u);
  EXPECT_TRUE(inner.empty());
}

TEST(DerTest, ReaderRejectsNonDer) {
  auto error = [](std::string_view data) {
    DerReader r(data);
    auto e = r.Next();
    return e.ok() ? std::string() : e.error().message;
  };
  EXPECT_NE(error("\x30"sv).find("truncated"), std::string::npos);
  EXPECT_NE(error("\x30\x80\x00\x00"sv).find("indefinite"), std::string::npos);
  EXPECT_NE(error("\x04\x81\x05xxxxx"sv).find("minimal"), std::string::npos);
  EXPECT_NE(error("\x04\x82\x00\x80"sv).find("minimal"), std::string::npos);
  EXPECT_NE(error("\x04\x85\x01\x00\x00\x00\x00"sv).find("too large"), std::string::npos);
  EXPECT_NE(error("\x04\x05xx"sv).find("past its end"), std::string::npos);
  EXPECT_NE(error("\x1f\x01\x00"sv).find("high tag"), std::string::npos);
  DerReader r("\x02\x01\x00"sv);
  EXPECT_FALSE(r.Expect(der_tag::kSequence, "wanted").ok());
  EXPECT_FALSE(DerBitStringBytes({der_tag::kBitString, "\x01\xff"sv, {}}, "bits").ok());
  EXPECT_FALSE(DerBitStringBytes({der_tag::kBitString, ""sv, {}}, "bits").ok());
}

}  // namespace
}  // namespace edgeid::crypto
