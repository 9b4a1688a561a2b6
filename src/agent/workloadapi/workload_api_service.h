// The SPIFFE Workload API (SpiffeWorkloadAPI) on gRPC's callback API: an open stream costs a
// reactor, not a thread, so thousands of workloads can watch at once. Each call is attested from
// the kernel's credentials of its connection; streams send the full state at once and again on
// every change of what that caller may see.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "agent/cache/workload_cache.h"
#include "agent/manager/manager.h"
#include "agent/workloadapi/work_queue.h"
#include "agent/workloadattestor/workload_attestor.h"
#include "common/metrics.h"
#include "common/watched_streams.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "spiffe/workload/workload.grpc.pb.h"
#include "unixrpc/peer_tracker.h"

namespace edgeid::agent {

class WorkloadApiService final : public SpiffeWorkloadAPI::CallbackService {
 public:
  WorkloadApiService(WorkloadCache& cache, Manager& manager, PeerTracker& peers,
                     std::vector<std::unique_ptr<WorkloadAttestor>> attestors,
                     std::shared_ptr<spdlog::logger> log, Metrics& metrics);
  ~WorkloadApiService() override;

  grpc::ServerWriteReactor<X509SVIDResponse>* FetchX509SVID(
      grpc::CallbackServerContext* context, const X509SVIDRequest* request) override;
  grpc::ServerWriteReactor<X509BundlesResponse>* FetchX509Bundles(
      grpc::CallbackServerContext* context, const X509BundlesRequest* request) override;
  grpc::ServerUnaryReactor* FetchJWTSVID(grpc::CallbackServerContext* context,
                                         const JWTSVIDRequest* request,
                                         JWTSVIDResponse* response) override;
  grpc::ServerWriteReactor<JWTBundlesResponse>* FetchJWTBundles(
      grpc::CallbackServerContext* context, const JWTBundlesRequest* request) override;
  grpc::ServerUnaryReactor* ValidateJWTSVID(grpc::CallbackServerContext* context,
                                            const ValidateJWTSVIDRequest* request,
                                            ValidateJWTSVIDResponse* response) override;

  size_t open_streams() const { return streams_.size(); }
  WatchedStreams& streams() { return streams_; }
  WorkloadCache& cache() { return cache_; }

 private:
  // The caller's selectors, or the status to refuse it with (header missing, not ready, ...).
  Result<std::vector<std::string>> Admit(grpc::CallbackServerContext* context, const char* rpc);
  Status CheckHeader(grpc::CallbackServerContext* context, const char* rpc);
  Error Refuse(const char* rpc, Error error);  // counts it
  template <typename Response>
  grpc::ServerWriteReactor<Response>* OpenStream(
      grpc::CallbackServerContext* context, const char* rpc,
      std::function<Result<Response>(const CacheState&, const std::vector<std::string>&)> build);
  WorkloadCache& cache_;
  Manager& manager_;
  PeerTracker& peers_;
  std::vector<std::unique_ptr<WorkloadAttestor>> attestors_;
  std::shared_ptr<spdlog::logger> log_;
  Metrics& metrics_;
  uint64_t subscription_ = 0;
  WorkQueue minters_{4, 256};  // JWT-SVID requests that wait for the server
  WatchedStreams streams_;
};

// grpc.health.v1.Health on the same socket: SERVING once the agent is ready.
class AgentHealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  explicit AgentHealthService(std::function<Status()> ready) : ready_(std::move(ready)) {}
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;

 private:
  std::function<Status()> ready_;
};

// The claims of a validated JWT as the Struct ValidateJWTSVID returns.
void ClaimsToStruct(const nlohmann::json& claims, google::protobuf::Struct& out);

// Response builders, exposed for tests: what a caller with these identities receives.
Result<X509SVIDResponse> BuildX509SvidResponse(const CacheState& state,
                                               const std::vector<std::string>& selectors,
                                               TimePoint now);
Result<X509BundlesResponse> BuildX509BundlesResponse(const CacheState& state,
                                                     const std::vector<std::string>& selectors,
                                                     TimePoint now);
Result<JWTBundlesResponse> BuildJwtBundlesResponse(const CacheState& state,
                                                   const std::vector<std::string>& selectors,
                                                   TimePoint now);

}  // namespace edgeid::agent
