#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "spiffe/spiffe_bundle.h"
#include "testing/command.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::spiffe {
namespace {

using edgeid::testing::Unwrap;
using nlohmann::json;

TrustDomain Td(const char* name) {
  return Unwrap(TrustDomain::Parse(name));
}

SpiffeBundle FullBundle() {
  SpiffeBundle b(Td("example.org"));
  b.x509().AddAuthority(edgeid::testing::MakeTestCa("example.org").cert);
  b.x509().AddAuthority(edgeid::testing::MakeTestCa("example.org", crypto::KeyType::kRsa2048).cert);
  for (auto [kid, type] : {std::pair{"kid-p256", crypto::KeyType::kEcP256},
                           std::pair{"kid-p384", crypto::KeyType::kEcP384},
                           std::pair{"kid-rsa", crypto::KeyType::kRsa2048}}) {
    EXPECT_TRUE(
        b.jwt().SetAuthority(kid, Unwrap(crypto::PrivateKey::Generate(type)).public_key()).ok());
  }
  b.set_sequence(42);
  b.set_refresh_hint(std::chrono::seconds(300));
  return b;
}

// Parses FullBundle's JSON after `edit` changes it; returns the error message or "".
std::string ParseEdited(const std::function<void(json&)>& edit) {
  static const std::string kFullBundleJson = FullBundle().ToJson();  // RSA keygen is slow
  json doc = json::parse(kFullBundleJson);
  edit(doc);
  auto r = SpiffeBundle::Parse(Td("example.org"), doc.dump());
  return r.ok() ? "" : r.error().message;
}

TEST(SpiffeBundleTest, JsonRoundTripIsExact) {
  SpiffeBundle original = FullBundle();
  std::string text = original.ToJson();
  auto parsed = Unwrap(SpiffeBundle::Parse(Td("example.org"), text));
  EXPECT_TRUE(parsed == original);
  EXPECT_EQ(parsed.ToJson(), text);
  EXPECT_EQ(parsed.sequence(), 42u);
  EXPECT_EQ(parsed.refresh_hint(), std::chrono::seconds(300));
  EXPECT_EQ(Unwrap(SpiffeBundle::Parse(Td("example.org"), original.ToJson(true))).ToJson(), text);
}

TEST(SpiffeBundleTest, WritesTheStandardShape) {
  json doc = json::parse(FullBundle().ToJson());
  ASSERT_EQ(doc["keys"].size(), 5u);
  const json& x509 = doc["keys"][0];
  EXPECT_EQ(x509["use"], "x509-svid");
  EXPECT_EQ(x509["kty"], "EC");
  EXPECT_EQ(x509["crv"], "P-256");
  EXPECT_EQ(x509["x5c"].size(), 1u);
  EXPECT_FALSE(x509.contains("kid"));
  EXPECT_EQ(doc["keys"][1]["kty"], "RSA");
  const json& jwt = doc["keys"][2];
  EXPECT_EQ(jwt["use"], "jwt-svid");
  EXPECT_EQ(jwt["kid"], "kid-p256");
  EXPECT_EQ(jwt["x"].get<std::string>().size(), 43u) << "32 bytes base64url, no padding";
  EXPECT_EQ(doc["keys"][3]["crv"], "P-384");
  EXPECT_EQ(doc["spiffe_sequence"], 42);
  EXPECT_EQ(doc["spiffe_refresh_hint"], 300);
}

TEST(SpiffeBundleTest, OptionalFieldsAndEmptyKeySet) {
  auto b = Unwrap(SpiffeBundle::Parse(Td("example.org"), R"({"keys":[]})"));
  EXPECT_TRUE(b.x509().empty());
  EXPECT_TRUE(b.jwt().empty());
  EXPECT_FALSE(b.sequence().has_value());
  EXPECT_FALSE(b.refresh_hint().has_value());
  EXPECT_EQ(b.ToJson(), R"({"keys":[]})");
  auto big = Unwrap(SpiffeBundle::Parse(Td("example.org"),
                                        R"({"keys":[],"spiffe_sequence":18446744073709551615})"));
  EXPECT_EQ(big.sequence(), 18446744073709551615u) << "sequence is at least 64 bits";
}

TEST(SpiffeBundleTest, UnknownUseIsIgnored) {
  EXPECT_EQ(ParseEdited([](json& d) {
              d["keys"].push_back({{"use", "wit-svid"}, {"kty", "OKP"}, {"kid", "k"}});
            }),
            "");
}

TEST(SpiffeBundleTest, RejectsMalformedDocuments) {
  auto parse = [](const std::string& text) {
    auto r = SpiffeBundle::Parse(Td("example.org"), text);
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_NE(parse("not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse("[]").find("JSON object"), std::string::npos);
  EXPECT_NE(parse("{}").find("\"keys\""), std::string::npos);
  EXPECT_NE(parse(R"({"keys":{}})").find("\"keys\""), std::string::npos);
  EXPECT_NE(parse(R"({"keys":[1]})").find("not an object"), std::string::npos);
  EXPECT_NE(parse(R"({"keys":[],"spiffe_sequence":-1})").find("spiffe_sequence"),
            std::string::npos);
  EXPECT_NE(parse(R"({"keys":[],"spiffe_sequence":1.5})").find("spiffe_sequence"),
            std::string::npos);
  EXPECT_NE(parse(R"({"keys":[],"spiffe_refresh_hint":"5m"})").find("spiffe_refresh_hint"),
            std::string::npos);
  // Found while fuzzing: 2^63 used to be accepted and written back as a negative number.
  EXPECT_NE(parse(R"({"keys":[],"spiffe_refresh_hint":9223372036854775808})").find("too large"),
            std::string::npos);
  EXPECT_NE(parse(std::string(100, '[') + std::string(100, ']')).find("nested too deeply"),
            std::string::npos);
}

TEST(SpiffeBundleTest, RejectsBadEntries) {
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][0].erase("use"); }).find("\"use\""),
            std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][2].erase("kty"); }).find("\"kty\""),
            std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][0].erase("x5c"); }).find("x5c"), std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) {
              d["keys"][0]["x5c"].push_back(d["keys"][1]["x5c"][0]);
            }).find("exactly one"),
            std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][0]["x5c"][0] = "!!!"; }).find("base64"),
            std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][0]["x5c"][0] = "AAAA"; }).find("x5c"),
            std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][0]["kid"] = "k"; }).find("must not have"),
            std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) {
              d["keys"][0]["x"] = d["keys"][2]["x"];
              d["keys"][0]["y"] = d["keys"][2]["y"];
            }).find("match"),
            std::string::npos)
      << "JWK key parameters that contradict the certificate";
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][2].erase("kid"); }).find("kid"), std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][2]["kid"] = ""; }).find("kid"), std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][3]["kid"] = "kid-p256"; }).find("duplicate"),
            std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][2]["kty"] = "OKP"; }).find("OKP"),
            std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][2]["crv"] = "P-521"; }).find("P-521"),
            std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) {
              std::string x = d["keys"][2]["x"];
              x[5] = x[5] == 'A' ? 'B' : 'A';
              d["keys"][2]["x"] = x;
            }),
            "")
      << "a point off the curve";
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][2]["y"] = 5; }).find("\"y\""), std::string::npos);
  EXPECT_NE(ParseEdited([](json& d) { d["keys"][4].erase("n"); }).find("\"n\""), std::string::npos);
}

