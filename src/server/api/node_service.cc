// NodeService: what attested agents call.
#include "server/api/node_service.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "common/timestamp.h"
#include "grpctls/spiffe_tls.h"
#include "server/api/entry_convert.h"
#include "server/api/entry_service.h"

namespace edgeid::server {
namespace {

using Clock = std::chrono::system_clock;

}  // namespace

NodeService::NodeService(NodeServiceOptions options, DataStore& datastore, const ca::CaManager& ca,
                         AuthorizedEntries& entries, std::shared_ptr<spdlog::logger> log,
                         Metrics& metrics)
    : options_(std::move(options)),
      datastore_(datastore),
      ca_(ca),
      entries_(entries),
      log_(std::move(log)),
      metrics_(metrics),
      attestation_limiter_(options_.attestation_rate_limit),
      signing_limiter_(options_.signing_rate_limit) {
  metrics_.DescribeCounter(kMetricRefused, "Agent API requests refused, by RPC.");
  metrics_.DescribeCounter(kMetricAttestations, "Successful node attestations, by attestor.");
  metrics_.DescribeCounter(kMetricX509Signed, "X.509-SVIDs signed for agents' workloads.");
  metrics_.DescribeCounter(kMetricJwtSigned, "JWT-SVIDs signed for agents' workloads.");
}

Result<AttestedNode> NodeService::Authenticate(const grpc::ServerContextBase& context) {
  auto peer = grpctls::PeerSvidOf(context);
  if (!peer.ok()) return peer.error();
  auto node = datastore_.FetchAttestedNode(peer->id.str());
  if (!node.ok()) {
    if (node.error().code == ErrorCode::kNotFound) {
      return PermissionDenied("caller " + peer->id.str() + " is not an attested agent");
    }
    return node.error();
  }
  if (node->banned) return PermissionDenied("agent " + node->spiffe_id + " is banned");
  std::string serial = peer->leaf.serial_hex();
  if (serial == node->cert_serial) return node;
  if (!node->new_cert_serial.empty() && serial == node->new_cert_serial) {
    // First use of the renewed SVID: it becomes the only valid one.
    auto activated = datastore_.ActivateAgentSvid(node->spiffe_id, serial);
    if (!activated.ok()) {
      if (activated.error().code == ErrorCode::kFailedPrecondition) {
        return PermissionDenied(activated.error().message);
      }
      return activated.error();
    }
    node->cert_serial = node->new_cert_serial;
    node->cert_not_after = node->new_cert_not_after;
    node->new_cert_serial.clear();
    node->new_cert_not_after = 0;
    return node;
  }
  return PermissionDenied("agent " + node->spiffe_id + " presented SVID serial " + serial +
                          ", which is not its current one");
}

Result<NodeService::AttestedAgent> NodeService::AuthenticateWithEntries(
    grpc::ServerContext& context) {
  auto node = EDGEID_TRY(Authenticate(context));
  auto entries = EDGEID_TRY(entries_.For(node.spiffe_id, node.selectors, UnixSecondsNow()));
  return AttestedAgent{std::move(node), std::move(entries)};
}

grpc::Status NodeService::SyncAuthorizedEntries(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::SyncAuthorizedEntriesResponse, v1::SyncAuthorizedEntriesRequest>*
        stream) {
  constexpr const char* kRpc = "SyncAuthorizedEntries";
  const std::string address = PeerAddress(context->peer());  // "unknown" once cancelled
  auto watched = watchdog_.Watch(context, options_.stream_timeout);
  auto agent = AuthenticateWithEntries(*context);
  if (!agent.ok()) return Refuse(address, kRpc, agent.error());

  auto slot = sync_slots_.TryAcquire(agent->node.spiffe_id);
  if (!slot) {
    return Refuse(address, kRpc,
                  ResourceExhausted("agent " + agent->node.spiffe_id + " already has " +
                                    std::to_string(kMaxSyncsPerAgent) + " entry syncs running"));
  }

  // The known revisions are compared as they arrive rather than kept: what stays is a mark per
  // authorised entry (which the server holds anyway) and the IDs the agent must drop, bounded
  // in bytes. An agent cannot know many more entries than it is authorised for (the rest are
  // ones it should drop), so that bounds the count too.
  const auto& authorized = agent->entries->entries;
  const size_t max_known = std::min(kMaxKnownRevisions, authorized.size() + kMaxStaleRevisions);
  std::unordered_map<const RegistrationEntry*, bool> up_to_date;  // last revision sent wins
  std::vector<std::string> removed;
  size_t known_count = 0;
  size_t removed_bytes = 0;
  struct StaleBytes {  // this sync's share of stale_id_bytes_, given back however it ends
    std::atomic<size_t>& total;
    size_t& mine;
    ~StaleBytes() { total.fetch_sub(mine); }
  } held{stale_id_bytes_, removed_bytes};
  v1::SyncAuthorizedEntriesRequest page;
  while (stream->Read(&page)) {
    known_count += static_cast<size_t>(page.known_size());
    if (known_count > max_known) {
      return Refuse(address, kRpc,
                    InvalidArgument("more known revisions than entries the agent could hold"));
    }
    for (auto& rev : *page.mutable_known()) {
      if (rev.id().empty() || rev.id().size() > kMaxEntryIdBytes) {
        return Refuse(address, kRpc, InvalidArgument("malformed entry ID in known revisions"));
      }
      if (auto it = authorized.find(rev.id()); it != authorized.end()) {
        up_to_date[it->second.get()] = it->second->revision_number == rev.revision_number();
        continue;
      }
      removed_bytes += rev.id().size();
      if (stale_id_bytes_.fetch_add(rev.id().size()) + rev.id().size() > kMaxStaleIdBytesInAll) {
        return Refuse(address, kRpc,
                      ResourceExhausted("entry syncs in progress hold too many stale entry IDs; "
                                        "try again"));
      }
      if (removed_bytes > kMaxStaleIdBytes) {
        return Refuse(address, kRpc,
                      InvalidArgument("known revisions name more than " +
                                      std::to_string(kMaxStaleIdBytes >> 20) +
                                      " MiB of entry IDs the agent is not authorised for"));
      }
      removed.push_back(std::move(*rev.mutable_id()));
    }
  }
  std::sort(removed.begin(), removed.end());
  removed.erase(std::unique(removed.begin(), removed.end()), removed.end());

  v1::SyncAuthorizedEntriesResponse out;
  auto flush = [&]() {
    bool ok = stream->Write(out);
    out.Clear();
    return ok;
  };
  for (const auto& [id, entry] : authorized) {
    if (auto it = up_to_date.find(entry.get()); it != up_to_date.end() && it->second) continue;
    *out.add_entries() = ToProto(*entry);
    if (out.entries_size() >= kEntriesPerSyncPage && !flush()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "agent went away");
    }
  }
  for (auto& id : removed) {
    out.add_removed_ids(std::move(id));
    if (out.removed_ids_size() >= kEntriesPerSyncPage * 10 && !flush()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "agent went away");
    }
  }
  out.set_complete(true);
  out.set_total(static_cast<int64_t>(authorized.size()));
  stream->Write(out);
  return grpc::Status::OK;
}

