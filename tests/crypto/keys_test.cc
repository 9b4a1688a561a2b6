#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/private_key.h"
#include "crypto/random.h"
#include "crypto/signature.h"
#include "testing/command.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::crypto {
namespace {

using edgeid::testing::Unwrap;

class KeyTypeTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(KeyTypeTest, GeneratesKeyOfRequestedType) {
  auto key = Unwrap(PrivateKey::Generate(GetParam()));
  EXPECT_EQ(key.public_key().key_type(), GetParam());
}

TEST_P(KeyTypeTest, Pkcs8PemAndDerRoundTrip) {
  auto key = Unwrap(PrivateKey::Generate(GetParam()));
  auto pem = Unwrap(key.ToPkcs8Pem());
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << "must be PKCS#8";
  auto from_pem = Unwrap(PrivateKey::FromPem(pem));
  EXPECT_TRUE(from_pem.public_key() == key.public_key());
  auto from_der = Unwrap(PrivateKey::FromDer(Unwrap(key.ToPkcs8Der())));
  EXPECT_TRUE(from_der.public_key() == key.public_key());
  auto pub = Unwrap(PublicKey::FromDer(key.public_key().ToDer()));
  EXPECT_TRUE(pub == key.public_key());
  EXPECT_TRUE(Unwrap(PublicKey::FromPem(key.public_key().ToPem())) == key.public_key());
}

TEST_P(KeyTypeTest, SignatureVerifiesAndTamperingIsDetected) {
  auto key = Unwrap(PrivateKey::Generate(GetParam()));
  auto alg = key.DefaultSignatureAlgorithm();
  auto sig = Unwrap(key.Sign(alg, "message"));
  EXPECT_TRUE(key.public_key().Verify(alg, "message", sig).ok());
  EXPECT_FALSE(key.public_key().Verify(alg, "messagf", sig).ok());
  std::string bad = sig;
  bad[bad.size() / 2] ^= 0x01;
  EXPECT_FALSE(key.public_key().Verify(alg, "message", bad).ok());
  auto other = Unwrap(PrivateKey::Generate(GetParam()));
  EXPECT_FALSE(other.public_key().Verify(alg, "message", sig).ok());
}

INSTANTIATE_TEST_SUITE_P(AllTypes, KeyTypeTest,
                         ::testing::Values(KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa2048),
                         [](const auto& param_info) {
                           std::string name(KeyTypeName(param_info.param));
                           std::erase(name, '-');
                           return name;
                         });

TEST(KeysTest, RsaPssAndPkcs1Algorithms) {
  auto key = Unwrap(PrivateKey::Generate(KeyType::kRsa2048));
  for (auto alg : {SignatureAlgorithm::kRsaPssSha256, SignatureAlgorithm::kRsaPssSha384,
                   SignatureAlgorithm::kRsaPkcs1Sha384, SignatureAlgorithm::kRsaPkcs1Sha512}) {
    auto sig = Unwrap(key.Sign(alg, "data"));
    EXPECT_TRUE(key.public_key().Verify(alg, "data", sig).ok());
  }
  auto pss = Unwrap(key.Sign(SignatureAlgorithm::kRsaPssSha256, "data"));
  EXPECT_FALSE(key.public_key().Verify(SignatureAlgorithm::kRsaPkcs1Sha256, "data", pss).ok());
}

TEST(KeysTest, AlgorithmMustMatchKeyFamily) {
  auto ec = Unwrap(PrivateKey::Generate(KeyType::kEcP256));
  EXPECT_FALSE(ec.Sign(SignatureAlgorithm::kRsaPkcs1Sha256, "x").ok());
  auto rsa = Unwrap(PrivateKey::Generate(KeyType::kRsa2048));
  EXPECT_FALSE(rsa.Sign(SignatureAlgorithm::kEcdsaSha256, "x").ok());
}

TEST(KeysTest, RejectsGarbageAndEncryptedAndWeakKeys) {
  EXPECT_FALSE(PrivateKey::FromPem("not a key").ok());
  EXPECT_FALSE(PrivateKey::FromDer(std::string("\x30\x03\x02\x01\x00", 5)).ok());
  EXPECT_FALSE(PublicKey::FromDer("garbage").ok());

  edgeid::testing::TempDir dir;
  auto enc = edgeid::testing::RunCommand(
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass pass:pw -out " +
      dir.File("enc.pem"));
  ASSERT_EQ(enc.exit_code, 0) << enc.output;
  auto encrypted = PrivateKey::FromPem(edgeid::testing::ReadTestFile(dir.File("enc.pem")));
  EXPECT_FALSE(encrypted.ok()) << "encrypted keys cannot be used without a passphrase";

  auto weak =
      edgeid::testing::RunCommand("openssl genrsa -out " + dir.File("rsa1024.pem") + " 1024");
  ASSERT_EQ(weak.exit_code, 0) << weak.output;
  auto rsa1024 = PrivateKey::FromPem(edgeid::testing::ReadTestFile(dir.File("rsa1024.pem")));
  ASSERT_FALSE(rsa1024.ok());
  EXPECT_NE(rsa1024.error().message.find("2048"), std::string::npos);
}

TEST(KeysTest, ReadsTraditionalSec1KeysFromOpensslCli) {
  edgeid::testing::TempDir dir;
  auto r = edgeid::testing::RunCommand("openssl ecparam -name prime256v1 -genkey -noout -out " +
                                       dir.File("ec.pem"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string pem = edgeid::testing::ReadTestFile(dir.File("ec.pem"));
  ASSERT_NE(pem.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  auto key = Unwrap(PrivateKey::FromPem(pem));
  EXPECT_EQ(key.public_key().key_type(), KeyType::kEcP256);
}

TEST(KeysTest, EcdsaRawAndDerConversionsRoundTrip) {
  auto key = Unwrap(PrivateKey::Generate(KeyType::kEcP384));
  auto der = Unwrap(key.Sign(SignatureAlgorithm::kEcdsaSha384, "m"));
  auto raw = Unwrap(EcdsaDerToRaw(der, 48));
  EXPECT_EQ(raw.size(), 96u);
  EXPECT_TRUE(key.public_key()
                  .Verify(SignatureAlgorithm::kEcdsaSha384, "m", Unwrap(EcdsaRawToDer(raw)))
                  .ok());
  EXPECT_FALSE(EcdsaRawToDer("").ok());
  EXPECT_FALSE(EcdsaRawToDer("abc").ok());
  EXPECT_FALSE(EcdsaDerToRaw("junk", 32).ok());
}

TEST(KeysTest, EcAndRsaParametersRebuildTheSameKey) {
  auto ec = Unwrap(PrivateKey::Generate(KeyType::kEcP256)).public_key();
  auto coords = Unwrap(ec.ec_coordinates());
  EXPECT_EQ(coords.curve, "P-256");
  EXPECT_EQ(coords.x.size(), 32u);
  EXPECT_TRUE(Unwrap(PublicKey::FromEcCoordinates(coords)) == ec);
  coords.y[31] ^= 1;  // off the curve
  EXPECT_FALSE(PublicKey::FromEcCoordinates(coords).ok());

  auto rsa = Unwrap(PrivateKey::Generate(KeyType::kRsa2048)).public_key();
  auto params = Unwrap(rsa.rsa_parameters());
  EXPECT_EQ(params.e, std::string("\x01\x00\x01", 3));
  EXPECT_TRUE(Unwrap(PublicKey::FromRsaParameters(params)) == rsa);
  EXPECT_FALSE(PublicKey::FromRsaParameters({std::string(128, '\xff'), "\x03"}).ok())
      << "1024-bit modulus must be refused";
}

TEST(KeysTest, DigestsAndRandom) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  auto a = Unwrap(RandomBytes(32));
  auto b = Unwrap(RandomBytes(32));
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(KeysTest, ParsesKeyTypeNames) {
  EXPECT_EQ(*ParseKeyType("ec-p384"), KeyType::kEcP384);
  EXPECT_EQ(*ParseKeyType("rsa-4096"), KeyType::kRsa4096);
  auto bad = ParseKeyType("ec-p521");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("ec-p521"), std::string::npos);
}

}  // namespace
}  // namespace edgeid::crypto
