// The pairing handshake and the sealed channel, without sockets: every way a peer can be wrong,
// and every way a frame can be replayed or altered, is refused.
#include <gtest/gtest.h>

#include "device/link/att_pdu.h"
#include "device/link/pairing.h"
#include "device/link/smp_messages.h"
#include "link_test_identities.h"

namespace edgeid::device::link {
namespace {

using testing::Unwrap;

auto Now() {
  return std::chrono::system_clock::now();
}

struct Paired {
  PairedLink central;
  PairedLink peripheral;
};

class LinkPairingTest : public ::testing::Test {
 protected:
  // The whole handshake between `central_id` and `device_id` with the given requirements.
  Result<Paired> Handshake(const spiffe::X509Svid& central_id, const spiffe::X509Svid& device_id,
                           const PeerRequirement& central_wants,
                           const PeerRequirement& device_wants) {
    CentralPairing central = EDGEID_TRY(CentralPairing::Start(central_id));
    PeripheralPairing peripheral =
        EDGEID_TRY(PeripheralPairing::OnRequest(central.request(), device_id, device_wants, Now()));
    std::string check = EDGEID_TRY(central.OnResponse(peripheral.response(), central_wants, Now()));
    PeripheralPairing::Completed done = EDGEID_TRY(peripheral.OnCentralCheck(check));
    PairedLink central_link = EDGEID_TRY(central.OnAcknowledgement(done.acknowledgement));
    return Paired{std::move(central_link), std::move(done.link)};
  }

