#include "server/cache/authorized_entries.h"

#include <gtest/gtest.h>

#include "server/datastore/sqlite/sqlite_datastore.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::server {
namespace {

using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;

constexpr char kServer[] = "spiffe://td/edgeid/server";
constexpr char kAgent[] = "spiffe://td/edgeid/agent/x509pop/aa";

class AuthorizedEntriesTest : public ::testing::Test {
 protected:
  std::string Add(const std::string& id, const std::string& parent, std::vector<Selector> sel,
                  int64_t expires_at = 0) {
    RegistrationEntry e;
    e.spiffe_id = id;
    e.parent_id = parent;
    e.selectors = std::move(sel);
    e.expires_at = expires_at;
    auto created = Unwrap(ds_->CreateRegistrationEntry(e));
    entries_.Invalidate();
    return created.entry_id;
  }
  std::set<std::string> For(const std::vector<Selector>& node_selectors, int64_t now = 1000) {
    auto set = Unwrap(entries_.For(kAgent, node_selectors, now));
    std::set<std::string> ids;
    for (const auto& [id, e] : set->entries) ids.insert(e->spiffe_id);
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<DataStore> ds_ = Unwrap(OpenSqliteDataStore(dir_.File("db")));
  AuthorizedEntries entries_{*ds_, kServer, std::chrono::hours(1)};
};

TEST_F(AuthorizedEntriesTest, ChildrenAliasesAndDescendants) {
  Add("spiffe://td/web", kAgent, {{"unix", "uid:1"}});
  Add("spiffe://td/web/child", "spiffe://td/web", {{"unix", "uid:2"}});
  Add("spiffe://td/web/child/grandchild", "spiffe://td/web/child", {{"unix", "uid:3"}});
  Add("spiffe://td/cluster", kServer, {{"x509pop", "subject:cn:a"}, {"x509pop", "x:1"}});
  Add("spiffe://td/sensor", "spiffe://td/cluster", {{"unix", "uid:4"}});
  Add("spiffe://td/elsewhere", "spiffe://td/edgeid/agent/other", {{"unix", "uid:5"}});

  EXPECT_EQ(For({}), (std::set<std::string>{"spiffe://td/web", "spiffe://td/web/child",
                                            "spiffe://td/web/child/grandchild"}));
  EXPECT_EQ(For({{"x509pop", "subject:cn:a"}}).count("spiffe://td/sensor"), 0u)
      << "an alias needs all of its selectors";
  EXPECT_EQ(For({{"x509pop", "subject:cn:a"}, {"x509pop", "x:1"}, {"x509pop", "y:2"}})
                .count("spiffe://td/sensor"),
            1u);
}

TEST_F(AuthorizedEntriesTest, ExpiredAliasesGrantNothing) {
  Add("spiffe://td/cluster", kServer, {{"x509pop", "subject:cn:a"}}, /*expires_at=*/500);
  Add("spiffe://td/sensor", "spiffe://td/cluster", {{"unix", "uid:4"}});
  EXPECT_EQ(For({{"x509pop", "subject:cn:a"}}, 100).size(), 1u);
  EXPECT_TRUE(For({{"x509pop", "subject:cn:a"}}, 1000).empty());
}

TEST_F(AuthorizedEntriesTest, CyclesEndAndExpiredEntriesAreLeftOut) {
  Add("spiffe://td/a", kAgent, {{"unix", "uid:1"}});
  Add("spiffe://td/b", "spiffe://td/a", {{"unix", "uid:1"}});
  Add("spiffe://td/a", "spiffe://td/b", {{"unix", "uid:2"}});  // b -> a again
  Add("spiffe://td/old", kAgent, {{"unix", "uid:9"}}, /*expires_at=*/500);
  auto ids = For({}, 1000);
  EXPECT_EQ(ids, (std::set<std::string>{"spiffe://td/a", "spiffe://td/b"}));
  EXPECT_EQ(For({}, 100).count("spiffe://td/old"), 1u);
}

TEST_F(AuthorizedEntriesTest, RecordedChangesApplyWithoutAReload) {
  Add("spiffe://td/web", kAgent, {{"unix", "uid:1"}});
  auto first = Unwrap(entries_.Snapshot());
  // Written behind the cache's back: only a reload would find it.
  RegistrationEntry hidden;
  hidden.spiffe_id = "spiffe://td/hidden";
  hidden.parent_id = kAgent;
  hidden.selectors = {{"unix", "uid:9"}};
  Unwrap(ds_->CreateRegistrationEntry(hidden));

  RegistrationEntry alias;
  alias.spiffe_id = "spiffe://td/cluster";
  alias.parent_id = kServer;
  alias.selectors = {{"x509pop", "subject:cn:a"}};
  alias = Unwrap(ds_->CreateRegistrationEntry(alias));
  RegistrationEntry sensor;
  sensor.spiffe_id = "spiffe://td/sensor";
  sensor.parent_id = alias.spiffe_id;
  sensor.selectors = {{"unix", "uid:4"}};
  sensor = Unwrap(ds_->CreateRegistrationEntry(sensor));
  entries_.Record({{alias, sensor}, {}});
  auto applied = Unwrap(entries_.Snapshot());
  EXPECT_GT(applied->generation, first->generation);
  EXPECT_EQ(applied->entry_count, 3u) << "the hidden entry shows the snapshot was not reloaded";
  EXPECT_EQ(For({{"x509pop", "subject:cn:a"}}),
            (std::set<std::string>{"spiffe://td/web", "spiffe://td/sensor"}));

  // Later changes win, in the order they were recorded; a move changes the parent index.
  auto moved = sensor;
  moved.parent_id = kAgent;
  moved.revision_number = 1;
  auto renamed = moved;
  renamed.spiffe_id = "spiffe://td/sensor-2";
  renamed.revision_number = 2;
  entries_.Record({{moved}, {}});
  entries_.Record({{renamed}, {}});
  EXPECT_EQ(For({}), (std::set<std::string>{"spiffe://td/web", "spiffe://td/sensor-2"}));
  entries_.Record({{}, {alias.entry_id, renamed.entry_id}});
  auto after_delete = Unwrap(entries_.Snapshot());
  EXPECT_TRUE(after_delete->Children(kServer).empty());
  EXPECT_EQ(after_delete->entry_count, 1u);
  EXPECT_EQ(For({{"x509pop", "subject:cn:a"}}), (std::set<std::string>{"spiffe://td/web"}));

  // A full reload (here forced) reads everything, the hidden entry too.
  entries_.Invalidate();
  EXPECT_EQ(For({}), (std::set<std::string>{"spiffe://td/web", "spiffe://td/hidden"}));
}

TEST_F(AuthorizedEntriesTest, InvalidateReloadsAndStaleSnapshotsStay) {
  Add("spiffe://td/a", kAgent, {{"unix", "uid:1"}});
  EXPECT_EQ(For({}).size(), 1u);
  RegistrationEntry e;
  e.spiffe_id = "spiffe://td/b";
  e.parent_id = kAgent;
  e.selectors = {{"unix", "uid:2"}};
  ASSERT_TRUE(ds_->CreateRegistrationEntry(e).ok());
  EXPECT_EQ(For({}).size(), 1u) << "not reloaded before the interval or an invalidation";
  entries_.Invalidate();
  EXPECT_EQ(For({}).size(), 2u);
}

TEST_F(AuthorizedEntriesTest, PeriodicRefreshReloadsOnlyAfterAnotherWriter) {
  AuthorizedEntries quick(*ds_, kServer, std::chrono::milliseconds(0));
  Add("spiffe://td/a", kAgent, {{"unix", "uid:1"}});
  auto first = Unwrap(quick.Snapshot());
  EXPECT_EQ(Unwrap(quick.Snapshot())->generation, first->generation)
      << "nothing changed: the due refresh keeps the snapshot";

  // Another process (here: another connection) writes to the same file.
  auto other = Unwrap(OpenSqliteDataStore(dir_.File("db")));
  RegistrationEntry e;
  e.spiffe_id = "spiffe://td/b";
  e.parent_id = kAgent;
  e.selectors = {{"unix", "uid:2"}};
  ASSERT_TRUE(other->CreateRegistrationEntry(e).ok());
  auto second = Unwrap(quick.Snapshot());
  EXPECT_GT(second->generation, first->generation);
  EXPECT_EQ(second->entry_count, 2u);
}

}  // namespace
}  // namespace edgeid::server
