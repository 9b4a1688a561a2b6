// The CA journal: what a restarted server needs to resume its CA instead of minting a new one.
// It holds certificates, public keys and key-manager IDs, never private keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace edgeid::ca {

struct JournalX509Ca {
  std::string key_id;
  std::vector<std::string> chain_der;  // the CA certificate, then upstream intermediates
  std::vector<std::string> roots_der;
  int64_t issued_at = 0;
};

struct JournalJwtKey {
  std::string key_id;  // empty for a retired key whose private half is gone
  std::string kid;
  std::string public_key_der;
  int64_t issued_at = 0;
  int64_t not_after = 0;
};

struct JournalRevokedX509 {
  std::string authority_id;  // subject key ID, hex
  int64_t not_after = 0;     // the root's expiry: until then, shared bundles must drop it
};

struct CaJournal {
  std::optional<JournalX509Ca> current_x509;
  std::optional<JournalX509Ca> next_x509;
  std::optional<JournalJwtKey> current_jwt;
  std::optional<JournalJwtKey> next_jwt;
  std::vector<std::string> published_roots_der;
  std::vector<JournalJwtKey> published_jwt;
  uint64_t sequence = 0;
  // Authority management (docs/ca.md): absent in journals written before it.
  std::vector<std::string> tainted_x509;  // authority IDs
  std::vector<std::string> tainted_jwt;   // key IDs
  std::vector<JournalRevokedX509> revoked_x509;

  std::string ToJson() const;
  static Result<CaJournal> Parse(std::string_view json);
};

}  // namespace edgeid::ca
