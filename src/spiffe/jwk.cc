#include "spiffe/jwk.h"

#include "crypto/encoding.h"

namespace edgeid::spiffe {
namespace {

Result<std::string> B64Field(const nlohmann::json& jwk, const char* field) {
  auto it = jwk.find(field);
  if (it == jwk.end() || !it->is_string()) {
    return InvalidArgument(std::string("JWK member \"") + field + "\" is missing or not a string");
  }
  auto bytes = crypto::Base64UrlDecode(it->get_ref<const std::string&>());
  if (!bytes.ok()) return bytes.error().Wrap(std::string("JWK member \"") + field + "\"");
  return bytes;
}

}  // namespace

Status PublicKeyToJwk(const crypto::PublicKey& key, nlohmann::ordered_json& jwk) {
  switch (key.family()) {
    case crypto::KeyFamily::kEc: {
      auto c = EDGEID_TRY(key.ec_coordinates());
      jwk["kty"] = "EC";
      jwk["crv"] = c.curve;
      jwk["x"] = crypto::Base64UrlEncode(c.x);
      jwk["y"] = crypto::Base64UrlEncode(c.y);
      return OkStatus();
    }
    case crypto::KeyFamily::kRsa: {
      auto p = EDGEID_TRY(key.rsa_parameters());
      jwk["kty"] = "RSA";
      jwk["n"] = crypto::Base64UrlEncode(p.n);
      jwk["e"] = crypto::Base64UrlEncode(p.e);
      return OkStatus();
    }
    case crypto::KeyFamily::kOther:
      break;
  }
  return InvalidArgument("only EC and RSA keys can be written as JWK");
}

bool JwkHasKeyParameters(const nlohmann::json& jwk) {
  return jwk.contains("x") || jwk.contains("y") || jwk.contains("n") || jwk.contains("e");
}

Result<crypto::PublicKey> PublicKeyFromJwk(const nlohmann::json& jwk) {
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) {
    return InvalidArgument("JWK member \"kty\" is missing or not a string");
  }
  const auto& type = kty->get_ref<const std::string&>();
  if (type == "EC") {
    auto crv = jwk.find("crv");
    if (crv == jwk.end() || !crv->is_string()) {
      return InvalidArgument("JWK member \"crv\" is missing or not a string");
    }
    auto x = EDGEID_TRY(B64Field(jwk, "x"));
    auto y = EDGEID_TRY(B64Field(jwk, "y"));
    return crypto::PublicKey::FromEcCoordinates({crv->get<std::string>(), x, y});
  }
  if (type == "RSA") {
    auto n = EDGEID_TRY(B64Field(jwk, "n"));
    auto e = EDGEID_TRY(B64Field(jwk, "e"));
    return crypto::PublicKey::FromRsaParameters({n, e});
  }
  return InvalidArgument("unsupported JWK key type \"" + type + "\" (expected EC or RSA)");
}

}  // namespace edgeid::spiffe
