// ATT PDUs and characteristic values: every PDU round-trips, and malformed ones are refused with
// the field named.
#include <gtest/gtest.h>

#include "device/link/att_pdu.h"
#include "device/link/characteristic_values.h"
#include "device/link/smp_messages.h"

namespace edgeid::device::link {
namespace {

TEST(AttPduTest, EveryPduRoundTrips) {
  std::vector<AttPdu> pdus = {
      AttErrorResponse{0x0A, 0x0012, 0x05},
      AttReadRequest{0x0012},
      AttReadResponse{std::string("\x10\x09", 2)},
      AttWriteRequest{0x0022, std::string(1, '\x01')},
      AttWriteResponse{},
      AttNotification{0x0012, "ab"},
      AttDiscoverServices{1, 0xFFFF},
      AttServices{{{1, 7, kDeviceInformationService}, {8, 17, kEnvironmentalSensingService}}},
      AttDiscoverCharacteristics{1, 0xFFFF},
      AttCharacteristics{{{2, kPropertyRead, 3, kModelNumberString}}},
  };
  for (const auto& pdu : pdus) {
    std::string wire = EncodeAtt(pdu);
    auto back = DecodeAtt(wire);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->index(), pdu.index());
    EXPECT_EQ(EncodeAtt(*back), wire);
  }
}

TEST(AttPduTest, HandlesAreLittleEndianAsInBle) {
  EXPECT_EQ(EncodeAtt(AttReadRequest{0x1234}), std::string("\x04\x0A\x34\x12", 4));
}

TEST(AttPduTest, MalformedPdusAreRefusedNamingTheProblem) {
  auto short_read = DecodeAtt(std::string("\x04\x0A\x12", 3));
  ASSERT_FALSE(short_read.ok());
  EXPECT_NE(short_read.error().message.find("handle"), std::string::npos);
  auto trailing = DecodeAtt(std::string("\x04\x0A\x12\x00\x99", 5));
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.error().message.find("unexpected"), std::string::npos);
  auto unknown = DecodeAtt(std::string("\x04\x52\x00", 3));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnimplemented);
  EXPECT_FALSE(DecodeAtt(std::string("\x06\x0A\x12\x00", 4)).ok()) << "wrong channel";
  EXPECT_FALSE(DecodeAtt(std::string("\x04\x10\x05\x00\x01\x00\x00\x28", 8)).ok())
      << "empty handle range";
  EXPECT_FALSE(DecodeAtt(std::string("\x04\x10\x01\x00\xFF\xFF\x01\x28", 8)).ok())
      << "secondary services are not offered";
  EXPECT_FALSE(DecodeAtt(std::string("\x04\x11\x06\x01\x00", 5)).ok()) << "truncated entry";
  EXPECT_FALSE(DecodeAtt("").ok());
}

TEST(SmpMessagesTest, PairingMessagesRefuseShortAndForeignInput) {
  PairingHello hello{kLinkProtocolVersion, std::string(32, 'n'), std::string(65, '\x04'), "cert"};
  std::string request = EncodePairingRequest(hello);
  auto back = DecodePairingRequest(request);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->certificates, "cert");
  EXPECT_FALSE(DecodePairingRequest(request.substr(0, request.size() - 1)).ok());
  EXPECT_FALSE(DecodePairingResponse(request).ok()) << "a request is not a response";
  hello.version = 2;
  auto future = DecodePairingRequest(EncodePairingRequest(hello));
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().code, ErrorCode::kUnimplemented);
  hello.version = kLinkProtocolVersion;
  hello.certificates.clear();
  EXPECT_FALSE(DecodePairingRequest(EncodePairingRequest(hello)).ok());
  EXPECT_EQ(*DecodePairingFailed(EncodePairingFailed(PairingFailure::kDhKeyCheckFailed)),
            PairingFailure::kDhKeyCheckFailed);
}

TEST(CharacteristicValuesTest, SensorValuesUseTheGattFormats) {
  EXPECT_EQ(EncodeTemperature(22.41), std::string("\xC1\x08", 2));  // 2241 = 0x08C1
  EXPECT_DOUBLE_EQ(*DecodeTemperature(EncodeTemperature(-5.25)), -5.25);
  EXPECT_DOUBLE_EQ(*DecodePressure(EncodePressure(1013.25)), 1013.25);
  EXPECT_DOUBLE_EQ(*DecodeHumidity(EncodeHumidity(45.5)), 45.5);
  EXPECT_EQ(*ValueAsText(kTemperature, EncodeTemperature(22.41)), "22.41");
  EXPECT_EQ(*ValueAsText(kDigital, EncodeSwitch(true)), "true");
  EXPECT_FALSE(DecodeTemperature("\x01").ok());
  EXPECT_FALSE(DecodeSwitch("\x02").ok());
  EXPECT_FALSE(ValueAsText(0x1234, "x").ok());
  // Text from a device lands in logs and JSON: only printable ASCII passes.
  EXPECT_EQ(*ValueAsText(kFirmwareRevisionString, "1.2.0"), "1.2.0");
  EXPECT_FALSE(ValueAsText(kModelNumberString, "\xff\xfe").ok());
  EXPECT_FALSE(ValueAsText(kSerialNumberString, std::string("a\0b", 3)).ok());
}

}  // namespace
}  // namespace edgeid::device::link
