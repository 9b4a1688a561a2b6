// AgentService (agents and join tokens) on the admin socket.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "edgeid/server/v1/agent.grpc.pb.h"
#include "server/datastore/datastore.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::server {

class AgentService final : public v1::AgentService::Service {
 public:
  // `on_alias_created` gets the alias entry CreateJoinToken made, before the caller is answered.
  // `entry_write_mu` is the EntryService's: the alias is written and recorded in order with
  // every other entry change.
  AgentService(DataStore& datastore, spiffe::TrustDomain td, std::shared_ptr<spdlog::logger> log,
               std::mutex& entry_write_mu, std::function<void(EntryChange)> on_alias_created = {})
      : datastore_(datastore),
        td_(std::move(td)),
        log_(std::move(log)),
        entry_write_mu_(entry_write_mu),
        on_alias_created_(std::move(on_alias_created)) {}

  grpc::Status CountAgents(grpc::ServerContext*, const v1::CountAgentsRequest*,
                           v1::CountAgentsResponse* response) override;
  grpc::Status ListAgents(grpc::ServerContext*, const v1::ListAgentsRequest* request,
                          v1::ListAgentsResponse* response) override;
  grpc::Status GetAgent(grpc::ServerContext*, const v1::GetAgentRequest* request,
                        v1::Agent* response) override;
  grpc::Status BanAgent(grpc::ServerContext*, const v1::BanAgentRequest* request,
                        v1::Agent* response) override;
  grpc::Status DeleteAgent(grpc::ServerContext*, const v1::DeleteAgentRequest* request,
                           v1::DeleteAgentResponse* response) override;
  grpc::Status CreateJoinToken(grpc::ServerContext*, const v1::CreateJoinTokenRequest* request,
                               v1::JoinToken* response) override;

 private:
  DataStore& datastore_;
  spiffe::TrustDomain td_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex& entry_write_mu_;
  std::function<void(EntryChange)> on_alias_created_;
};

v1::Agent ToProto(const AttestedNode& node);

}  // namespace edgeid::server
