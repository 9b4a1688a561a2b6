// The DataStore contract, run against every implementation: SQLite in a temp file and
// PostgreSQL in a private server this test starts.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "server/datastore/postgres/postgres_datastore.h"
#include "server/datastore/sqlite/sqlite_datastore.h"
#include "server/datastore/test_entry.h"
#include "testing/postgres_server.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::server {
namespace {

using edgeid::testing::PostgresServer;
using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;

using testing::Entry;

enum class Backend { kSqlite, kPostgres };

// One PostgreSQL server per test process, stopped when the process exits.
PostgresServer& SharedPostgres() {
  static auto* server = new PostgresServer();
  static const std::unique_ptr<PostgresServer> owner(server);
  return *server;
}

class DataStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      auto& pg = SharedPostgres();
      ASSERT_TRUE(pg.started()) << pg.error();
      conninfo_ = pg.CreateDatabase("ds_test");
      ASSERT_FALSE(conninfo_.empty()) << pg.error();
    } else {
      conninfo_ = dir_.File("datastore.sqlite3");
    }
    ds_ = Open();
  }
  std::unique_ptr<DataStore> Open() {
    if (GetParam() == Backend::kPostgres) return Unwrap(OpenPostgresDataStore({conninfo_, 4}));
    return Unwrap(OpenSqliteDataStore(conninfo_));
  }
  void Reopen() {
    ds_.reset();
    ds_ = Open();
  }

  TempDir dir_;
  std::string conninfo_;
  std::unique_ptr<DataStore> ds_;
};

TEST_P(DataStoreTest, CreateAssignsIdAndNormalisesSelectors) {
  auto e = Entry("/web", {{"unix", "uid:1000"}, {"unix", "gid:50"}, {"unix", "uid:1000"}});
  e.dns_names = {"web.local", "alt.local"};
  e.federates_with = {"b.org", "a.org"};
  e.x509_svid_ttl = 600;
  e.hint = "web";
  auto created = Unwrap(ds_->CreateRegistrationEntry(e));
  EXPECT_EQ(created.entry_id.size(), 36u) << "UUID";
  EXPECT_EQ(created.entry_id[14], '4') << "version 4";
  EXPECT_GT(created.created_at, 0);
  EXPECT_EQ(created.revision_number, 0);
  EXPECT_EQ(created.selectors, (std::vector<Selector>{{"unix", "gid:50"}, {"unix", "uid:1000"}}));
  EXPECT_EQ(created.federates_with, (std::vector<std::string>{"a.org", "b.org"}));
  EXPECT_EQ(Unwrap(ds_->FetchRegistrationEntry(created.entry_id)), created);
  EXPECT_EQ(Unwrap(ds_->FetchRegistrationEntry(created.entry_id)).dns_names, e.dns_names)
      << "DNS names keep their order: the first becomes the certificate CN";
}

TEST_P(DataStoreTest, RefusesInvalidAndDuplicateEntries) {
  EXPECT_EQ(ds_->CreateRegistrationEntry(Entry("/a", {})).error().code,
            ErrorCode::kInvalidArgument);
  auto no_id = Entry("/a", {{"unix", "uid:1"}});
  no_id.spiffe_id.clear();
  EXPECT_EQ(ds_->CreateRegistrationEntry(no_id).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ds_->CreateRegistrationEntry(Entry("/a", {{"unix", ""}})).error().code,
            ErrorCode::kInvalidArgument);

  ASSERT_TRUE(
      ds_->CreateRegistrationEntry(Entry("/a", {{"unix", "uid:1"}, {"unix", "gid:1"}})).ok());
  auto dup = ds_->CreateRegistrationEntry(Entry("/a", {{"unix", "gid:1"}, {"unix", "uid:1"}}));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(dup.error().message.find("spiffe://example.org/a"), std::string::npos);
  EXPECT_TRUE(ds_->CreateRegistrationEntry(Entry("/a", {{"unix", "uid:1"}})).ok())
      << "other selectors make another entry";
  EXPECT_EQ(Unwrap(ds_->CountRegistrationEntries()), 2);
}

