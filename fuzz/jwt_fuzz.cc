// JWT-SVID validation. Every input is validated as a token exactly as it came. Inputs holding a
// newline are also read as "header JSON\nclaims JSON" and signed with the bundle's own key
// first: mutated tokens never carry a valid signature, so without this the fuzzer would never
// get past signature verification to the claim rules (exp, nbf, iat, aud, sub).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "spiffe/jws.h"
#include "spiffe/jwt_svid.h"
#include "spiffe/spiffe_bundle.h"

using edgeid::fuzz::Require;
namespace spiffe = edgeid::spiffe;

namespace {

struct Fixture {
  edgeid::crypto::PrivateKey key;
  spiffe::BundleSet bundles;
};

const Fixture& GetFixture() {
  static const Fixture fixture = [] {
    auto key = edgeid::crypto::PrivateKey::FromPem(edgeid::fuzz::kJwtKeyPem);
    if (!key.ok()) edgeid::fuzz::Fail("fixture JWT key loads", key.error().message);
    spiffe::SpiffeBundle bundle(*spiffe::TrustDomain::Parse("example.org"));
    Require(bundle.jwt().SetAuthority(std::string(edgeid::fuzz::kJwtKeyId), key->public_key()).ok(),
            "fixture JWT authority is accepted");
    spiffe::BundleSet bundles;
    bundles.Put(std::move(bundle));
    return Fixture{std::move(*key), std::move(bundles)};
  }();
  return fixture;
}

constexpr std::string_view kAudience = "aud";

void CheckSplit(std::string_view token) {
  auto parts = spiffe::SplitJwsCompact(token);
  if (!parts.ok()) return;
  Require(!parts->header_b64.empty() && !parts->payload_b64.empty(), "header and payload present");
  Require(parts->header_b64.size() + parts->payload_b64.size() + parts->signature_b64.size() + 2 ==
              token.size(),
          "the three parts and two dots make up the whole token");
  for (std::string_view part : {parts->header_b64, parts->payload_b64, parts->signature_b64}) {
    Require(part.find('.') == std::string_view::npos, "no part contains a dot");
  }
  Require(parts->signing_input ==
              token.substr(0, parts->header_b64.size() + 1 + parts->payload_b64.size()),
          "signing input is header.payload");
}

void Validate(std::string_view token) {
  const auto now = edgeid::fuzz::Now();
  const spiffe::JwtValidationOptions options;
  auto svid = spiffe::ValidateJwtSvid(token, GetFixture().bundles, kAudience, now, options);
  if (!svid.ok()) return;
  // An accepted token must satisfy every rule the validator promises.
  Require(!svid->id.path().empty(), "accepted sub has a path");
  Require(svid->id.trust_domain_name() == "example.org", "accepted sub is in the bundle's domain");
  Require(svid->key_id == edgeid::fuzz::kJwtKeyId, "accepted kid is the bundle's key");
  Require(svid->algorithm == spiffe::JwsAlgorithm::kES256, "accepted alg fits the P-256 key");
  Require(
      std::find(svid->audience.begin(), svid->audience.end(), kAudience) != svid->audience.end(),
      "accepted aud contains the validator's audience");
  Require(now <= svid->expiry + options.leeway, "accepted token has not expired");
  Require(svid->token == token, "JwtSvid keeps the token it validated");
  auto claims = spiffe::ParseJwtClaimsInsecure(token);
  Require(claims.ok() && *claims == svid->claims, "insecure claims equal the validated claims");
}

void ValidateSigned(std::string_view input) {
  size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return;
  auto token = spiffe::SignJws(spiffe::JwsAlgorithm::kES256, GetFixture().key,
                               input.substr(0, newline), input.substr(newline + 1));
  if (!token.ok()) edgeid::fuzz::Fail("signing with the fixture key", token.error().message);
  CheckSplit(*token);
  Validate(*token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token = edgeid::fuzz::AsText(data, size);
  CheckSplit(token);
  auto claims = spiffe::ParseJwtClaimsInsecure(token);
  Require(!claims.ok() || claims->is_object(), "insecure claims are a JSON object");
  Validate(token);
  ValidateSigned(token);
  return 0;
}
