// SvidService (`x509 mint`, `jwt mint`) and HealthService on the admin socket.
#pragma once

#include <chrono>

#include "ca/ca_manager.h"
#include "edgeid/server/v1/health.grpc.pb.h"
#include "edgeid/server/v1/svid.grpc.pb.h"

namespace edgeid::server {

class SvidService final : public v1::SvidService::Service {
 public:
  SvidService(const ca::CaManager& ca, std::chrono::seconds default_x509_ttl,
              std::chrono::seconds default_jwt_ttl)
      : ca_(ca), default_x509_ttl_(default_x509_ttl), default_jwt_ttl_(default_jwt_ttl) {}

  grpc::Status MintX509SVID(grpc::ServerContext*, const v1::MintX509SVIDRequest* request,
                            v1::MintX509SVIDResponse* response) override;
  grpc::Status MintJWTSVID(grpc::ServerContext*, const v1::MintJWTSVIDRequest* request,
                           v1::MintJWTSVIDResponse* response) override;

 private:
  const ca::CaManager& ca_;
  std::chrono::seconds default_x509_ttl_;
  std::chrono::seconds default_jwt_ttl_;
};

class HealthService final : public v1::HealthService::Service {
 public:
  explicit HealthService(std::string trust_domain)
      : trust_domain_(std::move(trust_domain)), started_(std::chrono::steady_clock::now()) {}
  grpc::Status Check(grpc::ServerContext*, const v1::HealthCheckRequest*,
                     v1::HealthCheckResponse* response) override;

 private:
  std::string trust_domain_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace edgeid::server
