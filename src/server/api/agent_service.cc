#include "server/api/agent_service.h"

#include <chrono>

#include "common/timestamp.h"
#include "crypto/random.h"
#include "server/api/entry_convert.h"
#include "server/api/entry_service.h"

namespace edgeid::server {

v1::Agent ToProto(const AttestedNode& node) {
  v1::Agent a;
  a.set_id(node.spiffe_id);
  a.set_attestation_type(node.attestation_type);
  a.set_x509_svid_serial_number(node.cert_serial);
  a.set_x509_svid_expires_at(node.cert_not_after);
  AddSelectors(node.selectors, a.mutable_selectors());
  a.set_banned(node.banned);
  a.set_can_reattest(node.can_reattest);
  a.set_created_at(node.created_at);
  return a;
}

grpc::Status AgentService::CountAgents(grpc::ServerContext*, const v1::CountAgentsRequest*,
                                       v1::CountAgentsResponse* response) {
  auto count = datastore_.CountAttestedNodes();
  if (!count.ok()) return ToGrpc(count.error());
  response->set_count(*count);
  return grpc::Status::OK;
}

grpc::Status AgentService::ListAgents(grpc::ServerContext*, const v1::ListAgentsRequest* request,
                                      v1::ListAgentsResponse* response) {
  auto nodes = datastore_.ListAttestedNodes();
  if (!nodes.ok()) return ToGrpc(nodes.error());
  const auto& filter = request->filter();
  std::vector<Selector> wanted;
  for (const auto& s : filter.by_selectors()) wanted.push_back({s.type(), s.value()});
  std::sort(wanted.begin(), wanted.end());
  for (const auto& node : *nodes) {
    if (!filter.by_attestation_type().empty() &&
        node.attestation_type != filter.by_attestation_type()) {
      continue;
    }
    if (filter.only_banned() && !node.banned) continue;
    if (!std::includes(node.selectors.begin(), node.selectors.end(), wanted.begin(),
                       wanted.end())) {
      continue;
    }
    *response->add_agents() = ToProto(node);
  }
  return grpc::Status::OK;
}

grpc::Status AgentService::GetAgent(grpc::ServerContext*, const v1::GetAgentRequest* request,
                                    v1::Agent* response) {
  auto node = datastore_.FetchAttestedNode(request->id());
  if (!node.ok()) return ToGrpc(node.error());
  *response = ToProto(*node);
  return grpc::Status::OK;
}

grpc::Status AgentService::BanAgent(grpc::ServerContext*, const v1::BanAgentRequest* request,
                                    v1::Agent* response) {
  auto status = datastore_.BanAttestedNode(request->id());
  if (!status.ok()) return ToGrpc(status.error());
  auto node = datastore_.FetchAttestedNode(request->id());
  if (!node.ok()) return ToGrpc(node.error());
  log_->warn("agent {} banned", node->spiffe_id);
  *response = ToProto(*node);
  return grpc::Status::OK;
}

grpc::Status AgentService::DeleteAgent(grpc::ServerContext*, const v1::DeleteAgentRequest* request,
                                       v1::DeleteAgentResponse*) {
  auto status = datastore_.DeleteAttestedNode(request->id());
  if (!status.ok()) return ToGrpc(status.error());
  log_->warn("agent {} evicted", request->id());
  return grpc::Status::OK;
}

grpc::Status AgentService::CreateJoinToken(grpc::ServerContext*,
                                           const v1::CreateJoinTokenRequest* request,
                                           v1::JoinToken* response) {
  if (request->ttl() <= 0) return ToGrpc(InvalidArgument("a positive TTL is required"));
  std::string token = request->token();
  if (token.find('/') != std::string::npos || token.size() > 128) {
    return ToGrpc(InvalidArgument("a join token is at most 128 characters, without '/'"));
  }
  if (token.empty()) {
    auto uuid = crypto::RandomUuid();
    if (!uuid.ok()) return ToGrpc(uuid.error());
    token = std::move(*uuid);
  }
  auto agent_id = spiffe::SpiffeId::FromPath(td_, "/edgeid/agent/join_token/" + token);
  if (!agent_id.ok()) {
    return ToGrpc(
        InvalidArgument("token is not usable in a SPIFFE ID path: " + agent_id.error().message));
  }
  if (!request->agent_id().empty()) {
    // As SPIRE does: an entry for agent_id parented to the token's agent, so that entries
    // parented to agent_id reach the agent that uses the token.
    RegistrationEntry alias;
    alias.spiffe_id = request->agent_id();
    alias.parent_id = agent_id->str();
    alias.selectors = {{"spiffe_id", agent_id->str()}};
    if (auto valid = ValidateEntry(alias, td_); !valid.ok()) return ToGrpc(valid.error());
    std::lock_guard write(entry_write_mu_);
    auto created = datastore_.CreateRegistrationEntry(alias);
    if (!created.ok()) return ToGrpc(created.error());
    if (on_alias_created_) on_alias_created_(EntryChange{{*created}, {}});
  }
  JoinToken jt{token, UnixSecondsNow() + request->ttl()};
  auto status = datastore_.CreateJoinToken(jt);
  if (!status.ok()) return ToGrpc(status.error());
  response->set_value(jt.token);
  response->set_expires_at(jt.expires_at);
  log_->info("join token created, expires at {}", jt.expires_at);
  return grpc::Status::OK;
}

}  // namespace edgeid::server
