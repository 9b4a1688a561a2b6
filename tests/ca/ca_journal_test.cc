#include "ca/ca_journal.h"

#include <gtest/gtest.h>

#include "ca/ca_manager.h"
#include "keymanager/disk/disk_key_manager.h"
#include "keymanager/memory/memory_key_manager.h"
#include "spiffe/jwt_svid.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::ca {
namespace {

using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;
using std::chrono::hours;
using std::chrono::seconds;

CaConfig JournalCaConfig() {
  return CaConfig{Unwrap(spiffe::TrustDomain::Parse("example.org"))};
}

CaJournal RoundTrip(const CaJournal& journal) {
  return Unwrap(CaJournal::Parse(journal.ToJson()));
}

TEST(CaJournalTest, RestartResumesTheSameCaAndBundle) {
  TempDir dir;
  auto t0 = std::chrono::system_clock::now();
  std::string saved;
  spiffe::SpiffeBundle bundle_before(JournalCaConfig().trust_domain);
  std::string token;
  {
    auto km = Unwrap(keymanager::DiskKeyManager::Open(dir.File("keys")));
    CaManager ca(JournalCaConfig(), *km, nullptr);
    ASSERT_TRUE(ca.Initialize(t0).ok());
    bundle_before = ca.bundle();
    token = Unwrap(ca.SignJwtSvid(Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/w")), {"db"},
                                  seconds(300), t0));
    saved = ca.Journal().ToJson();
  }
  EXPECT_EQ(saved.find("PRIVATE"), std::string::npos) << "no private keys in the journal";

  auto km = Unwrap(keymanager::DiskKeyManager::Open(dir.File("keys")));
  CaManager resumed(JournalCaConfig(), *km, nullptr);
  ASSERT_TRUE(resumed.Restore(Unwrap(CaJournal::Parse(saved)), t0 + seconds(5)).ok());
  EXPECT_TRUE(resumed.bundle() == bundle_before) << "same authorities and sequence";

  // SVIDs from the resumed CA verify with the bundle workloads already hold, and tokens
  // issued before the restart still validate.
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  spiffe::X509SvidParams params{Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/w"))};
  params.now = t0 + seconds(5);
  auto chain = Unwrap(resumed.SignX509SvidForKey(key.public_key(), params));
  spiffe::BundleSet old_bundles;
  old_bundles.Put(bundle_before);
  EXPECT_TRUE(spiffe::VerifyX509Svid(chain, old_bundles, t0 + seconds(5)).ok());
  EXPECT_TRUE(spiffe::ValidateJwtSvid(token, old_bundles, "db", t0 + seconds(5)).ok());
}

TEST(CaJournalTest, PreparedSuccessorsAndRetiredKeysAreResumed) {
  keymanager::MemoryKeyManager km;
  CaManager ca(JournalCaConfig(), km, nullptr);
  auto t0 = std::chrono::system_clock::now();
  ASSERT_TRUE(ca.Initialize(t0).ok());
  ASSERT_TRUE(Unwrap(ca.Rotate(t0 + hours(12) + seconds(1))));  // prepared
  ASSERT_TRUE(Unwrap(ca.Rotate(t0 + hours(20) + seconds(1))));  // activated
  ASSERT_TRUE(ca.PrepareX509Ca(t0 + hours(20) + seconds(2)).ok());

  CaManager resumed(JournalCaConfig(), km, nullptr);
  ASSERT_TRUE(resumed.Restore(RoundTrip(ca.Journal()), t0 + hours(21)).ok());
  EXPECT_EQ(resumed.current_x509_ca()->certificate, ca.current_x509_ca()->certificate);
  ASSERT_TRUE(resumed.next_x509_ca());
  EXPECT_EQ(resumed.next_x509_ca()->certificate, ca.next_x509_ca()->certificate);
  EXPECT_EQ(resumed.bundle().jwt().authorities().size(), 2u) << "the retired JWT key stays";
  EXPECT_TRUE(resumed.bundle() == ca.bundle());
}

TEST(CaJournalTest, UnusableJournalsAreRefusedClearly) {
  keymanager::MemoryKeyManager km;
  CaManager ca(JournalCaConfig(), km, nullptr);
  auto t0 = std::chrono::system_clock::now();
  ASSERT_TRUE(ca.Initialize(t0).ok());
  CaJournal journal = RoundTrip(ca.Journal());

  keymanager::MemoryKeyManager empty;
  CaManager lost(JournalCaConfig(), empty, nullptr);
  auto gone = lost.Restore(journal, t0);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("x509-CA-A"), std::string::npos) << gone.error().message;

  CaManager late(JournalCaConfig(), km, nullptr);
  auto expired = late.Restore(journal, t0 + hours(25));
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);

  ASSERT_TRUE(km.GenerateKey("x509-CA-A", crypto::KeyType::kEcP256).ok());  // key swapped
  CaManager swapped(JournalCaConfig(), km, nullptr);
  auto mismatch = swapped.Restore(journal, t0);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("does not match"), std::string::npos);

  CaConfig other{Unwrap(spiffe::TrustDomain::Parse("other.org"))};
  keymanager::MemoryKeyManager km2;
  CaManager source(JournalCaConfig(), km2, nullptr);
  ASSERT_TRUE(source.Initialize(t0).ok());
  CaManager wrong_domain(other, km2, nullptr);
  EXPECT_FALSE(wrong_domain.Restore(source.Journal(), t0).ok());
  EXPECT_FALSE(wrong_domain.Restore(CaJournal{}, t0).ok());
}

TEST(CaJournalTest, MalformedJournalsAreErrors) {
  EXPECT_FALSE(CaJournal::Parse("").ok());
  EXPECT_FALSE(CaJournal::Parse("[]").ok());
  EXPECT_FALSE(CaJournal::Parse(R"({"version":2})").ok());
  EXPECT_FALSE(CaJournal::Parse(R"({"version":1})").ok());
  EXPECT_FALSE(
      CaJournal::Parse(R"({"version":1,"published_roots":["!"],"published_jwt":[],"sequence":1})")
          .ok());
  EXPECT_FALSE(
      CaJournal::Parse(R"({"version":1,"published_roots":[],"published_jwt":[],"sequence":-1})")
          .ok());
  auto minimal =
      CaJournal::Parse(R"({"version":1,"published_roots":[],"published_jwt":[],"sequence":0})");
  ASSERT_TRUE(minimal.ok());
  EXPECT_FALSE(minimal->current_x509.has_value());
}

}  // namespace
}  // namespace edgeid::ca
