// NodeService: the agent API on the TLS port (node attestation, agent SVID renewal, entry sync,
// SVID signing, bundles). Every refusal is answered with a status and logged with the caller.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ca/ca_manager.h"
#include "common/concurrency_limiter.h"
#include "common/metrics.h"
#include "common/rate_limiter.h"
#include "common/watched_streams.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "edgeid/server/v1/node.grpc.pb.h"
#include "grpctls/call_watchdog.h"
#include "server/cache/authorized_entries.h"
#include "server/datastore/datastore.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::server {

// Request limits beyond gRPC's message size.
inline constexpr int kMaxCsrsPerBatch = 1000;
inline constexpr size_t kMaxCsrBytes = size_t{16} * 1024;
inline constexpr size_t kMaxKnownRevisions = 1'000'000;
inline constexpr size_t kMaxStaleRevisions = 100'000;  // beyond the authorised set
inline constexpr size_t kMaxEntryIdBytes = 255;
inline constexpr int kEntriesPerSyncPage = 1000;
inline constexpr int kMaxAudiences = 32;
inline constexpr int kMaxWatchesPerAgent = 4;
// Entry syncs one agent may run at once: its agent runs one at a time, so two leave room for a
// retry while the server has not yet seen the last one end.
inline constexpr int kMaxSyncsPerAgent = 2;
// The agent IDs of the entries a sync's agent says it holds but is no longer authorised for are
// kept until the answer is written: their bytes are bounded, whatever their count.
inline constexpr size_t kMaxStaleIdBytes = size_t{8} * 1024 * 1024;
// The same, summed over every sync in progress: many agents together cannot pin more.
inline constexpr size_t kMaxStaleIdBytesInAll = size_t{256} * 1024 * 1024;
// Node attestation is the one call a peer without an SVID may make. Each runs on a thread of
// its own (sync API), so what unauthenticated peers can hold is capped apart from the threads
// attested agents need: attestations at once per peer address (an IPv6 peer by its /64) and in
// all, a few seconds for the first message and for the whole attestation.
inline constexpr int kMaxAttestationsPerAddress = 4;
inline constexpr int kMaxConcurrentAttestations = 64;  // of kMaxAgentApiThreads (256)
inline constexpr std::chrono::milliseconds kAttestationFirstMessageTimeout{5'000};
inline constexpr std::chrono::milliseconds kAttestationTimeout{20'000};

struct NodeServiceOptions {
  spiffe::TrustDomain trust_domain;
  std::chrono::seconds agent_ttl{3600};
  std::chrono::seconds default_x509_svid_ttl{3600};
  std::chrono::seconds default_jwt_svid_ttl{300};
  crypto::CertificateChain x509pop_roots{};  // empty: x509pop is off
  double attestation_rate_limit = 1;
  double signing_rate_limit = 500;
  std::chrono::milliseconds stream_timeout{60'000};  // attestation and entry-sync streams
};

// Agents' change watches are served on gRPC's callback API: an open watch costs no thread.
class NodeService final
    : public v1::NodeService::WithCallbackMethod_WatchChanges<v1::NodeService::Service> {
 public:
  // `metrics` must outlive the service.
  NodeService(NodeServiceOptions options, DataStore& datastore, const ca::CaManager& ca,
              AuthorizedEntries& entries, std::shared_ptr<spdlog::logger> log, Metrics& metrics);

  grpc::Status AttestAgent(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::AttestAgentResponse, v1::AttestAgentRequest>* stream) override;
  grpc::Status RenewAgent(grpc::ServerContext* context, const v1::RenewAgentRequest* request,
                          v1::RenewAgentResponse* response) override;
  grpc::Status SyncAuthorizedEntries(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::SyncAuthorizedEntriesResponse, v1::SyncAuthorizedEntriesRequest>*
          stream) override;
  grpc::Status BatchNewX509SVID(grpc::ServerContext* context,
                                const v1::BatchNewX509SVIDRequest* request,
                                v1::BatchNewX509SVIDResponse* response) override;
  grpc::Status NewJWTSVID(grpc::ServerContext* context, const v1::NewJWTSVIDRequest* request,
                          v1::NewJWTSVIDResponse* response) override;
  grpc::Status GetBundles(grpc::ServerContext* context, const v1::GetBundlesRequest* request,
                          v1::GetBundlesResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchChangesResponse>* WatchChanges(
      grpc::CallbackServerContext* context, const v1::WatchChangesRequest* request) override;

  // Entries or bundles changed: every open change watch is told.
  void NotifyChange();
  // The server is stopping: open watches end now (Unavailable) and new ones end as they open
  // (the registry is closed), so that shutting down does not wait for them.
  void EndChangeWatches();
  uint64_t change_generation() const { return change_generation_.load(); }
  size_t open_change_watches() const { return change_watches_.size(); }
  WatchedStreams& change_watches() { return change_watches_; }
  const ConcurrencyLimiter& attestation_slots() const { return attestation_slots_; }
  const ConcurrencyLimiter& sync_slots() const { return sync_slots_; }

 private:
  struct AttestedAgent {
    AttestedNode node;
    std::shared_ptr<const AuthorizedSet> entries;
  };
  // The calling agent, checked against its record: attested, not banned, presenting its
  // current SVID (or the renewed one, which then becomes current).
  Result<AttestedNode> Authenticate(const grpc::ServerContextBase& context);
  Result<AttestedAgent> AuthenticateWithEntries(grpc::ServerContext& context);
  struct AttestationOutcome {
    spiffe::SpiffeId agent_id;
    std::string type;
    std::vector<Selector> selectors;
    bool can_reattest = false;
  };
  Result<AttestationOutcome> AttestJoinToken(const std::string& token);
  Result<AttestationOutcome> AttestX509Pop(
      const std::string& payload,
      grpc::ServerReaderWriter<v1::AttestAgentResponse, v1::AttestAgentRequest>& stream) const;
  struct AgentSvid {
    v1::X509SVID svid;
    std::string serial;  // of the leaf, hex
  };
  Result<AgentSvid> SignAgentSvid(const spiffe::SpiffeId& id, const std::string& csr_der);
  grpc::Status Refuse(const grpc::ServerContextBase& context, const char* rpc, const Error& error);
  grpc::Status Refuse(const std::string& peer_address, const char* rpc, const Error& error);

  NodeServiceOptions options_;
  DataStore& datastore_;
  const ca::CaManager& ca_;
  AuthorizedEntries& entries_;
  std::shared_ptr<spdlog::logger> log_;
  Metrics& metrics_;
  RateLimiter attestation_limiter_;
  RateLimiter signing_limiter_;
  grpctls::CallWatchdog watchdog_;
  std::atomic<uint64_t> change_generation_{1};
  WatchedStreams change_watches_;
  ConcurrencyLimiter watch_slots_{kMaxWatchesPerAgent, 0};
  ConcurrencyLimiter sync_slots_{kMaxSyncsPerAgent, 0};
  std::atomic<size_t> stale_id_bytes_{0};  // held by syncs in progress
  ConcurrencyLimiter attestation_slots_{kMaxAttestationsPerAddress, kMaxConcurrentAttestations};
};

inline constexpr char kMetricRefused[] = "edgeid_server_requests_refused_total";
inline constexpr char kMetricAttestations[] = "edgeid_server_agent_attestations_total";
inline constexpr char kMetricX509Signed[] = "edgeid_server_x509_svids_signed_total";
inline constexpr char kMetricJwtSigned[] = "edgeid_server_jwt_svids_signed_total";

// A CSR from an agent: present, at most kMaxCsrBytes, well formed (CheckCsr: and signed by
// its key). Errors are InvalidArgument.
Result<crypto::CertificateRequest> ParseCsr(const std::string& csr_der);
Status CheckCsr(const std::string& csr_der);

// "ipv4:127.0.0.1:5000" -> "127.0.0.1", "ipv6:[::1]:5000" -> "::1".
std::string PeerAddress(const std::string& grpc_peer);
// What per-address limits count a peer address by: the address, or an IPv6 address's /64.
std::string PeerLimitKey(const std::string& address);

}  // namespace edgeid::server
