#include "server/api/local_authority_service.h"

#include <algorithm>

#include "common/timestamp.h"
#include "grpctls/grpc_status.h"

namespace edgeid::server {
namespace {

using Clock = std::chrono::system_clock;

void Fill(const ca::AuthorityState& state, v1::AuthorityState* out) {
  out->set_authority_id(state.authority_id);
  out->set_expires_at(UnixSeconds(state.expires_at));
  out->set_upstream_authority_subject_key_id(state.upstream_authority_subject_key_id);
  out->set_tainted(state.tainted);
}

void Fill(ca::AuthorityStates states, v1::AuthorityStates* out) {
  if (states.active) Fill(*states.active, out->mutable_active());
  if (states.prepared) Fill(*states.prepared, out->mutable_prepared());
  // The most recent first: it is the one SPIRE shows as "old".
  std::sort(states.old.begin(), states.old.end(),
            [](const auto& a, const auto& b) { return a.expires_at > b.expires_at; });
  for (size_t i = 0; i < states.old.size(); ++i) {
    Fill(states.old[i], i == 0 ? out->mutable_old() : out->add_other_old());
  }
}

}  // namespace

grpc::Status LocalAuthorityService::Change(const char* what,
                                           const ServerAuthority::AuthorityStep& step,
                                           v1::AuthorityState* out) {
  auto done = authority_.Manage(step, Clock::now());
  if (!done.ok()) {
    log_->warn("{}: refused: {}", what, done.error().message);
    return grpctls::ToGrpc(done.error());
  }
  log_->info("{}: authority {}", what, done->authority_id);
  Fill(*done, out);
  on_change_();
  return grpc::Status::OK;
}

grpc::Status LocalAuthorityService::GetX509AuthorityState(grpc::ServerContext*,
                                                          const v1::GetX509AuthorityStateRequest*,
                                                          v1::AuthorityStates* response) {
  Fill(authority_.ca().X509Authorities(), response);
  return grpc::Status::OK;
}

grpc::Status LocalAuthorityService::PrepareX509Authority(grpc::ServerContext*,
                                                         const v1::PrepareX509AuthorityRequest*,
                                                         v1::PrepareAuthorityResponse* response) {
  return Change(
      "X.509 authority prepared",
      [](ca::CaManager& ca) { return ca.PrepareX509Authority(Clock::now()); },
      response->mutable_prepared_authority());
}

grpc::Status LocalAuthorityService::ActivateX509Authority(grpc::ServerContext*,
                                                          const v1::AuthorityRequest* request,
                                                          v1::ActivateAuthorityResponse* response) {
  return Change(
      "X.509 authority activated",
      [&](ca::CaManager& ca) { return ca.ActivateX509Authority(request->authority_id()); },
      response->mutable_activated_authority());
}

grpc::Status LocalAuthorityService::TaintX509Authority(grpc::ServerContext*,
                                                       const v1::AuthorityRequest* request,
                                                       v1::TaintAuthorityResponse* response) {
  return Change(
      "X.509 authority tainted",
      [&](ca::CaManager& ca) { return ca.TaintX509Authority(request->authority_id()); },
      response->mutable_tainted_authority());
}

grpc::Status LocalAuthorityService::RevokeX509Authority(grpc::ServerContext*,
                                                        const v1::AuthorityRequest* request,
                                                        v1::RevokeAuthorityResponse* response) {
  return Change(
      "X.509 authority revoked",
      [&](ca::CaManager& ca) { return ca.RevokeX509Authority(request->authority_id()); },
      response->mutable_revoked_authority());
}

grpc::Status LocalAuthorityService::GetJWTAuthorityState(grpc::ServerContext*,
                                                         const v1::GetJWTAuthorityStateRequest*,
                                                         v1::AuthorityStates* response) {
  Fill(authority_.ca().JwtAuthorities(), response);
  return grpc::Status::OK;
}

grpc::Status LocalAuthorityService::PrepareJWTAuthority(grpc::ServerContext*,
                                                        const v1::PrepareJWTAuthorityRequest*,
                                                        v1::PrepareAuthorityResponse* response) {
  return Change(
      "JWT authority prepared",
      [](ca::CaManager& ca) { return ca.PrepareJwtAuthority(Clock::now()); },
      response->mutable_prepared_authority());
}

grpc::Status LocalAuthorityService::ActivateJWTAuthority(grpc::ServerContext*,
                                                         const v1::AuthorityRequest* request,
                                                         v1::ActivateAuthorityResponse* response) {
  return Change(
      "JWT authority activated",
      [&](ca::CaManager& ca) { return ca.ActivateJwtAuthority(request->authority_id()); },
      response->mutable_activated_authority());
}

grpc::Status LocalAuthorityService::TaintJWTAuthority(grpc::ServerContext*,
                                                      const v1::AuthorityRequest* request,
                                                      v1::TaintAuthorityResponse* response) {
  return Change(
      "JWT authority tainted",
      [&](ca::CaManager& ca) { return ca.TaintJwtAuthority(request->authority_id()); },
      response->mutable_tainted_authority());
}

grpc::Status LocalAuthorityService::RevokeJWTAuthority(grpc::ServerContext*,
                                                       const v1::AuthorityRequest* request,
                                                       v1::RevokeAuthorityResponse* response) {
  return Change(
      "JWT authority revoked",
      [&](ca::CaManager& ca) { return ca.RevokeJwtAuthority(request->authority_id()); },
      response->mutable_revoked_authority());
}

}  // namespace edgeid::server
