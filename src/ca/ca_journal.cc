#include "ca/ca_journal.h"

#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "spiffe/json_limits.h"

namespace edgeid::ca {
namespace {

using nlohmann::json;

json DerList(const std::vector<std::string>& ders) {
  json list = json::array();
  for (const auto& d : ders) list.push_back(crypto::Base64Encode(d));
  return list;
}

Result<std::vector<std::string>> ParseDerList(const json& doc, const char* field) {
  auto it = doc.find(field);
  if (it == doc.end() || !it->is_array()) {
    return InvalidArgument(std::string("CA journal: \"") + field + "\" must be an array");
  }
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (!item.is_string()) return InvalidArgument(std::string("CA journal: bad ") + field);
    auto der = crypto::Base64Decode(item.get_ref<const std::string&>());
    if (!der.ok()) return der.error().Wrap(std::string("CA journal ") + field);
    out.push_back(std::move(*der));
  }
  return out;
}

Result<int64_t> Int(const json& doc, const char* field) {
  auto it = doc.find(field);
  if (it == doc.end() || !it->is_number_integer()) {
    return InvalidArgument(std::string("CA journal: \"") + field + "\" must be an integer");
  }
  return it->get<int64_t>();
}

Result<std::string> Text(const json& doc, const char* field) {
  auto it = doc.find(field);
  if (it == doc.end() || !it->is_string()) {
    return InvalidArgument(std::string("CA journal: \"") + field + "\" must be a string");
  }
  return it->get<std::string>();
}

json X509ToJson(const JournalX509Ca& ca) {
  return {{"key_id", ca.key_id},
          {"chain", DerList(ca.chain_der)},
          {"roots", DerList(ca.roots_der)},
          {"issued_at", ca.issued_at}};
}

Result<JournalX509Ca> X509FromJson(const json& doc) {
  if (!doc.is_object()) return InvalidArgument("CA journal: X.509 CA must be an object");
  JournalX509Ca ca;
  ca.key_id = EDGEID_TRY(Text(doc, "key_id"));
  ca.chain_der = EDGEID_TRY(ParseDerList(doc, "chain"));
  ca.roots_der = EDGEID_TRY(ParseDerList(doc, "roots"));
  ca.issued_at = EDGEID_TRY(Int(doc, "issued_at"));
  if (ca.chain_der.empty()) return InvalidArgument("CA journal: X.509 CA without a certificate");
  return ca;
}

json JwtToJson(const JournalJwtKey& key) {
  return {{"key_id", key.key_id},
          {"kid", key.kid},
          {"public_key", crypto::Base64Encode(key.public_key_der)},
          {"issued_at", key.issued_at},
          {"not_after", key.not_after}};
}

Result<JournalJwtKey> JwtFromJson(const json& doc) {
  if (!doc.is_object()) return InvalidArgument("CA journal: JWT key must be an object");
  JournalJwtKey key;
  key.key_id = EDGEID_TRY(Text(doc, "key_id"));
  key.kid = EDGEID_TRY(Text(doc, "kid"));
  auto pub = EDGEID_TRY(Text(doc, "public_key"));
  auto der = crypto::Base64Decode(pub);
  if (!der.ok()) return der.error().Wrap("CA journal public_key");
  key.public_key_der = std::move(*der);
  key.issued_at = EDGEID_TRY(Int(doc, "issued_at"));
  key.not_after = EDGEID_TRY(Int(doc, "not_after"));
  return key;
}

json Strings(const std::vector<std::string>& items) {
  json list = json::array();
  for (const auto& item : items) list.push_back(item);
  return list;
}

// An optional list of strings: absent is empty.
Result<std::vector<std::string>> OptionalStrings(const json& doc, const char* field) {
  std::vector<std::string> out;
  auto it = doc.find(field);
  if (it == doc.end()) return out;
  if (!it->is_array()) {
    return InvalidArgument(std::string("CA journal: \"") + field + "\" must be an array");
  }
  for (const auto& item : *it) {
    if (!item.is_string()) return InvalidArgument(std::string("CA journal: bad ") + field);
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::vector<JournalRevokedX509>> OptionalRevoked(const json& doc) {
  std::vector<JournalRevokedX509> out;
  auto it = doc.find("revoked_x509");
  if (it == doc.end()) return out;
  if (!it->is_array()) return InvalidArgument("CA journal: \"revoked_x509\" must be an array");
  for (const auto& item : *it) {
    if (!item.is_object()) return InvalidArgument("CA journal: bad revoked_x509");
    JournalRevokedX509 revoked;
    revoked.authority_id = EDGEID_TRY(Text(item, "authority_id"));
    revoked.not_after = EDGEID_TRY(Int(item, "not_after"));
    out.push_back(std::move(revoked));
  }
  return out;
}

}  // namespace

std::string CaJournal::ToJson() const {
  json doc;
  doc["version"] = 1;
  if (current_x509) doc["current_x509"] = X509ToJson(*current_x509);
  if (next_x509) doc["next_x509"] = X509ToJson(*next_x509);
  if (current_jwt) doc["current_jwt"] = JwtToJson(*current_jwt);
  if (next_jwt) doc["next_jwt"] = JwtToJson(*next_jwt);
  doc["published_roots"] = DerList(published_roots_der);
  doc["published_jwt"] = json::array();
  for (const auto& k : published_jwt) doc["published_jwt"].push_back(JwtToJson(k));
  doc["sequence"] = sequence;
  doc["tainted_x509"] = Strings(tainted_x509);
  doc["tainted_jwt"] = Strings(tainted_jwt);
  doc["revoked_x509"] = json::array();
  for (const auto& r : revoked_x509) {
    doc["revoked_x509"].push_back({{"authority_id", r.authority_id}, {"not_after", r.not_after}});
  }
  return doc.dump();
}

Result<CaJournal> CaJournal::Parse(std::string_view text) {
  auto doc_result = spiffe::ParseJsonObject(text, "CA journal", 16u << 20);
  if (!doc_result.ok()) return doc_result.error();
  const json& doc = *doc_result;
  if (EDGEID_TRY(Int(doc, "version")) != 1) {
    return FailedPrecondition("CA journal: unsupported version");
  }
  CaJournal journal;
  if (doc.contains("current_x509"))
    journal.current_x509 = EDGEID_TRY(X509FromJson(doc["current_x509"]));
  if (doc.contains("next_x509")) journal.next_x509 = EDGEID_TRY(X509FromJson(doc["next_x509"]));
  if (doc.contains("current_jwt"))
    journal.current_jwt = EDGEID_TRY(JwtFromJson(doc["current_jwt"]));
  if (doc.contains("next_jwt")) journal.next_jwt = EDGEID_TRY(JwtFromJson(doc["next_jwt"]));
  journal.published_roots_der = EDGEID_TRY(ParseDerList(doc, "published_roots"));
  auto published = doc.find("published_jwt");
  if (published == doc.end() || !published->is_array()) {
    return InvalidArgument("CA journal: \"published_jwt\" must be an array");
  }
  for (const auto& k : *published) {
    auto key = EDGEID_TRY(JwtFromJson(k));
    journal.published_jwt.push_back(std::move(key));
  }
  auto seq = doc.find("sequence");
  if (seq == doc.end() || !seq->is_number_unsigned()) {
    return InvalidArgument("CA journal: \"sequence\" must be a non-negative integer");
  }
  journal.sequence = seq->get<uint64_t>();
  journal.tainted_x509 = EDGEID_TRY(OptionalStrings(doc, "tainted_x509"));
  journal.tainted_jwt = EDGEID_TRY(OptionalStrings(doc, "tainted_jwt"));
  journal.revoked_x509 = EDGEID_TRY(OptionalRevoked(doc));
  return journal;
}

}  // namespace edgeid::ca
