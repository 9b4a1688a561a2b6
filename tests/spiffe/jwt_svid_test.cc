// Each JWT-SVID rule (JWT-SVID.md §2-§3) with a token made to break it.
#include "spiffe/jwt_svid.h"

#include <gtest/gtest.h>

#include "crypto/encoding.h"
#include "spiffe/spiffe_bundle.h"
#include "testing/test_pki.h"

namespace edgeid::spiffe {
namespace {

using edgeid::testing::Unwrap;
using nlohmann::json;
using std::chrono::seconds;

int64_t Unix(TimePoint t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

class JwtSvidTest : public ::testing::Test {
 protected:
  JwtSvidTest()
      : now_(std::chrono::system_clock::now()),
        ec_key_(Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256))),
        p384_key_(Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP384))),
        rsa_key_(Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048))) {
    SpiffeBundle bundle(Unwrap(TrustDomain::Parse("example.org")));
    EXPECT_TRUE(bundle.jwt().SetAuthority("ec", ec_key_.public_key()).ok());
    EXPECT_TRUE(bundle.jwt().SetAuthority("p384", p384_key_.public_key()).ok());
    EXPECT_TRUE(bundle.jwt().SetAuthority("rsa", rsa_key_.public_key()).ok());
    bundles_.Put(bundle);
  }

  json Header(const char* alg = "ES256", const char* kid = "ec") {
    return {{"alg", alg}, {"kid", kid}, {"typ", "JWT"}};
  }
  json Claims() {
    return {{"sub", "spiffe://example.org/web"},
            {"aud", "db"},
            {"exp", Unix(now_ + seconds(300))},
            {"iat", Unix(now_)}};
  }
  std::string Sign(const json& header, const json& claims, const crypto::PrivateKey& key,
                   JwsAlgorithm alg = JwsAlgorithm::kES256) {
    return Unwrap(SignJws(alg, key, header.dump(), claims.dump()));
  }
  Result<JwtSvid> Validate(const std::string& token, std::string_view audience = "db") {
    return ValidateJwtSvid(token, bundles_, audience, now_);
  }
  std::string Reject(const std::string& token, std::string_view audience = "db") {
    auto r = Validate(token, audience);
    EXPECT_FALSE(r.ok()) << "token was accepted";
    return r.ok() ? "" : r.error().message;
  }

  TimePoint now_;
  crypto::PrivateKey ec_key_, p384_key_, rsa_key_;
  BundleSet bundles_;
};

TEST_F(JwtSvidTest, MintedTokenValidatesWithEveryAlgorithm) {
  struct Case {
    JwsAlgorithm alg;
    const crypto::PrivateKey* key;
    const char* kid;
  };
  for (auto [alg, key, kid] :
       {Case{JwsAlgorithm::kES256, &ec_key_, "ec"}, Case{JwsAlgorithm::kES384, &p384_key_, "p384"},
        Case{JwsAlgorithm::kRS256, &rsa_key_, "rsa"}, Case{JwsAlgorithm::kRS384, &rsa_key_, "rsa"},
        Case{JwsAlgorithm::kRS512, &rsa_key_, "rsa"}, Case{JwsAlgorithm::kPS256, &rsa_key_, "rsa"},
        Case{JwsAlgorithm::kPS384, &rsa_key_, "rsa"},
        Case{JwsAlgorithm::kPS512, &rsa_key_, "rsa"}}) {
    JwtSvidParams params{Unwrap(SpiffeId::Parse("spiffe://example.org/web")),
                         {"db"},
                         now_,
                         now_ + seconds(300),
                         kid,
                         ""};
    auto token = Unwrap(MintJwtSvid(params, *key, alg));
    auto svid = Validate(token);
    ASSERT_TRUE(svid.ok()) << JwsAlgorithmName(alg) << ": " << svid.error().message;
    EXPECT_EQ(svid->id.str(), "spiffe://example.org/web");
    EXPECT_EQ(svid->audience, std::vector<std::string>{"db"});
    EXPECT_EQ(svid->key_id, kid);
    EXPECT_EQ(svid->algorithm, alg);
    EXPECT_EQ(Unix(svid->expiry), Unix(now_ + seconds(300)));
  }
}

