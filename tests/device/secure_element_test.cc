// The host driver against the emulated STSAFE-A110: each command, and each refusal with the
// status code the chip uses.
#include "device/se/secure_element.h"

#include <gtest/gtest.h>

#include <chrono>

#include "crypto/encoding.h"
#include "crypto/private_key.h"
#include "crypto/random.h"
#include "crypto/signature.h"
#include "devsim/element/emulated_element.h"
#include "devsim/factory/manufacturer.h"

namespace edgeid::device::se {
namespace {

using devsim::Counterfeit;

class SecureElementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto now = std::chrono::system_clock::now();
    auto maker = devsim::CreateManufacturer("test maker", now);
    ASSERT_TRUE(maker.ok());
    auto made = devsim::ManufactureElement(*maker, Counterfeit::kNone, now);
    ASSERT_TRUE(made.ok()) << made.error().message;
    device_id_ = made->device_id;
    element_ = std::make_unique<devsim::EmulatedElement>(std::move(made->image));
    transport_ = std::make_unique<devsim::InProcessElementTransport>(*element_);
    host_ = std::make_unique<SecureElement>(*transport_);
  }

  ResponseStatus StatusOf(CommandCode code, std::string_view data) {
    auto response = host_->Call(code, data);
    EXPECT_TRUE(response.ok());
    return response.ok() ? response->status : ResponseStatus::kUnexpectedError;
  }

  std::string device_id_;
  std::unique_ptr<devsim::EmulatedElement> element_;
  std::unique_ptr<devsim::InProcessElementTransport> transport_;
  std::unique_ptr<SecureElement> host_;
};

