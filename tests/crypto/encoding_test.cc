#include "crypto/encoding.h"

#include <gtest/gtest.h>

namespace edgeid::crypto {
namespace {

TEST(EncodingTest, Base64MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(*Base64Decode(encoded), plain);
  }
}

TEST(EncodingTest, Base64UrlHasNoPaddingAndUrlAlphabet) {
  std::string bytes = "\xfb\xff\xbf";
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(*Base64UrlDecode("Zg"), "f");
}

TEST(EncodingTest, RejectsMalformedInput) {
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok()) << "padding is not allowed in base64url";
  EXPECT_FALSE(Base64UrlDecode("Z").ok()) << "truncated";
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok()) << "standard alphabet in base64url";
  EXPECT_FALSE(Base64UrlDecode("Zh").ok()) << "non-zero trailing bits";
  EXPECT_FALSE(Base64Decode("Zm9").ok()) << "length not a multiple of 4";
  EXPECT_FALSE(Base64Decode("Zm9v\n").ok()) << "whitespace";
  EXPECT_FALSE(Base64Decode("-_-_").ok()) << "URL alphabet in standard base64";
}

TEST(EncodingTest, HexEncodes) {
  EXPECT_EQ(HexEncode(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(HexEncode("\xab", true), "AB");
}

}  // namespace
}  // namespace edgeid::crypto