TEST_F(JwtSvidTest, MintedTokenHasTheStandardShape) {
  JwtSvidParams params{Unwrap(SpiffeId::Parse("spiffe://example.org/web")),
                       {"a", "b"},
                       now_,
                       now_ + seconds(60),
                       "ec",
                       "https://oidc.example.org"};
  auto token = Unwrap(MintJwtSvid(params, ec_key_, JwsAlgorithm::kES256));
  auto parts = Unwrap(SplitJwsCompact(token));
  json header = json::parse(Unwrap(crypto::Base64UrlDecode(parts.header_b64)));
  EXPECT_EQ(header, json({{"alg", "ES256"}, {"kid", "ec"}, {"typ", "JWT"}}));
  json claims = Unwrap(ParseJwtClaimsInsecure(token));
  EXPECT_EQ(claims["sub"], "spiffe://example.org/web");
  EXPECT_EQ(claims["aud"], json({"a", "b"}));
  EXPECT_EQ(claims["iss"], "https://oidc.example.org");
  EXPECT_EQ(claims["exp"], Unix(now_ + seconds(60)));
  EXPECT_EQ(claims["iat"], Unix(now_));
  EXPECT_EQ(Unwrap(crypto::Base64UrlDecode(parts.signature_b64)).size(), 64u) << "raw r||s";
  EXPECT_TRUE(Validate(token, "b").ok());
}

TEST_F(JwtSvidTest, MintRefusesBadParameters) {
  auto id = Unwrap(SpiffeId::Parse("spiffe://example.org/web"));
  auto mint = [&](const JwtSvidParams& p) {
    return MintJwtSvid(p, ec_key_, JwsAlgorithm::kES256).ok();
  };
  EXPECT_FALSE(mint({id, {}, now_, now_ + seconds(60), "ec", ""})) << "no audience";
  EXPECT_FALSE(mint({id, {""}, now_, now_ + seconds(60), "ec", ""})) << "empty audience";
  EXPECT_FALSE(mint({id, {"db"}, now_, now_ + seconds(60), "", ""})) << "no kid";
  EXPECT_FALSE(mint({id, {"db"}, now_, now_, "ec", ""})) << "expiry not after iat";
  EXPECT_FALSE(mint({Unwrap(SpiffeId::Parse("spiffe://example.org")),
                     {"db"},
                     now_,
                     now_ + seconds(60),
                     "ec",
                     ""}))
      << "no path";
  JwtSvidParams ok{id, {"db"}, now_, now_ + seconds(60), "ec", ""};
  EXPECT_FALSE(MintJwtSvid(ok, ec_key_, JwsAlgorithm::kRS256).ok()) << "RS256 with EC key";
  EXPECT_FALSE(MintJwtSvid(ok, ec_key_, JwsAlgorithm::kES384).ok()) << "ES384 with P-256 key";
}

TEST_F(JwtSvidTest, RejectsAlgNone) {
  std::string token = crypto::Base64UrlEncode(Header("none").dump()) + "." +
                      crypto::Base64UrlEncode(Claims().dump()) + ".";
  EXPECT_NE(Reject(token).find("\"none\""), std::string::npos);
}

TEST_F(JwtSvidTest, RejectsHmacAlgorithms) {
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    std::string token = crypto::Base64UrlEncode(Header(alg).dump()) + "." +
                        crypto::Base64UrlEncode(Claims().dump()) + ".c2lnbmF0dXJl";
    EXPECT_NE(Reject(token).find("HMAC"), std::string::npos) << alg;
  }
  std::string eddsa = crypto::Base64UrlEncode(Header("EdDSA").dump()) + "." +
                      crypto::Base64UrlEncode(Claims().dump()) + ".c2ln";
  EXPECT_NE(Reject(eddsa).find("not allowed"), std::string::npos);
}

TEST_F(JwtSvidTest, RejectsAlgorithmThatDoesNotFitTheKey) {
  // Header says RS256 but the kid names an EC key: algorithm confusion.
  auto token = Sign(Header("RS256", "ec"), Claims(), rsa_key_, JwsAlgorithm::kRS256);
  EXPECT_NE(Reject(token).find("RS256"), std::string::npos);
  // ES256 against a P-384 key.
  auto curve = Sign(Header("ES256", "p384"), Claims(), ec_key_);
  EXPECT_NE(Reject(curve).find("ES256"), std::string::npos);
}

TEST_F(JwtSvidTest, RejectsMissingOrUnknownKid) {
  json no_kid = Header();
  no_kid.erase("kid");
  EXPECT_NE(Reject(Sign(no_kid, Claims(), ec_key_)).find("kid"), std::string::npos);
  auto unknown = Reject(Sign(Header("ES256", "nope"), Claims(), ec_key_));
  EXPECT_NE(unknown.find("no JWT authority with key ID \"nope\""), std::string::npos);
}

