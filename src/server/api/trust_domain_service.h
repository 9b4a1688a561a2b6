// TrustDomainService: federation relationships on the admin socket. A relationship given with
// a bundle stores that bundle too (it authenticates an https_spiffe endpoint until the first
// fetch); changes reach the bundle refresher at once.
#pragma once

#include <functional>

#include "edgeid/server/v1/trustdomain.grpc.pb.h"
#include "server/datastore/datastore.h"
#include "server/federation/bundle_refresher.h"

namespace edgeid::server {

class TrustDomainService final : public v1::TrustDomainService::Service {
 public:
  // `on_bundle_change` is called after a federated bundle was stored.
  TrustDomainService(DataStore& datastore, spiffe::TrustDomain own,
                     federation::BundleRefresher& refresher, std::function<void()> on_bundle_change)
      : datastore_(datastore),
        own_(std::move(own)),
        refresher_(refresher),
        on_bundle_change_(std::move(on_bundle_change)) {}

  grpc::Status ListFederationRelationships(
      grpc::ServerContext*, const v1::ListFederationRelationshipsRequest*,
      v1::ListFederationRelationshipsResponse* response) override;
  grpc::Status GetFederationRelationship(grpc::ServerContext*,
                                         const v1::GetFederationRelationshipRequest* request,
                                         v1::FederationRelationship* response) override;
  grpc::Status CreateFederationRelationship(grpc::ServerContext*,
                                            const v1::FederationRelationship* request,
                                            v1::FederationRelationship* response) override;
  grpc::Status UpdateFederationRelationship(grpc::ServerContext*,
                                            const v1::FederationRelationship* request,
                                            v1::FederationRelationship* response) override;
  grpc::Status DeleteFederationRelationship(
      grpc::ServerContext*, const v1::DeleteFederationRelationshipRequest* request,
      v1::DeleteFederationRelationshipResponse* response) override;
  grpc::Status RefreshBundle(grpc::ServerContext*, const v1::RefreshBundleRequest* request,
                             v1::TrustBundle* response) override;

 private:
  enum class Write { kCreate, kUpdate };
  grpc::Status Store(const v1::FederationRelationship& request, Write write,
                     v1::FederationRelationship* response);
  void Fill(const FederationRelationship& relationship, v1::FederationRelationship* out);

  DataStore& datastore_;
  spiffe::TrustDomain own_;
  federation::BundleRefresher& refresher_;
  std::function<void()> on_bundle_change_;
};

}  // namespace edgeid::server
