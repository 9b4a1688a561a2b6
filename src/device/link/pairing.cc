#include "device/link/pairing.h"

#include <algorithm>

#include "crypto/digest.h"
#include "crypto/random.h"
#include "device/link/smp_messages.h"
#include "spiffe/own_trust_domain_source.h"

namespace edgeid::device::link {
namespace {

constexpr std::string_view kPeripheralLabel = "edgeid link v1 peripheral";
constexpr std::string_view kCentralLabel = "edgeid link v1 central";

Result<spiffe::VerifiedX509Svid> VerifyPeer(const std::string& certificates,
                                            const PeerRequirement& peer, spiffe::TimePoint now) {
  auto chain = crypto::ParseCertificatesDer(certificates);
  if (!chain.ok()) return InvalidArgument("peer certificates: " + chain.error().message);
  // Only this side's own trust domain: a peer of another domain finds no bundle.
  spiffe::OwnTrustDomainSource bundles(peer.bundle);
  auto verified = spiffe::VerifyX509Svid(*chain, bundles, now);
  if (!verified.ok()) {
    return PermissionDenied("peer certificate refused: " + verified.error().message);
  }
  if (!peer.allowed_ids.empty() && std::find(peer.allowed_ids.begin(), peer.allowed_ids.end(),
                                             verified->id) == peer.allowed_ids.end()) {
    return PermissionDenied("peer " + verified->id.str() + " is not allowed to pair");
  }
  return verified;
}

Result<std::string> SignTranscript(const spiffe::X509Svid& identity, std::string_view label,
                                   const std::string& transcript_hash) {
  const auto& key = identity.key;
  return key.Sign(key.DefaultSignatureAlgorithm(), std::string(label) + transcript_hash);
}

Status VerifyTranscript(const crypto::Certificate& leaf, std::string_view label,
                        const std::string& transcript_hash, std::string_view signature,
                        const char* who) {
  auto key = leaf.public_key();
  auto status =
      key.Verify(key.DefaultSignatureAlgorithm(), std::string(label) + transcript_hash, signature);
  if (!status.ok()) {
    return Unauthenticated(std::string(who) +
                           "'s signature over the pairing transcript does not verify");
  }
  return OkStatus();
}

Result<PairingHello> MakeHello(const spiffe::X509Svid& identity,
                               const crypto::EphemeralKeyAgreement& ecdh) {
  PairingHello hello;
  hello.nonce = EDGEID_TRY(crypto::RandomBytes(kPairingNonceBytes));
  hello.public_point = ecdh.public_point();
  hello.certificates = crypto::CertificatesToDer(identity.chain);
  return hello;
}

Result<PairedLink> MakeLink(const crypto::EphemeralKeyAgreement& ecdh, std::string_view peer_point,
                            const std::string& transcript_hash, LinkRole role,
                            spiffe::VerifiedX509Svid peer) {
  auto secret = ecdh.SharedSecret(peer_point);
  if (!secret.ok()) return InvalidArgument(secret.error().message);
  SessionKeys keys = EDGEID_TRY(DeriveSessionKeys(*secret, transcript_hash));
  SecureChannel channel = EDGEID_TRY(SecureChannel::Create(keys, role));
  return PairedLink{std::move(channel), std::move(peer.id), std::move(peer.verified_chain),
                    transcript_hash};
}

}  // namespace

PairingFailure PairingFailureFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kPermissionDenied:
      return PairingFailure::kAuthenticationRequirements;
    case ErrorCode::kUnauthenticated:
      return PairingFailure::kConfirmValueFailed;
    case ErrorCode::kUnimplemented:
      return PairingFailure::kPairingNotSupported;
    case ErrorCode::kFailedPrecondition:
      return PairingFailure::kDhKeyCheckFailed;
    default:
      return PairingFailure::kInvalidParameters;
  }
}

Result<CentralPairing> CentralPairing::Start(const spiffe::X509Svid& identity) {
  crypto::EphemeralKeyAgreement ecdh = EDGEID_TRY(crypto::EphemeralKeyAgreement::Generate());
  PairingHello hello = EDGEID_TRY(MakeHello(identity, ecdh));
  std::string request = EncodePairingRequest(hello);
  return CentralPairing(identity, std::move(ecdh), std::move(request));
}

