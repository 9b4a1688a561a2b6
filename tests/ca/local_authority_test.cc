// CaManager's authority management: the prepare/activate/taint/revoke state machine, its
// refusals, and its survival across a restart through the journal.
#include <gtest/gtest.h>

#include "ca/ca_manager.h"
#include "ca/upstreamauthority/disk/disk_upstream_authority.h"
#include "crypto/encoding.h"
#include "keymanager/memory/memory_key_manager.h"
#include "spiffe/jwt_svid.h"
#include "testing/command.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::ca {
namespace {

using edgeid::testing::Unwrap;
using std::chrono::hours;

CaConfig LaConfig() {
  CaConfig config{Unwrap(spiffe::TrustDomain::Parse("example.org"))};
  config.ca_ttl = hours(24);
  config.jwt_key_ttl = hours(24);
  return config;
}

crypto::CertificateChain LaSign(const CaManager& ca, TimePoint now) {
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  spiffe::X509SvidParams params{Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/web"))};
  params.now = now;
  params.ttl = hours(1);
  return Unwrap(ca.SignX509SvidForKey(key.public_key(), params));
}

bool LaVerifies(const CaManager& ca, const crypto::CertificateChain& chain, TimePoint at) {
  spiffe::BundleSet set;
  set.Put(ca.bundle());
  return spiffe::VerifyX509Svid(chain, set, at).ok();
}

template <typename T>
std::optional<ErrorCode> CodeOf(const Result<T>& r) {
  if (r.ok()) return std::nullopt;
  return r.error().code;
}

class LocalAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ca_.Initialize(now_).ok()); }
  TimePoint now_ = std::chrono::system_clock::now();
  keymanager::MemoryKeyManager km_;
  CaManager ca_{LaConfig(), km_, nullptr};
};

TEST_F(LocalAuthorityTest, X509PrepareActivateTaintRevoke) {
  auto first = ca_.X509Authorities();
  ASSERT_TRUE(first.active);
  EXPECT_FALSE(first.prepared);
  EXPECT_TRUE(first.old.empty());
  const std::string old_id = first.active->authority_id;
  EXPECT_EQ(old_id, X509AuthorityId(ca_.current_x509_ca()->certificate));
  EXPECT_EQ(old_id.size(), 40u) << "SHA-1 subject key ID in hex";
  auto old_svid = LaSign(ca_, now_);

  auto prepared = Unwrap(ca_.PrepareX509Authority(now_));
  EXPECT_NE(prepared.authority_id, old_id);
  EXPECT_EQ(ca_.bundle().x509().authorities().size(), 2u) << "published before it signs";
  auto states = ca_.X509Authorities();
  ASSERT_TRUE(states.prepared);
  EXPECT_EQ(states.prepared->authority_id, prepared.authority_id);
  EXPECT_EQ(states.active->authority_id, old_id);

  auto active = Unwrap(ca_.ActivateX509Authority(prepared.authority_id));
  EXPECT_EQ(active.authority_id, prepared.authority_id);
  states = ca_.X509Authorities();
  EXPECT_EQ(states.active->authority_id, prepared.authority_id);
  EXPECT_FALSE(states.prepared);
  ASSERT_EQ(states.old.size(), 1u);
  EXPECT_EQ(states.old[0].authority_id, old_id);
  EXPECT_FALSE(states.old[0].tainted);
  auto new_svid = LaSign(ca_, now_);
  EXPECT_EQ(new_svid[1].subject_key_id(), ca_.current_x509_ca()->certificate.subject_key_id());

  auto tainted = Unwrap(ca_.TaintX509Authority(old_id));
  EXPECT_TRUE(tainted.tainted);
  EXPECT_EQ(ca_.tainted().x509, std::set<std::string>{old_id});
  EXPECT_TRUE(ca_.X509Authorities().old.at(0).tainted);
  EXPECT_TRUE(LaVerifies(ca_, old_svid, now_)) << "a tainted authority is still trusted";

  auto revoked = Unwrap(ca_.RevokeX509Authority(old_id));
  EXPECT_EQ(revoked.authority_id, old_id);
  EXPECT_EQ(ca_.bundle().x509().authorities().size(), 1u);
  EXPECT_FALSE(LaVerifies(ca_, old_svid, now_)) << "a revoked authority is trusted no more";
  EXPECT_TRUE(LaVerifies(ca_, new_svid, now_));
  EXPECT_TRUE(ca_.X509Authorities().old.empty());
  EXPECT_TRUE(ca_.tainted().x509.empty());
}

