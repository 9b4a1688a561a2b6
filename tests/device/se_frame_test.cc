// STSAFE-A110 frame codec: the CRC and framing reproduce frames captured from a real chip (ST
// community forum, see ../shared/reference/device.md), and damaged frames are refused.
#include <gtest/gtest.h>

#include "device/se/codes.h"
#include "device/se/crc16.h"
#include "device/se/frame.h"

namespace edgeid::device::se {
namespace {

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(SeCrcTest, MatchesCrc16X25CheckValueAndCapturedFrames) {
  EXPECT_EQ(Crc16X25("123456789"), 0x906E);  // the catalogue check value of CRC-16/X-25
  EXPECT_EQ(Crc16X25(Bytes({0x14, 0x07})), 0x8909);
  EXPECT_EQ(Crc16X25(Bytes({0x11, 0x07, 0x00, 0x00})), 0xAFC1);
  EXPECT_EQ(Crc16X25(""), 0x0000);
}

TEST(SeFrameTest, CommandEncodesAsCapturedFromAChip) {
  auto frame = EncodeCommand({0x14, Bytes({0x07})});
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(*frame, Bytes({0x14, 0x07, 0x89, 0x09}));
  auto decoded = DecodeCommand(*frame);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->code(), CommandCode::kQuery);
  EXPECT_EQ(decoded->data, Bytes({0x07}));
}

TEST(SeFrameTest, ResponseEncodesAsCapturedFromAChip) {
  std::string captured =
      Bytes({0x00, 0x00, 0x09, 0x02, 0x00, 0x01, 0x00, 0x01, 0x01, 0x00, 0xFC, 0x88});
  auto decoded = DecodeResponse(captured);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->status, ResponseStatus::kOk);
  EXPECT_EQ(decoded->data, Bytes({0x02, 0x00, 0x01, 0x00, 0x01, 0x01, 0x00}));
  auto encoded = EncodeResponse(*decoded);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(*encoded, captured);
  auto size = ResponseFrameSize(captured.substr(0, 3));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, captured.size());
}

TEST(SeFrameTest, HeaderBitsSeparateCodeAndMacFlags) {
  Command command{static_cast<uint8_t>(0x16 | kHeaderCmac | kHeaderRmac), "x"};
  EXPECT_EQ(command.code(), CommandCode::kGenerateSignature);
  auto decoded = DecodeCommand(*EncodeCommand(command));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->header, 0x16 | kHeaderCmac | kHeaderRmac);
}

TEST(SeFrameTest, DamagedCommandsAreRefusedNamingTheFault) {
  std::string good = *EncodeCommand({0x05, Bytes({0x00, 0x00, 0x00, 0x00, 0x00, 0x10})});
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = good;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      auto decoded = DecodeCommand(flipped);
      ASSERT_FALSE(decoded.ok()) << "byte " << i << " bit " << bit;
      EXPECT_NE(decoded.error().message.find("CRC mismatch"), std::string::npos);
    }
  }
  auto short_frame = DecodeCommand(Bytes({0x00, 0x01}));
  ASSERT_FALSE(short_frame.ok());
  EXPECT_NE(short_frame.error().message.find("shorter than a header and a CRC"), std::string::npos);
  auto long_frame = DecodeCommand(std::string(kMaxFrameBytes + 1, '\0'));
  ASSERT_FALSE(long_frame.ok());
  EXPECT_NE(long_frame.error().message.find("exceeds 507 bytes"), std::string::npos);
  auto too_much = EncodeCommand({0x00, std::string(kMaxFrameBytes - 2, 'x')});
  ASSERT_FALSE(too_much.ok());
}

TEST(SeFrameTest, DamagedResponsesAreRefused) {
  std::string good = *EncodeResponse({ResponseStatus::kOk, "abc"});
  std::string bad_crc = good;
  bad_crc[4] ^= 0x01;
  EXPECT_FALSE(DecodeResponse(bad_crc).ok());
  EXPECT_FALSE(DecodeResponse(good.substr(0, good.size() - 1)).ok()) << "truncated";
  EXPECT_FALSE(DecodeResponse(good + "x").ok()) << "trailing byte";
  EXPECT_FALSE(ResponseFrameSize(Bytes({0x00, 0x00, 0x01})).ok()) << "length below the CRC";
  EXPECT_FALSE(ResponseFrameSize(Bytes({0x00, 0x02, 0x00})).ok()) << "length beyond a frame";
  auto error = DecodeResponse(*EncodeResponse({ResponseStatus::kAccessConditionNotSatisfied, ""}));
  ASSERT_TRUE(error.ok());
  EXPECT_EQ(error->status, ResponseStatus::kAccessConditionNotSatisfied);
}

TEST(SeCodesTest, NamesCarryTheCode) {
  EXPECT_EQ(CommandName(0x16), "Generate Signature (0x16)");
  EXPECT_EQ(CommandName(0x1D), "command 0x1D");
  EXPECT_EQ(StatusName(0x11), "access condition not satisfied (0x11)");
  EXPECT_EQ(StatusName(0x0E), "status 0x0E");
}

}  // namespace
}  // namespace edgeid::device::se