TEST_F(JwtSvidTest, RejectsHeaderMembersOutsideTheProfile) {
  for (const char* member : {"jku", "jwk", "x5u", "crit", "cty"}) {
    json header = Header();
    header[member] = "x";
    EXPECT_NE(Reject(Sign(header, Claims(), ec_key_)).find(member), std::string::npos) << member;
  }
  json typ = Header();
  typ["typ"] = "at+jwt";
  EXPECT_NE(Reject(Sign(typ, Claims(), ec_key_)).find("typ"), std::string::npos);
  json jose = Header();
  jose["typ"] = "JOSE";
  EXPECT_TRUE(Validate(Sign(jose, Claims(), ec_key_)).ok());
  json no_typ = Header();
  no_typ.erase("typ");
  EXPECT_TRUE(Validate(Sign(no_typ, Claims(), ec_key_)).ok());
}

TEST_F(JwtSvidTest, RejectsBadSignatures) {
  auto token = Sign(Header(), Claims(), ec_key_);
  std::string flipped = token;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_NE(Reject(flipped).find("signature"), std::string::npos);

  auto impostor = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  EXPECT_NE(Reject(Sign(Header(), Claims(), impostor)).find("signature"), std::string::npos)
      << "same kid, another key";

  // Claims swapped after signing.
  auto parts = Unwrap(SplitJwsCompact(token));
  json evil = Claims();
  evil["sub"] = "spiffe://example.org/admin";
  std::string swapped = std::string(parts.header_b64) + "." + crypto::Base64UrlEncode(evil.dump()) +
                        "." + std::string(parts.signature_b64);
  EXPECT_NE(Reject(swapped).find("signature"), std::string::npos);
  EXPECT_NE(Reject(std::string(parts.signing_input) + ".").find("wrong length"), std::string::npos);
}

TEST_F(JwtSvidTest, ExpiryIsRequiredAndEnforcedWithLeeway) {
  json no_exp = Claims();
  no_exp.erase("exp");
  EXPECT_NE(Reject(Sign(Header(), no_exp, ec_key_)).find("\"exp\""), std::string::npos);
  json expired = Claims();
  expired["exp"] = Unix(now_ - seconds(31));
  EXPECT_NE(Reject(Sign(Header(), expired, ec_key_)).find("expired"), std::string::npos);
  json within_leeway = Claims();
  within_leeway["exp"] = Unix(now_ - seconds(10));
  EXPECT_TRUE(Validate(Sign(Header(), within_leeway, ec_key_)).ok());
  json string_exp = Claims();
  string_exp["exp"] = "tomorrow";
  EXPECT_NE(Reject(Sign(Header(), string_exp, ec_key_)).find("number"), std::string::npos);
  json far_future = Claims();
  far_future["exp"] = 1e10;  // past what the clock can represent: refused, not overflowed
  EXPECT_NE(Reject(Sign(Header(), far_future, ec_key_)).find("out of range"), std::string::npos);
  json fractional = Claims();
  fractional["exp"] = static_cast<double>(Unix(now_ + seconds(60))) + 0.5;
  EXPECT_TRUE(Validate(Sign(Header(), fractional, ec_key_)).ok());
}

TEST_F(JwtSvidTest, RejectsTokensNotYetValidOrIssuedInTheFuture) {
  json nbf = Claims();
  nbf["nbf"] = Unix(now_ + seconds(120));
  EXPECT_NE(Reject(Sign(Header(), nbf, ec_key_)).find("not yet valid"), std::string::npos);
  json iat = Claims();
  iat["iat"] = Unix(now_ + seconds(120));
  EXPECT_NE(Reject(Sign(Header(), iat, ec_key_)).find("future"), std::string::npos);
}

