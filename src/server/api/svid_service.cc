#include "server/api/svid_service.h"

#include "common/timestamp.h"
#include "crypto/csr.h"
#include "server/api/entry_service.h"
#include "server/api/node_service.h"

namespace edgeid::server {
namespace {

using Clock = std::chrono::system_clock;

Result<spiffe::SpiffeId> MintableId(const std::string& text, const spiffe::TrustDomain& td) {
  auto id = spiffe::SpiffeId::Parse(text);
  if (!id.ok()) return InvalidArgument("SPIFFE ID: " + id.error().message);
  if (!id->MemberOf(td)) return InvalidArgument(text + " is not in trust domain " + td.name());
  if (id->path().empty()) return InvalidArgument(text + " has no path");
  return id;
}

}  // namespace

grpc::Status SvidService::MintX509SVID(grpc::ServerContext*, const v1::MintX509SVIDRequest* request,
                                       v1::MintX509SVIDResponse* response) {
  auto id = MintableId(request->spiffe_id(), ca_.config().trust_domain);
  if (!id.ok()) return ToGrpc(id.error());
  if (request->ttl() < 0) return ToGrpc(InvalidArgument("negative TTL"));
  auto csr = ParseCsr(request->csr());
  if (!csr.ok()) return ToGrpc(csr.error());
  std::vector<std::string> dns(request->dns_names().begin(), request->dns_names().end());
  auto ttl = request->ttl() > 0 ? std::chrono::seconds(request->ttl()) : default_x509_ttl_;
  Clock::time_point not_after;
  auto chain = ca_.SignX509SvidDer(*csr, {*id, dns, ttl, Clock::now()}, &not_after);
  if (!chain.ok()) return ToGrpc(chain.error());
  auto* svid = response->mutable_svid();
  svid->set_id(id->str());
  svid->set_expires_at(UnixSeconds(not_after));
  for (auto& der : *chain) svid->add_cert_chain(std::move(der));
  const auto bundle = ca_.bundle();
  for (const auto& root : bundle.x509().authorities()) response->add_root_cas(root.ToDer());
  return grpc::Status::OK;
}

grpc::Status SvidService::MintJWTSVID(grpc::ServerContext*, const v1::MintJWTSVIDRequest* request,
                                      v1::MintJWTSVIDResponse* response) {
  auto id = MintableId(request->spiffe_id(), ca_.config().trust_domain);
  if (!id.ok()) return ToGrpc(id.error());
  if (request->audience_size() == 0) {
    return ToGrpc(InvalidArgument("at least one audience is required"));
  }
  if (request->ttl() < 0) return ToGrpc(InvalidArgument("negative TTL"));
  std::vector<std::string> audience(request->audience().begin(), request->audience().end());
  auto ttl = request->ttl() > 0 ? std::chrono::seconds(request->ttl()) : default_jwt_ttl_;
  auto now = Clock::now();
  auto token = ca_.SignJwtSvid(*id, audience, ttl, now);
  if (!token.ok()) return ToGrpc(token.error());
  auto* svid = response->mutable_svid();
  svid->set_id(id->str());
  svid->set_token(std::move(*token));
  svid->set_issued_at(UnixSeconds(now));
  svid->set_expires_at(UnixSeconds(now) + ttl.count());
  return grpc::Status::OK;
}

grpc::Status HealthService::Check(grpc::ServerContext*, const v1::HealthCheckRequest*,
                                  v1::HealthCheckResponse* response) {
  response->set_ready(true);
  response->set_trust_domain(trust_domain_);
  response->set_uptime_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count());
  return grpc::Status::OK;
}

}  // namespace edgeid::server
