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
  ChangeStream(NodeService& service, ConcurrencyLimiter::Permit permit)
      : LatestStateStream(service.change_watches()),
        service_(service),
        permit_(std::move(permit)) {}

  void Open() { Start(); }

 private:
  Result<bool> BuildNext(v1::WatchChangesResponse& out) override {
    uint64_t generation = service_.change_generation();
    if (generation == sent_generation_) return false;
    sent_generation_ = generation;
    out.set_generation(generation);
    return true;
  }

  void Ended() override { permit_.reset(); }

  NodeService& service_;
  std::optional<ConcurrencyLimiter::Permit> permit_;  // one of the agent's watch places
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
  auto permit = watch_slots_.TryAcquire(node->spiffe_id);
  if (!permit) {
    return new grpctls::RefusedStream<v1::WatchChangesResponse>(
        Refuse(*context, kRpc,
               ResourceExhausted("agent " + node->spiffe_id + " already has " +
                                 std::to_string(kMaxWatchesPerAgent) + " change watches open")));
  }
  auto* stream = new ChangeStream(*this, std::move(*permit));
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

}  // namespace edgeid::server
