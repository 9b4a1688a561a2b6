#include "mqtt/acl/spiffe_acl.h"

#include <algorithm>

#include "common/atomic_file.h"
#include "config/toml_reader.h"
#include "mqtt/acl/topic_filter.h"

namespace edgeid::mqtt {
namespace {

Status CheckIdPattern(const std::string& pattern, const spiffe::TrustDomain& td,
                      const std::string& key) {
  const std::string quoted = "\"" + pattern + "\"";
  const std::string member_prefix = "spiffe://" + td.name() + "/";
  if (pattern.rfind(member_prefix, 0) != 0) {
    return config::Bad(key,
                       quoted + " is not a workload of the broker's trust domain " + td.name());
  }
  // '*' segments are checked as if they were names: the rest must make a valid SPIFFE ID.
  std::string probe = member_prefix;
  std::string_view path = std::string_view(pattern).substr(member_prefix.size());
  while (true) {
    auto slash = path.find('/');
    auto segment = path.substr(0, slash);
    probe += segment == "*" ? "x" : std::string(segment);
    if (slash == std::string_view::npos) break;
    probe += '/';
    path.remove_prefix(slash + 1);
  }
  auto id = spiffe::SpiffeId::Parse(probe);
  if (!id.ok()) return config::Bad(key, quoted + ": " + id.error().message);
  return OkStatus();
}

Result<std::vector<std::string>> Filters(const toml::table& rule, const std::string& prefix,
                                         const char* key) {
  auto filters = EDGEID_TRY(config::GetStrings(rule, prefix, key));
  for (const auto& filter : filters) {
    auto valid = ValidateTopicFilter(filter);
    if (!valid.ok()) return config::Bad(prefix + key, valid.error().message);
  }
  return filters;
}

// MQTT strings are at most 65535 bytes.
constexpr std::size_t kMaxClientIdBytes = 65535;

Result<std::vector<std::string>> ClientIds(const toml::table& rule, const std::string& spiffe_id,
                                           const std::string& prefix) {
  const std::string key = prefix + "client_ids";
  auto ids = EDGEID_TRY(config::GetStrings(rule, prefix, "client_ids"));
  if (!ids.empty() && spiffe_id.find('*') != std::string::npos) {
    // Every ID the pattern names could connect with it and disconnect the others.
    return config::Bad(key, "needs a spiffe_id without '*': a client ID belongs to one identity");
  }
  for (const auto& id : ids) {
    if (id.empty()) return config::Bad(key, "an empty client ID is assigned by the broker");
    if (id.size() > kMaxClientIdBytes) return config::Bad(key, "a client ID is too long");
    // The bound forms are the SPIFFE IDs' own; listing one would hand it to another identity.
    if (id.rfind("spiffe://", 0) == 0) {
      return config::Bad(key, "\"" + id +
                                  "\": client IDs starting with spiffe:// are bound to that "
                                  "SPIFFE ID already");
    }
  }
  return ids;
}

Result<AclRule> ReadRule(const toml::table& table, const spiffe::TrustDomain& td,
                         const std::string& prefix) {
  EDGEID_RETURN_IF_ERROR(
      config::CheckKeys(table, prefix, {"spiffe_id", "publish", "subscribe", "client_ids"}));
  AclRule rule;
  auto id = EDGEID_TRY(config::Get<std::string>(table, prefix, "spiffe_id"));
  if (!id) return config::Bad(prefix + "spiffe_id", "is required");
  EDGEID_RETURN_IF_ERROR(CheckIdPattern(*id, td, prefix + "spiffe_id"));
  rule.spiffe_id = *id;
  rule.publish = EDGEID_TRY(Filters(table, prefix, "publish"));
  rule.subscribe = EDGEID_TRY(Filters(table, prefix, "subscribe"));
  rule.client_ids = EDGEID_TRY(ClientIds(table, rule.spiffe_id, prefix));
  return rule;
}

}  // namespace

bool SpiffeIdMatches(std::string_view pattern, std::string_view id) {
  while (true) {
    auto ps = pattern.find('/');
    auto is = id.find('/');
    auto p = pattern.substr(0, ps);
    auto i = id.substr(0, is);
    if (p == "*" ? i.empty() : p != i) return false;
    if (ps == std::string_view::npos || is == std::string_view::npos) {
      return ps == std::string_view::npos && is == std::string_view::npos;
    }
    pattern.remove_prefix(ps + 1);
    id.remove_prefix(is + 1);
  }
}

Result<SpiffeAcl> SpiffeAcl::Parse(std::string_view toml_text, const spiffe::TrustDomain& td,
                                   const std::string& source) {
  auto in_file = [&](const Error& e) { return e.Wrap(source); };
  auto doc = config::ParseToml(toml_text);
  if (!doc.ok()) return in_file(doc.error());
  auto keys = config::CheckKeys(*doc, "", {"rule"});
  if (!keys.ok()) return in_file(keys.error());
  const toml::node* rules_node = doc->get("rule");
  const toml::array* rules = rules_node ? rules_node->as_array() : nullptr;
  if (rules == nullptr || rules->empty()) {
    return InvalidArgument(source + ": no [[rule]]: every client would be refused");
  }
  std::vector<AclRule> out;
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const std::string prefix = "rule[" + std::to_string(i) + "].";
    const toml::table* table = rules->get(i)->as_table();
    if (table == nullptr)
      return InvalidArgument(source + ": rule[" + std::to_string(i) + "] is not a table");
    auto rule = ReadRule(*table, td, prefix);
    if (!rule.ok()) return in_file(rule.error());
    // A client ID listed for two identities would let each take the other's session over.
    for (const auto& client_id : rule->client_ids) {
      for (std::size_t j = 0; j < out.size(); ++j) {
        if (out[j].spiffe_id == rule->spiffe_id) continue;
        const auto& other = out[j].client_ids;
        if (std::find(other.begin(), other.end(), client_id) != other.end()) {
          return InvalidArgument(source + ": " + prefix + "client_ids: \"" + client_id +
                                 "\" is already bound to " + out[j].spiffe_id + " by rule[" +
                                 std::to_string(j) + "]");
        }
      }
    }
    out.push_back(std::move(*rule));
  }
  return SpiffeAcl(std::move(out));
}

