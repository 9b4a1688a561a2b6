#include "certificate_report.h"

#include <ctime>

#include "common/timestamp.h"
#include "crypto/key_type.h"

namespace edgeid::demo {

std::string DescribeCertificate(const crypto::Certificate& cert, const std::string& indent) {
  std::string out;
  auto line = [&](std::string label, const std::string& value) {
    label.resize(15, ' ');
    out += indent + label + value + "\n";
  };
  line("subject", cert.subject().empty() ? "(empty)" : cert.subject());
  line("issuer", cert.issuer());
  for (const auto& uri : cert.uri_sans()) line("URI SAN", uri);
  for (const auto& dns : cert.dns_sans()) line("DNS SAN", dns);
  line("serial", cert.serial_hex());
  line("valid", FormatTimestamp(cert.not_before()) + " .. " + FormatTimestamp(cert.not_after()));
  line("CA", cert.is_ca() ? "yes" : "no");
  std::string ku;
  const std::pair<uint32_t, const char*> names[] = {{crypto::kDigitalSignature, "digitalSignature"},
                                                    {crypto::kKeyEncipherment, "keyEncipherment"},
                                                    {crypto::kKeyAgreement, "keyAgreement"},
                                                    {crypto::kKeyCertSign, "keyCertSign"},
                                                    {crypto::kCrlSign, "cRLSign"}};
  for (auto [bit, name] : names) {
    if (cert.key_usage() & bit) ku += (ku.empty() ? "" : ", ") + std::string(name);
  }
  if (cert.key_usage_critical()) ku += " (critical)";
  line("key usage", ku);
  if (cert.has_ext_key_usage()) {
    std::string eku;
    if (cert.ext_key_usage_server_auth()) eku += "serverAuth";
    if (cert.ext_key_usage_client_auth()) eku += eku.empty() ? "clientAuth" : ", clientAuth";
    line("ext key usage", eku);
  }
  auto type = cert.public_key().key_type();
  line("public key", type ? std::string(crypto::KeyTypeName(*type)) : "other");
  return out;
}

}  // namespace edgeid::demo
