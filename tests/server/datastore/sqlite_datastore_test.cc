#include "server/datastore/sqlite/sqlite_datastore.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "server/datastore/sql/migrate.h"
#include "server/datastore/sqlite/schema.h"
#include "server/datastore/sqlite/sqlite_connection.h"
#include "server/datastore/test_entry.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::server {
namespace {

using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;

using testing::Entry;

class SqliteDataStoreTest : public ::testing::Test {
 protected:
  SqliteDataStoreTest() : path_(dir_.File("datastore.sqlite3")) { Reopen(); }
  void Reopen() {
    ds_.reset();
    ds_ = Unwrap(OpenSqliteDataStore(path_));
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<DataStore> ds_;
};

TEST_F(SqliteDataStoreTest, FileIsPrivate) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "join tokens are credentials";
}

TEST(SqliteDataStoreOpenTest, RefusesNewerSchemaAndNonDatabases) {
  TempDir dir;
  { auto ds = Unwrap(OpenSqliteDataStore(dir.File("db"))); }
  {
    auto db = Unwrap(sqlite::SqliteConnection::Open(dir.File("db")));
    ASSERT_TRUE(db->Exec("INSERT INTO schema_version VALUES (99)").ok());
  }
  auto newer = OpenSqliteDataStore(dir.File("db"));
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message.find("schema version 99"), std::string::npos);

  edgeid::testing::WriteTestFile(dir.File("junk"), std::string(4096, 'x'));
  auto junk = OpenSqliteDataStore(dir.File("junk"));
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().message.find("junk"), std::string::npos);
  EXPECT_FALSE(OpenSqliteDataStore(dir.File("missing-dir/db")).ok());
}

TEST(SqliteDataStoreOpenTest, MigratesAVersionOneDatabaseKeepingItsRows) {
  TempDir dir;
  {
    auto db = Unwrap(sqlite::SqliteConnection::Open(dir.File("db")));
    ASSERT_TRUE(sql::Migrate(*db, sqlite::MigrationSteps(), 1).ok());
    ASSERT_EQ(Unwrap(sql::SchemaVersion(*db)), 1);
    ASSERT_TRUE(db->Exec("INSERT INTO attested_nodes (spiffe_id, attestation_type, cert_serial,"
                         " cert_not_after, created_at) VALUES ('spiffe://td/a', 'x509pop', "
                         "'0A', 77, 1);"
                         "INSERT INTO ca_journal (id, data) VALUES (1, '{\"old\":1}')")
                    .ok());
  }
  auto ds = Unwrap(OpenSqliteDataStore(dir.File("db")));
  auto node = Unwrap(ds->FetchAttestedNode("spiffe://td/a"));
  EXPECT_EQ(node.cert_serial, "0A");
  EXPECT_EQ(node.cert_not_after, 77);
  EXPECT_EQ(node.new_cert_serial, "");
  node.new_cert_serial = "0B";
  ASSERT_TRUE(ds->UpdateAttestedNode(node).ok());
  EXPECT_EQ(Unwrap(ds->FetchAttestedNode("spiffe://td/a")).new_cert_serial, "0B");
  EXPECT_EQ(Unwrap(ds->FetchCaJournal("")), R"({"old":1})")
      << "the single journal of before becomes the journal under the empty server ID";
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
    auto ds = OpenSqliteDataStore(path);
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

  auto ds = Unwrap(OpenSqliteDataStore(path));
  int64_t count = Unwrap(ds->CountRegistrationEntries());
  EXPECT_GE(count, int64_t{acknowledged} * 10) << "an acknowledged batch was lost";
  EXPECT_EQ(count % 10, 0) << "a batch was half written";
}

}  // namespace
}  // namespace edgeid::server
