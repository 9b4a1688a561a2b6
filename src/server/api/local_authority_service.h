// LocalAuthorityService on the admin socket: SPIRE's localauthority commands for this server's
// X.509 CAs and JWT keys (see docs/ca.md). Each change is saved before it is answered, and
// agents are told at once so that they re-sign what a tainted authority signed.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>

#include "edgeid/server/v1/localauthority.grpc.pb.h"
#include "server/authority/server_authority.h"

namespace edgeid::server {

class LocalAuthorityService final : public v1::LocalAuthorityService::Service {
 public:
  // `on_change` is called after every change that succeeded.
  LocalAuthorityService(ServerAuthority& authority, std::shared_ptr<spdlog::logger> log,
                        std::function<void()> on_change)
      : authority_(authority), log_(std::move(log)), on_change_(std::move(on_change)) {}

  grpc::Status GetX509AuthorityState(grpc::ServerContext*, const v1::GetX509AuthorityStateRequest*,
                                     v1::AuthorityStates* response) override;
  grpc::Status PrepareX509Authority(grpc::ServerContext*, const v1::PrepareX509AuthorityRequest*,
                                    v1::PrepareAuthorityResponse* response) override;
  grpc::Status ActivateX509Authority(grpc::ServerContext*, const v1::AuthorityRequest* request,
                                     v1::ActivateAuthorityResponse* response) override;
  grpc::Status TaintX509Authority(grpc::ServerContext*, const v1::AuthorityRequest* request,
                                  v1::TaintAuthorityResponse* response) override;
  grpc::Status RevokeX509Authority(grpc::ServerContext*, const v1::AuthorityRequest* request,
                                   v1::RevokeAuthorityResponse* response) override;

  grpc::Status GetJWTAuthorityState(grpc::ServerContext*, const v1::GetJWTAuthorityStateRequest*,
                                    v1::AuthorityStates* response) override;
  grpc::Status PrepareJWTAuthority(grpc::ServerContext*, const v1::PrepareJWTAuthorityRequest*,
                                   v1::PrepareAuthorityResponse* response) override;
  grpc::Status ActivateJWTAuthority(grpc::ServerContext*, const v1::AuthorityRequest* request,
                                    v1::ActivateAuthorityResponse* response) override;
  grpc::Status TaintJWTAuthority(grpc::ServerContext*, const v1::AuthorityRequest* request,
                                 v1::TaintAuthorityResponse* response) override;
  grpc::Status RevokeJWTAuthority(grpc::ServerContext*, const v1::AuthorityRequest* request,
                                  v1::RevokeAuthorityResponse* response) override;

 private:
  // Runs `step`, logs it, and on success fills `out` and calls on_change.
  grpc::Status Change(const char* what, const ServerAuthority::AuthorityStep& step,
                      v1::AuthorityState* out);

  ServerAuthority& authority_;
  std::shared_ptr<spdlog::logger> log_;
  std::function<void()> on_change_;
};

}  // namespace edgeid::server
