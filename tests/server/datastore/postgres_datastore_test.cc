// What only PostgreSQL has to show: several servers on one database, concurrent first starts,
// a database server that restarts, and values PostgreSQL refuses.
#include "server/datastore/postgres/postgres_datastore.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/datastore/test_entry.h"
#include "testing/postgres_server.h"
#include "testing/test_pki.h"

namespace edgeid::server {
namespace {

using edgeid::testing::PostgresServer;
using edgeid::testing::Unwrap;

class PostgresDataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pg_.started()) << pg_.error();
    conninfo_ = pg_.CreateDatabase("shared");
    ASSERT_FALSE(conninfo_.empty()) << pg_.error();
  }
  std::unique_ptr<DataStore> Open(int conns = 2) {
    return Unwrap(OpenPostgresDataStore({conninfo_, conns}));
  }

  PostgresServer pg_;
  std::string conninfo_;
};

using testing::Entry;

TEST_F(PostgresDataStoreTest, TwoServersShareOneDatabase) {
  auto a = Open();
  auto b = Open();
  int64_t marker = Unwrap(b->ExternalChangeMarker());
  auto created = Unwrap(a->CreateRegistrationEntry(Entry("/web")));
  EXPECT_NE(Unwrap(b->ExternalChangeMarker()), marker) << "b must learn that a changed entries";
  EXPECT_EQ(Unwrap(b->FetchRegistrationEntry(created.entry_id)), created);
  marker = Unwrap(b->ExternalChangeMarker());
  EXPECT_EQ(Unwrap(b->ExternalChangeMarker()), marker) << "no change, no new marker";
  ASSERT_TRUE(a->CreateJoinToken({"tok", 100}).ok());
  EXPECT_EQ(Unwrap(b->ExternalChangeMarker()), marker) << "tokens do not touch entries";

  // A join token is accepted by exactly one server, however many try at once.
  ASSERT_TRUE(a->CreateJoinToken({"race", 100}).ok());
  std::atomic<int> accepted{0};
  std::vector<std::thread> takers;
  takers.reserve(8);
  for (int i = 0; i < 8; ++i) {
    takers.emplace_back([&, i] {
      auto taken = (i % 2 == 0 ? a : b)->TakeJoinToken("race");
      if (taken.ok()) {
        ++accepted;
      } else {
        EXPECT_EQ(taken.error().code, ErrorCode::kNotFound) << taken.error().message;
      }
    });
  }
  for (auto& t : takers) t.join();
  EXPECT_EQ(accepted.load(), 1);

  // A ban written by one server holds against a renewal staged through the other.
  AttestedNode node;
  node.spiffe_id = "spiffe://example.org/agent";
  node.attestation_type = "join_token";
  node.cert_serial = "01";
  ASSERT_TRUE(a->CreateAttestedNode(node).ok());
  ASSERT_TRUE(a->BanAttestedNode(node.spiffe_id).ok());
  EXPECT_EQ(b->StageAgentSvid(node.spiffe_id, "01", "02", 5).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Unwrap(b->FetchAttestedNode(node.spiffe_id)).banned);
}

TEST_F(PostgresDataStoreTest, ServersStartingTogetherMigrateOnce) {
  std::vector<std::thread> starters;
  starters.reserve(4);
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    starters.emplace_back([&] {
      auto ds = OpenPostgresDataStore({conninfo_, 1});
      EXPECT_TRUE(ds.ok()) << ds.error().message;
      if (ds.ok()) ++opened;
    });
  }
  for (auto& t : starters) t.join();
  EXPECT_EQ(opened.load(), 4);
  auto versions = pg_.Psql("shared", "SELECT COUNT(*), MAX(version) FROM schema_version");
  ASSERT_TRUE(versions) << pg_.error();
  EXPECT_EQ(*versions, "2|2\n") << "each of the two steps ran once";

  ASSERT_TRUE(pg_.Psql("shared", "INSERT INTO schema_version VALUES (42)")) << pg_.error();
  auto newer = OpenPostgresDataStore({conninfo_, 1});
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message.find("schema version 42"), std::string::npos);
}

TEST_F(PostgresDataStoreTest, RecoversWhenTheDatabaseRestarts) {
  auto ds = Open(2);
  auto created = Unwrap(ds->CreateRegistrationEntry(Entry("/a")));
  ASSERT_TRUE(pg_.Stop()) << pg_.error();
  auto down = ds->FetchRegistrationEntry(created.entry_id);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable) << down.error().message;
  ASSERT_TRUE(pg_.Start()) << pg_.error();
  // Each pooled connection may report its loss once; then the store reconnects on its own.
  Result<RegistrationEntry> back = Unavailable("not tried");
  for (int attempt = 0; attempt < 5 && !back.ok(); ++attempt) {
    back = ds->FetchRegistrationEntry(created.entry_id);
    if (!back.ok()) {
      EXPECT_EQ(back.error().code, ErrorCode::kUnavailable) << back.error().message;
    }
  }
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, created);
  EXPECT_TRUE(ds->CreateRegistrationEntry(Entry("/b")).ok());
}

TEST_F(PostgresDataStoreTest, RefusesWhatItCannotStoreFaithfully) {
  auto ds = Open(1);
  auto nul = Entry("/a");
  nul.selectors = {{"unix", std::string("uid:1\0x", 7)}};
  auto refused = ds->CreateRegistrationEntry(nul);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << refused.error().message;
  auto latin1 = Entry("/b");
  latin1.hint = "caf\xe9";
  refused = ds->CreateRegistrationEntry(latin1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << refused.error().message;
  EXPECT_EQ(Unwrap(ds->CountRegistrationEntries()), 0) << "nothing half written";
}

TEST(PostgresDataStoreOpenTest, ClearErrorsWithoutSecrets) {
  for (const char* bad : {"host=/tmp password=hunter2 nonsense", "host=/tmp password=hunter 2",
                          "postgresql://edgeid:hunter2%zz@/db"}) {
    auto malformed = OpenPostgresDataStore({bad, 1});
    ASSERT_FALSE(malformed.ok()) << bad;
    EXPECT_EQ(malformed.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(malformed.error().message.find("hunter"), std::string::npos)
        << malformed.error().message;
  }
  auto unreachable =
      OpenPostgresDataStore({"host=/nonexistent-edgeid user=edgeid password=hunter2", 1});
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(unreachable.error().message.find("connecting to PostgreSQL"), std::string::npos);
  EXPECT_EQ(unreachable.error().message.find("hunter2"), std::string::npos);
  EXPECT_FALSE(OpenPostgresDataStore({"host=/tmp", 0}).ok()) << "a pool needs a connection";
}

}  // namespace
}  // namespace edgeid::server