Result<SpiffeAcl> SpiffeAcl::Load(const std::string& path, const spiffe::TrustDomain& td) {
  auto text = ReadFile(path, 1u << 20);
  if (!text.ok()) return text.error().Wrap("ACL file");
  return Parse(*text, td, "ACL file " + path);
}

bool SpiffeAcl::Knows(std::string_view id) const {
  for (const auto& rule : rules_) {
    if (SpiffeIdMatches(rule.spiffe_id, id)) return true;
  }
  return false;
}

bool SpiffeAcl::Allows(std::string_view id, MqttAccess access, std::string_view topic) const {
  for (const auto& rule : rules_) {
    if (!SpiffeIdMatches(rule.spiffe_id, id)) continue;
    const auto& filters = access == MqttAccess::kPublish ? rule.publish : rule.subscribe;
    for (const auto& filter : filters) {
      if (access == MqttAccess::kSubscribe ? FilterCovers(filter, topic)
                                           : TopicMatches(filter, topic)) {
        return true;
      }
    }
  }
  return false;
}

bool SpiffeAcl::ClientIdAllowed(std::string_view id, std::string_view client_id) const {
  if (client_id == id) return true;
  if (client_id.size() > id.size() + 1 && client_id.substr(0, id.size()) == id &&
      client_id[id.size()] == '#') {
    return true;
  }
  for (const auto& rule : rules_) {
    if (rule.spiffe_id != id) continue;
    if (std::find(rule.client_ids.begin(), rule.client_ids.end(), client_id) !=
        rule.client_ids.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace edgeid::mqtt
