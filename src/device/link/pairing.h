// Pairing of the device link: both sides authenticated by X.509-SVID, keys from P-256 ECDH.
//
//   central -> peripheral  Pairing Request   nonce_c, point_c, SVID chain_c
//   peripheral -> central  Pairing Response  nonce_p, point_p, SVID chain_p,
//                                            sign_p("edgeid link v1 peripheral" || th)
//   central -> peripheral  sealed DHKey Check sign_c("edgeid link v1 central" || th)
//   peripheral -> central  sealed DHKey Check (empty)
//
// th = SHA-256(Pairing Request || Pairing Response without its signature); the session keys are
// HKDF(ECDH secret, salt th). Each side checks the other's chain against its own trust domain's
// bundle and, when configured, the exact SPIFFE IDs it will pair with. A failure is answered
// with Pairing Failed and the link is closed; nothing else is ever answered before pairing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/key_agreement.h"
#include "device/link/link_codes.h"
#include "device/link/secure_channel.h"
#include "spiffe/x509_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::device::link {

struct PeerRequirement {
  spiffe::X509Bundle bundle;  // this side's trust domain: peers of other domains are refused
  std::vector<spiffe::SpiffeId> allowed_ids{};  // empty: any SPIFFE ID of that trust domain
};

struct PairedLink {
  SecureChannel channel;
  spiffe::SpiffeId peer_id;
  crypto::CertificateChain peer_chain;
  std::string transcript_hash;
};

// Which Pairing Failed reason an error of these steps is sent as: PermissionDenied (untrusted or
// unexpected peer) is "authentication requirements", Unauthenticated (a signature that does not
// verify) "confirm value failed", Unimplemented "pairing not supported", FailedPrecondition
// (the sealed check) "DHKey check failed", anything else "invalid parameters".
PairingFailure PairingFailureFor(const Error& error);

class CentralPairing {
 public:
  static Result<CentralPairing> Start(const spiffe::X509Svid& identity);

  // The Pairing Request frame to send.
  const std::string& request() const { return request_; }
  // Verifies the Pairing Response; returns the sealed DHKey Check to send.
  Result<std::string> OnResponse(std::string_view frame, const PeerRequirement& peer,
                                 spiffe::TimePoint now);
  // The peripheral's sealed acknowledgement completes pairing.
  Result<PairedLink> OnAcknowledgement(std::string_view frame);

 private:
  CentralPairing(const spiffe::X509Svid& identity, crypto::EphemeralKeyAgreement ecdh,
                 std::string request)
      : identity_(identity), ecdh_(std::move(ecdh)), request_(std::move(request)) {}

  spiffe::X509Svid identity_;
  crypto::EphemeralKeyAgreement ecdh_;
  std::string request_;
  std::optional<PairedLink> pending_;
};

class PeripheralPairing {
 public:
  // Verifies a Pairing Request; the response to send is response().
  static Result<PeripheralPairing> OnRequest(std::string_view frame,
                                             const spiffe::X509Svid& identity,
                                             const PeerRequirement& peer, spiffe::TimePoint now);

  const std::string& response() const { return response_; }

  struct Completed {
    std::string acknowledgement;  // sealed, to send
    PairedLink link;
  };
  // Opens and verifies the central's sealed DHKey Check.
  Result<Completed> OnCentralCheck(std::string_view frame);

 private:
  PeripheralPairing(std::string response, PairedLink pending)
      : response_(std::move(response)), pending_(std::move(pending)) {}

  std::string response_;
  PairedLink pending_;
};

}  // namespace edgeid::device::link
