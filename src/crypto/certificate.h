// An X.509 certificate (shared, immutable) and chain encodings.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/ossl.h"
#include "crypto/public_key.h"

namespace edgeid::crypto {

using TimePoint = std::chrono::system_clock::time_point;

// keyUsage bits as RFC 5280 §4.2.1.3 numbers them, as flags.
enum KeyUsageBit : uint32_t {
  kDigitalSignature = 1u << 0,
  kNonRepudiation = 1u << 1,
  kKeyEncipherment = 1u << 2,
  kDataEncipherment = 1u << 3,
  kKeyAgreement = 1u << 4,
  kKeyCertSign = 1u << 5,
  kCrlSign = 1u << 6,
};

class Certificate {
 public:
  // Takes a reference on `x509`.
  explicit Certificate(X509* x509);
  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  static Result<Certificate> FromDer(std::string_view der);
  // Exactly one certificate.
  static Result<Certificate> FromPem(std::string_view pem);

  std::string ToDer() const;
  std::string ToPem() const;
  // The TBSCertificate exactly as the issuer signed it (RFC 5280 §4.1.1.1). Unlike the whole
  // certificate's encoding, it cannot be changed without the issuer's key: an ECDSA signature
  // has a second valid encoding (s -> n - s), so a hash of the whole certificate does not name
  // one certificate.
  Result<std::string> SignedContentsDer() const;

  PublicKey public_key() const;
  bool is_ca() const;
  bool has_key_usage() const;
  bool key_usage_critical() const;
  uint32_t key_usage() const;  // KeyUsageBit flags
  bool has_ext_key_usage() const;
  bool ext_key_usage_server_auth() const;
  bool ext_key_usage_client_auth() const;
  std::vector<std::string> uri_sans() const;
  std::vector<std::string> dns_sans() const;
  TimePoint not_before() const;
  TimePoint not_after() const;
  std::string serial_hex() const;
  std::string subject() const;  // RFC 2253 form
  std::string issuer() const;
  std::string subject_common_name() const;
  std::string subject_key_id() const;  // raw bytes, empty if absent
  std::string authority_key_id() const;
  std::string fingerprint_sha256() const;  // raw 32 bytes
  bool is_self_signed() const;

  bool operator==(const Certificate& other) const;
  X509* get() const { return x509_.get(); }

 private:
  X509Ptr x509_;
};

using CertificateChain = std::vector<Certificate>;

// Every CERTIFICATE block in `pem`; other blocks (keys) are skipped. None at all is an error.
Result<CertificateChain> ParseCertificatesPem(std::string_view pem);
// Concatenated DER certificates, as the Workload API carries chains and bundles.
Result<CertificateChain> ParseCertificatesDer(std::string_view der);
std::string CertificatesToPem(const CertificateChain& chain);
std::string CertificatesToDer(const CertificateChain& chain);

}  // namespace edgeid::crypto
