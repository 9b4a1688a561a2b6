// Servers sharing a datastore publish one trust bundle: each adds its authorities, none drops
// another's, and JWT keys leave once no server's journal publishes them.
#include "server/authority/server_authority.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <filesystem>

#include "server/datastore/sqlite/sqlite_datastore.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::server {
namespace {

using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;
using std::chrono::hours;

class ServerAuthorityTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServerAuthority> Start(const std::string& name, ca::TimePoint now) {
    std::filesystem::create_directories(dir_.File(name));  // as Server::Start does
    auto config = Unwrap(ParseServerConfig("", [&] {
      ServerFlags flags;
      flags.trust_domain = "example.org";
      flags.data_dir = dir_.File(name);
      return flags;
    }()));
    config.key_manager = KeyManagerKind::kMemory;
    return Unwrap(ServerAuthority::Start(config, *ds_, log_, now));
  }
  spiffe::SpiffeBundle Stored() {
    auto td = Unwrap(spiffe::TrustDomain::Parse("example.org"));
    return Unwrap(spiffe::SpiffeBundle::Parse(td, Unwrap(ds_->FetchBundle("example.org"))));
  }

  TempDir dir_;
  std::unique_ptr<DataStore> ds_ = Unwrap(OpenSqliteDataStore(dir_.File("db")));
  std::shared_ptr<spdlog::logger> log_ =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  ca::TimePoint t0_ = std::chrono::system_clock::now();
};

TEST_F(ServerAuthorityTest, TwoServersPublishOneBundleAndServeEachOthersRoots) {
  auto a = Start("a", t0_);
  auto b = Start("b", t0_);
  EXPECT_EQ(Stored().x509().authorities().size(), 2u);
  ASSERT_TRUE(a->Tick(t0_).ok());
  EXPECT_EQ(a->ca().bundle().x509().authorities().size(), 2u) << "a serves b's root too";
  EXPECT_EQ(a->ca().own_bundle().x509().authorities().size(), 1u);
  EXPECT_NE(a->server_id(), b->server_id());

  // An unreadable stored bundle is never overwritten with one server's authorities alone.
  ASSERT_TRUE(ds_->SetBundle("example.org", "{not json").ok());
  EXPECT_FALSE(a->Tick(t0_).ok());
  EXPECT_EQ(Unwrap(ds_->FetchBundle("example.org")), "{not json");
}

TEST_F(ServerAuthorityTest, JwtKeysLeaveWhenNoJournalPublishesThem) {
  auto first = Start("a", t0_);
  const auto first_kid = first->ca().current_jwt_key()->kid;
  first.reset();
  // Restarted with a memory key manager: a new CA and JWT key, the old key left behind.
  auto second = Start("a", t0_ + hours(1));
  EXPECT_TRUE(Stored().jwt().FindAuthority(first_kid).ok()) << "still valid for a while";
  // Long after the first key expired, the next publish drops it.
  for (int h = 2; h <= 96; ++h) ASSERT_TRUE(second->Tick(t0_ + hours(h)).ok());
  EXPECT_FALSE(Stored().jwt().FindAuthority(first_kid).ok());
  EXPECT_EQ(Stored().jwt().authorities().size(),
            second->ca().own_bundle().jwt().authorities().size());
}

TEST_F(ServerAuthorityTest, MissingOwnAuthoritiesArePublishedAgain) {
  auto a = Start("a", t0_);
  auto td = Unwrap(spiffe::TrustDomain::Parse("example.org"));
  ASSERT_TRUE(ds_->SetBundle("example.org", spiffe::SpiffeBundle(td).ToJson()).ok());
  ASSERT_TRUE(a->Tick(t0_).ok());
  EXPECT_EQ(Stored().x509().authorities().size(), 1u);
  EXPECT_EQ(Stored().jwt().authorities().size(), a->ca().own_bundle().jwt().authorities().size());
}

}  // namespace
}  // namespace edgeid::server
