#include "agent/workloadapi/workload_api_service.h"

#include <set>

#include "crypto/digest.h"
#include "grpctls/grpc_status.h"
#include "grpctls/latest_state_stream.h"
#include "grpctls/refused_stream.h"
#include "spiffe/jwt_svid.h"

namespace edgeid::agent {
namespace {

using Clock = std::chrono::system_clock;

constexpr const char* kMetricCalls = "edgeid_agent_workload_api_calls_total";
constexpr const char* kMetricRefused = "edgeid_agent_workload_api_refused_total";
constexpr size_t kMaxAudiences = 32;

struct Visible {
  std::vector<Identity> identities;
  std::vector<std::shared_ptr<const spiffe::SpiffeBundle>> federated;
};

Result<Visible> VisibleTo(const CacheState& state, const std::vector<std::string>& selectors,
                          TimePoint now) {
  Visible visible;
  visible.identities = MatchIdentities(state, selectors, now);
  if (visible.identities.empty()) return PermissionDenied("no identity issued");
  if (!state.own_bundle) return Unavailable("the agent has no bundle yet");
  std::set<std::string> tds;
  for (const auto& identity : visible.identities) {
    tds.insert(identity.entry->federates_with.begin(), identity.entry->federates_with.end());
  }
  for (const auto& td : tds) {
    auto it = state.federated.find(td);
    if (it != state.federated.end()) visible.federated.push_back(it->second);
  }
  return visible;
}

std::string JwksOf(const spiffe::SpiffeBundle& bundle) {
  spiffe::SpiffeBundle jwt_only(bundle.trust_domain());
  for (const auto& authority : bundle.jwt().authorities()) {
    (void)jwt_only.jwt().SetAuthority(authority.key_id, authority.public_key);
  }
  jwt_only.set_sequence(bundle.sequence());
  return jwt_only.ToJson();
}

// JSON to google.protobuf.Value, as the JSON mapping of Struct defines it.
void JsonToValue(const nlohmann::json& json, google::protobuf::Value& value) {
  if (json.is_null()) {
    value.set_null_value(google::protobuf::NULL_VALUE);
  } else if (json.is_boolean()) {
    value.set_bool_value(json.get<bool>());
  } else if (json.is_number()) {
    value.set_number_value(json.get<double>());
  } else if (json.is_string()) {
    value.set_string_value(json.get<std::string>());
  } else if (json.is_array()) {
    auto* list = value.mutable_list_value();
    for (const auto& item : json) JsonToValue(item, *list->add_values());
  } else {
    auto* fields = value.mutable_struct_value()->mutable_fields();
    for (const auto& [key, item] : json.items()) JsonToValue(item, (*fields)[key]);
  }
}

bool HasWorkloadHeader(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto range = metadata.equal_range("workload.spiffe.io");
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second == "true") return true;
  }
  return false;
}

// One open stream: writes the full state for its caller at once and after every change that
// alters what the caller receives.
template <typename Response>
class StateStream final : public grpctls::LatestStateStream<Response> {
 public:
  using Builder =
      std::function<Result<Response>(const CacheState&, const std::vector<std::string>&)>;
  StateStream(WorkloadApiService& service, std::vector<std::string> selectors, Builder build)
      : grpctls::LatestStateStream<Response>(service.streams()),
        service_(service),
        selectors_(std::move(selectors)),
        build_(std::move(build)) {}

  // Writes `first`, built from the cache at `version`, and then follows the cache.
  void Open(uint64_t version, Response first) {
    sent_version_ = version;
    last_sent_digest_ = Digest(first);
    this->Start(std::move(first));
  }

 private:
  Result<bool> BuildNext(Response& out) override {
    auto state = service_.cache().Current();
    if (state->version == sent_version_) return false;
    sent_version_ = state->version;
    out = EDGEID_TRY(build_(*state, selectors_));
    std::string digest = Digest(out);
    if (digest == last_sent_digest_) return false;  // a change this caller does not see
    last_sent_digest_ = std::move(digest);
    return true;
  }

