#include "server/federation/relationship.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/atomic_file.h"
#include "crypto/certificate.h"

namespace edgeid::server::federation {

Result<EndpointUrl> ParseEndpointUrl(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (url.rfind(kScheme, 0) != 0) return InvalidArgument("must start with https://");
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgument("must not have a query or fragment");
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  EndpointUrl out;
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("must not carry user information");
  }
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("has an unclosed IPv6 address");
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') {
      return InvalidArgument("has characters after the IPv6 address");
    }
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
    if (host.find(':') != std::string_view::npos) {
      return InvalidArgument("has an IPv6 address without brackets ([addr]:port)");
    }
  }
  if (host.empty()) return InvalidArgument("has no host");
  for (char c : host) {
    bool allowed = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                   c == ':' || c == '_';
    if (!allowed)
      return InvalidArgument("has a host with the character '" + std::string(1, c) + "'");
  }
  out.host = std::string(host);
  // Host names compare without case (RFC 4343); the TLS check is given the lower-case form.
  std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!authority.empty()) {  // ":port"
    std::string_view digits = authority.substr(1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port == 0 ||
        port > 65535) {
      return InvalidArgument("has an invalid port");
    }
    out.port = static_cast<uint16_t>(port);
  }
  return out;
}

Result<spiffe::SpiffeBundle> ParseTrustDomainBundle(const spiffe::TrustDomain& td,
                                                    std::string_view data,
                                                    std::string_view format) {
  spiffe::SpiffeBundle bundle(td);
  if (format == "pem") {
    auto x509 = spiffe::X509Bundle::FromPem(td, data);
    if (!x509.ok()) return InvalidArgument("PEM bundle: " + x509.error().message);
    bundle.x509() = std::move(*x509);
  } else if (format == "spiffe") {
    auto parsed = spiffe::SpiffeBundle::Parse(td, data);
    if (!parsed.ok()) return InvalidArgument("SPIFFE bundle: " + parsed.error().message);
    bundle = std::move(*parsed);
  } else {
    return InvalidArgument("bundle format \"" + std::string(format) + "\" is not pem or spiffe");
  }
  if (bundle.x509().empty() && bundle.jwt().empty()) {
    return InvalidArgument("the bundle holds no authorities");
  }
  return bundle;
}

Status ValidateRelationship(const FederationRelationship& r, const spiffe::TrustDomain& own) {
  auto td = spiffe::TrustDomain::Parse(r.trust_domain);
  if (!td.ok()) return InvalidArgument("trust domain: " + td.error().message);
  if (td->name() != r.trust_domain) {
    return InvalidArgument("trust domain: write it as " + td->name());
  }
  if (*td == own) {
    return InvalidArgument("trust domain: " + r.trust_domain +
                           " is this server's own; a server does not federate with itself");
  }
  auto url = ParseEndpointUrl(r.bundle_endpoint_url);
  if (!url.ok()) return InvalidArgument("bundle endpoint URL " + url.error().message);
  if (r.bundle_endpoint_profile == kProfileHttpsSpiffe) {
    if (r.endpoint_spiffe_id.empty()) {
      return InvalidArgument("endpoint SPIFFE ID: required for the https_spiffe profile");
    }
    auto id = spiffe::SpiffeId::Parse(r.endpoint_spiffe_id);
    if (!id.ok()) return InvalidArgument("endpoint SPIFFE ID: " + id.error().message);
    if (id->path().empty()) {
      return InvalidArgument("endpoint SPIFFE ID: " + r.endpoint_spiffe_id +
                             " has no path, so no X509-SVID can carry it");
    }
    if (!r.endpoint_ca_file.empty()) {
      return InvalidArgument(
          "endpoint CA file: only for https_web (https_spiffe trusts the endpoint's bundle)");
    }
  } else if (r.bundle_endpoint_profile == kProfileHttpsWeb) {
    if (!r.endpoint_spiffe_id.empty()) {
      return InvalidArgument("endpoint SPIFFE ID: only for the https_spiffe profile");
    }
    if (!r.endpoint_ca_file.empty()) {
      auto pem = ReadFile(r.endpoint_ca_file);
      if (!pem.ok()) return InvalidArgument("endpoint CA file: " + pem.error().message);
      auto cas = crypto::ParseCertificatesPem(*pem);
      if (!cas.ok() || cas->empty()) {
        return InvalidArgument("endpoint CA file: " + r.endpoint_ca_file +
                               " holds no PEM certificates");
      }
    }
  } else {
    return InvalidArgument("bundle endpoint profile: \"" + r.bundle_endpoint_profile +
                           "\" is neither https_web nor https_spiffe");
  }
  return OkStatus();
}

}  // namespace edgeid::server::federation
