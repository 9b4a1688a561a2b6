#include "server/api/bundle_service.h"

#include "server/api/entry_service.h"
#include "server/federation/relationship.h"
#include "spiffe/spiffe_bundle.h"

namespace edgeid::server {
namespace {

void Fill(v1::TrustBundle* out, const spiffe::SpiffeBundle& bundle) {
  out->set_trust_domain(bundle.trust_domain().name());
  out->set_spiffe_bundle_json(bundle.ToJson(true));
  out->set_sequence_number(bundle.sequence().value_or(0));
}

}  // namespace

Result<spiffe::TrustDomain> BundleService::Federated(const std::string& name) const {
  auto td = spiffe::TrustDomain::Parse(name);
  if (!td.ok()) return InvalidArgument("trust domain: " + td.error().message);
  if (*td == ca_.config().trust_domain) {
    return InvalidArgument(name + " is this server's own trust domain, not a federated one");
  }
  return td;
}

grpc::Status BundleService::GetBundle(grpc::ServerContext*, const v1::GetBundleRequest*,
                                      v1::TrustBundle* response) {
  Fill(response, ca_.bundle());
  return grpc::Status::OK;
}

grpc::Status BundleService::ListFederatedBundles(grpc::ServerContext*,
                                                 const v1::ListFederatedBundlesRequest*,
                                                 v1::ListFederatedBundlesResponse* response) {
  auto names = datastore_.ListBundleTrustDomains();
  if (!names.ok()) return ToGrpc(names.error());
  for (const auto& name : *names) {
    if (name == ca_.config().trust_domain.name()) continue;
    auto json = datastore_.FetchBundle(name);
    if (!json.ok()) continue;  // deleted meanwhile
    auto* b = response->add_bundles();
    b->set_trust_domain(name);
    b->set_spiffe_bundle_json(*json);
  }
  return grpc::Status::OK;
}

grpc::Status BundleService::GetFederatedBundle(grpc::ServerContext*,
                                               const v1::GetFederatedBundleRequest* request,
                                               v1::TrustBundle* response) {
  auto td = Federated(request->trust_domain());
  if (!td.ok()) return ToGrpc(td.error());
  auto json = datastore_.FetchBundle(td->name());
  if (!json.ok()) return ToGrpc(json.error());
  response->set_trust_domain(td->name());
  response->set_spiffe_bundle_json(*json);
  return grpc::Status::OK;
}

grpc::Status BundleService::SetFederatedBundle(grpc::ServerContext*,
                                               const v1::SetFederatedBundleRequest* request,
                                               v1::TrustBundle* response) {
  auto td = Federated(request->trust_domain());
  if (!td.ok()) return ToGrpc(td.error());
  auto bundle = federation::ParseTrustDomainBundle(
      *td, request->data(),
      request->format() == v1::SetFederatedBundleRequest::PEM ? "pem" : "spiffe");
  if (!bundle.ok()) return ToGrpc(bundle.error());
  auto status = datastore_.SetBundle(td->name(), bundle->ToJson());
  if (!status.ok()) return ToGrpc(status.error());
  on_change_();
  Fill(response, *bundle);
  return grpc::Status::OK;
}

grpc::Status BundleService::DeleteFederatedBundle(grpc::ServerContext*,
                                                  const v1::DeleteFederatedBundleRequest* request,
                                                  v1::DeleteFederatedBundleResponse* response) {
  auto td = Federated(request->trust_domain());
  if (!td.ok()) return ToGrpc(td.error());
  using Mode = DataStore::BundleDeleteMode;
  Mode mode = Mode::kRestrict;
  switch (request->mode()) {
    case v1::DeleteFederatedBundleRequest::RESTRICT:
      break;
    case v1::DeleteFederatedBundleRequest::DELETE:
      mode = Mode::kDelete;
      break;
    case v1::DeleteFederatedBundleRequest::DISSOCIATE:
      mode = Mode::kDissociate;
      break;
    default:
      return ToGrpc(InvalidArgument("unknown bundle delete mode"));
  }
  auto affected = datastore_.DeleteBundle(td->name(), mode);
  if (!affected.ok()) return ToGrpc(affected.error());
  if (!affected->empty()) on_entries_change_();
  on_change_();
  for (auto& id : *affected) response->add_affected_entry_ids(std::move(id));
  return grpc::Status::OK;
}

}  // namespace edgeid::server
