// x509pop node attestation, both halves: the agent proves it holds the key of a certificate
// issued by a CA the server trusts, by signing a fresh server nonce together with one of its
// own. The agent's ID and selectors are derived from the certificate chain (SPIRE's scheme).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"

namespace edgeid::nodeattestor::x509pop {

inline constexpr char kType[] = "x509pop";
inline constexpr size_t kNonceSize = 32;
inline constexpr size_t kMaxIntermediates = 4;
inline constexpr int kMaxRsaBits = 8192;

// What the server learnt from a chain it accepted.
struct AttestedChain {
  // "/edgeid/agent/x509pop/<hex SHA-256 of the leaf's TBSCertificate>": the signed contents,
  // which no re-encoding of the certificate changes.
  std::string agent_path;
  // (type "x509pop") values: subject:cn:<CN>, ca:fingerprint:<hex SHA-1> per CA certificate,
  // serialnumber:<hex>, san:dns:<name>, san:uri:<uri>, san:email:<address>, san:ip:<address>.
  std::vector<std::string> selector_values;
};

// Checks the presented chain (leaf first): the leaf has digitalSignature and is not a CA, at
// most kMaxIntermediates intermediates, RSA keys up to kMaxRsaBits, and a valid path at `now`
// to one of `trusted_roots`.
Result<AttestedChain> VerifyChain(const crypto::CertificateChain& chain,
                                  const crypto::CertificateChain& trusted_roots,
                                  crypto::TimePoint now);

struct ChallengeResponse {
  std::string nonce;      // the agent's kNonceSize bytes
  std::string signature;  // over server nonce || agent nonce
};

// Agent side: signs with ECDSA-SHA256 for EC keys, RSA-PSS-SHA256 for RSA keys.
Result<ChallengeResponse> RespondToChallenge(const crypto::PrivateKey& key,
                                             std::string_view server_nonce);

// Server side: the response must be for `server_nonce` and made with the leaf's key.
Status VerifyChallengeResponse(const crypto::Certificate& leaf, std::string_view server_nonce,
                               const ChallengeResponse& response);

}  // namespace edgeid::nodeattestor::x509pop
