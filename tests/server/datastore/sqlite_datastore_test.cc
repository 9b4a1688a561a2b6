#include "server/datastore/sqlite/sqlite_datastore.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "server/datastore/sqlite/schema.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::server {
namespace {

using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;

RegistrationEntry Entry(const std::string& path, std::vector<Selector> selectors) {
  RegistrationEntry e;
  e.spiffe_id = "spiffe://example.org" + path;
  e.parent_id = "spiffe://example.org/spire/agent/x509pop/abc";
  e.selectors = std::move(selectors);
  return e;
}

class SqliteDataStoreTest : public ::testing::Test {
 protected:
  SqliteDataStoreTest() : path_(dir_.File("datastore.sqlite3")) { Reopen(); }
  void Reopen() {
    ds_.reset();
    ds_ = Unwrap(SqliteDataStore::Open(path_));
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteDataStore> ds_;
};

TEST_F(SqliteDataStoreTest, CreateAssignsIdAndNormalisesSelectors) {
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

TEST_F(SqliteDataStoreTest, RefusesInvalidAndDuplicateEntries) {
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

TEST_F(SqliteDataStoreTest, BatchCreateIsAllOrNothing) {
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

TEST_F(SqliteDataStoreTest, ListFilters) {
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

TEST_F(SqliteDataStoreTest, UpdateBumpsRevisionAndReplacesChildren) {
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

TEST_F(SqliteDataStoreTest, DeleteReturnsTheEntryAndRemovesItsRows) {
  auto e = Entry("/a", {{"unix", "uid:1"}});
  e.dns_names = {"x"};
  auto created = Unwrap(ds_->CreateRegistrationEntry(e));
  EXPECT_EQ(Unwrap(ds_->DeleteRegistrationEntry(created.entry_id)), created);
  EXPECT_EQ(ds_->FetchRegistrationEntry(created.entry_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ds_->DeleteRegistrationEntry(created.entry_id).error().code, ErrorCode::kNotFound);
  // Re-creating the same entry works: no orphaned selector rows block it.
  EXPECT_TRUE(ds_->CreateRegistrationEntry(e).ok());
}

TEST_F(SqliteDataStoreTest, AttestedNodes) {
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

TEST_F(SqliteDataStoreTest, JoinTokensAreSingleUse) {
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

TEST_F(SqliteDataStoreTest, BundlesAndCaJournal) {
  EXPECT_EQ(ds_->FetchBundle("example.org").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(ds_->SetBundle("example.org", R"({"keys":[]})").ok());
  ASSERT_TRUE(ds_->SetBundle("other.org", R"({"keys":[],"spiffe_sequence":1})").ok());
  ASSERT_TRUE(ds_->SetBundle("example.org", R"({"keys":[],"spiffe_sequence":2})").ok());
  EXPECT_EQ(Unwrap(ds_->FetchBundle("example.org")), R"({"keys":[],"spiffe_sequence":2})");
  EXPECT_EQ(Unwrap(ds_->ListBundleTrustDomains()),
            (std::vector<std::string>{"example.org", "other.org"}));
  ASSERT_TRUE(ds_->DeleteBundle("other.org").ok());
  EXPECT_EQ(ds_->DeleteBundle("other.org").error().code, ErrorCode::kNotFound);

  EXPECT_EQ(ds_->FetchCaJournal().error().code, ErrorCode::kNotFound);
  std::string journal("binary\0journal", 14);
  ASSERT_TRUE(ds_->SetCaJournal(journal).ok());
  ASSERT_TRUE(ds_->SetCaJournal(journal + "2").ok());
  EXPECT_EQ(Unwrap(ds_->FetchCaJournal()), journal + "2");
}

TEST_F(SqliteDataStoreTest, SurvivesReopenAndIsPrivate) {
  auto created = Unwrap(ds_->CreateRegistrationEntry(Entry("/a", {{"unix", "uid:1"}})));
  ASSERT_TRUE(ds_->CreateJoinToken({"secret", 99}).ok());
  Reopen();
  EXPECT_EQ(Unwrap(ds_->FetchRegistrationEntry(created.entry_id)), created);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "join tokens are credentials";
}

TEST(SqliteDataStoreOpenTest, RefusesNewerSchemaAndNonDatabases) {
  TempDir dir;
  { auto ds = Unwrap(SqliteDataStore::Open(dir.File("db"))); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("db").c_str(), &raw), SQLITE_OK);
  sqlite::DbPtr db(raw);
  ASSERT_TRUE(sqlite::Exec(db.get(), "INSERT INTO schema_version VALUES (99)").ok());
  db.reset();
  auto newer = SqliteDataStore::Open(dir.File("db"));
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message.find("schema version 99"), std::string::npos);

  edgeid::testing::WriteTestFile(dir.File("junk"), std::string(4096, 'x'));
  auto junk = SqliteDataStore::Open(dir.File("junk"));
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().message.find("junk"), std::string::npos);
  EXPECT_FALSE(SqliteDataStore::Open(dir.File("missing-dir/db")).ok());
}

TEST(SqliteDataStoreOpenTest, MigratesAVersionOneDatabaseKeepingItsRows) {
  TempDir dir;
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(dir.File("db").c_str(), &raw), SQLITE_OK);
    sqlite::DbPtr db(raw);
    ASSERT_TRUE(sqlite::Migrate(db.get(), 1).ok());
    ASSERT_EQ(Unwrap(sqlite::SchemaVersion(db.get())), 1);
    ASSERT_TRUE(sqlite::Exec(db.get(),
                             "INSERT INTO attested_nodes (spiffe_id, attestation_type, cert_serial,"
                             " cert_not_after, created_at) VALUES ('spiffe://td/a', 'x509pop', "
                             "'0A', 77, 1)")
                    .ok());
  }
  auto ds = Unwrap(SqliteDataStore::Open(dir.File("db")));
  auto node = Unwrap(ds->FetchAttestedNode("spiffe://td/a"));
  EXPECT_EQ(node.cert_serial, "0A");
  EXPECT_EQ(node.cert_not_after, 77);
  EXPECT_EQ(node.new_cert_serial, "");
  node.new_cert_serial = "0B";
  ASSERT_TRUE(ds->UpdateAttestedNode(node).ok());
  EXPECT_EQ(Unwrap(ds->FetchAttestedNode("spiffe://td/a")).new_cert_serial, "0B");
}

TEST_F(SqliteDataStoreTest, ConcurrentWritersAllLand) {
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

// A process killed with SIGKILL between writes loses nothing it had acknowledged.
TEST(SqliteDataStoreDurabilityTest, AcknowledgedWritesSurviveKill9) {
  TempDir dir;
  std::string path = dir.File("db");
  int acks[2];
  ASSERT_EQ(::pipe(acks), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(acks[0]);
    auto ds = SqliteDataStore::Open(path);
    if (!ds.ok()) ::_exit(2);
    for (int i = 0;; ++i) {
      std::vector<RegistrationEntry> batch;
      batch.reserve(10);
      for (int j = 0; j < 10; ++j) {
        batch.push_back(
            Entry("/n" + std::to_string(i) + "-" + std::to_string(j), {{"unix", "uid:1"}}));
      }
      if (!(*ds)->BatchCreateRegistrationEntries(batch).ok()) ::_exit(3);
      char ack = 'k';
      if (::write(acks[1], &ack, 1) != 1) ::_exit(4);  // acknowledged: the batch is committed
    }
  }
  ::close(acks[1]);
  int acknowledged = 0;
  char buf[64];
  while (acknowledged < 20) {
    ssize_t n = ::read(acks[0], buf, sizeof buf);
    ASSERT_GT(n, 0) << "writer died early";
    acknowledged += static_cast<int>(n);
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  while (::read(acks[0], buf, sizeof buf) > 0) ++acknowledged;  // acks sent before the kill
  ::close(acks[0]);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto ds = Unwrap(SqliteDataStore::Open(path));
  int64_t count = Unwrap(ds->CountRegistrationEntries());
  EXPECT_GE(count, int64_t{acknowledged} * 10) << "an acknowledged batch was lost";
  EXPECT_EQ(count % 10, 0) << "a batch was half written";
}

}  // namespace
}  // namespace edgeid::server
