// The SQLite datastore and the server's entry snapshot with 10,000 entries: what a cold sync
// costs before any entry is sent.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "server/cache/authorized_entries.h"
#include "server/datastore/sqlite/sqlite_datastore.h"

namespace edgeid::server {
namespace {

constexpr char kAgent[] = "spiffe://bench.example/edgeid/agent/a";

struct Store {
  std::string dir;
  std::unique_ptr<DataStore> ds;
  Store() {
    char tmpl[] = "/tmp/edgeid-datastore-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    auto opened = OpenSqliteDataStore(dir + "/db");
    if (!opened.ok()) std::abort();
    ds = std::move(*opened);
    std::vector<RegistrationEntry> entries;
    for (int i = 0; i < 10000; ++i) {
      RegistrationEntry e;
      e.spiffe_id = "spiffe://bench.example/w/" + std::to_string(i);
      e.parent_id = kAgent;
      e.selectors = {{"unix", "uid:" + std::to_string(i)}, {"unix", "gid:100"}};
      e.dns_names = {"w" + std::to_string(i) + ".local"};
      entries.push_back(std::move(e));
    }
    if (!ds->BatchCreateRegistrationEntries(std::move(entries)).ok()) std::abort();
  }
  ~Store() { std::filesystem::remove_all(dir); }
};

Store& S() {
  static Store store;
  return store;
}

void BM_ListAllEntries10k(benchmark::State& state) {
  for (auto _ : state) {
    auto entries = S().ds->ListRegistrationEntries({});
    if (!entries.ok() || entries->size() != 10000) state.SkipWithError("list failed");
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_ListAllEntries10k)->Unit(benchmark::kMillisecond);

void BM_AuthorizedSetAfterReload10k(benchmark::State& state) {
  AuthorizedEntries cache(*S().ds, "spiffe://bench.example/edgeid/server");
  for (auto _ : state) {
    cache.Invalidate();
    auto set = cache.For(kAgent, {}, 1000);
    if (!set.ok() || (*set)->entries.size() != 10000) state.SkipWithError("authorised set");
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_AuthorizedSetAfterReload10k)->Unit(benchmark::kMillisecond);

void BM_AuthorizedSetWarm10k(benchmark::State& state) {
  AuthorizedEntries cache(*S().ds, "spiffe://bench.example/edgeid/server");
  int64_t now = 1000;
  for (auto _ : state) {
    // A new second each time, so the per-agent cache does not answer.
    auto set = cache.For(kAgent, {}, ++now);
    if (!set.ok() || (*set)->entries.size() != 10000) state.SkipWithError("authorised set");
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_AuthorizedSetWarm10k)->Unit(benchmark::kMillisecond);

// What an admin's creation of 10,000 entries (20 batches) costs the entry cache, and the
// agent's set after it: the changes are applied to the snapshot as recorded, with no reload.
void BM_AuthorizedSetAfterRecordedChanges10k(benchmark::State& state) {
  auto entries = S().ds->ListRegistrationEntries({});
  if (!entries.ok()) std::abort();
  for (auto _ : state) {
    state.PauseTiming();
    auto cache =
        std::make_unique<AuthorizedEntries>(*S().ds, "spiffe://bench.example/edgeid/server");
    (void)cache->Snapshot();
    std::vector<EntryChange> changes;
    for (size_t i = 0; i < entries->size(); i += 500) {
      EntryChange change;
      change.upserted.assign(entries->begin() + static_cast<std::ptrdiff_t>(i),
                             entries->begin() + static_cast<std::ptrdiff_t>(i + 500));
      changes.push_back(std::move(change));
    }
    state.ResumeTiming();
    for (auto& change : changes) cache->Record(std::move(change));
    auto set = cache->For(kAgent, {}, 1000);
    if (!set.ok() || (*set)->entries.size() != 10000) state.SkipWithError("authorised set");
    state.PauseTiming();
    cache.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_AuthorizedSetAfterRecordedChanges10k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace edgeid::server

BENCHMARK_MAIN();