TEST_F(JwtSvidTest, AudienceIsRequiredAndMatched) {
  json no_aud = Claims();
  no_aud.erase("aud");
  EXPECT_NE(Reject(Sign(Header(), no_aud, ec_key_)).find("\"aud\""), std::string::npos);
  EXPECT_NE(Reject(Sign(Header(), Claims(), ec_key_), "cache").find("audience \"cache\""),
            std::string::npos);
  json empty = Claims();
  empty["aud"] = json::array();
  EXPECT_NE(Reject(Sign(Header(), empty, ec_key_)).find("empty"), std::string::npos);
  json numbers = Claims();
  numbers["aud"] = json::array({1});
  EXPECT_NE(Reject(Sign(Header(), numbers, ec_key_)).find("strings"), std::string::npos);
  json several = Claims();
  several["aud"] = json::array({"cache", "db"});
  EXPECT_TRUE(Validate(Sign(Header(), several, ec_key_)).ok());
  EXPECT_NE(Reject(Sign(Header(), Claims(), ec_key_), "").find("must name an audience"),
            std::string::npos);
}

TEST_F(JwtSvidTest, SubjectMustBeASpiffeIdOfATrustedDomain) {
  json no_sub = Claims();
  no_sub.erase("sub");
  EXPECT_NE(Reject(Sign(Header(), no_sub, ec_key_)).find("\"sub\""), std::string::npos);
  json not_spiffe = Claims();
  not_spiffe["sub"] = "alice@example.org";
  EXPECT_NE(Reject(Sign(Header(), not_spiffe, ec_key_)).find("scheme"), std::string::npos);
  json td_only = Claims();
  td_only["sub"] = "spiffe://example.org";
  EXPECT_NE(Reject(Sign(Header(), td_only, ec_key_)).find("no path"), std::string::npos);
  json foreign = Claims();
  foreign["sub"] = "spiffe://other.org/web";
  EXPECT_NE(
      Reject(Sign(Header(), foreign, ec_key_)).find("no JWT bundle for trust domain other.org"),
      std::string::npos);
}

TEST_F(JwtSvidTest, KeyMustComeFromTheSubjectsOwnTrustDomain) {
  // other.org is federated, but its bundle does not hold example.org's key "ec".
  SpiffeBundle other(Unwrap(TrustDomain::Parse("other.org")));
  auto other_key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  ASSERT_TRUE(other.jwt().SetAuthority("other", other_key.public_key()).ok());
  bundles_.Put(other);
  json claims = Claims();
  claims["sub"] = "spiffe://other.org/web";
  EXPECT_NE(Reject(Sign(Header("ES256", "ec"), claims, ec_key_)).find("key ID \"ec\""),
            std::string::npos);
  EXPECT_TRUE(Validate(Sign(Header("ES256", "other"), claims, other_key)).ok());
}

// docs/spiffe-library.md: an ES256 signature (r, s) has a twin (r, n - s) that verifies too, so
// a token string is not unique; the twin carries the same subject and claims.
TEST_F(JwtSvidTest, AMirroredEcdsaSignatureIsAnotherStringForTheSameToken) {
  std::string token = Sign(Header(), Claims(), ec_key_);
  auto dot = token.rfind('.');
  std::string signature = Unwrap(crypto::Base64UrlDecode(token.substr(dot + 1)));
  ASSERT_EQ(signature.size(), 64u);
  std::string twin_signature =
      signature.substr(0, 32) + edgeid::testing::MirroredP256S(signature.substr(32));
  std::string twin = token.substr(0, dot + 1) + crypto::Base64UrlEncode(twin_signature);
  ASSERT_NE(twin, token);
  auto original = Unwrap(Validate(token));
  auto mirrored = Unwrap(Validate(twin));
  EXPECT_EQ(mirrored.id, original.id);
  EXPECT_EQ(mirrored.expiry, original.expiry);
}

TEST_F(JwtSvidTest, RejectsMalformedTokens) {
  EXPECT_NE(Reject("").find("three parts"), std::string::npos);
  EXPECT_NE(Reject("a.b").find("three parts"), std::string::npos);
  EXPECT_NE(Reject("a.b.c.d").find("three parts"), std::string::npos);
  EXPECT_NE(Reject("..sig").find("empty"), std::string::npos);
  EXPECT_NE(Reject("!!!.e30.c2ln").find("base64url"), std::string::npos);
  EXPECT_NE(Reject(crypto::Base64UrlEncode("not json") + ".e30.c2ln").find("JSON"),
            std::string::npos);
  EXPECT_NE(Reject(crypto::Base64UrlEncode("[1]") + ".e30.c2ln").find("object"), std::string::npos);
  EXPECT_NE(Reject(std::string(kMaxJwtSvidSize + 1, 'a')).find("16 KiB"), std::string::npos);
}

}  // namespace
}  // namespace edgeid::spiffe
