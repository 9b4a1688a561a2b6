// SPIFFE IDs and trust domains, parsed and built exactly per the SPIFFE ID standard
// (SPIFFE-ID.md §2). Every rejection names the rule that failed.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid::spiffe {

inline constexpr std::string_view kScheme = "spiffe://";
inline constexpr size_t kMaxTrustDomainLength = 255;  // §2.3
inline constexpr size_t kMaxSpiffeIdLength = 2048;    // §2.3

class TrustDomain {
 public:
  // Accepts a bare name ("example.org") or a SPIFFE ID with no path ("spiffe://example.org").
  static Result<TrustDomain> Parse(std::string_view text);

  const std::string& name() const { return name_; }
  // "spiffe://example.org": the key the Workload API uses for bundle maps.
  std::string IdString() const { return std::string(kScheme) + name_; }

  auto operator<=>(const TrustDomain&) const = default;

 private:
  friend class SpiffeId;
  explicit TrustDomain(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

class SpiffeId {
 public:
  static Result<SpiffeId> Parse(std::string_view text);
  // Joins a trust domain and a path ("/ns/prod/sa/web"); the path is validated.
  static Result<SpiffeId> FromPath(const TrustDomain& td, std::string_view path);

  const std::string& str() const { return id_; }
  std::string_view trust_domain_name() const {
    return std::string_view(id_).substr(kScheme.size(), td_len_);
  }
  TrustDomain trust_domain() const;
  std::string_view path() const { return std::string_view(id_).substr(kScheme.size() + td_len_); }
  bool MemberOf(const TrustDomain& td) const { return trust_domain_name() == td.name(); }

  auto operator<=>(const SpiffeId& other) const { return id_ <=> other.id_; }
  bool operator==(const SpiffeId& other) const { return id_ == other.id_; }

 private:
  SpiffeId(std::string id, size_t td_len) : id_(std::move(id)), td_len_(td_len) {}
  std::string id_;
  size_t td_len_ = 0;
};

// Validates a path ("" or "/a/b") on its own: what SpiffeId::FromPath checks.
Status ValidatePath(std::string_view path);

}  // namespace edgeid::spiffe

template <>
struct std::hash<edgeid::spiffe::SpiffeId> {
  size_t operator()(const edgeid::spiffe::SpiffeId& id) const noexcept {
    return std::hash<std::string>()(id.str());
  }
};
template <>
struct std::hash<edgeid::spiffe::TrustDomain> {
  size_t operator()(const edgeid::spiffe::TrustDomain& td) const noexcept {
    return std::hash<std::string>()(td.name());
  }
};