Result<std::string> CentralPairing::OnResponse(std::string_view frame, const PeerRequirement& peer,
                                               spiffe::TimePoint now) {
  if (IsPairingFailed(frame)) {
    auto reason = DecodePairingFailed(frame);
    return PermissionDenied("peripheral refused pairing: " +
                            (reason.ok() ? PairingFailureName(*reason) : "malformed reason"));
  }
  PairingResponse response = EDGEID_TRY(DecodePairingResponse(frame));
  spiffe::VerifiedX509Svid verified =
      EDGEID_TRY(VerifyPeer(response.hello.certificates, peer, now));
  std::string transcript_hash =
      crypto::Sha256(request_ + EncodePairingResponseUnsigned(response.hello));
  EDGEID_RETURN_IF_ERROR(VerifyTranscript(verified.verified_chain.front(), kPeripheralLabel,
                                          transcript_hash, response.signature, "peripheral"));
  PairedLink link = EDGEID_TRY(MakeLink(ecdh_, response.hello.public_point, transcript_hash,
                                        LinkRole::kCentral, std::move(verified)));
  std::string signature = EDGEID_TRY(SignTranscript(identity_, kCentralLabel, transcript_hash));
  std::string check = EDGEID_TRY(link.channel.Seal(EncodeCentralCheck(signature)));
  pending_ = std::move(link);
  return check;
}

Result<PairedLink> CentralPairing::OnAcknowledgement(std::string_view frame) {
  if (!pending_) return FailedPrecondition("no Pairing Response verified yet");
  if (IsPairingFailed(frame)) {
    auto reason = DecodePairingFailed(frame);
    return PermissionDenied("peripheral refused pairing: " +
                            (reason.ok() ? PairingFailureName(*reason) : "malformed reason"));
  }
  auto inner = pending_->channel.Open(frame);
  if (!inner.ok()) return FailedPrecondition("DHKey Check: " + inner.error().message);
  auto status = DecodePeripheralCheck(*inner);
  if (!status.ok()) return FailedPrecondition(status.error().message);
  PairedLink link = std::move(*pending_);
  pending_.reset();
  return link;
}

Result<PeripheralPairing> PeripheralPairing::OnRequest(std::string_view frame,
                                                       const spiffe::X509Svid& identity,
                                                       const PeerRequirement& peer,
                                                       spiffe::TimePoint now) {
  PairingHello request = EDGEID_TRY(DecodePairingRequest(frame));
  spiffe::VerifiedX509Svid verified = EDGEID_TRY(VerifyPeer(request.certificates, peer, now));
  crypto::EphemeralKeyAgreement ecdh = EDGEID_TRY(crypto::EphemeralKeyAgreement::Generate());
  PairingResponse response;
  response.hello = EDGEID_TRY(MakeHello(identity, ecdh));
  std::string transcript_hash =
      crypto::Sha256(std::string(frame) + EncodePairingResponseUnsigned(response.hello));
  response.signature = EDGEID_TRY(SignTranscript(identity, kPeripheralLabel, transcript_hash));
  PairedLink link = EDGEID_TRY(MakeLink(ecdh, request.public_point, transcript_hash,
                                        LinkRole::kPeripheral, std::move(verified)));
  return PeripheralPairing(EncodePairingResponse(response), std::move(link));
}

Result<PeripheralPairing::Completed> PeripheralPairing::OnCentralCheck(std::string_view frame) {
  auto inner = pending_.channel.Open(frame);
  if (!inner.ok()) return FailedPrecondition("DHKey Check: " + inner.error().message);
  auto signature = DecodeCentralCheck(*inner);
  if (!signature.ok()) return FailedPrecondition(signature.error().message);
  EDGEID_RETURN_IF_ERROR(VerifyTranscript(pending_.peer_chain.front(), kCentralLabel,
                                          pending_.transcript_hash, *signature, "central"));
  std::string ack = EDGEID_TRY(pending_.channel.Seal(EncodePeripheralCheck()));
  return Completed{std::move(ack), std::move(pending_)};
}

}  // namespace edgeid::device::link
