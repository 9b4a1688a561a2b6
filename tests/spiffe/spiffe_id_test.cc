#include "spiffe/spiffe_id.h"

#include <gtest/gtest.h>

namespace edgeid::spiffe {
namespace {

bool IsTdChar(int c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}
bool IsPathChar(int c) {
  return IsTdChar(c) || (c >= 'A' && c <= 'Z');
}

std::string ErrorOf(std::string_view id) {
  auto r = SpiffeId::Parse(id);
  return r.ok() ? "" : r.error().message;
}

TEST(SpiffeIdTest, EveryAsciiCharacterInTrustDomain) {
  for (int c = 0; c < 128; ++c) {
    if (c == '/') continue;  // separates the path; covered through TrustDomain::Parse below
    std::string id = std::string("spiffe://exa") + static_cast<char>(c) + "mple.org/path";
    auto r = SpiffeId::Parse(id);
    EXPECT_EQ(r.ok(), IsTdChar(c)) << "character " << c;
    auto td = TrustDomain::Parse(std::string("exa") + static_cast<char>(c) + "mple.org");
    EXPECT_EQ(td.ok(), IsTdChar(c)) << "character " << c;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(TrustDomain::Parse("exa/mple.org").ok());
}

TEST(SpiffeIdTest, EveryAsciiCharacterInPath) {
  for (int c = 0; c < 128; ++c) {
    std::string id = std::string("spiffe://example.org/pa") + static_cast<char>(c) + "th";
    bool expected = IsPathChar(c) || c == '/';
    EXPECT_EQ(SpiffeId::Parse(id).ok(), expected) << "character " << c;
  }
}

TEST(SpiffeIdTest, ErrorsNameTheRule) {
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("http://example.org/a").find("scheme"), std::string::npos);
  EXPECT_NE(ErrorOf("SPIFFE://example.org/a").find("scheme"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe:/example.org/a").find("scheme"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe:///a").find("trust domain is missing"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://").find("trust domain is missing"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://Example.org/a").find("lowercase"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org:8443/a").find("port"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://user@example.org/a").find("userinfo"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org/a?x=1").find("query"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org/a#frag").find("fragment"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org/%41").find("percent-encoding"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://ex%41mple.org/a").find("percent-encoding"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org/").find("trailing"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org/a/").find("trailing"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org//a").find("empty path segments"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org/./a").find("'.'"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org/a/..").find("'..'"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://[::1]/a").find("'['"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org/a b").find("byte 0x20"), std::string::npos);
  EXPECT_NE(ErrorOf("spiffe://example.org/a\x01").find("byte 0x01"), std::string::npos);
  // Every message cites the standard.
  EXPECT_NE(ErrorOf("spiffe://example.org//a").find("SPIFFE-ID §2.2"), std::string::npos);
}

TEST(SpiffeIdTest, AcceptsValidForms) {
  auto id = SpiffeId::Parse("spiffe://example.org/ns/Prod/sa/web-1.v2_x");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->trust_domain_name(), "example.org");
  EXPECT_EQ(id->path(), "/ns/Prod/sa/web-1.v2_x");
  EXPECT_EQ(id->trust_domain().name(), "example.org");
  EXPECT_TRUE(SpiffeId::Parse("spiffe://example.org").ok()) << "trust domain ID, empty path";
  EXPECT_TRUE(SpiffeId::Parse("spiffe://192.168.0.1/a").ok()) << "IPv4 allowed";
  EXPECT_TRUE(SpiffeId::Parse("spiffe://example.org/...").ok()) << "three dots is a name";
  EXPECT_TRUE(SpiffeId::Parse("spiffe://example.org/.a").ok());
}

TEST(SpiffeIdTest, LengthLimits) {
  std::string td255(255, 'a');
  EXPECT_TRUE(TrustDomain::Parse(td255).ok());
  auto long_td = TrustDomain::Parse(td255 + "a");
  ASSERT_FALSE(long_td.ok());
  EXPECT_NE(long_td.error().message.find("255"), std::string::npos);

  std::string prefix = "spiffe://example.org/";
  std::string id2048 = prefix + std::string(2048 - prefix.size(), 'p');
  EXPECT_TRUE(SpiffeId::Parse(id2048).ok());
  auto too_long = SpiffeId::Parse(id2048 + "p");
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message.find("2048"), std::string::npos);
}

TEST(SpiffeIdTest, TrustDomainParseAcceptsIdFormButNoPath) {
  EXPECT_EQ(TrustDomain::Parse("spiffe://example.org")->name(), "example.org");
  EXPECT_EQ(TrustDomain::Parse("example.org")->IdString(), "spiffe://example.org");
  EXPECT_FALSE(TrustDomain::Parse("spiffe://example.org/a").ok());
  EXPECT_FALSE(TrustDomain::Parse("https://example.org").ok());
  EXPECT_FALSE(TrustDomain::Parse("").ok());
}

TEST(SpiffeIdTest, FromPathValidatesAndJoins) {
  auto td = *TrustDomain::Parse("example.org");
  EXPECT_EQ(SpiffeId::FromPath(td, "/a/b")->str(), "spiffe://example.org/a/b");
  EXPECT_EQ(SpiffeId::FromPath(td, "")->str(), "spiffe://example.org");
  EXPECT_FALSE(SpiffeId::FromPath(td, "a/b").ok());
  EXPECT_FALSE(SpiffeId::FromPath(td, "/a/").ok());
  EXPECT_FALSE(SpiffeId::FromPath(td, "/a//b").ok());
  EXPECT_FALSE(SpiffeId::FromPath(td, "/" + std::string(2048, 'x')).ok());
}

TEST(SpiffeIdTest, MembershipAndComparison) {
  auto a = *SpiffeId::Parse("spiffe://example.org/a");
  auto b = *SpiffeId::Parse("spiffe://example.org/b");
  EXPECT_TRUE(a.MemberOf(*TrustDomain::Parse("example.org")));
  EXPECT_FALSE(a.MemberOf(*TrustDomain::Parse("example.com")));
  EXPECT_FALSE(a.MemberOf(*TrustDomain::Parse("example.or")));
  EXPECT_LT(a, b);
  EXPECT_EQ(a, *SpiffeId::Parse("spiffe://example.org/a"));
  EXPECT_NE(*SpiffeId::Parse("spiffe://example.org/A"), a) << "paths are case-sensitive";
}

}  // namespace
}  // namespace edgeid::spiffe
