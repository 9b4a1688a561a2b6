// X.509-SVIDs for both ends of a device link, from test CAs: the trust domain's own, a second CA
// posing as it, and another trust domain's.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "device/link/pairing.h"
#include "spiffe/x509_svid.h"
#include "testing/test_pki.h"

namespace edgeid::device::link {

inline spiffe::X509Svid MakeSvid(
    const testing::TestCa& ca, const std::string& id,
    const std::function<void(crypto::CertificateTemplate&)>& change = nullptr) {
  auto tmpl = testing::LeafTemplate(id);
  if (change) change(tmpl);
  auto key = testing::NewP256Key();
  auto leaf = testing::Unwrap(crypto::SignCertificate(tmpl, key.public_key(), &ca.cert, ca.key));
  return spiffe::X509Svid{testing::Unwrap(spiffe::SpiffeId::Parse(id)), {leaf}, key, ""};
}

struct LinkIdentities {
  testing::TestCa ca = testing::MakeTestCa("example.org");
  testing::TestCa impostor_ca = testing::MakeTestCa("example.org");
  testing::TestCa other_domain_ca = testing::MakeTestCa("other.org");
  spiffe::X509Svid mapper = MakeSvid(ca, "spiffe://example.org/mapper/ble");
  spiffe::X509Svid device = MakeSvid(ca, "spiffe://example.org/device/thermo-1");

  PeerRequirement Trusting(std::vector<spiffe::SpiffeId> allowed = {}) const {
    auto td = testing::Unwrap(spiffe::TrustDomain::Parse("example.org"));
    return PeerRequirement{spiffe::X509Bundle(td, {ca.cert}), std::move(allowed)};
  }
};

}  // namespace edgeid::device::link
