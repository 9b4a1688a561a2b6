#include "server/api/entry_convert.h"

namespace edgeid::server {

void AddSelectors(const std::vector<Selector>& selectors,
                  google::protobuf::RepeatedPtrField<v1::Selector>* out) {
  for (const auto& s : selectors) {
    auto* sel = out->Add();
    sel->set_type(s.type);
    sel->set_value(s.value);
  }
}

v1::Entry ToProto(const RegistrationEntry& e) {
  v1::Entry out;
  out.set_id(e.entry_id);
  out.set_spiffe_id(e.spiffe_id);
  out.set_parent_id(e.parent_id);
  AddSelectors(e.selectors, out.mutable_selectors());
  out.set_x509_svid_ttl(e.x509_svid_ttl);
  out.set_jwt_svid_ttl(e.jwt_svid_ttl);
  for (const auto& d : e.dns_names) out.add_dns_names(d);
  for (const auto& f : e.federates_with) out.add_federates_with(f);
  out.set_admin(e.admin);
  out.set_downstream(e.downstream);
  out.set_expires_at(e.expires_at);
  out.set_hint(e.hint);
  out.set_revision_number(e.revision_number);
  out.set_created_at(e.created_at);
  return out;
}

RegistrationEntry FromProto(const v1::Entry& p) {
  RegistrationEntry e;
  e.entry_id = p.id();
  e.spiffe_id = p.spiffe_id();
  e.parent_id = p.parent_id();
  for (const auto& s : p.selectors()) e.selectors.push_back({s.type(), s.value()});
  e.x509_svid_ttl = p.x509_svid_ttl();
  e.jwt_svid_ttl = p.jwt_svid_ttl();
  e.dns_names.assign(p.dns_names().begin(), p.dns_names().end());
  // Stored by trust domain name, as bundles are: SPIRE's users write the trust domain's ID
  // (spiffe://b.test), which stored as typed matched no bundle and silently broke federation.
  // What does not parse is kept as given, for ValidateEntry to refuse by name.
  for (const auto& federated : p.federates_with()) {
    auto td = spiffe::TrustDomain::Parse(federated);
    e.federates_with.push_back(td.ok() ? td->name() : federated);
  }
  e.admin = p.admin();
  e.downstream = p.downstream();
  e.expires_at = p.expires_at();
  e.hint = p.hint();
  e.revision_number = p.revision_number();
  e.created_at = p.created_at();
  return e;
}

bool IsReservedPath(std::string_view path) {
  return path == "/edgeid/server" || path.starts_with("/edgeid/server/") ||
         path == "/edgeid/agent" || path.starts_with("/edgeid/agent/");
}

Status ValidateEntry(const RegistrationEntry& entry, const spiffe::TrustDomain& td) {
  auto id = spiffe::SpiffeId::Parse(entry.spiffe_id);
  if (!id.ok()) return id.error().Wrap("spiffe_id");
  if (!id->MemberOf(td)) {
    return InvalidArgument("spiffe_id " + entry.spiffe_id + " is not in trust domain " + td.name());
  }
  if (id->path().empty()) return InvalidArgument("spiffe_id " + entry.spiffe_id + " has no path");
  if (IsReservedPath(id->path())) {
    return InvalidArgument("spiffe_id " + entry.spiffe_id +
                           " is reserved for the server and its agents (/edgeid/server, "
                           "/edgeid/agent/...)");
  }
  auto parent = spiffe::SpiffeId::Parse(entry.parent_id);
  if (!parent.ok()) return parent.error().Wrap("parent_id");
  if (!parent->MemberOf(td)) {
    return InvalidArgument("parent_id " + entry.parent_id + " is not in trust domain " + td.name());
  }
  if (entry.selectors.empty()) return InvalidArgument("an entry needs at least one selector");
  for (const auto& s : entry.selectors) {
    if (s.type.empty() || s.value.empty() || s.type.find(':') != std::string::npos) {
      return InvalidArgument("selector \"" + s.ToString() + "\" must be type:value");
    }
  }
  if (entry.x509_svid_ttl < 0 || entry.jwt_svid_ttl < 0) {
    return InvalidArgument("TTLs must not be negative");
  }
  if (entry.expires_at < 0) return InvalidArgument("expires_at must not be negative");
  for (const auto& dns : entry.dns_names) {
    if (dns.empty() || dns.size() > 253 || dns.find_first_of(" /\\@:") != std::string::npos) {
      return InvalidArgument("DNS name \"" + dns + "\" is not valid");
    }
  }
  for (const auto& federated : entry.federates_with) {
    auto other = spiffe::TrustDomain::Parse(federated);
    if (!other.ok()) return other.error().Wrap("federates_with");
  }
  return OkStatus();
}

Result<Selector> ParseSelector(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return InvalidArgument("selector \"" + std::string(text) +
                           "\" must be type:value, e.g. unix:uid:1000");
  }
  return Selector{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

std::string ServerSpiffeId(const spiffe::TrustDomain& td) {
  return td.IdString() + "/edgeid/server";
}

}  // namespace edgeid::server