  // A digest, not a copy: ten thousand open streams would otherwise each keep their last message
  // twice.
  static std::string Digest(const Response& response) {
    return crypto::Sha256(response.SerializeAsString());
  }

  WorkloadApiService& service_;
  std::vector<std::string> selectors_;
  Builder build_;
  uint64_t sent_version_ = 0;
  std::string last_sent_digest_;
};

}  // namespace

void ClaimsToStruct(const nlohmann::json& claims, google::protobuf::Struct& out) {
  auto* fields = out.mutable_fields();
  for (const auto& [key, value] : claims.items()) JsonToValue(value, (*fields)[key]);
}

Result<X509SVIDResponse> BuildX509SvidResponse(const CacheState& state,
                                               const std::vector<std::string>& selectors,
                                               TimePoint now) {
  auto visible = EDGEID_TRY(VisibleTo(state, selectors, now));
  X509SVIDResponse response;
  std::string own_der = state.own_bundle->x509().ToDer();
  for (const auto& identity : visible.identities) {
    auto* svid = response.add_svids();
    svid->set_spiffe_id(identity.entry->spiffe_id);
    svid->set_x509_svid(identity.svid->chain_der);
    svid->set_x509_svid_key(identity.svid->key_der);
    svid->set_bundle(own_der);
    svid->set_hint(identity.entry->hint);
  }
  for (const auto& bundle : visible.federated) {
    (*response.mutable_federated_bundles())[bundle->trust_domain().IdString()] =
        bundle->x509().ToDer();
  }
  return response;
}

Result<X509BundlesResponse> BuildX509BundlesResponse(const CacheState& state,
                                                     const std::vector<std::string>& selectors,
                                                     TimePoint now) {
  auto visible = EDGEID_TRY(VisibleTo(state, selectors, now));
  X509BundlesResponse response;
  auto& bundles = *response.mutable_bundles();
  bundles[state.own_bundle->trust_domain().IdString()] = state.own_bundle->x509().ToDer();
  for (const auto& bundle : visible.federated) {
    bundles[bundle->trust_domain().IdString()] = bundle->x509().ToDer();
  }
  return response;
}

Result<JWTBundlesResponse> BuildJwtBundlesResponse(const CacheState& state,
                                                   const std::vector<std::string>& selectors,
                                                   TimePoint now) {
  auto visible = EDGEID_TRY(VisibleTo(state, selectors, now));
  JWTBundlesResponse response;
  auto& bundles = *response.mutable_bundles();
  bundles[state.own_bundle->trust_domain().IdString()] = JwksOf(*state.own_bundle);
  for (const auto& bundle : visible.federated) {
    bundles[bundle->trust_domain().IdString()] = JwksOf(*bundle);
  }
  return response;
}

WorkloadApiService::WorkloadApiService(WorkloadCache& cache, Manager& manager, PeerTracker& peers,
                                       std::vector<std::unique_ptr<WorkloadAttestor>> attestors,
                                       std::shared_ptr<spdlog::logger> log, Metrics& metrics)
    : cache_(cache),
      manager_(manager),
      peers_(peers),
      attestors_(std::move(attestors)),
      log_(std::move(log)),
      metrics_(metrics) {
  metrics_.DescribeCounter(kMetricCalls, "Workload API calls admitted, by RPC.");
  metrics_.DescribeCounter(kMetricRefused, "Workload API calls refused, by RPC and code.");
  subscription_ = cache_.Subscribe([this] { streams_.RefreshAll(); });
}

WorkloadApiService::~WorkloadApiService() {
  cache_.Unsubscribe(subscription_);
}

Error WorkloadApiService::Refuse(const char* rpc, Error error) {
  metrics_.Increment(kMetricRefused,
                     {{"rpc", rpc}, {"code", std::string(ErrorCodeName(error.code))}});
  return error;
}

Status WorkloadApiService::CheckHeader(grpc::CallbackServerContext* context, const char* rpc) {
  if (HasWorkloadHeader(*context)) return OkStatus();
  return Refuse(rpc, InvalidArgument("security header missing from request"));
}

