#include "spiffe/jwt_svid.h"

#include <algorithm>
#include <cmath>

#include "common/timestamp.h"
#include "crypto/encoding.h"
#include "spiffe/json_limits.h"

namespace edgeid::spiffe {
namespace {

Error Invalid(const std::string& why) {
  return InvalidArgument("JWT-SVID: " + why);
}

Result<nlohmann::json> DecodeJsonPart(std::string_view b64, std::string_view what) {
  auto bytes = crypto::Base64UrlDecode(b64);
  if (!bytes.ok())
    return Invalid(std::string(what) + " is not base64url: " + bytes.error().message);
  auto doc = ParseJsonObject(*bytes, what, kMaxJwtSvidSize, 8);
  if (!doc.ok()) return doc.error().Wrap("JWT-SVID");
  return doc;
}

// NumericDate (RFC 7519 §2): a JSON number of seconds since the epoch, fractions allowed.
Result<TimePoint> NumericDate(const nlohmann::json& claims, const char* name) {
  const auto& v = claims.at(name);
  if (!v.is_number()) return Invalid(std::string("claim \"") + name + "\" must be a number");
  double seconds = v.get<double>();
  // Far enough for any real token, and inside what system_clock (nanoseconds) can hold.
  constexpr double kLatest = 8'000'000'000.0;  // year 2223
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kLatest) {
    return Invalid(std::string("claim \"") + name + "\" is out of range");
  }
  return TimePoint(std::chrono::seconds(static_cast<int64_t>(seconds)));
}

Result<std::vector<std::string>> Audience(const nlohmann::json& claims) {
  auto aud = claims.find("aud");
  if (aud == claims.end()) return Invalid("claim \"aud\" is required (JWT-SVID §3)");
  std::vector<std::string> out;
  if (aud->is_string()) {
    out.push_back(aud->get<std::string>());
  } else if (aud->is_array()) {
    for (const auto& a : *aud) {
      if (!a.is_string()) return Invalid("claim \"aud\" must hold only strings");
      out.push_back(a.get<std::string>());
    }
  } else {
    return Invalid("claim \"aud\" must be a string or an array of strings");
  }
  if (out.empty()) return Invalid("claim \"aud\" is empty (JWT-SVID §3)");
  return out;
}

}  // namespace

Result<std::string> MintJwtSvid(const JwtSvidParams& params, const crypto::PrivateKey& key,
                                JwsAlgorithm alg) {
  if (params.subject.path().empty()) {
    return InvalidArgument("cannot mint a JWT-SVID for " + params.subject.str() +
                           ": a workload SPIFFE ID needs a path");
  }
  if (params.audience.empty()) return InvalidArgument("a JWT-SVID needs at least one audience");
  for (const auto& a : params.audience) {
    if (a.empty()) return InvalidArgument("JWT-SVID audience values must not be empty");
  }
  if (params.key_id.empty()) return InvalidArgument("a JWT-SVID needs a key ID");
  if (params.expiry <= params.issued_at) {
    return InvalidArgument("JWT-SVID expiry must be later than its issue time");
  }
  nlohmann::ordered_json header;
  header["alg"] = JwsAlgorithmName(alg);
  header["kid"] = params.key_id;
  header["typ"] = "JWT";
  nlohmann::ordered_json claims;
  if (!params.issuer.empty()) claims["iss"] = params.issuer;
  claims["sub"] = params.subject.str();
  if (params.audience.size() == 1) {
    claims["aud"] = params.audience.front();
  } else {
    claims["aud"] = params.audience;
  }
  claims["exp"] = UnixSeconds(params.expiry);
  claims["iat"] = UnixSeconds(params.issued_at);
  return SignJws(alg, key, header.dump(), claims.dump());
}

Result<nlohmann::json> ParseJwtClaimsInsecure(std::string_view token) {
  if (token.size() > kMaxJwtSvidSize) return Invalid("token is larger than 16 KiB");
  auto parts = EDGEID_TRY(SplitJwsCompact(token));
  return DecodeJsonPart(parts.payload_b64, "claims");
}