grpc::Status NodeService::BatchNewX509SVID(grpc::ServerContext* context,
                                           const v1::BatchNewX509SVIDRequest* request,
                                           v1::BatchNewX509SVIDResponse* response) {
  constexpr const char* kRpc = "BatchNewX509SVID";
  if (request->params_size() == 0) return Refuse(*context, kRpc, InvalidArgument("no params"));
  if (request->params_size() > kMaxCsrsPerBatch) {
    return Refuse(*context, kRpc, InvalidArgument("more than 1000 CSRs in one batch"));
  }
  auto agent = AuthenticateWithEntries(*context);
  if (!agent.ok()) return Refuse(*context, kRpc, agent.error());
  if (!signing_limiter_.Allow(agent->node.spiffe_id, request->params_size())) {
    return Refuse(*context, kRpc, ResourceExhausted("signing rate limit exceeded"));
  }
  auto now = Clock::now();
  int refused = 0;
  for (const auto& params : request->params()) {
    auto* result = response->add_results();
    auto sign = [&]() -> Result<v1::X509SVID> {
      auto it = agent->entries->entries.find(params.entry_id());
      if (it == agent->entries->entries.end()) {
        return PermissionDenied("entry \"" + params.entry_id().substr(0, 64) +
                                "\" does not exist or is not authorised for this agent");
      }
      const RegistrationEntry& entry = *it->second;
      auto csr = EDGEID_TRY(ParseCsr(params.csr()));
      auto id = EDGEID_TRY(spiffe::SpiffeId::Parse(entry.spiffe_id));
      if (IsReservedPath(id.path())) return PermissionDenied("entry claims a reserved SPIFFE ID");
      auto ttl = entry.x509_svid_ttl > 0 ? std::chrono::seconds(entry.x509_svid_ttl)
                                         : options_.default_x509_svid_ttl;
      Clock::time_point not_after;
      auto chain = ca_.SignX509SvidDer(csr, {id, entry.dns_names, ttl, now}, &not_after);
      if (!chain.ok()) return chain.error().Wrap("entry " + entry.entry_id);
      v1::X509SVID svid;
      svid.set_id(entry.spiffe_id);
      svid.set_expires_at(UnixSeconds(not_after));
      for (auto& der : *chain) svid.add_cert_chain(std::move(der));
      return svid;
    };
    auto svid = sign();
    SetStatus(result->mutable_status(), svid.ok() ? OkStatus() : Status(svid.error()));
    if (svid.ok()) {
      *result->mutable_svid() = std::move(*svid);
    } else {
      ++refused;
      log_->warn("{} for {}: {}", kRpc, agent->node.spiffe_id, svid.error().message);
    }
  }
  metrics_.Increment(kMetricX509Signed, {},
                     static_cast<uint64_t>(request->params_size() - refused));
  if (refused > 0)
    metrics_.Increment(kMetricRefused, {{"rpc", kRpc}}, static_cast<uint64_t>(refused));
  log_->debug("{}: {} SVIDs for {} ({} refused)", kRpc, request->params_size() - refused,
              agent->node.spiffe_id, refused);
  return grpc::Status::OK;
}

