// The agent API: NodeService over TLS on bind_address:bind_port. The server presents its SVID
// (re-read from its files when renewed); callers present their agent SVID, except for node
// attestation, which has none yet.
#pragma once

#include <grpcpp/grpcpp.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "common/result.h"
#include "grpctls/spiffe_tls.h"

namespace edgeid::server {

// gRPC's own limit, stated so that it is a decision: no agent message needs more.
inline constexpr int kMaxAgentMessageBytes = 4 * 1024 * 1024;
inline constexpr int kMaxAgentApiThreads = 256;
inline constexpr int kMaxConnectionAgeMs = 30 * 60 * 1000;
inline constexpr int kConnectionAgeGraceMs = 60 * 1000;
inline constexpr int kMinAgentPingIntervalMs = 20 * 1000;  // agents ping every 60 s
inline constexpr int kServerPingIntervalMs = 2 * 60 * 1000;
inline constexpr int kServerPingTimeoutMs = 20 * 1000;

class AgentEndpoint {
 public:
  // `service` must outlive the endpoint. Port 0 picks a free port (see port()).
  static Result<std::unique_ptr<AgentEndpoint>> Start(const std::string& address, uint16_t port,
                                                      const grpctls::ServerTlsOptions& tls,
                                                      grpc::Service* service,
                                                      const std::shared_ptr<spdlog::logger>& log);
  ~AgentEndpoint();
  AgentEndpoint(const AgentEndpoint&) = delete;
  AgentEndpoint& operator=(const AgentEndpoint&) = delete;

  int port() const { return port_; }

 private:
  AgentEndpoint(std::unique_ptr<grpc::Server> server, int port)
      : server_(std::move(server)), port_(port) {}
  std::unique_ptr<grpc::Server> server_;
  int port_;
};

}  // namespace edgeid::server