TEST_P(DataStoreTest, BatchCreateIsAllOrNothing) {
  std::vector<RegistrationEntry> batch = {Entry("/1", {{"unix", "uid:1"}}),
                                          Entry("/2", {{"unix", "uid:2"}}),
                                          Entry("/1", {{"unix", "uid:1"}})};
  auto r = ds_->BatchCreateRegistrationEntries(batch);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("entry #3"), std::string::npos);
  EXPECT_EQ(Unwrap(ds_->CountRegistrationEntries()), 0);
  batch.pop_back();
  EXPECT_EQ(Unwrap(ds_->BatchCreateRegistrationEntries(batch)).size(), 2u);
  EXPECT_EQ(Unwrap(ds_->CountRegistrationEntries()), 2);
}

TEST_P(DataStoreTest, ListFilters) {
  auto a = Entry("/a", {{"unix", "uid:1"}, {"unix", "gid:1"}});
  a.federates_with = {"other.org"};
  auto b = Entry("/b", {{"unix", "uid:1"}});
  b.parent_id = "spiffe://example.org/node-alias";
  auto c = Entry("/a", {{"x509pop", "subject:cn:edge-1"}});
  for (const auto& e : {a, b, c}) ASSERT_TRUE(ds_->CreateRegistrationEntry(e).ok());

  auto ids = [&](const EntryFilter& f) {
    std::vector<std::string> out;
    for (const auto& e : Unwrap(ds_->ListRegistrationEntries(f))) out.push_back(e.spiffe_id);
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}).size(), 3u);
  EXPECT_EQ(ids({.spiffe_id = "spiffe://example.org/a"}).size(), 2u);
  EXPECT_EQ(ids({.parent_id = "spiffe://example.org/node-alias"}), V{"spiffe://example.org/b"});
  EXPECT_EQ(ids({.federates_with = "other.org"}), V{"spiffe://example.org/a"});
  EXPECT_EQ(ids({.selectors = std::vector<Selector>{{"unix", "uid:1"}}}),
            V{"spiffe://example.org/b"})
      << "exact match";
  EntryFilter superset{.selectors = std::vector<Selector>{{"unix", "uid:1"}},
                       .selector_match = EntryFilter::SelectorMatch::kSuperset};
  EXPECT_EQ(ids(superset), (V{"spiffe://example.org/a", "spiffe://example.org/b"}));
  EXPECT_TRUE(ids({.spiffe_id = "spiffe://example.org/none"}).empty());
  auto listed = Unwrap(ds_->ListRegistrationEntries({.spiffe_id = "spiffe://example.org/b"}));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].selectors, (std::vector<Selector>{{"unix", "uid:1"}}));
}

TEST_P(DataStoreTest, UpdateBumpsRevisionAndReplacesChildren) {
  auto created = Unwrap(ds_->CreateRegistrationEntry(Entry("/a", {{"unix", "uid:1"}})));
  auto other = Unwrap(ds_->CreateRegistrationEntry(Entry("/b", {{"unix", "uid:2"}})));
  created.selectors = {{"unix", "uid:9"}};
  created.dns_names = {"a.local"};
  created.admin = true;
  auto updated = Unwrap(ds_->UpdateRegistrationEntry(created));
  EXPECT_EQ(updated.revision_number, 1);
  EXPECT_EQ(Unwrap(ds_->FetchRegistrationEntry(created.entry_id)), updated);

  // An update that would duplicate another entry is refused and changes nothing.
  auto clash = updated;
  clash.spiffe_id = other.spiffe_id;
  clash.selectors = other.selectors;
  EXPECT_EQ(ds_->UpdateRegistrationEntry(clash).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Unwrap(ds_->FetchRegistrationEntry(created.entry_id)), updated);

  auto missing = updated;
  missing.entry_id = "00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(ds_->UpdateRegistrationEntry(missing).error().code, ErrorCode::kNotFound);
}

