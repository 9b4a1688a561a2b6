#include "agent/cache/workload_cache.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/workloadapi/workload_api_service.h"
#include "testing/sanitizers.h"
#include "testing/test_pki.h"

namespace edgeid::agent {
namespace {

using Clock = std::chrono::system_clock;
using testing::Unwrap;

std::shared_ptr<const CachedEntry> Entry(const std::string& id, std::vector<std::string> selectors,
                                         int64_t created_at,
                                         std::vector<std::string> federates_with = {}) {
  auto e = std::make_shared<CachedEntry>();
  e->id = id;
  e->spiffe_id = "spiffe://example.org/" + id;
  std::sort(selectors.begin(), selectors.end());
  e->selectors = std::move(selectors);
  e->created_at = created_at;
  e->federates_with = std::move(federates_with);
  e->hint = "hint-" + id;
  return e;
}

std::shared_ptr<const CachedSvid> Svid(const std::string& entry_id, Clock::time_point not_after) {
  auto s = std::make_shared<CachedSvid>();
  s->entry_id = entry_id;
  s->spiffe_id = "spiffe://example.org/" + entry_id;
  s->chain_der = "chain-of-" + entry_id;
  s->key_der = "key-of-" + entry_id;
  s->not_after = not_after;
  return s;
}

std::shared_ptr<const spiffe::SpiffeBundle> Bundle(const std::string& td_name) {
  auto td = Unwrap(spiffe::TrustDomain::Parse(td_name));
  auto bundle = std::make_shared<spiffe::SpiffeBundle>(td);
  bundle->x509().AddAuthority(testing::MakeTestCa(td_name).cert);
  EXPECT_TRUE(
      bundle->jwt().SetAuthority("kid-" + td_name, testing::NewP256Key().public_key()).ok());
  return bundle;
}

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto later = Clock::now() + std::chrono::hours(1);
    state_.entries = {Entry("web", {"unix:uid:1000"}, 20, {"partner.org"}),
                      Entry("db", {"unix:uid:1000", "unix:gid:50"}, 10),
                      Entry("other", {"unix:uid:2000"}, 5),
                      Entry("strict", {"unix:uid:1000", "unix:gid:51"}, 30),
                      Entry("stale", {"unix:uid:1000"}, 40)};
    std::sort(state_.entries.begin(), state_.entries.end(),
              [](const auto& a, const auto& b) { return a->created_at < b->created_at; });
    for (const auto& id : {"web", "db", "other", "strict"}) state_.svids[id] = Svid(id, later);
    state_.svids["stale"] = Svid("stale", Clock::now() - std::chrono::seconds(1));
    state_.own_bundle = Bundle("example.org");
    state_.federated["partner.org"] = Bundle("partner.org");
    state_.federated["unrelated.org"] = Bundle("unrelated.org");
    state_.synced = true;
  }
  CacheState state_;
  const std::vector<std::string> caller_ = {"unix:gid:50", "unix:uid:1000", "unix:user:app"};
};

TEST_F(CacheTest, EntriesMatchWhenTheirSelectorsAreASubsetOldestFirst) {
  auto identities = MatchIdentities(state_, caller_, Clock::now());
  ASSERT_EQ(identities.size(), 2u);
  EXPECT_EQ(identities[0].entry->id, "db");  // created first: the default identity
  EXPECT_EQ(identities[1].entry->id, "web");
  // "stale" matches but its SVID expired; "strict" wants gid 51.
  EXPECT_EQ(MatchEntries(state_, caller_).size(), 3u);
  EXPECT_TRUE(MatchIdentities(state_, {"unix:uid:3000"}, Clock::now()).empty());
  // An SVID signed for the entry's former SPIFFE ID is never served under the new one.
  auto stale_state = state_;
  for (auto& entry : stale_state.entries) {
    if (entry->id != "db") continue;
    auto renamed = std::make_shared<CachedEntry>(*entry);
    renamed->spiffe_id = "spiffe://example.org/renamed";
    entry = renamed;
  }
  auto after_rename = MatchIdentities(stale_state, caller_, Clock::now());
  ASSERT_EQ(after_rename.size(), 1u);
  EXPECT_EQ(after_rename[0].entry->id, "web");
  // An entry without selectors never matches.
  state_.entries.push_back(Entry("everyone", {}, 1));
  state_.svids["everyone"] = Svid("everyone", Clock::now() + std::chrono::hours(1));
  EXPECT_EQ(MatchIdentities(state_, caller_, Clock::now()).size(), 2u);
}

