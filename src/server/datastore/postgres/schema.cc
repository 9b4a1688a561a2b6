#include "server/datastore/postgres/schema.h"

namespace edgeid::server::postgres {
namespace {

// Text keys sort bytewise (COLLATE "C") so that lists come out in the same order as from
// SQLite, whatever the database's locale. Flags are integers so that the shared SQL compares
// them the same way on both databases.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE registration_entries (
  entry_id       TEXT COLLATE "C" PRIMARY KEY,
  spiffe_id      TEXT COLLATE "C" NOT NULL,
  parent_id      TEXT COLLATE "C" NOT NULL,
  selectors_key  TEXT COLLATE "C" NOT NULL,
  x509_svid_ttl  BIGINT NOT NULL DEFAULT 0,
  jwt_svid_ttl   BIGINT NOT NULL DEFAULT 0,
  admin          INTEGER NOT NULL DEFAULT 0,
  downstream     INTEGER NOT NULL DEFAULT 0,
  expires_at     BIGINT NOT NULL DEFAULT 0,
  hint           TEXT NOT NULL DEFAULT '',
  revision       BIGINT NOT NULL DEFAULT 0,
  created_at     BIGINT NOT NULL
);
-- Through a hash: a btree row is limited to about 2.7 KB, less than two SPIFFE IDs (up to
-- 2,048 bytes each) and many selectors. md5 is immutable, as an index needs; entries come from
-- administrators, and a collision could only refuse an entry, never merge two.
CREATE UNIQUE INDEX entries_unique ON registration_entries
  (md5(spiffe_id || E'\x1d' || parent_id || E'\x1d' || selectors_key));
CREATE INDEX entries_by_parent ON registration_entries (parent_id);
CREATE TABLE entry_selectors (
  entry_id TEXT COLLATE "C" NOT NULL REFERENCES registration_entries (entry_id) ON DELETE CASCADE,
  type     TEXT COLLATE "C" NOT NULL,
  value    TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (entry_id, type, value)
);
CREATE INDEX selectors_by_type_value ON entry_selectors (type, value);
CREATE TABLE entry_dns_names (
  entry_id TEXT COLLATE "C" NOT NULL REFERENCES registration_entries (entry_id) ON DELETE CASCADE,
  position BIGINT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (entry_id, position)
);
CREATE TABLE entry_federates_with (
  entry_id     TEXT COLLATE "C" NOT NULL REFERENCES registration_entries (entry_id) ON DELETE CASCADE,
  trust_domain TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (entry_id, trust_domain)
);
CREATE TABLE attested_nodes (
  spiffe_id          TEXT COLLATE "C" PRIMARY KEY,
  attestation_type   TEXT NOT NULL,
  cert_serial        TEXT NOT NULL,
  cert_not_after     BIGINT NOT NULL,
  banned             INTEGER NOT NULL DEFAULT 0,
  can_reattest       INTEGER NOT NULL DEFAULT 0,
  created_at         BIGINT NOT NULL,
  new_cert_serial    TEXT NOT NULL DEFAULT '',
  new_cert_not_after BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE node_selectors (
  spiffe_id TEXT COLLATE "C" NOT NULL REFERENCES attested_nodes (spiffe_id) ON DELETE CASCADE,
  type      TEXT COLLATE "C" NOT NULL,
  value     TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (spiffe_id, type, value)
);
CREATE TABLE join_tokens (
  token      TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE TABLE bundles (
  trust_domain TEXT COLLATE "C" PRIMARY KEY,
  data         TEXT NOT NULL
);
CREATE TABLE ca_journals (
  server_id TEXT COLLATE "C" PRIMARY KEY,
  data      TEXT NOT NULL
);

-- Servers sharing the database reload their entry cache only when this counter moved. Every
-- change to an entry's selectors, DNS names or federations also writes its entries row. It is a
-- row updated inside each writing transaction, not a sequence: a sequence moves before commit,
-- and a reader could see the new value, reload, and still miss the change.
CREATE TABLE change_marker (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  value BIGINT NOT NULL
);
INSERT INTO change_marker VALUES (1, 0);
CREATE FUNCTION edgeid_entries_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE change_marker SET value = value + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
CREATE TRIGGER entries_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON registration_entries FOR EACH STATEMENT EXECUTE FUNCTION edgeid_entries_changed();
)sql",
    // 2: federation relationships (the bundles they fetch live in `bundles`).
    R"sql(
CREATE TABLE federation_relationships (
  trust_domain            TEXT COLLATE "C" PRIMARY KEY,
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

}  // namespace edgeid::server::postgres
