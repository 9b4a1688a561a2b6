#include "server/api/trust_domain_service.h"

#include "grpctls/grpc_status.h"
#include "server/federation/relationship.h"

namespace edgeid::server {
namespace {

using grpctls::ToGrpc;

FederationRelationship FromProto(const v1::FederationRelationship& p) {
  return {p.trust_domain(), p.bundle_endpoint_url(), p.bundle_endpoint_profile(),
          p.endpoint_spiffe_id(), p.endpoint_ca_file()};
}

}  // namespace

void TrustDomainService::Fill(const FederationRelationship& r, v1::FederationRelationship* out) {
  out->set_trust_domain(r.trust_domain);
  out->set_bundle_endpoint_url(r.bundle_endpoint_url);
  out->set_bundle_endpoint_profile(r.bundle_endpoint_profile);
  out->set_endpoint_spiffe_id(r.endpoint_spiffe_id);
  out->set_endpoint_ca_file(r.endpoint_ca_file);
  if (auto json = datastore_.FetchBundle(r.trust_domain); json.ok()) {
    out->mutable_trust_domain_bundle()->set_trust_domain(r.trust_domain);
    out->mutable_trust_domain_bundle()->set_spiffe_bundle_json(*json);
  }
}

grpc::Status TrustDomainService::ListFederationRelationships(
    grpc::ServerContext*, const v1::ListFederationRelationshipsRequest*,
    v1::ListFederationRelationshipsResponse* response) {
  auto relationships = datastore_.ListFederationRelationships();
  if (!relationships.ok()) return ToGrpc(relationships.error());
  for (const auto& r : *relationships) Fill(r, response->add_relationships());
  return grpc::Status::OK;
}

grpc::Status TrustDomainService::GetFederationRelationship(
    grpc::ServerContext*, const v1::GetFederationRelationshipRequest* request,
    v1::FederationRelationship* response) {
  auto r = datastore_.FetchFederationRelationship(request->trust_domain());
  if (!r.ok()) return ToGrpc(r.error());
  Fill(*r, response);
  return grpc::Status::OK;
}

grpc::Status TrustDomainService::Store(const v1::FederationRelationship& request, Write write,
                                       v1::FederationRelationship* response) {
  FederationRelationship r = FromProto(request);
  if (auto valid = federation::ValidateRelationship(r, own_); !valid.ok()) {
    return ToGrpc(valid.error());
  }
  std::optional<spiffe::SpiffeBundle> bundle;
  if (request.has_trust_domain_bundle() &&
      !request.trust_domain_bundle().spiffe_bundle_json().empty()) {
    auto td = spiffe::TrustDomain::Parse(r.trust_domain);
    auto parsed = federation::ParseTrustDomainBundle(
        *td, request.trust_domain_bundle().spiffe_bundle_json(), "spiffe");
    if (!parsed.ok()) return ToGrpc(parsed.error().Wrap("trust domain bundle"));
    bundle = std::move(*parsed);
  }
  auto stored = write == Write::kCreate ? datastore_.CreateFederationRelationship(r)
                                        : datastore_.UpdateFederationRelationship(r);
  if (!stored.ok()) return ToGrpc(stored.error());
  if (bundle) {
    if (auto set = datastore_.SetBundle(r.trust_domain, bundle->ToJson()); !set.ok()) {
      return ToGrpc(set.error().Wrap("the relationship is stored, its bundle is not"));
    }
    on_bundle_change_();
  }
  refresher_.RelationshipsChanged();
  Fill(r, response);
  return grpc::Status::OK;
}

grpc::Status TrustDomainService::CreateFederationRelationship(
    grpc::ServerContext*, const v1::FederationRelationship* request,
    v1::FederationRelationship* response) {
  return Store(*request, Write::kCreate, response);
}

grpc::Status TrustDomainService::UpdateFederationRelationship(
    grpc::ServerContext*, const v1::FederationRelationship* request,
    v1::FederationRelationship* response) {
  return Store(*request, Write::kUpdate, response);
}

grpc::Status TrustDomainService::DeleteFederationRelationship(
    grpc::ServerContext*, const v1::DeleteFederationRelationshipRequest* request,
    v1::DeleteFederationRelationshipResponse*) {
  auto deleted = datastore_.DeleteFederationRelationship(request->trust_domain());
  if (!deleted.ok()) return ToGrpc(deleted.error());
  refresher_.RelationshipsChanged();
  return grpc::Status::OK;
}

grpc::Status TrustDomainService::RefreshBundle(grpc::ServerContext*,
                                               const v1::RefreshBundleRequest* request,
                                               v1::TrustBundle* response) {
  auto bundle = refresher_.RefreshNow(request->trust_domain());
  if (!bundle.ok()) {
    return ToGrpc(bundle.error().Wrap("refreshing the bundle of " + request->trust_domain()));
  }
  response->set_trust_domain(bundle->trust_domain().name());
  response->set_spiffe_bundle_json(bundle->ToJson(true));
  response->set_sequence_number(bundle->sequence().value_or(0));
  return grpc::Status::OK;
}

}  // namespace edgeid::server
