#include "agent/node/x509pop_credentials.h"

#include "common/atomic_file.h"

namespace edgeid::agent {

Result<X509PopCredentials> LoadX509PopCredentials(const X509PopConfig& config) {
  auto cert_pem = ReadFile(config.certificate_path, 1 << 20);
  if (!cert_pem.ok()) return cert_pem.error().Wrap("x509pop certificate");
  auto chain = crypto::ParseCertificatesPem(*cert_pem);
  if (!chain.ok()) return chain.error().Wrap("x509pop certificate " + config.certificate_path);
  if (chain->empty()) return InvalidArgument(config.certificate_path + " holds no certificate");
  if (!config.intermediates_path.empty()) {
    auto more_pem = ReadFile(config.intermediates_path, 1 << 20);
    if (!more_pem.ok()) return more_pem.error().Wrap("x509pop intermediates");
    auto more = crypto::ParseCertificatesPem(*more_pem);
    if (!more.ok()) return more.error().Wrap("x509pop intermediates " + config.intermediates_path);
    chain->insert(chain->end(), more->begin(), more->end());
  }
  auto key_pem = ReadFile(config.private_key_path, 1 << 20);
  if (!key_pem.ok()) return key_pem.error().Wrap("x509pop key");
  auto key = crypto::PrivateKey::FromPem(*key_pem);
  if (!key.ok()) return key.error().Wrap("x509pop key " + config.private_key_path);
  if (!(key->public_key() == chain->front().public_key())) {
    return InvalidArgument("x509pop key " + config.private_key_path +
                           " is not the key of the certificate in " + config.certificate_path);
  }
  return X509PopCredentials{std::move(*chain), std::move(*key)};
}

}  // namespace edgeid::agent