Result<JwtSvid> ValidateJwtSvid(std::string_view token, const JwtBundleSource& bundles,
                                std::string_view audience, TimePoint now,
                                const JwtValidationOptions& options) {
  if (audience.empty()) return Invalid("the validator must name an audience (JWT-SVID §3)");
  if (token.size() > kMaxJwtSvidSize) return Invalid("token is larger than 16 KiB");
  auto parts_result = SplitJwsCompact(token);
  if (!parts_result.ok()) return parts_result.error().Wrap("JWT-SVID");
  const JwsParts& parts = *parts_result;

  // Header (JWT-SVID §2): only alg, kid and typ.
  auto header = EDGEID_TRY(DecodeJsonPart(parts.header_b64, "header"));
  for (const auto& [name, value] : header.items()) {
    if (name != "alg" && name != "kid" && name != "typ") {
      return Invalid("header member \"" + name + "\" is not allowed (JWT-SVID §2)");
    }
  }
  if (!header.contains("alg") || !header["alg"].is_string()) {
    return Invalid("header \"alg\" is missing");
  }
  auto alg = ParseJwsAlgorithm(header["alg"].get<std::string>());
  if (!alg.ok()) return alg.error().Wrap("JWT-SVID");
  if (header.contains("typ")) {
    if (!header["typ"].is_string() || (header["typ"] != "JWT" && header["typ"] != "JOSE")) {
      return Invalid("header \"typ\" must be \"JWT\" or \"JOSE\" (JWT-SVID §2)");
    }
  }
  if (!header.contains("kid") || !header["kid"].is_string() ||
      header["kid"].get_ref<const std::string&>().empty()) {
    return Invalid("header \"kid\" is missing: the signing key cannot be found");
  }
  std::string kid = header["kid"].get<std::string>();

  auto claims = EDGEID_TRY(DecodeJsonPart(parts.payload_b64, "claims"));
  if (!claims.contains("sub") || !claims["sub"].is_string()) {
    return Invalid("claim \"sub\" is required (JWT-SVID §3)");
  }
  auto id = SpiffeId::Parse(claims["sub"].get<std::string>());
  if (!id.ok()) return id.error().Wrap("JWT-SVID sub");
  if (id->path().empty()) return Invalid("sub " + id->str() + " has no path");

  // The key must come from the bundle of the subject's own trust domain.
  auto bundle = bundles.GetJwtBundle(id->trust_domain());
  if (!bundle.ok()) {
    return PermissionDenied("JWT-SVID for " + id->str() + ": no JWT bundle for trust domain " +
                            std::string(id->trust_domain_name()));
  }
  auto key = bundle->FindAuthority(kid);
  if (!key.ok()) return PermissionDenied("JWT-SVID: " + key.error().message);

  auto signature = crypto::Base64UrlDecode(parts.signature_b64);
  if (!signature.ok()) return Invalid("signature is not base64url");
  auto verified = VerifyJwsSignature(*alg, *key, parts.signing_input, *signature);
  if (!verified.ok()) return PermissionDenied("JWT-SVID: " + verified.error().message);

  if (!claims.contains("exp")) return Invalid("claim \"exp\" is required (JWT-SVID §3)");
  auto exp = EDGEID_TRY(NumericDate(claims, "exp"));
  if (now > exp + options.leeway) return PermissionDenied("JWT-SVID: token has expired");
  if (claims.contains("nbf")) {
    auto nbf = EDGEID_TRY(NumericDate(claims, "nbf"));
    if (now + options.leeway < nbf) return PermissionDenied("JWT-SVID: token is not yet valid");
  }
  if (claims.contains("iat")) {
    auto iat = EDGEID_TRY(NumericDate(claims, "iat"));
    if (now + options.leeway < iat) return PermissionDenied("JWT-SVID: token issued in the future");
  }
  auto aud = EDGEID_TRY(Audience(claims));
  if (std::find(aud.begin(), aud.end(), audience) == aud.end()) {
    return PermissionDenied("JWT-SVID: audience \"" + std::string(audience) +
                            "\" is not in the token's aud claim");
  }
  return JwtSvid{
      *id, std::move(aud), exp, std::move(kid), *alg, std::move(claims), std::string(token)};
}

}  // namespace edgeid::spiffe
