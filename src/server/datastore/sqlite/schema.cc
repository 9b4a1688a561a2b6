#include "server/datastore/sqlite/schema.h"

namespace edgeid::server::sqlite {
namespace {

// migrations[i] takes the schema from version i to version i + 1. Never edit a released step:
// add a new one.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE registration_entries (
  entry_id       TEXT PRIMARY KEY,
  spiffe_id      TEXT NOT NULL,
  parent_id      TEXT NOT NULL,
  selectors_key  TEXT NOT NULL,
  x509_svid_ttl  INTEGER NOT NULL DEFAULT 0,
  jwt_svid_ttl   INTEGER NOT NULL DEFAULT 0,
  admin          INTEGER NOT NULL DEFAULT 0,
  downstream     INTEGER NOT NULL DEFAULT 0,
  expires_at     INTEGER NOT NULL DEFAULT 0,
  hint           TEXT NOT NULL DEFAULT '',
  revision       INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  UNIQUE (spiffe_id, parent_id, selectors_key)
);
CREATE INDEX entries_by_parent ON registration_entries (parent_id);
CREATE TABLE entry_selectors (
  entry_id TEXT NOT NULL REFERENCES registration_entries (entry_id) ON DELETE CASCADE,
  type     TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (entry_id, type, value)
);
CREATE INDEX selectors_by_type_value ON entry_selectors (type, value);
CREATE TABLE entry_dns_names (
  entry_id TEXT NOT NULL REFERENCES registration_entries (entry_id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (entry_id, position)
);
CREATE TABLE entry_federates_with (
  entry_id     TEXT NOT NULL REFERENCES registration_entries (entry_id) ON DELETE CASCADE,
  trust_domain TEXT NOT NULL,
  PRIMARY KEY (entry_id, trust_domain)
);
CREATE TABLE attested_nodes (
  spiffe_id        TEXT PRIMARY KEY,
  attestation_type TEXT NOT NULL,
  cert_serial      TEXT NOT NULL,
  cert_not_after   INTEGER NOT NULL,
  banned           INTEGER NOT NULL DEFAULT 0,
  can_reattest     INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL
);
CREATE TABLE node_selectors (
  spiffe_id TEXT NOT NULL REFERENCES attested_nodes (spiffe_id) ON DELETE CASCADE,
  type      TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (spiffe_id, type, value)
);
CREATE TABLE join_tokens (
  token      TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE TABLE bundles (
  trust_domain TEXT PRIMARY KEY,
  data         TEXT NOT NULL
);
CREATE TABLE ca_journal (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  data BLOB NOT NULL
);
)sql",
    // 2: an agent's renewed SVID. The previous serial stays valid until the agent first uses the
    // new one, so a renewal whose answer is lost does not lock the agent out.
    R"sql(
ALTER TABLE attested_nodes ADD COLUMN new_cert_serial TEXT NOT NULL DEFAULT '';
ALTER TABLE attested_nodes ADD COLUMN new_cert_not_after INTEGER NOT NULL DEFAULT 0;
)sql",
    // 3: one CA journal per server, for servers sharing a database. The single journal of
    // before is kept under the empty server ID, where a server looks when it has none.
    R"sql(
CREATE TABLE ca_journals (
  server_id TEXT PRIMARY KEY,
  data      TEXT NOT NULL
);
INSERT INTO ca_journals (server_id, data) SELECT '', data FROM ca_journal;
DROP TABLE ca_journal;
)sql",
    // 4: federation relationships (the bundles they fetch live in `bundles`).
    R"sql(
CREATE TABLE federation_relationships (
  trust_domain            TEXT PRIMARY KEY,
  bundle_endpoint_url     TEXT NOT NULL,
  bundle_endpoint_profile TEXT NOT NULL,
  endpoint_spiffe_id      TEXT NOT NULL DEFAULT '',
  endpoint_ca_file        TEXT NOT NULL DEFAULT ''
);
)sql",
};

}  // namespace

sql::MigrationSteps MigrationSteps() {
  return kMigrations;
}

}  // namespace edgeid::server::sqlite