grpc::Status NodeService::NewJWTSVID(grpc::ServerContext* context,
                                     const v1::NewJWTSVIDRequest* request,
                                     v1::NewJWTSVIDResponse* response) {
  constexpr const char* kRpc = "NewJWTSVID";
  if (request->audience_size() == 0) {
    return Refuse(*context, kRpc, InvalidArgument("at least one audience is required"));
  }
  if (request->audience_size() > kMaxAudiences) {
    return Refuse(*context, kRpc, InvalidArgument("more than 32 audiences"));
  }
  std::vector<std::string> audience;
  for (const auto& a : request->audience()) {
    if (a.empty()) return Refuse(*context, kRpc, InvalidArgument("empty audience"));
    audience.push_back(a);
  }
  auto agent = AuthenticateWithEntries(*context);
  if (!agent.ok()) return Refuse(*context, kRpc, agent.error());
  if (!signing_limiter_.Allow(agent->node.spiffe_id)) {
    return Refuse(*context, kRpc, ResourceExhausted("signing rate limit exceeded"));
  }
  auto it = agent->entries->entries.find(request->entry_id());
  if (it == agent->entries->entries.end()) {
    return Refuse(*context, kRpc,
                  PermissionDenied("entry \"" + request->entry_id().substr(0, 64) +
                                   "\" does not exist or is not authorised for this agent"));
  }
  const RegistrationEntry& entry = *it->second;
  auto id = spiffe::SpiffeId::Parse(entry.spiffe_id);
  if (!id.ok()) return Refuse(*context, kRpc, id.error());
  if (IsReservedPath(id->path())) {
    return Refuse(*context, kRpc, PermissionDenied("entry claims a reserved SPIFFE ID"));
  }
  auto ttl = entry.jwt_svid_ttl > 0 ? std::chrono::seconds(entry.jwt_svid_ttl)
                                    : options_.default_jwt_svid_ttl;
  auto now = Clock::now();
  auto token = ca_.SignJwtSvid(*id, audience, ttl, now);
  if (!token.ok()) return Refuse(*context, kRpc, token.error());
  auto issued = UnixSeconds(now);
  metrics_.Increment(kMetricJwtSigned);
  response->set_id(entry.spiffe_id);
  response->set_token(std::move(*token));
  response->set_issued_at(issued);
  response->set_expires_at(issued + ttl.count());
  return grpc::Status::OK;
}

grpc::Status NodeService::GetBundles(grpc::ServerContext* context, const v1::GetBundlesRequest*,
                                     v1::GetBundlesResponse* response) {
  constexpr const char* kRpc = "GetBundles";
  auto agent = AuthenticateWithEntries(*context);
  if (!agent.ok()) return Refuse(*context, kRpc, agent.error());
  auto own = ca_.bundle();
  auto* first = response->add_bundles();
  first->set_trust_domain(options_.trust_domain.name());
  first->set_spiffe_bundle_json(own.ToJson());
  first->set_sequence_number(own.sequence().value_or(0));
  const auto tainted = ca_.tainted();
  for (const auto& id : tainted.x509) response->add_tainted_x509_authorities(id);
  for (const auto& kid : tainted.jwt) response->add_tainted_jwt_authorities(kid);
  std::set<std::string> federated;
  for (const auto& [id, entry] : agent->entries->entries) {
    federated.insert(entry->federates_with.begin(), entry->federates_with.end());
  }
  for (const auto& td : federated) {
    auto json = datastore_.FetchBundle(td);
    // A federated bundle not known yet is simply absent; the agent asks again later.
    if (!json.ok()) continue;
    auto* bundle = response->add_bundles();
    bundle->set_trust_domain(td);
    bundle->set_spiffe_bundle_json(std::move(*json));
  }
  return grpc::Status::OK;
}

}  // namespace edgeid::server