Result<std::vector<std::string>> WorkloadApiService::Admit(grpc::CallbackServerContext* context,
                                                           const char* rpc) {
  auto refuse = [&](Error error) -> Error { return Refuse(rpc, std::move(error)); };
  EDGEID_RETURN_IF_ERROR(CheckHeader(context, rpc));
  auto peer = peers_.Lookup(context->peer());
  if (!peer.ok()) return refuse(peer.error());
  if (auto ready = manager_.Ready(Clock::now()); !ready.ok()) return refuse(ready.error());
  std::vector<std::string> selectors;
  for (const auto& attestor : attestors_) {
    auto found = attestor->Attest(*peer);
    if (!found.ok()) {
      log_->warn("{}: attesting PID {}: {}", rpc, peer->pid, found.error().message);
      return refuse(PermissionDenied("workload attestation failed: " + found.error().message));
    }
    selectors.insert(selectors.end(), found->begin(), found->end());
  }
  std::sort(selectors.begin(), selectors.end());
  metrics_.Increment(kMetricCalls, {{"rpc", rpc}});
  log_->debug("{} from PID {} (uid {}): {} selectors", rpc, peer->pid, peer->uid, selectors.size());
  return selectors;
}

template <typename Response>
grpc::ServerWriteReactor<Response>* WorkloadApiService::OpenStream(
    grpc::CallbackServerContext* context, const char* rpc,
    std::function<Result<Response>(const CacheState&, const std::vector<std::string>&)> build) {
  auto selectors = Admit(context, rpc);
  if (!selectors.ok())
    return new grpctls::RefusedStream<Response>(grpctls::ToGrpc(selectors.error()));
  // No identity now: refused at once, as SPIRE's agent does; clients retry with backoff.
  auto state = cache_.Current();
  auto first = build(*state, *selectors);
  if (!first.ok()) {
    metrics_.Increment(kMetricRefused,
                       {{"rpc", rpc}, {"code", std::string(ErrorCodeName(first.error().code))}});
    return new grpctls::RefusedStream<Response>(grpctls::ToGrpc(first.error()));
  }
  auto* stream = new StateStream<Response>(*this, std::move(*selectors), std::move(build));
  stream->Open(state->version, std::move(*first));
  return stream;
}

grpc::ServerWriteReactor<X509SVIDResponse>* WorkloadApiService::FetchX509SVID(
    grpc::CallbackServerContext* context, const X509SVIDRequest*) {
  return OpenStream<X509SVIDResponse>(
      context, "FetchX509SVID", [](const CacheState& state, const std::vector<std::string>& s) {
        return BuildX509SvidResponse(state, s, Clock::now());
      });
}

grpc::ServerWriteReactor<X509BundlesResponse>* WorkloadApiService::FetchX509Bundles(
    grpc::CallbackServerContext* context, const X509BundlesRequest*) {
  return OpenStream<X509BundlesResponse>(
      context, "FetchX509Bundles", [](const CacheState& state, const std::vector<std::string>& s) {
        return BuildX509BundlesResponse(state, s, Clock::now());
      });
}

grpc::ServerWriteReactor<JWTBundlesResponse>* WorkloadApiService::FetchJWTBundles(
    grpc::CallbackServerContext* context, const JWTBundlesRequest*) {
  return OpenStream<JWTBundlesResponse>(
      context, "FetchJWTBundles", [](const CacheState& state, const std::vector<std::string>& s) {
        return BuildJwtBundlesResponse(state, s, Clock::now());
      });
}

