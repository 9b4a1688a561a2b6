#include "agent/manager/tainted.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "crypto/encoding.h"

namespace edgeid::agent {

std::vector<std::string> X509AuthorityIds(const crypto::CertificateChain& chain) {
  std::vector<std::string> ids;
  if (chain.empty()) return ids;
  if (auto akid = chain.front().authority_key_id(); !akid.empty()) {
    ids.push_back(crypto::HexEncode(akid));
  }
  for (size_t i = 1; i < chain.size(); ++i) {
    if (auto skid = chain[i].subject_key_id(); !skid.empty()) {
      ids.push_back(crypto::HexEncode(skid));
    }
  }
  return ids;
}

bool AnyTainted(const std::vector<std::string>& authority_ids,
                const std::set<std::string>& tainted) {
  return std::any_of(authority_ids.begin(), authority_ids.end(),
                     [&](const std::string& id) { return tainted.contains(id); });
}

std::string JwtKeyId(std::string_view token) {
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return "";
  auto header = crypto::Base64UrlDecode(token.substr(0, dot));
  if (!header.ok()) return "";
  auto doc = nlohmann::json::parse(*header, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return "";
  auto kid = doc.find("kid");
  if (kid == doc.end() || !kid->is_string()) return "";
  return kid->get<std::string>();
}

}  // namespace edgeid::agent