TEST_F(CacheTest, X509ResponseCarriesKeysBundleHintsAndOnlyFederatedBundlesAsked) {
  auto response = BuildX509SvidResponse(state_, caller_, Clock::now());
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->svids_size(), 2);
  EXPECT_EQ(response->svids(0).spiffe_id(), "spiffe://example.org/db");
  EXPECT_EQ(response->svids(0).x509_svid(), "chain-of-db");
  EXPECT_EQ(response->svids(0).x509_svid_key(), "key-of-db");
  EXPECT_EQ(response->svids(0).bundle(), state_.own_bundle->x509().ToDer());
  EXPECT_EQ(response->svids(1).hint(), "hint-web");
  ASSERT_EQ(response->federated_bundles_size(), 1);
  EXPECT_TRUE(response->federated_bundles().contains("spiffe://partner.org"));

  auto bundles = BuildX509BundlesResponse(state_, caller_, Clock::now());
  ASSERT_TRUE(bundles.ok());
  EXPECT_EQ(bundles->bundles_size(), 2);
  EXPECT_TRUE(bundles->bundles().contains("spiffe://example.org"));
  EXPECT_FALSE(bundles->bundles().contains("spiffe://unrelated.org"));
}

TEST_F(CacheTest, JwtBundlesHoldOnlyJwtKeys) {
  auto response = BuildJwtBundlesResponse(state_, caller_, Clock::now());
  ASSERT_TRUE(response.ok());
  auto jwks = nlohmann::json::parse(response->bundles().at("spiffe://example.org"));
  ASSERT_EQ(jwks["keys"].size(), 1u);
  EXPECT_EQ(jwks["keys"][0]["use"], "jwt-svid");
  EXPECT_EQ(jwks["keys"][0]["kid"], "kid-example.org");
}

TEST_F(CacheTest, CallerWithoutIdentityIsDenied) {
  for (const auto& result :
       {BuildX509SvidResponse(state_, {"unix:uid:4242"}, Clock::now()).ok(),
        BuildX509BundlesResponse(state_, {"unix:uid:4242"}, Clock::now()).ok(),
        BuildJwtBundlesResponse(state_, {"unix:uid:4242"}, Clock::now()).ok()}) {
    EXPECT_FALSE(result);
  }
  auto denied = BuildX509SvidResponse(state_, {"unix:uid:4242"}, Clock::now());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.error().message, "no identity issued");
}

TEST(WorkloadCacheTest, ListenersHearOnlyRealChanges) {
  WorkloadCache cache;
  int heard = 0;
  auto id = cache.Subscribe([&] { ++heard; });
  cache.Update([](CacheState&) { return false; });
  EXPECT_EQ(heard, 0);
  EXPECT_EQ(cache.Current()->version, 0u);
  auto before = cache.Current();
  cache.Update([](CacheState& s) {
    s.synced = true;
    return true;
  });
  EXPECT_EQ(heard, 1);
  EXPECT_EQ(cache.Current()->version, 1u);
  EXPECT_FALSE(before->synced);  // a snapshot never changes under its reader
  {
    WorkloadCache::Batch batch(cache);
    cache.Update([](CacheState&) { return true; });
    cache.Update([](CacheState&) { return true; });
    EXPECT_EQ(heard, 1);                      // held
    EXPECT_EQ(cache.Current()->version, 3u);  // but published
  }
  EXPECT_EQ(heard, 2);  // once for both
  { WorkloadCache::Batch nothing(cache); }
  EXPECT_EQ(heard, 2);
  cache.Unsubscribe(id);
  cache.Update([](CacheState&) { return true; });
  EXPECT_EQ(heard, 2);
}

}  // namespace
}  // namespace edgeid::agent

namespace edgeid::agent {
namespace {

TEST(ClaimsToStructTest, ClaimsSurviveTheWireAsAStruct) {
  EDGEID_SKIP_PROTOBUF_STRUCT_UNDER_TSAN();
  auto claims = nlohmann::json::parse(
      R"({"sub":"spiffe://example.org/w","aud":["a","b"],"exp":1795457297,"iat":1795456997,)"
      R"("nested":{"ok":true,"none":null}})");
  ValidateJWTSVIDResponse response;
  response.set_spiffe_id("spiffe://example.org/w");
  ClaimsToStruct(claims, *response.mutable_claims());
  std::string wire = response.SerializeAsString();
  EXPECT_EQ(wire.size(), response.ByteSizeLong());
  ValidateJWTSVIDResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  const auto& fields = parsed.claims().fields();
  EXPECT_EQ(fields.at("sub").string_value(), "spiffe://example.org/w");
  ASSERT_EQ(fields.at("aud").list_value().values_size(), 2);
  EXPECT_EQ(fields.at("aud").list_value().values(1).string_value(), "b");
  EXPECT_EQ(fields.at("exp").number_value(), 1795457297.0);
  EXPECT_TRUE(fields.at("nested").struct_value().fields().at("ok").bool_value());
  EXPECT_EQ(fields.at("nested").struct_value().fields().at("none").kind_case(),
            google::protobuf::Value::kNullValue);
}

}  // namespace
}  // namespace edgeid::agent
