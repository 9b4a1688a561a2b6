// The "disk" upstream authority: a CA certificate and key in PEM files made with OpenSSL, as in
// the paper. Key names follow SPIRE's disk plugin.
#pragma once

#include <memory>
#include <string>

#include "ca/upstream_authority.h"
#include "crypto/private_key.h"

namespace edgeid::ca {

struct DiskUpstreamConfig {
  std::string cert_file_path;    // the upstream CA certificate, then its chain if any
  std::string key_file_path;     // its private key (PEM, unencrypted)
  std::string bundle_file_path;  // the upstream roots; optional when the CA is self-signed
};

class DiskUpstreamAuthority final : public UpstreamAuthority {
 public:
  // Loads and checks the files: readable, key matches certificate, certificate is a CA that
  // may sign certificates, valid at `now`, and chains to the bundle.
  static Result<std::unique_ptr<DiskUpstreamAuthority>> Load(const DiskUpstreamConfig& config,
                                                             TimePoint now);

  Result<UpstreamMintedCa> MintX509Ca(const crypto::CertificateRequest& csr,
                                      const CaCertificateParams& params) override;

  const crypto::CertificateChain& roots() const { return roots_; }

 private:
  DiskUpstreamAuthority(crypto::CertificateChain chain, crypto::PrivateKey key,
                        crypto::CertificateChain roots)
      : chain_(std::move(chain)), key_(std::move(key)), roots_(std::move(roots)) {}

  crypto::CertificateChain chain_;  // upstream signing certificate first
  crypto::PrivateKey key_;
  crypto::CertificateChain roots_;
};

}  // namespace edgeid::ca