  LinkIdentities ids_;
};

TEST_F(LinkPairingTest, BothSidesLearnEachOtherAndShareKeys) {
  auto paired = Handshake(ids_.mapper, ids_.device, ids_.Trusting(), ids_.Trusting());
  ASSERT_TRUE(paired.ok()) << paired.error().message;
  EXPECT_EQ(paired->central.peer_id.str(), "spiffe://example.org/device/thermo-1");
  EXPECT_EQ(paired->peripheral.peer_id.str(), "spiffe://example.org/mapper/ble");
  EXPECT_EQ(paired->central.transcript_hash, paired->peripheral.transcript_hash);
  EXPECT_EQ(paired->central.transcript_hash.size(), 32u);

  // Frames flow both ways, each opened exactly once and in order.
  std::string read = EncodeAtt(AttReadRequest{0x0012});
  auto sealed = paired->central.channel.Seal(read);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find(read), std::string::npos) << "the PDU travels encrypted";
  auto opened = paired->peripheral.channel.Open(*sealed);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(*opened, read);
  auto answer = Unwrap(paired->peripheral.channel.Seal(EncodeAtt(AttReadResponse{"\x10\x09"})));
  EXPECT_TRUE(paired->central.channel.Open(answer).ok());
}

TEST_F(LinkPairingTest, TwoPairingsNeverShareKeys) {
  auto first = Unwrap(Handshake(ids_.mapper, ids_.device, ids_.Trusting(), ids_.Trusting()));
  auto second = Unwrap(Handshake(ids_.mapper, ids_.device, ids_.Trusting(), ids_.Trusting()));
  EXPECT_NE(first.central.transcript_hash, second.central.transcript_hash);
  auto sealed = Unwrap(first.central.channel.Seal(EncodeAtt(AttReadRequest{1})));
  auto opened = second.peripheral.channel.Open(sealed);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(LinkPairingTest, DeviceRefusesMapperOfAnotherTrustDomain) {
  auto outsider = MakeSvid(ids_.other_domain_ca, "spiffe://other.org/mapper/ble");
  auto central = Unwrap(CentralPairing::Start(outsider));
  auto refused =
      PeripheralPairing::OnRequest(central.request(), ids_.device, ids_.Trusting(), Now());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(PairingFailureFor(refused.error()), PairingFailure::kAuthenticationRequirements);
  EXPECT_NE(refused.error().message.find("other.org"), std::string::npos)
      << refused.error().message;
}

TEST_F(LinkPairingTest, DeviceRefusesMapperFromAnotherCa) {
  auto impostor = MakeSvid(ids_.impostor_ca, "spiffe://example.org/mapper/ble");
  auto central = Unwrap(CentralPairing::Start(impostor));
  auto refused =
      PeripheralPairing::OnRequest(central.request(), ids_.device, ids_.Trusting(), Now());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(PairingFailureFor(refused.error()), PairingFailure::kAuthenticationRequirements);
}

TEST_F(LinkPairingTest, DeviceRefusesMapperNotOnItsList) {
  auto other = MakeSvid(ids_.ca, "spiffe://example.org/workload/curious");
  auto allowed = ids_.Trusting({ids_.mapper.id});
  auto central = Unwrap(CentralPairing::Start(other));
  auto refused = PeripheralPairing::OnRequest(central.request(), ids_.device, allowed, Now());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("not allowed to pair"), std::string::npos);
  EXPECT_TRUE(Handshake(ids_.mapper, ids_.device, ids_.Trusting(), allowed).ok());
}

TEST_F(LinkPairingTest, MapperRefusesExpiredOrUnexpectedDevice) {
  auto expired =
      MakeSvid(ids_.ca, "spiffe://example.org/device/thermo-1", [](crypto::CertificateTemplate& t) {
        t.not_before = Now() - std::chrono::hours(3);
        t.not_after = Now() - std::chrono::hours(1);
      });
  auto refused = Handshake(ids_.mapper, expired, ids_.Trusting(), ids_.Trusting());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(PairingFailureFor(refused.error()), PairingFailure::kAuthenticationRequirements);

  auto wants_other =
      ids_.Trusting({Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/device/other"))});
  refused = Handshake(ids_.mapper, ids_.device, wants_other, ids_.Trusting());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("thermo-1"), std::string::npos);
}

TEST_F(LinkPairingTest, TamperedResponseFailsItsSignature) {
  auto central = Unwrap(CentralPairing::Start(ids_.mapper));
  auto peripheral =
      Unwrap(PeripheralPairing::OnRequest(central.request(), ids_.device, ids_.Trusting(), Now()));
  auto response = Unwrap(DecodePairingResponse(peripheral.response()));
  // An attacker in the middle substitutes its own nonce: the signed transcript no longer matches.
  response.hello.nonce[0] ^= 0x01;
  auto refused = central.OnResponse(EncodePairingResponse(response), ids_.Trusting(), Now());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(PairingFailureFor(refused.error()), PairingFailure::kConfirmValueFailed);
}

TEST_F(LinkPairingTest, SubstitutedPublicKeyIsRefused) {
  auto central = Unwrap(CentralPairing::Start(ids_.mapper));
  auto peripheral =
      Unwrap(PeripheralPairing::OnRequest(central.request(), ids_.device, ids_.Trusting(), Now()));
  auto response = Unwrap(DecodePairingResponse(peripheral.response()));
  auto attacker = Unwrap(crypto::EphemeralKeyAgreement::Generate());
  response.hello.public_point = attacker.public_point();
  EXPECT_FALSE(central.OnResponse(EncodePairingResponse(response), ids_.Trusting(), Now()).ok());
  // A point that is not on the curve is malformed, not merely unsigned.
  auto request = Unwrap(DecodePairingRequest(central.request()));
  request.public_point[64] ^= 0x01;
  auto refused = PeripheralPairing::OnRequest(EncodePairingRequest(request), ids_.device,
                                              ids_.Trusting(), Now());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(PairingFailureFor(refused.error()), PairingFailure::kInvalidParameters)
      << refused.error().message;
}

TEST_F(LinkPairingTest, CentralMustProveItsKey) {
  // Someone replays a genuine mapper's certificate without its key: its check is signed by
  // another key and the device refuses it.
  auto thief = ids_.mapper;
  thief.key = testing::NewP256Key();
  auto central = Unwrap(CentralPairing::Start(thief));
  auto peripheral =
      Unwrap(PeripheralPairing::OnRequest(central.request(), ids_.device, ids_.Trusting(), Now()));
  auto check = Unwrap(central.OnResponse(peripheral.response(), ids_.Trusting(), Now()));
  auto refused = peripheral.OnCentralCheck(check);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(PairingFailureFor(refused.error()), PairingFailure::kConfirmValueFailed);
}

TEST_F(LinkPairingTest, DeviceMustProveItsKey) {
  auto thief = ids_.device;
  thief.key = testing::NewP256Key();
  auto refused = Handshake(ids_.mapper, thief, ids_.Trusting(), ids_.Trusting());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(PairingFailureFor(refused.error()), PairingFailure::kConfirmValueFailed);
}

TEST_F(LinkPairingTest, PairingFailedIsReportedWithItsReason) {
  auto central = Unwrap(CentralPairing::Start(ids_.mapper));
  auto refused = central.OnResponse(
      EncodePairingFailed(PairingFailure::kAuthenticationRequirements), ids_.Trusting(), Now());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.error().message.find("authentication requirements"), std::string::npos);
}

class SealedChannelTest : public LinkPairingTest {
 protected:
  void SetUp() override {
    paired_.emplace(Unwrap(Handshake(ids_.mapper, ids_.device, ids_.Trusting(), ids_.Trusting())));
  }
  std::optional<Paired> paired_;
};

TEST_F(SealedChannelTest, ReplayedFrameIsRefused) {
  auto frame = Unwrap(paired_->central.channel.Seal(EncodeAtt(AttReadRequest{0x12})));
  ASSERT_TRUE(paired_->peripheral.channel.Open(frame).ok());
  auto replay = paired_->peripheral.channel.Open(frame);
  ASSERT_FALSE(replay.ok());
  EXPECT_NE(replay.error().message.find("replayed"), std::string::npos) << replay.error().message;
}

TEST_F(SealedChannelTest, SkippedOrReorderedFramesAreRefused) {
  auto first = Unwrap(paired_->central.channel.Seal(EncodeAtt(AttReadRequest{1})));
  auto second = Unwrap(paired_->central.channel.Seal(EncodeAtt(AttReadRequest{2})));
  EXPECT_FALSE(paired_->peripheral.channel.Open(second).ok());
  EXPECT_TRUE(paired_->peripheral.channel.Open(first).ok());
  EXPECT_TRUE(paired_->peripheral.channel.Open(second).ok());
}

TEST_F(SealedChannelTest, RewrittenCounterIsRefused) {
  auto frame = Unwrap(paired_->central.channel.Seal(EncodeAtt(AttReadRequest{1})));
  ASSERT_TRUE(paired_->peripheral.channel.Open(frame).ok());
  // The same ciphertext presented as the next frame: the counter is authenticated data.
  frame[8] = 1;
  EXPECT_FALSE(paired_->peripheral.channel.Open(frame).ok());
}

TEST_F(SealedChannelTest, TamperedFrameIsRefused) {
  auto frame = Unwrap(paired_->central.channel.Seal(EncodeAtt(AttWriteRequest{0x22, "\x01"})));
  for (size_t i = 0; i < frame.size(); ++i) {
    std::string altered = frame;
    altered[i] ^= 0x40;
    EXPECT_FALSE(paired_->peripheral.channel.Open(altered).ok()) << "byte " << i;
  }
  EXPECT_TRUE(paired_->peripheral.channel.Open(frame).ok());
}

TEST_F(SealedChannelTest, ReflectedFrameIsRefused) {
  // A frame the central sent, bounced back at it, is under the other direction's key.
  auto frame = Unwrap(paired_->central.channel.Seal(EncodeAtt(AttReadRequest{1})));
  EXPECT_FALSE(paired_->central.channel.Open(frame).ok());
}

TEST_F(SealedChannelTest, PlaintextFrameOnPairedLinkIsRefused) {
  auto refused = paired_->peripheral.channel.Open(EncodeAtt(AttReadRequest{1}));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("unencrypted"), std::string::npos);
}

}  // namespace
}  // namespace edgeid::device::link
