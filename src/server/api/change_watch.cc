// NodeService::WatchChanges: one open stream per agent (a few at most) that is written a
// generation number at once and after each change to entries or bundles. Writes coalesce: while
// one is in flight, further changes become a single next write of the latest generation.
#include "grpctls/grpc_status.h"
#include "grpctls/latest_state_stream.h"
#include "grpctls/refused_stream.h"
#include "server/api/node_service.h"

namespace edgeid::server {
namespace {

constexpr const char* kRpc = "WatchChanges";

class ChangeStream final : public grpctls::LatestStateStream<v1::WatchChangesResponse> {
 public:
  ChangeStream(NodeService& service, std::string agent_id)
      : LatestStateStream(service.change_watches()),
        service_(service),
        agent_id_(std::move(agent_id)) {}

  void Open() { Start(); }

 private:
  Result<bool> BuildNext(v1::WatchChangesResponse& out) override {
    uint64_t generation = service_.change_generation();
    if (generation == sent_generation_) return false;
    sent_generation_ = generation;
    out.set_generation(generation);
    return true;
  }

  void Ended() override { service_.ReleaseWatch(agent_id_); }

  NodeService& service_;
  std::string agent_id_;
  uint64_t sent_generation_ = 0;
};

}  // namespace

grpc::ServerWriteReactor<v1::WatchChangesResponse>* NodeService::WatchChanges(
    grpc::CallbackServerContext* context, const v1::WatchChangesRequest* /*request*/) {
  auto node = Authenticate(*context);
  if (!node.ok()) {
    return new grpctls::RefusedStream<v1::WatchChangesResponse>(
        Refuse(*context, kRpc, node.error()));
  }
  if (!AcquireWatch(node->spiffe_id)) {
    return new grpctls::RefusedStream<v1::WatchChangesResponse>(
        Refuse(*context, kRpc,
               ResourceExhausted("agent " + node->spiffe_id + " already has " +
                                 std::to_string(kMaxWatchesPerAgent) + " change watches open")));
  }
  auto* stream = new ChangeStream(*this, node->spiffe_id);
  stream->Open();
  return stream;
}

void NodeService::NotifyChange() {
  change_generation_.fetch_add(1);
  change_watches_.RefreshAll();
}

void NodeService::EndChangeWatches() {
  change_watches_.EndAll();
}

bool NodeService::AcquireWatch(const std::string& agent_id) {
  std::lock_guard lock(watches_mu_);
  int& open = watches_per_agent_[agent_id];
  if (open >= kMaxWatchesPerAgent) return false;
  ++open;
  return true;
}

void NodeService::ReleaseWatch(const std::string& agent_id) {
  std::lock_guard lock(watches_mu_);
  auto it = watches_per_agent_.find(agent_id);
  if (it != watches_per_agent_.end() && --it->second <= 0) watches_per_agent_.erase(it);
}

}  // namespace edgeid::server