TEST_P(DataStoreTest, DeleteReturnsTheEntryAndRemovesItsRows) {
  auto e = Entry("/a", {{"unix", "uid:1"}});
  e.dns_names = {"x"};
  auto created = Unwrap(ds_->CreateRegistrationEntry(e));
  EXPECT_EQ(Unwrap(ds_->DeleteRegistrationEntry(created.entry_id)), created);
  EXPECT_EQ(ds_->FetchRegistrationEntry(created.entry_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ds_->DeleteRegistrationEntry(created.entry_id).error().code, ErrorCode::kNotFound);
  // Re-creating the same entry works: no orphaned selector rows block it.
  EXPECT_TRUE(ds_->CreateRegistrationEntry(e).ok());
}

TEST_P(DataStoreTest, AttestedNodes) {
  AttestedNode node;
  node.spiffe_id = "spiffe://example.org/spire/agent/join_token/t1";
  node.attestation_type = "join_token";
  node.cert_serial = "01AB";
  node.cert_not_after = 1000;
  node.selectors = {{"join_token", "t1"}};
  ASSERT_TRUE(ds_->CreateAttestedNode(node).ok());
  EXPECT_EQ(ds_->CreateAttestedNode(node).error().code, ErrorCode::kAlreadyExists);
  auto fetched = Unwrap(ds_->FetchAttestedNode(node.spiffe_id));
  EXPECT_EQ(fetched.cert_serial, "01AB");
  EXPECT_EQ(fetched.selectors, node.selectors);
  EXPECT_GT(fetched.created_at, 0);

  fetched.cert_serial = "";
  fetched.new_cert_serial = "02CD";
  fetched.new_cert_not_after = 2000;
  fetched.selectors = {{"join_token", "t1"}, {"unix", "x"}};
  ASSERT_TRUE(ds_->UpdateAttestedNode(fetched).ok());
  EXPECT_EQ(Unwrap(ds_->FetchAttestedNode(node.spiffe_id)), fetched);
  EXPECT_EQ(Unwrap(ds_->CountAttestedNodes()), 1);
  EXPECT_EQ(Unwrap(ds_->ListAttestedNodes()).size(), 1u);

  // Renewal as compare-and-set: staged only on the current serial, activated only once.
  EXPECT_EQ(ds_->StageAgentSvid(node.spiffe_id, "not-current", "03", 3000).error().code,
            ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(ds_->StageAgentSvid(node.spiffe_id, "", "03", 3000).ok());
  ASSERT_TRUE(ds_->ActivateAgentSvid(node.spiffe_id, "03").ok());
  auto renewed = Unwrap(ds_->FetchAttestedNode(node.spiffe_id));
  EXPECT_EQ(renewed.cert_serial, "03");
  EXPECT_EQ(renewed.cert_not_after, 3000);
  EXPECT_EQ(renewed.new_cert_serial, "");
  EXPECT_EQ(ds_->ActivateAgentSvid(node.spiffe_id, "03").error().code,
            ErrorCode::kFailedPrecondition);

  // A ban is its own write: no later update of the record undoes it.
  ASSERT_TRUE(ds_->BanAttestedNode(node.spiffe_id).ok());
  EXPECT_TRUE(Unwrap(ds_->FetchAttestedNode(node.spiffe_id)).banned);
  EXPECT_EQ(ds_->UpdateAttestedNode(renewed).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ds_->StageAgentSvid(node.spiffe_id, "03", "04", 4000).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Unwrap(ds_->FetchAttestedNode(node.spiffe_id)).banned);
  EXPECT_EQ(ds_->BanAttestedNode("spiffe://example.org/nobody").error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(ds_->DeleteAttestedNode(node.spiffe_id).ok());
  EXPECT_EQ(ds_->FetchAttestedNode(node.spiffe_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ds_->DeleteAttestedNode(node.spiffe_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ds_->UpdateAttestedNode(node).error().code, ErrorCode::kNotFound);
}

TEST_P(DataStoreTest, JoinTokensAreSingleUse) {
  ASSERT_TRUE(ds_->CreateJoinToken({"tok-1", 2000}).ok());
  ASSERT_TRUE(ds_->CreateJoinToken({"tok-old", 10}).ok());
  EXPECT_EQ(ds_->CreateJoinToken({"tok-1", 3000}).error().code, ErrorCode::kAlreadyExists);
  auto taken = Unwrap(ds_->TakeJoinToken("tok-1"));
  EXPECT_EQ(taken.expires_at, 2000);
  auto again = ds_->TakeJoinToken("tok-1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(again.error().message.find("tok-1"), std::string::npos) << "tokens are not echoed";
  EXPECT_EQ(Unwrap(ds_->PruneJoinTokens(100)), 1);
  EXPECT_EQ(ds_->TakeJoinToken("tok-old").error().code, ErrorCode::kNotFound);
}

// SPIRE's `bundle delete -mode`: restrict (the default) refuses while entries federate with the
// trust domain, delete removes them with the bundle, dissociate drops the trust domain from them
// (with a new revision). A federation relationship refuses every mode.
TEST_P(DataStoreTest, DeletingAFederatedBundleInEachMode) {
  using Mode = DataStore::BundleDeleteMode;
  auto federated = [&](const std::string& path) {
    auto e = Entry(path);
    e.federates_with = {"other.org"};
    return Unwrap(ds_->CreateRegistrationEntry(e));
  };
  auto untouched = Unwrap(ds_->CreateRegistrationEntry(Entry("/untouched")));
  auto a = federated("/a");
  ASSERT_TRUE(ds_->SetBundle("other.org", R"({"keys":[]})").ok());
  auto refused = ds_->DeleteBundle("other.org", Mode::kRestrict);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find(a.entry_id), std::string::npos) << refused.error().message;
  EXPECT_TRUE(ds_->FetchBundle("other.org").ok()) << "nothing was deleted";

  auto dissociated = Unwrap(ds_->DeleteBundle("other.org", Mode::kDissociate));
  EXPECT_EQ(dissociated, std::vector<std::string>{a.entry_id});
  EXPECT_EQ(ds_->FetchBundle("other.org").error().code, ErrorCode::kNotFound);
  auto a_now = Unwrap(ds_->FetchRegistrationEntry(a.entry_id));
  EXPECT_TRUE(a_now.federates_with.empty());
  EXPECT_GT(a_now.revision_number, a.revision_number);

  auto b = federated("/b");
  ASSERT_TRUE(ds_->SetBundle("other.org", R"({"keys":[]})").ok());
  EXPECT_EQ(Unwrap(ds_->DeleteBundle("other.org", Mode::kDelete)),
            std::vector<std::string>{b.entry_id});
  EXPECT_EQ(ds_->FetchRegistrationEntry(b.entry_id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(ds_->FetchRegistrationEntry(untouched.entry_id).ok());
  EXPECT_TRUE(ds_->FetchRegistrationEntry(a.entry_id).ok());

  ASSERT_TRUE(ds_->SetBundle("other.org", R"({"keys":[]})").ok());
  FederationRelationship relationship;
  relationship.trust_domain = "other.org";
  relationship.bundle_endpoint_url = "https://other.org/bundle";
  relationship.bundle_endpoint_profile = "https_web";
  ASSERT_TRUE(ds_->CreateFederationRelationship(relationship).ok());
  for (Mode mode : {Mode::kRestrict, Mode::kDelete, Mode::kDissociate}) {
    auto kept = ds_->DeleteBundle("other.org", mode);
    ASSERT_FALSE(kept.ok());
    EXPECT_NE(kept.error().message.find("federation relationship"), std::string::npos);
  }
  EXPECT_TRUE(ds_->FetchBundle("other.org").ok());
}

TEST_P(DataStoreTest, BundlesAndCaJournal) {
  EXPECT_EQ(ds_->FetchBundle("example.org").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(ds_->SetBundle("example.org", R"({"keys":[]})").ok());
  ASSERT_TRUE(ds_->SetBundle("other.org", R"({"keys":[],"spiffe_sequence":1})").ok());
  ASSERT_TRUE(ds_->SetBundle("example.org", R"({"keys":[],"spiffe_sequence":2})").ok());
  EXPECT_EQ(Unwrap(ds_->FetchBundle("example.org")), R"({"keys":[],"spiffe_sequence":2})");
  EXPECT_EQ(Unwrap(ds_->ListBundleTrustDomains()),
            (std::vector<std::string>{"example.org", "other.org"}));
  ASSERT_TRUE(ds_->DeleteBundle("other.org", DataStore::BundleDeleteMode::kRestrict).ok());
  EXPECT_EQ(ds_->DeleteBundle("other.org", DataStore::BundleDeleteMode::kRestrict).error().code,
            ErrorCode::kNotFound);

  EXPECT_EQ(ds_->FetchCaJournal("server-a").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(ds_->SetCaJournal("server-a", R"({"x509":1})").ok());
  ASSERT_TRUE(ds_->SetCaJournal("server-b", R"({"x509":"b"})").ok());
  ASSERT_TRUE(ds_->SetCaJournal("server-a", R"({"x509":2})").ok());
  EXPECT_EQ(Unwrap(ds_->FetchCaJournal("server-a")), R"({"x509":2})");
  EXPECT_EQ(Unwrap(ds_->FetchCaJournal("server-b")), R"({"x509":"b"})")
      << "servers sharing a database keep their own journals";
  EXPECT_EQ(Unwrap(ds_->ListCaJournals()),
            (std::vector<std::string>{R"({"x509":2})", R"({"x509":"b"})"}));
}

TEST_P(DataStoreTest, FederationRelationships) {
  FederationRelationship web{"b.test", "https://b.test:8443", "https_web", "", "/etc/ca.pem"};
  FederationRelationship spiffe{"a.test", "https://127.0.0.1:8443", "https_spiffe",
                                "spiffe://a.test/edgeid/server", ""};
  EXPECT_EQ(ds_->FetchFederationRelationship("b.test").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(ds_->CreateFederationRelationship(web).ok());
  ASSERT_TRUE(ds_->CreateFederationRelationship(spiffe).ok());
  auto again = ds_->CreateFederationRelationship(web);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists) << again.error().message;
  EXPECT_EQ(Unwrap(ds_->FetchFederationRelationship("b.test")), web);
  EXPECT_EQ(Unwrap(ds_->ListFederationRelationships()),
            (std::vector<FederationRelationship>{spiffe, web}));

  web.bundle_endpoint_url = "https://b.test:9443";
  ASSERT_TRUE(ds_->UpdateFederationRelationship(web).ok());
  EXPECT_EQ(Unwrap(ds_->FetchFederationRelationship("b.test")).bundle_endpoint_url,
            "https://b.test:9443");
  FederationRelationship unknown = web;
  unknown.trust_domain = "c.test";
  EXPECT_EQ(ds_->UpdateFederationRelationship(unknown).error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(ds_->SetBundle("b.test", R"({"keys":[]})").ok());
  ASSERT_TRUE(ds_->DeleteFederationRelationship("b.test").ok());
  EXPECT_EQ(ds_->DeleteFederationRelationship("b.test").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(ds_->FetchBundle("b.test").ok()) << "the fetched bundle outlives the relationship";
  Reopen();
  EXPECT_EQ(Unwrap(ds_->ListFederationRelationships()),
            (std::vector<FederationRelationship>{spiffe}));
}

TEST_P(DataStoreTest, ManyLongSelectorsFitAndOversizedOnesAreRefused) {
  std::vector<Selector> many;
  many.reserve(60);
  for (int i = 0; i < 60; ++i) {
    many.push_back({"k8s", "label:" + std::string(64, 'a') + std::to_string(i)});
  }
  auto e = Entry("/" + std::string(1500, 'p'), many);
  e.parent_id = "spiffe://example.org/" + std::string(1500, 'q');
  auto created = ds_->CreateRegistrationEntry(e);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(ds_->CreateRegistrationEntry(e).error().code, ErrorCode::kAlreadyExists);
  auto huge = ds_->CreateRegistrationEntry(Entry("/huge", {{"unix", std::string(2000, 'v')}}));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(huge.error().message.find("at most"), std::string::npos);
}

TEST_P(DataStoreTest, SurvivesReopen) {
  auto created = Unwrap(ds_->CreateRegistrationEntry(Entry("/a", {{"unix", "uid:1"}})));
  ASSERT_TRUE(ds_->CreateJoinToken({"secret", 99}).ok());
  Reopen();
  EXPECT_EQ(Unwrap(ds_->FetchRegistrationEntry(created.entry_id)), created);
  EXPECT_EQ(Unwrap(ds_->TakeJoinToken("secret")).expires_at, 99);
}

TEST_P(DataStoreTest, ConcurrentUpdatesGetDistinctRevisions) {
  auto created = Unwrap(ds_->CreateRegistrationEntry(Entry("/a", {{"unix", "uid:1"}})));
  std::vector<std::thread> writers;
  writers.reserve(4);
  std::vector<int64_t> revisions(40);
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto e = created;
        e.hint = "w" + std::to_string(t);
        auto updated = ds_->UpdateRegistrationEntry(e);
        EXPECT_TRUE(updated.ok()) << updated.error().message;
        if (updated.ok())
          revisions[static_cast<size_t>(t) * 10 + static_cast<size_t>(i)] =
              updated->revision_number;
      }
    });
  }
  for (auto& w : writers) w.join();
  std::sort(revisions.begin(), revisions.end());
  EXPECT_EQ(std::adjacent_find(revisions.begin(), revisions.end()), revisions.end())
      << "two updates reported the same revision";
  EXPECT_EQ(Unwrap(ds_->FetchRegistrationEntry(created.entry_id)).revision_number, 40);
}

TEST_P(DataStoreTest, UpdateBundleMergesUnderConcurrency) {
  std::vector<std::thread> writers;
  writers.reserve(4);
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto merged = ds_->UpdateBundle("example.org", [&](const std::optional<std::string>& cur) {
          return Result<std::string>(cur.value_or("") + std::to_string(t));
        });
        EXPECT_TRUE(merged.ok()) << merged.error().message;
      }
    });
  }
  for (auto& w : writers) w.join();
  auto stored = Unwrap(ds_->FetchBundle("example.org"));
  EXPECT_EQ(stored.size(), 40u) << "a concurrent merge was lost";
  auto refused = ds_->UpdateBundle("example.org", [](const std::optional<std::string>&) {
    return Result<std::string>(InvalidArgument("no"));
  });
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Unwrap(ds_->FetchBundle("example.org")), stored) << "a failed merge changes nothing";
}

TEST_P(DataStoreTest, ConcurrentWritersAllLand) {
  std::vector<std::thread> writers;
  writers.reserve(4);
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto e = Entry("/w" + std::to_string(t) + "-" + std::to_string(i), {{"unix", "uid:1"}});
        EXPECT_TRUE(ds_->CreateRegistrationEntry(e).ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(Unwrap(ds_->CountRegistrationEntries()), 100);
}

INSTANTIATE_TEST_SUITE_P(Backends, DataStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace edgeid::server
