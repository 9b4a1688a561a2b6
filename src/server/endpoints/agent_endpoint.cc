#include "server/endpoints/agent_endpoint.h"

#include <chrono>

namespace edgeid::server {

Result<std::unique_ptr<AgentEndpoint>> AgentEndpoint::Start(
    const std::string& address, uint16_t port, const grpctls::ServerTlsOptions& tls,
    grpc::Service* service, const std::shared_ptr<spdlog::logger>& log) {
  std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  std::string target = host + ":" + std::to_string(port);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(target, grpctls::ServerCredentials(tls), &bound_port);
  // gRPC binds with SO_REUSEPORT by default: a second server on this port would start and share
  // the agents' connections with the first.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxAgentMessageBytes);
  // Bounds what callers that open calls and then stall (node attestation needs no certificate)
  // can hold: a thread cap, and connections recycled so a stalled call ends.
  grpc::ResourceQuota quota("edgeid-agent-api");
  quota.SetMaxThreads(kMaxAgentApiThreads);
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, kMaxConnectionAgeMs);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, kConnectionAgeGraceMs);
  // Agents ping their long change watches (see the agent's server client); gRPC's default
  // would answer pings that frequent with GOAWAY.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinAgentPingIntervalMs);
  // The server pings too, so that a watch of an agent that vanished (a cut link) is ended
  // within minutes and does not hold one of that agent's few watch places.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kServerPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kServerPingTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.RegisterService(service);
  auto server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    return Unavailable("cannot listen on " + target +
                       " for the agent API: address already in use or not available");
  }
  log->info("agent API listening on {}:{} (TLS)", host, bound_port);
  return std::unique_ptr<AgentEndpoint>(new AgentEndpoint(std::move(server), bound_port));
}

AgentEndpoint::~AgentEndpoint() {
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

}  // namespace edgeid::server