TEST(SpiffeBundleTest, RefusesAuthorityCertificateWithWeakKey) {
  // Found by bundle_fuzz: an x5c key that the jwt-svid rules would refuse must be refused too.
  edgeid::testing::TempDir dir;
  auto r = edgeid::testing::RunCommand(
      "openssl req -x509 -newkey rsa:1024 -nodes -subj /CN=weak"
      " -days 1 -keyout " +
      dir.File("k.pem") + " -outform DER -out " + dir.File("c.der"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string der = edgeid::testing::ReadTestFile(dir.File("c.der"));
  json doc = {{"keys", json::array({{{"use", "x509-svid"},
                                     {"kty", "RSA"},
                                     {"x5c", json::array({crypto::Base64Encode(der)})}}})}};
  auto parsed = SpiffeBundle::Parse(Td("example.org"), doc.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("2048"), std::string::npos) << parsed.error().message;
}

TEST(SpiffeBundleTest, BundleSetKeepsTrustDomainsApart) {
  BundleSet set;
  SpiffeBundle a(Td("a.org"));
  a.x509().AddAuthority(edgeid::testing::MakeTestCa("a.org").cert);
  SpiffeBundle b(Td("b.org"));
  b.x509().AddAuthority(edgeid::testing::MakeTestCa("b.org").cert);
  set.Put(a);
  set.Put(b);
  EXPECT_TRUE(Unwrap(set.GetX509Bundle(Td("a.org"))) == a.x509());
  EXPECT_TRUE(Unwrap(set.GetX509Bundle(Td("b.org"))) == b.x509());
  EXPECT_EQ(set.GetJwtBundle(Td("c.org")).error().code, ErrorCode::kNotFound);
  SpiffeBundle a2(Td("a.org"));
  set.Put(a2);  // replaces, never merges
  EXPECT_TRUE(Unwrap(set.GetX509Bundle(Td("a.org"))).empty());
  EXPECT_EQ(set.bundles().size(), 2u);
  EXPECT_TRUE(set.Remove(Td("b.org")));
  EXPECT_FALSE(set.GetX509Bundle(Td("b.org")).ok());
}

TEST(SpiffeBundleTest, X509BundlePemRoundTripAndDeduplication) {
  auto ca = edgeid::testing::MakeTestCa("example.org");
  X509Bundle bundle(Td("example.org"), {ca.cert, ca.cert});
  EXPECT_EQ(bundle.authorities().size(), 1u);
  EXPECT_TRUE(Unwrap(X509Bundle::FromPem(Td("example.org"), bundle.ToPem())) == bundle);
  EXPECT_TRUE(Unwrap(X509Bundle::FromDer(Td("example.org"), bundle.ToDer())) == bundle);
  EXPECT_FALSE(X509Bundle::FromPem(Td("example.org"), "junk").ok());
  EXPECT_FALSE(bundle.AddAuthority(ca.cert));
  EXPECT_TRUE(bundle.RemoveAuthority(ca.cert));
  EXPECT_TRUE(bundle.empty());
}

}  // namespace
}  // namespace edgeid::spiffe