grpc::ServerUnaryReactor* WorkloadApiService::FetchJWTSVID(grpc::CallbackServerContext* context,
                                                           const JWTSVIDRequest* request,
                                                           JWTSVIDResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto finish = [this, reactor](const Status& status) {
    if (!status.ok() && status.error().code != ErrorCode::kInvalidArgument) {
      log_->debug("FetchJWTSVID refused: {}", status.error().message);
    }
    reactor->Finish(status.ok() ? grpc::Status::OK : grpctls::ToGrpc(status.error()));
  };
  std::vector<std::string> audience;
  std::vector<std::shared_ptr<const CachedEntry>> entries;
  auto admitted = [&]() -> Status {
    // The header, then the arguments, then the caller: what a request lacks is said first.
    EDGEID_RETURN_IF_ERROR(CheckHeader(context, "FetchJWTSVID"));
    if (request->audience_size() == 0) return InvalidArgument("audience must be specified");
    if (static_cast<size_t>(request->audience_size()) > kMaxAudiences) {
      return InvalidArgument("more than 32 audiences");
    }
    for (const auto& a : request->audience()) {
      if (a.empty()) return InvalidArgument("empty audience");
      audience.push_back(a);
    }
    auto selectors = EDGEID_TRY(Admit(context, "FetchJWTSVID"));
    entries = MatchEntries(*cache_.Current(), selectors);
    if (!request->spiffe_id().empty()) {
      std::erase_if(entries, [&](const auto& e) { return e->spiffe_id != request->spiffe_id(); });
    }
    if (entries.empty()) return PermissionDenied("no identity issued");
    return OkStatus();
  }();
  if (!admitted.ok()) {
    finish(admitted);
    return reactor;
  }
  // Minting may wait for the server: it runs on the agent's own workers, never on gRPC's
  // threads, which every stream and health check needs.
  auto mint = [this, response, finish, audience = std::move(audience),
               entries = std::move(entries)]() {
    auto now = Clock::now();
    std::set<std::string> done;  // one token per SPIFFE ID
    for (const auto& entry : entries) {
      if (!done.insert(entry->spiffe_id).second) continue;
      auto jwt = manager_.JwtSvid(*entry, audience, now);
      if (!jwt.ok()) {
        finish(jwt.error().code == ErrorCode::kPermissionDenied
                   ? Status(jwt.error())
                   : Status(Unavailable("could not mint a JWT-SVID: " + jwt.error().message)));
        return;
      }
      auto* svid = response->add_svids();
      svid->set_spiffe_id(jwt->spiffe_id);
      svid->set_svid(jwt->token);
      svid->set_hint(entry->hint);
    }
    finish(OkStatus());
  };
  if (!minters_.Submit(std::move(mint))) {
    finish(Unavailable("too many JWT-SVID requests waiting; retry"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* WorkloadApiService::ValidateJWTSVID(grpc::CallbackServerContext* context,
                                                              const ValidateJWTSVIDRequest* request,
                                                              ValidateJWTSVIDResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto status = [&]() -> Status {
    EDGEID_RETURN_IF_ERROR(CheckHeader(context, "ValidateJWTSVID"));
    if (request->audience().empty()) return InvalidArgument("audience must be specified");
    if (request->svid().empty()) return InvalidArgument("svid must be specified");
    auto selectors = EDGEID_TRY(Admit(context, "ValidateJWTSVID"));
    auto state = cache_.Current();
    auto now = Clock::now();
    if (!state->own_bundle) return Unavailable("the agent has no bundle yet");
    // A caller needs no identity to validate (a verifier may have none, as in SPIRE); it
    // validates against its trust domain and the ones its identities federate with.
    spiffe::BundleSet bundles;
    bundles.Put(*state->own_bundle);
    auto visible = VisibleTo(*state, selectors, now);
    if (visible.ok()) {
      for (const auto& bundle : visible->federated) bundles.Put(*bundle);
    }
    auto jwt = spiffe::ValidateJwtSvid(request->svid(), bundles, request->audience(), now);
    if (!jwt.ok()) return InvalidArgument(jwt.error().message);
    response->set_spiffe_id(jwt->id.str());
    ClaimsToStruct(jwt->claims, *response->mutable_claims());
    return OkStatus();
  }();
  reactor->Finish(status.ok() ? grpc::Status::OK : grpctls::ToGrpc(status.error()));
  return reactor;
}

grpc::ServerUnaryReactor* AgentHealthService::Check(
    grpc::CallbackServerContext* context, const grpc::health::v1::HealthCheckRequest*,
    grpc::health::v1::HealthCheckResponse* response) {
  auto ready = ready_();
  response->set_status(ready.ok() ? grpc::health::v1::HealthCheckResponse::SERVING
                                  : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace edgeid::agent