TEST_F(LocalAuthorityTest, X509Refusals) {
  const std::string active_id = ca_.X509Authorities().active->authority_id;
  EXPECT_EQ(CodeOf(ca_.TaintX509Authority(active_id)), ErrorCode::kFailedPrecondition)
      << "the active authority cannot be tainted";
  EXPECT_EQ(CodeOf(ca_.RevokeX509Authority(active_id)), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(ca_.TaintX509Authority("")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(ca_.TaintX509Authority("00ff")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(ca_.RevokeX509Authority("00ff")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(ca_.ActivateX509Authority("00ff")), ErrorCode::kFailedPrecondition)
      << "nothing is prepared";
  EXPECT_EQ(CodeOf(ca_.ActivateX509Authority(active_id)), ErrorCode::kFailedPrecondition);

  auto prepared = Unwrap(ca_.PrepareX509Authority(now_));
  EXPECT_EQ(CodeOf(ca_.ActivateX509Authority("00ff")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(ca_.TaintX509Authority(prepared.authority_id)), ErrorCode::kFailedPrecondition)
      << "only an old authority can be tainted";
  // Preparing again replaces the prepared authority, which never signed: it leaves the bundle.
  auto again = Unwrap(ca_.PrepareX509Authority(now_));
  EXPECT_NE(again.authority_id, prepared.authority_id);
  EXPECT_EQ(ca_.bundle().x509().authorities().size(), 2u);
  EXPECT_EQ(CodeOf(ca_.ActivateX509Authority(prepared.authority_id)), ErrorCode::kNotFound);

  Unwrap(ca_.ActivateX509Authority(again.authority_id));
  EXPECT_EQ(CodeOf(ca_.RevokeX509Authority(active_id)), ErrorCode::kFailedPrecondition)
      << "an untainted authority cannot be revoked";
  EXPECT_TRUE(ca_.TaintX509Authority(active_id).ok());
  EXPECT_EQ(CodeOf(ca_.TaintX509Authority(active_id)), ErrorCode::kFailedPrecondition)
      << "already tainted";
  EXPECT_TRUE(ca_.RevokeX509Authority(active_id).ok());
  EXPECT_EQ(CodeOf(ca_.RevokeX509Authority(active_id)), ErrorCode::kNotFound) << "gone";
}

TEST_F(LocalAuthorityTest, JwtPrepareActivateTaintRevoke) {
  const std::string old_kid = ca_.JwtAuthorities().active->authority_id;
  auto id = Unwrap(spiffe::SpiffeId::Parse("spiffe://example.org/web"));
  EXPECT_EQ(CodeOf(ca_.TaintJwtAuthority(old_kid)), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(ca_.TaintJwtAuthority("nope")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(ca_.ActivateJwtAuthority("nope")), ErrorCode::kFailedPrecondition);

  auto prepared = Unwrap(ca_.PrepareJwtAuthority(now_));
  EXPECT_EQ(CodeOf(ca_.TaintJwtAuthority(prepared.authority_id)), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(ca_.ActivateJwtAuthority("nope")), ErrorCode::kNotFound);
  Unwrap(ca_.ActivateJwtAuthority(prepared.authority_id));
  auto token = Unwrap(ca_.SignJwtSvid(id, {"aud"}, hours(1), now_));
  spiffe::BundleSet set;
  set.Put(ca_.bundle());
  EXPECT_EQ(Unwrap(spiffe::ValidateJwtSvid(token, set, "aud", now_)).key_id, prepared.authority_id);
  auto states = ca_.JwtAuthorities();
  ASSERT_EQ(states.old.size(), 1u);
  EXPECT_EQ(states.old[0].authority_id, old_kid);

  EXPECT_EQ(CodeOf(ca_.RevokeJwtAuthority(old_kid)), ErrorCode::kFailedPrecondition)
      << "an untainted key cannot be revoked";
  EXPECT_TRUE(Unwrap(ca_.TaintJwtAuthority(old_kid)).tainted);
  EXPECT_EQ(ca_.tainted().jwt, std::set<std::string>{old_kid});
  EXPECT_TRUE(ca_.bundle().jwt().FindAuthority(old_kid).ok()) << "still published";
  EXPECT_TRUE(ca_.RevokeJwtAuthority(old_kid).ok());
  EXPECT_FALSE(ca_.bundle().jwt().FindAuthority(old_kid).ok());
  EXPECT_TRUE(ca_.tainted().jwt.empty());
  EXPECT_TRUE(ca_.JwtAuthorities().old.empty());
}

TEST_F(LocalAuthorityTest, StateSurvivesARestartThroughTheJournal) {
  const std::string x509_old = ca_.X509Authorities().active->authority_id;
  const std::string jwt_old = ca_.JwtAuthorities().active->authority_id;
  Unwrap(ca_.ActivateX509Authority(Unwrap(ca_.PrepareX509Authority(now_)).authority_id));
  Unwrap(ca_.ActivateJwtAuthority(Unwrap(ca_.PrepareJwtAuthority(now_)).authority_id));
  Unwrap(ca_.TaintX509Authority(x509_old));
  Unwrap(ca_.TaintJwtAuthority(jwt_old));
  auto journal = Unwrap(CaJournal::Parse(ca_.Journal().ToJson()));

  CaManager restarted(LaConfig(), km_, nullptr);
  ASSERT_TRUE(restarted.Restore(journal, now_).ok());
  EXPECT_EQ(restarted.tainted(), (TaintedAuthorities{{x509_old}, {jwt_old}}));
  EXPECT_TRUE(restarted.X509Authorities().old.at(0).tainted);
  EXPECT_TRUE(restarted.JwtAuthorities().old.at(0).tainted);
  EXPECT_EQ(CodeOf(restarted.TaintX509Authority(x509_old)), ErrorCode::kFailedPrecondition);

  ASSERT_TRUE(restarted.RevokeX509Authority(x509_old).ok());
  ASSERT_TRUE(restarted.RevokeJwtAuthority(jwt_old).ok());
  journal = Unwrap(CaJournal::Parse(restarted.Journal().ToJson()));
  ASSERT_EQ(journal.revoked_x509.size(), 1u) << "kept so that a shared bundle drops it too";
  EXPECT_EQ(journal.revoked_x509[0].authority_id, x509_old);

  CaManager again(LaConfig(), km_, nullptr);
  ASSERT_TRUE(again.Restore(journal, now_).ok());
  EXPECT_EQ(again.bundle().x509().authorities().size(), 1u) << "a revoked root stays out";
  EXPECT_FALSE(again.bundle().jwt().FindAuthority(jwt_old).ok());
  EXPECT_TRUE(again.tainted().empty());
}

TEST_F(LocalAuthorityTest, PeersTaintedAuthoritiesAreReported) {
  ca_.SetPeerTainted({{"aa"}, {"kid"}});
  EXPECT_EQ(ca_.tainted(), (TaintedAuthorities{{"aa"}, {"kid"}}));
  EXPECT_TRUE(ca_.own_tainted().empty());
}

TEST(LocalAuthorityUpstreamTest, X509TaintAndRevokeAreRefusedWithAnUpstreamAuthority) {
  edgeid::testing::TempDir dir;
  auto made = edgeid::testing::RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj '/CN=Upstream Root' -addext basicConstraints=critical,CA:TRUE"
      " -addext keyUsage=critical,keyCertSign,cRLSign -keyout " +
      dir.File("up.key") + " -out " + dir.File("up.pem"));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto now = std::chrono::system_clock::now();
  auto upstream =
      Unwrap(DiskUpstreamAuthority::Load({dir.File("up.pem"), dir.File("up.key"), ""}, now));
  keymanager::MemoryKeyManager km;
  CaManager ca(LaConfig(), km, upstream.get());
  ASSERT_TRUE(ca.Initialize(now).ok());
  const auto old_id = ca.X509Authorities().active->authority_id;
  auto root =
      Unwrap(crypto::Certificate::FromPem(edgeid::testing::ReadTestFile(dir.File("up.pem"))));
  EXPECT_EQ(ca.X509Authorities().active->upstream_authority_subject_key_id,
            crypto::HexEncode(root.subject_key_id()));
  Unwrap(ca.ActivateX509Authority(Unwrap(ca.PrepareX509Authority(now)).authority_id));
  EXPECT_EQ(ca.bundle().x509().authorities().size(), 1u) << "the upstream root only";
  EXPECT_EQ(CodeOf(ca.TaintX509Authority(old_id)), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(ca.RevokeX509Authority(old_id)), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace edgeid::ca
