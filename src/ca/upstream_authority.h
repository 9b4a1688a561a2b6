// The UpstreamAuthority plugin kind: an outside CA that signs edgeid's signing CA, so that
// edgeid's trust chains up to a root the organisation already has.
#pragma once

#include <chrono>

#include "ca/ca_certificate.h"
#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"

namespace edgeid::ca {

struct UpstreamMintedCa {
  // The new signing CA first, then any certificates between it and the roots.
  crypto::CertificateChain chain;
  // The upstream roots: these, not the signing CA, go into the trust bundle.
  crypto::CertificateChain roots;
};

class UpstreamAuthority {
 public:
  virtual ~UpstreamAuthority() = default;
  // Signs an intermediate CA for the key in `csr`. The lifetime may be shortened to fit the
  // upstream CA's own.
  virtual Result<UpstreamMintedCa> MintX509Ca(const crypto::CertificateRequest& csr,
                                              const CaCertificateParams& params) = 0;
};

}  // namespace edgeid::ca
