#include "nodeattestor/x509pop/x509pop.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "crypto/certificate_builder.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "testing/test_pki.h"

namespace edgeid::nodeattestor::x509pop {
namespace {

using edgeid::testing::Clock;
using edgeid::testing::MakeIntermediateCa;
using edgeid::testing::MakeTestCa;
using edgeid::testing::TestCa;
using edgeid::testing::Unwrap;

crypto::CertificateTemplate NodeTemplate() {
  crypto::CertificateTemplate t;
  t.subject = {{"CN", "node-7"}};
  t.not_before = Clock::now() - std::chrono::minutes(5);
  t.not_after = Clock::now() + std::chrono::hours(1);
  t.key_usage = crypto::kDigitalSignature;
  t.dns_sans = {"node-7.local"};
  t.serial = std::string("\x01\x02", 2);
  return t;
}

struct Node {
  crypto::PrivateKey key;
  crypto::Certificate cert;
};

Node MakeNode(const crypto::CertificateTemplate& t, const TestCa& ca) {
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  return {key, Unwrap(crypto::SignCertificate(t, key.public_key(), &ca.cert, ca.key))};
}

TEST(X509PopTest, AcceptedChainGivesIdAndSelectors) {
  TestCa root = MakeTestCa("root");
  TestCa mid = MakeIntermediateCa(root, "root");
  Node node = MakeNode(NodeTemplate(), mid);
  auto attested = Unwrap(VerifyChain({node.cert, mid.cert}, {root.cert}, Clock::now()));
  // OpenSSL writes the TBSCertificate itself here, apart from the DER reader the ID uses.
  unsigned char* tbs = nullptr;
  int tbs_length = i2d_re_X509_tbs(node.cert.get(), &tbs);
  ASSERT_GT(tbs_length, 0);
  std::string tbs_der(reinterpret_cast<char*>(tbs), static_cast<size_t>(tbs_length));
  OPENSSL_free(tbs);
  EXPECT_EQ(attested.agent_path,
            "/edgeid/agent/x509pop/" + crypto::HexEncode(crypto::Sha256(tbs_der)));
  auto& s = attested.selector_values;
  auto has = [&](const std::string& v) { return std::find(s.begin(), s.end(), v) != s.end(); };
  EXPECT_TRUE(has("subject:cn:node-7"));
  EXPECT_TRUE(has("serialnumber:0102"));
  EXPECT_TRUE(has("san:dns:node-7.local"));
  EXPECT_TRUE(has("ca:fingerprint:" + crypto::HexEncode(crypto::Sha1(mid.cert.ToDer()))));
  EXPECT_TRUE(has("ca:fingerprint:" + crypto::HexEncode(crypto::Sha1(root.cert.ToDer()))));
}

// A banned node must not come back under another ID by re-encoding its certificate: s -> n - s
// gives a second valid ECDSA signature of the same TBSCertificate, which OpenSSL accepts.
TEST(X509PopTest, AReEncodedCertificateKeepsItsId) {
  TestCa root = MakeTestCa("root");
  Node node = MakeNode(NodeTemplate(), root);
  crypto::Certificate mirrored = edgeid::testing::WithMirroredEcdsaSignature(node.cert);
  ASSERT_NE(mirrored.ToDer(), node.cert.ToDer());
  auto original = Unwrap(VerifyChain({node.cert}, {root.cert}, Clock::now()));
  auto reencoded = VerifyChain({mirrored}, {root.cert}, Clock::now());
  ASSERT_TRUE(reencoded.ok()) << "the mirrored signature is valid: " << reencoded.error().message;
  EXPECT_EQ(reencoded->agent_path, original.agent_path);
  EXPECT_EQ(reencoded->selector_values, original.selector_values);
}

TEST(X509PopTest, RefusedChains) {
  TestCa root = MakeTestCa("root");
  Node node = MakeNode(NodeTemplate(), root);
  auto now = Clock::now();
  EXPECT_EQ(VerifyChain({}, {root.cert}, now).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifyChain({node.cert}, {}, now).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(VerifyChain({node.cert}, {MakeTestCa("other").cert}, now).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(VerifyChain({node.cert}, {root.cert}, now + std::chrono::hours(2)).error().code,
            ErrorCode::kPermissionDenied)
      << "expired";

  auto no_signature = NodeTemplate();
  no_signature.key_usage = crypto::kKeyEncipherment;
  auto e = VerifyChain({MakeNode(no_signature, root).cert}, {root.cert}, now);
  EXPECT_NE(e.error().message.find("digitalSignature"), std::string::npos);

  auto ca_leaf = NodeTemplate();
  ca_leaf.is_ca = true;
  ca_leaf.key_usage = crypto::kKeyCertSign | crypto::kDigitalSignature;
  EXPECT_NE(
      VerifyChain({MakeNode(ca_leaf, root).cert}, {root.cert}, now).error().message.find("is a CA"),
      std::string::npos);

  crypto::CertificateChain too_long{node.cert};
  for (int i = 0; i < 5; ++i) too_long.push_back(root.cert);
  EXPECT_NE(VerifyChain(too_long, {root.cert}, now).error().message.find("intermediate"),
            std::string::npos);
}

TEST(X509PopTest, ChallengeResponseBindsNonceAndKey) {
  TestCa root = MakeTestCa("root");
  Node node = MakeNode(NodeTemplate(), root);
  std::string nonce(kNonceSize, 'n');
  auto response = Unwrap(RespondToChallenge(node.key, nonce));
  EXPECT_EQ(response.nonce.size(), kNonceSize);
  EXPECT_TRUE(VerifyChallengeResponse(node.cert, nonce, response).ok());

  std::string other_nonce(kNonceSize, 'm');
  EXPECT_EQ(VerifyChallengeResponse(node.cert, other_nonce, response).error().code,
            ErrorCode::kPermissionDenied)
      << "a response is good for one nonce only";
  auto tampered = response;
  tampered.nonce[0] ^= 1;
  EXPECT_FALSE(VerifyChallengeResponse(node.cert, nonce, tampered).ok());
  Node stranger = MakeNode(NodeTemplate(), root);
  EXPECT_FALSE(VerifyChallengeResponse(stranger.cert, nonce, response).ok());
  EXPECT_FALSE(RespondToChallenge(node.key, "short").ok());
  auto short_nonce = response;
  short_nonce.nonce = "x";
  EXPECT_EQ(VerifyChallengeResponse(node.cert, nonce, short_nonce).error().code,
            ErrorCode::kInvalidArgument);

  auto rsa = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048));
  auto rsa_cert =
      Unwrap(crypto::SignCertificate(NodeTemplate(), rsa.public_key(), &root.cert, root.key));
  EXPECT_TRUE(
      VerifyChallengeResponse(rsa_cert, nonce, Unwrap(RespondToChallenge(rsa, nonce))).ok());
}

}  // namespace
}  // namespace edgeid::nodeattestor::x509pop
