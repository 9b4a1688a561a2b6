// The node's x509pop certificate chain and key, read from the files the config names. Read at
// each attestation (an operator may renew the files) and by `validate`.
#pragma once

#include "agent/config/agent_config.h"
#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"

namespace edgeid::agent {

struct X509PopCredentials {
  crypto::CertificateChain chain;  // leaf first, then the intermediates
  crypto::PrivateKey key;
};

// Errors name the file; a key that is not the leaf's is refused here, not by the server.
Result<X509PopCredentials> LoadX509PopCredentials(const X509PopConfig& config);

}  // namespace edgeid::agent
