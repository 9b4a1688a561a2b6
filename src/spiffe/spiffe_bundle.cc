#include "spiffe/spiffe_bundle.h"

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "spiffe/json_limits.h"
#include "spiffe/jwk.h"

namespace edgeid::spiffe {
namespace {

constexpr std::string_view kX509SvidUse = "x509-svid";
constexpr std::string_view kJwtSvidUse = "jwt-svid";

Result<crypto::Certificate> ParseX509Entry(const nlohmann::json& key) {
  auto x5c = key.find("x5c");
  if (x5c == key.end() || !x5c->is_array() || x5c->size() != 1 || !(*x5c)[0].is_string()) {
    return InvalidArgument("x509-svid entry must have \"x5c\" with exactly one certificate");
  }
  auto der = crypto::Base64Decode((*x5c)[0].get_ref<const std::string&>());
  if (!der.ok()) return der.error().Wrap("x5c");
  auto cert = crypto::Certificate::FromDer(*der);
  if (!cert.ok()) return cert.error().Wrap("x5c");
  // The same key rules as for jwt-svid entries, so that a bundle written out reads back.
  auto valid_key = cert->public_key().Validate();
  if (!valid_key.ok()) return valid_key.error().Wrap("x5c certificate key");
  if (JwkHasKeyParameters(key)) {
    auto pub = PublicKeyFromJwk(key);
    if (!pub.ok()) return pub.error();
    if (!(*pub == cert->public_key())) {
      return InvalidArgument("key parameters do not match the x5c certificate's public key");
    }
  }
  return cert;
}

Result<uint64_t> UnsignedField(const nlohmann::json& doc, const char* field) {
  const auto& v = doc.at(field);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    return InvalidArgument(std::string("\"") + field + "\" must be a non-negative integer");
  }
  return v.get<uint64_t>();
}

}  // namespace

Result<SpiffeBundle> SpiffeBundle::Parse(const TrustDomain& td, std::string_view json) {
  const std::string what = "SPIFFE bundle for " + td.name();
  auto doc_result = ParseJsonObject(json, what);
  if (!doc_result.ok()) return doc_result.error();
  const nlohmann::json& doc = *doc_result;

  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return InvalidArgument(what + ": \"keys\" is missing or not an array");
  }
  SpiffeBundle bundle(td);
  if (doc.contains("spiffe_sequence")) {
    auto seq = UnsignedField(doc, "spiffe_sequence");
    if (!seq.ok()) return seq.error().Wrap(what);
    bundle.sequence_ = *seq;
  }
  if (doc.contains("spiffe_refresh_hint")) {
    auto hint = UnsignedField(doc, "spiffe_refresh_hint");
    if (!hint.ok()) return hint.error().Wrap(what);
    // Seconds are held signed; anything near that bound is no sensible refresh hint anyway.
    if (*hint > static_cast<uint64_t>(INT64_MAX)) {
      return InvalidArgument(what + ": \"spiffe_refresh_hint\" is too large");
    }
    bundle.refresh_hint_ = std::chrono::seconds(static_cast<int64_t>(*hint));
  }

  for (size_t i = 0; i < keys->size(); ++i) {
    const auto& key = (*keys)[i];
    std::string where = what + ": keys[" + std::to_string(i) + "]";
    if (!key.is_object()) return InvalidArgument(where + " is not an object");
    auto use = key.find("use");
    if (use == key.end() || !use->is_string()) {
      return InvalidArgument(where + ": \"use\" is missing or not a string");
    }
    if (!key.contains("kty") || !key["kty"].is_string()) {
      return InvalidArgument(where + ": \"kty\" is missing or not a string");
    }
    const auto& use_value = use->get_ref<const std::string&>();
    if (use_value == kX509SvidUse) {
      if (key.contains("kid")) {
        return InvalidArgument(where + ": x509-svid entries must not have \"kid\"");
      }
      auto cert = ParseX509Entry(key);
      if (!cert.ok()) return cert.error().Wrap(where);
      bundle.x509_.AddAuthority(*cert);
    } else if (use_value == kJwtSvidUse) {
      auto kid = key.find("kid");
      if (kid == key.end() || !kid->is_string() || kid->get_ref<const std::string&>().empty()) {
        return InvalidArgument(where + ": jwt-svid entries need a non-empty \"kid\"");
      }
      auto pub = PublicKeyFromJwk(key);
      if (!pub.ok()) return pub.error().Wrap(where);
      const auto& kid_value = kid->get_ref<const std::string&>();
      if (bundle.jwt_.FindAuthority(kid_value).ok()) {
        return InvalidArgument(where + ": duplicate jwt-svid key ID \"" + kid_value + '"');
      }
      EDGEID_RETURN_IF_ERROR(bundle.jwt_.SetAuthority(kid_value, *pub));
    }
    // Other "use" values are ignored, as the bundle format requires of consumers.
  }
  return bundle;
}

std::string SpiffeBundle::ToJson(bool pretty) const {
  nlohmann::ordered_json doc;
  doc["keys"] = nlohmann::ordered_json::array();
  for (const auto& cert : x509_.authorities()) {
    nlohmann::ordered_json jwk;
    jwk["use"] = kX509SvidUse;
    if (!PublicKeyToJwk(cert.public_key(), jwk).ok()) {
      jwk["kty"] = "unknown";  // keeps the certificate; the JWK members are advisory
    }
    jwk["x5c"] = nlohmann::ordered_json::array({crypto::Base64Encode(cert.ToDer())});
    doc["keys"].push_back(std::move(jwk));
  }
  for (const auto& a : jwt_.authorities()) {
    nlohmann::ordered_json jwk;
    jwk["use"] = kJwtSvidUse;
    jwk["kid"] = a.key_id;
    if (!PublicKeyToJwk(a.public_key, jwk).ok()) continue;
    doc["keys"].push_back(std::move(jwk));
  }
  if (sequence_) doc["spiffe_sequence"] = *sequence_;
  if (refresh_hint_) doc["spiffe_refresh_hint"] = refresh_hint_->count();
  return doc.dump(pretty ? 2 : -1);
}

bool SpiffeBundle::operator==(const SpiffeBundle& other) const {
  return td_ == other.td_ && x509_ == other.x509_ && jwt_ == other.jwt_ &&
         sequence_ == other.sequence_ && refresh_hint_ == other.refresh_hint_;
}

void BundleSet::Put(SpiffeBundle bundle) {
  for (auto& b : bundles_) {
    if (b.trust_domain() == bundle.trust_domain()) {
      b = std::move(bundle);
      return;
    }
  }
  bundles_.push_back(std::move(bundle));
}

bool BundleSet::Remove(const TrustDomain& td) {
  return std::erase_if(bundles_, [&](const SpiffeBundle& b) { return b.trust_domain() == td; }) > 0;
}

const SpiffeBundle* BundleSet::Find(const TrustDomain& td) const {
  for (const auto& b : bundles_) {
    if (b.trust_domain() == td) return &b;
  }
  return nullptr;
}

Result<X509Bundle> BundleSet::GetX509Bundle(const TrustDomain& td) const {
  if (const auto* b = Find(td)) return b->x509();
  return NotFound("no X.509 bundle for trust domain " + td.name());
}

Result<JwtBundle> BundleSet::GetJwtBundle(const TrustDomain& td) const {
  if (const auto* b = Find(td)) return b->jwt();
  return NotFound("no JWT bundle for trust domain " + td.name());
}

}  // namespace edgeid::spiffe
