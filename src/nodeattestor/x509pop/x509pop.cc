#include "nodeattestor/x509pop/x509pop.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include "crypto/chain_verify.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/random.h"

namespace edgeid::nodeattestor::x509pop {
namespace {

crypto::SignatureAlgorithm AlgorithmFor(crypto::KeyFamily family) {
  return family == crypto::KeyFamily::kRsa ? crypto::SignatureAlgorithm::kRsaPssSha256
                                           : crypto::SignatureAlgorithm::kEcdsaSha256;
}

// The email and IP SANs, which the certificate class does not expose.
void AddOtherSans(const crypto::Certificate& leaf, std::vector<std::string>& out) {
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_EMAIL) {
      const ASN1_IA5STRING* s = name->d.rfc822Name;
      out.push_back("san:email:" + std::string(reinterpret_cast<const char*>(s->data),
                                               static_cast<size_t>(s->length)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      int family = ip->length == 4 ? AF_INET : ip->length == 16 ? AF_INET6 : -1;
      if (family != -1 && inet_ntop(family, ip->data, text, sizeof(text)) != nullptr) {
        out.push_back(std::string("san:ip:") + text);
      }
    }
  }
  GENERAL_NAMES_free(names);
}

}  // namespace

Result<AttestedChain> VerifyChain(const crypto::CertificateChain& chain,
                                  const crypto::CertificateChain& trusted_roots,
                                  crypto::TimePoint now) {
  if (chain.empty()) return InvalidArgument("x509pop: no certificate presented");
  if (chain.size() - 1 > kMaxIntermediates) {
    return InvalidArgument("x509pop: more than " + std::to_string(kMaxIntermediates) +
                           " intermediate certificates");
  }
  for (const auto& cert : chain) {
    auto key = cert.public_key();
    if (key.family() == crypto::KeyFamily::kRsa && key.bits() > kMaxRsaBits) {
      return InvalidArgument("x509pop: RSA key larger than " + std::to_string(kMaxRsaBits) +
                             " bits");
    }
  }
  const crypto::Certificate& leaf = chain.front();
  if (leaf.is_ca()) return InvalidArgument("x509pop: the leaf certificate is a CA");
  if (leaf.has_key_usage() && (leaf.key_usage() & crypto::kDigitalSignature) == 0) {
    return InvalidArgument("x509pop: the leaf certificate lacks the digitalSignature key usage");
  }
  if (trusted_roots.empty()) return FailedPrecondition("x509pop: no trusted CA is configured");
  crypto::ChainVerifyError why;
  auto path = crypto::VerifyCertificateChain(chain, trusted_roots, now, &why);
  if (!path.ok()) {
    return PermissionDenied("x509pop: certificate chain not trusted: " + why.reason +
                            " (certificate " + std::to_string(why.depth) + ")");
  }

  // The ID, and so a ban, names the certificate the CA signed, not one of its encodings: a
  // banned node re-encoding its certificate's ECDSA signature (s -> n - s) stays banned.
  auto signed_contents = leaf.SignedContentsDer();
  if (!signed_contents.ok()) {
    return InvalidArgument("x509pop: leaf certificate: " + signed_contents.error().message);
  }
  AttestedChain result;
  result.agent_path =
      "/edgeid/agent/x509pop/" + crypto::HexEncode(crypto::Sha256(*signed_contents));
  auto& sel = result.selector_values;
  if (auto cn = leaf.subject_common_name(); !cn.empty()) sel.push_back("subject:cn:" + cn);
  // SPIRE's selector: the SHA-1 of the CA certificate as sent. A re-encoded CA certificate
  // only yields a fingerprint no entry names, so it can take selectors away, never add them.
  for (size_t i = 1; i < path->size(); ++i) {
    sel.push_back("ca:fingerprint:" + crypto::HexEncode(crypto::Sha1((*path)[i].ToDer())));
  }
  sel.push_back("serialnumber:" + leaf.serial_hex());
  for (const auto& dns : leaf.dns_sans()) sel.push_back("san:dns:" + dns);
  for (const auto& uri : leaf.uri_sans()) sel.push_back("san:uri:" + uri);
  AddOtherSans(leaf, sel);
  return result;
}

Result<ChallengeResponse> RespondToChallenge(const crypto::PrivateKey& key,
                                             std::string_view server_nonce) {
  if (server_nonce.size() != kNonceSize) {
    return InvalidArgument("x509pop: the server nonce is not " + std::to_string(kNonceSize) +
                           " bytes");
  }
  ChallengeResponse response;
  response.nonce = EDGEID_TRY(crypto::RandomBytes(kNonceSize));
  std::string signed_data = std::string(server_nonce) + response.nonce;
  response.signature = EDGEID_TRY(key.Sign(AlgorithmFor(key.public_key().family()), signed_data));
  return response;
}

Status VerifyChallengeResponse(const crypto::Certificate& leaf, std::string_view server_nonce,
                               const ChallengeResponse& response) {
  if (response.nonce.size() != kNonceSize) {
    return InvalidArgument("x509pop: the agent nonce is not " + std::to_string(kNonceSize) +
                           " bytes");
  }
  auto key = leaf.public_key();
  std::string signed_data = std::string(server_nonce) + response.nonce;
  auto verified = key.Verify(AlgorithmFor(key.family()), signed_data, response.signature);
  if (!verified.ok()) {
    return PermissionDenied("x509pop: challenge signature does not match the certificate's key");
  }
  return OkStatus();
}

}  // namespace edgeid::nodeattestor::x509pop
