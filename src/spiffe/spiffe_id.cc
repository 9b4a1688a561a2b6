#include "spiffe/spiffe_id.h"

namespace edgeid::spiffe {
namespace {

bool IsTrustDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

std::string Printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  const char* hex = "0123456789ABCDEF";
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 15];
}

Error Rule(const std::string& message) {
  return InvalidArgument("invalid SPIFFE ID: " + message);
}

// Rules for characters that are legal in a URI but forbidden in a SPIFFE ID, so the error can
// say which URI component was used instead of just "bad character".
Status CheckUriComponent(char c) {
  switch (c) {
    case '%':
      return Rule("percent-encoding is not allowed (SPIFFE-ID §2.1, §2.2)");
    case '?':
      return Rule("a query is not allowed (SPIFFE-ID §2)");
    case '#':
      return Rule("a fragment is not allowed (SPIFFE-ID §2)");
    default:
      return OkStatus();
  }
}

Status ValidateTrustDomainName(std::string_view td) {
  if (td.empty()) return Rule("the trust domain is missing (SPIFFE-ID §2.1)");
  for (char c : td) {
    if (IsTrustDomainChar(c)) continue;
    EDGEID_RETURN_IF_ERROR(CheckUriComponent(c));
    if (c == ':') return Rule("a port is not allowed in the trust domain (SPIFFE-ID §2.1)");
    if (c == '@') return Rule("userinfo is not allowed in the trust domain (SPIFFE-ID §2.1)");
    if (c >= 'A' && c <= 'Z') return Rule("the trust domain must be lowercase (SPIFFE-ID §2.1)");
    return Rule("trust domain character " + Printable(c) +
                " is not allowed: only a-z, 0-9, '.', '-' and '_' (SPIFFE-ID §2.1)");
  }
  if (td.size() > kMaxTrustDomainLength) {
    return Rule("the trust domain is longer than 255 bytes (SPIFFE-ID §2.3)");
  }
  return OkStatus();
}

}  // namespace

Status ValidatePath(std::string_view path) {
  if (path.empty()) return OkStatus();
  if (path.front() != '/') return Rule("the path must start with '/' (SPIFFE-ID §2.2)");
  size_t seg_start = 1;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      std::string_view seg = path.substr(seg_start, i - seg_start);
      if (seg.empty()) {
        if (i == path.size()) return Rule("a trailing '/' is not allowed (SPIFFE-ID §2.2)");
        return Rule("empty path segments ('//') are not allowed (SPIFFE-ID §2.2)");
      }
      if (seg == "." || seg == "..") {
        return Rule("'.' and '..' path segments are not allowed (SPIFFE-ID §2.2)");
      }
      seg_start = i + 1;
      continue;
    }
    char c = path[i];
    if (IsPathChar(c)) continue;
    EDGEID_RETURN_IF_ERROR(CheckUriComponent(c));
    return Rule("path character " + Printable(c) +
                " is not allowed: only a-z, A-Z, 0-9, '.', '-' and '_' (SPIFFE-ID §2.2)");
  }
  return OkStatus();
}

Result<TrustDomain> TrustDomain::Parse(std::string_view text) {
  if (text.substr(0, kScheme.size()) == kScheme) {
    auto id = EDGEID_TRY(SpiffeId::Parse(text));
    if (!id.path().empty()) {
      return Rule("a trust domain ID must not have a path (got \"" + std::string(text) + "\")");
    }
    return id.trust_domain();
  }
  if (text.find("://") != std::string_view::npos) {
    return Rule("the scheme must be \"spiffe\" (SPIFFE-ID §2)");
  }
  EDGEID_RETURN_IF_ERROR(ValidateTrustDomainName(text));
  return TrustDomain(std::string(text));
}

Result<SpiffeId> SpiffeId::Parse(std::string_view text) {
  if (text.empty()) return Rule("it is empty (SPIFFE-ID §2)");
  if (text.size() > kMaxSpiffeIdLength) {
    return Rule("it is longer than 2048 bytes (SPIFFE-ID §2.3)");
  }
  if (text.substr(0, kScheme.size()) != kScheme) {
    return Rule("the scheme must be \"spiffe://\" in lowercase (SPIFFE-ID §2)");
  }
  std::string_view rest = text.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view td = rest.substr(0, slash);
  EDGEID_RETURN_IF_ERROR(ValidateTrustDomainName(td));
  if (slash != std::string_view::npos) EDGEID_RETURN_IF_ERROR(ValidatePath(rest.substr(slash)));
  return SpiffeId(std::string(text), td.size());
}

Result<SpiffeId> SpiffeId::FromPath(const TrustDomain& td, std::string_view path) {
  EDGEID_RETURN_IF_ERROR(ValidatePath(path));
  std::string id = td.IdString() + std::string(path);
  if (id.size() > kMaxSpiffeIdLength) return Rule("it is longer than 2048 bytes (SPIFFE-ID §2.3)");
  return SpiffeId(std::move(id), td.name().size());
}

TrustDomain SpiffeId::trust_domain() const {
  return TrustDomain(std::string(trust_domain_name()));
}

}  // namespace edgeid::spiffe
