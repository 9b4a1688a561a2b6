// BundleService (the own bundle and federated ones) on the admin socket.
#pragma once

#include <functional>

#include "ca/ca_manager.h"
#include "edgeid/server/v1/bundle.grpc.pb.h"
#include "server/datastore/datastore.h"

namespace edgeid::server {

class BundleService final : public v1::BundleService::Service {
 public:
  // `on_change` is called after a federated bundle was set or deleted; `on_entries_change` after
  // a deletion deleted or changed registration entries.
  BundleService(
      DataStore& datastore, const ca::CaManager& ca, std::function<void()> on_change = [] {},
      std::function<void()> on_entries_change = [] {})
      : datastore_(datastore),
        ca_(ca),
        on_change_(std::move(on_change)),
        on_entries_change_(std::move(on_entries_change)) {}

  grpc::Status GetBundle(grpc::ServerContext*, const v1::GetBundleRequest*,
                         v1::TrustBundle* response) override;
  grpc::Status ListFederatedBundles(grpc::ServerContext*, const v1::ListFederatedBundlesRequest*,
                                    v1::ListFederatedBundlesResponse* response) override;
  grpc::Status GetFederatedBundle(grpc::ServerContext*,
                                  const v1::GetFederatedBundleRequest* request,
                                  v1::TrustBundle* response) override;
  grpc::Status SetFederatedBundle(grpc::ServerContext*,
                                  const v1::SetFederatedBundleRequest* request,
                                  v1::TrustBundle* response) override;
  grpc::Status DeleteFederatedBundle(grpc::ServerContext*,
                                     const v1::DeleteFederatedBundleRequest* request,
                                     v1::DeleteFederatedBundleResponse* response) override;

 private:
  Result<spiffe::TrustDomain> Federated(const std::string& name) const;

  DataStore& datastore_;
  const ca::CaManager& ca_;
  std::function<void()> on_change_;
  std::function<void()> on_entries_change_;
};

}  // namespace edgeid::server