TEST_F(SecureElementTest, EchoAndRandom) {
  EXPECT_EQ(*host_->Echo("hello element"), "hello element");
  EXPECT_EQ(StatusOf(CommandCode::kEcho, ""), ResponseStatus::kInconsistentData);
  auto a = host_->GenerateRandom(32), b = host_->GenerateRandom(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(host_->GenerateRandom(255)->size(), 255u);
  EXPECT_EQ(StatusOf(CommandCode::kGenerateRandom, EncodeGenerateRandom({0, 0})),
            ResponseStatus::kValueOutOfRange);
  EXPECT_EQ(StatusOf(CommandCode::kGenerateRandom, EncodeGenerateRandom({1, 8})),
            ResponseStatus::kInconsistentData);
}

TEST_F(SecureElementTest, Zone0HoldsTheCertificateWhoseSerialIsTheDeviceId) {
  auto der = host_->ReadCertificate();
  ASSERT_TRUE(der.ok()) << der.error().message;
  auto certificate = crypto::Certificate::FromDer(*der);
  ASSERT_TRUE(certificate.ok());
  EXPECT_EQ(certificate->serial_hex(), device_id_);
  // As on the chip: the 11-byte device ID sits at offset 15 of zone 0.
  auto id = host_->Read(0, 15, 11);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(crypto::HexEncode(*id, true), device_id_);
}

TEST_F(SecureElementTest, ReadAndUpdateHonourZonesBoundsAndAccessConditions) {
  ASSERT_TRUE(host_->Update(1, 10, "calibration").ok());
  EXPECT_EQ(*host_->Read(1, 10, 11), "calibration");
  // Zone 0 (the certificate) is never updated; zone 2 needs a paired host.
  auto refused = host_->Update(0, 0, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.error().message.find("access condition not satisfied (0x11)"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(StatusOf(CommandCode::kRead, EncodeRead({0, 2, 0, 4})),
            ResponseStatus::kAccessConditionNotSatisfied);
  // A zone that does not exist, and reads and writes past the end of one.
  auto missing = host_->Read(9, 0, 4);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("entry not found (0x10)"), std::string::npos);
  EXPECT_EQ(StatusOf(CommandCode::kRead, EncodeRead({0, 1, 690, 11})),
            ResponseStatus::kBoundaryExceeded);
  EXPECT_EQ(StatusOf(CommandCode::kUpdate, EncodeUpdate({0, 1, 699, "ab"})),
            ResponseStatus::kBoundaryExceeded);
  EXPECT_EQ(StatusOf(CommandCode::kRead, "\x00\x01"), ResponseStatus::kInconsistentData);
  // An answer larger than a frame is the chip's buffer limit.
  EXPECT_EQ(StatusOf(CommandCode::kRead, EncodeRead({0, 1, 0, 600})),
            ResponseStatus::kBufferLengthExceeded);
}

TEST_F(SecureElementTest, QueryDescribesTheElement) {
  EXPECT_EQ(*host_->QueryLifeCycle(), LifeCycleState::kOperational);
  auto product = host_->QueryProductData();
  ASSERT_TRUE(product.ok()) << product.error().message;
  EXPECT_EQ(product->mask_id.size(), 3u);
  EXPECT_EQ(product->st_number.size(), 9u);
  auto zones = host_->QueryDataPartition();
  ASSERT_TRUE(zones.ok()) << zones.error().message;
  ASSERT_EQ(zones->size(), 3u);
  EXPECT_EQ((*zones)[0].length, devsim::kZone0Bytes);
  EXPECT_EQ((*zones)[0].read, AccessCondition::kAlways);
  EXPECT_EQ((*zones)[0].update, AccessCondition::kNever);
  EXPECT_EQ((*zones)[2].read, AccessCondition::kHost);
  auto table = host_->Query(QueryTag::kPrivateKeyTable);
  ASSERT_TRUE(table.ok());
  EXPECT_NE(table->find(std::string(kP256CurveOid)), std::string::npos) << "slot 0 holds P-256";
  EXPECT_EQ(StatusOf(CommandCode::kQuery, "\x7E"), ResponseStatus::kValueOutOfRange);
}

TEST_F(SecureElementTest, SignsWithSlot0AndNeverRevealsTheKey) {
  auto challenge = *crypto::RandomBytes(32);
  auto signature = host_->GenerateSignature(kDeviceKeySlot, challenge);
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  ASSERT_EQ(signature->r.size(), 32u);
  auto certificate = crypto::Certificate::FromDer(*host_->ReadCertificate());
  auto der = crypto::EcdsaRawToDer(signature->r + signature->s);
  ASSERT_TRUE(der.ok());
  EXPECT_TRUE(certificate->public_key().VerifyDigest(challenge, *der).ok());
  // The element checks signatures too, and says when one is wrong.
  EXPECT_TRUE(*host_->VerifySignature(certificate->public_key(), *signature, challenge));
  auto other = *crypto::RandomBytes(32);
  EXPECT_FALSE(*host_->VerifySignature(certificate->public_key(), *signature, other));
  // Other slots hold nothing; a digest of the wrong size is refused.
  auto no_key = host_->GenerateSignature(1, challenge);
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.error().message.find("key not found (0x0A)"), std::string::npos);
  EXPECT_EQ(StatusOf(CommandCode::kGenerateSignature, EncodeGenerateSignature({0, "short"})),
            ResponseStatus::kInconsistentData);
  // A point that is not on the curve.
  VerifySignatureParams bad{std::string(kP256CurveOid), std::string(32, '\x01'),
                            std::string(32, '\x02'), *signature, challenge};
  EXPECT_EQ(StatusOf(CommandCode::kVerifySignature, EncodeVerifySignature(bad)),
            ResponseStatus::kInvalidPublicKey);
  bad.curve_oid = std::string("\x2B\x81\x04\x00\x22", 5);  // P-384
  EXPECT_EQ(StatusOf(CommandCode::kVerifySignature, EncodeVerifySignature(bad)),
            ResponseStatus::kWrongKeyType);
}

TEST_F(SecureElementTest, DamagedFramesUnsupportedCommandsAndSessionsAreRefused) {
  std::string frame = *EncodeCommand({static_cast<uint8_t>(CommandCode::kEcho), "abc"});
  frame[1] ^= 0x20;
  auto answer = DecodeResponse(element_->Process(frame));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, ResponseStatus::kCommunicationError);
  EXPECT_EQ(DecodeResponse(element_->Process(""))->status, ResponseStatus::kCommunicationError);
  EXPECT_EQ(StatusOf(CommandCode::kEstablishKey, ""), ResponseStatus::kCommandNotSupported);
  EXPECT_EQ(StatusOf(static_cast<CommandCode>(0x1D), ""), ResponseStatus::kCommandNotSupported);
  auto unsupported = host_->Call(CommandCode::kDecrypt, "");
  ASSERT_TRUE(unsupported.ok());
  EXPECT_EQ(ErrorCodeFor(unsupported->status), ErrorCode::kUnimplemented);
  // A C-MAC without a session opened.
  std::string with_mac =
      *EncodeCommand({static_cast<uint8_t>(0x00 | kHeaderCmac), std::string("abcd") + "MAC!"});
  EXPECT_EQ(DecodeResponse(element_->Process(with_mac))->status, ResponseStatus::kSessionError);
}

}  // namespace
}  // namespace edgeid::device::se
