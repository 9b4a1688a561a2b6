// NodeService: node attestation and agent SVID renewal.
#include <arpa/inet.h>

#include <chrono>
#include <cstring>

#include "common/timestamp.h"
#include "crypto/csr.h"
#include "crypto/random.h"
#include "nodeattestor/x509pop/x509pop.h"
#include "server/api/entry_convert.h"
#include "server/api/entry_service.h"
#include "server/api/node_service.h"

namespace edgeid::server {
namespace {

using Clock = std::chrono::system_clock;
namespace x509pop = nodeattestor::x509pop;

}  // namespace

std::string PeerAddress(const std::string& grpc_peer) {
  std::string_view p(grpc_peer);
  for (std::string_view scheme : {"ipv4:", "ipv6:"}) {
    if (p.starts_with(scheme)) {
      p.remove_prefix(scheme.size());
      auto colon = p.rfind(':');
      if (colon != std::string_view::npos) p = p.substr(0, colon);
      if (p.size() >= 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
      // An IPv4 peer of a listener on "::" is the IPv4 address it is: logged and limited as
      // such, not as a second form of it.
      constexpr std::string_view kMapped = "::ffff:";
      if (p.starts_with(kMapped) && p.find('.') != std::string_view::npos) {
        p.remove_prefix(kMapped.size());
      }
      return std::string(p);
    }
  }
  return grpc_peer;
}

std::string PeerLimitKey(const std::string& address) {
  if (address.find(':') == std::string::npos) return address;
  // A link-local peer carries its zone ("fe80::1%eth0", "%25" escaped by gRPC): the zone is
  // not part of whose address it is.
  std::string host = address.substr(0, address.find('%'));
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) != 1) return address;
  // One IPv6 host commonly holds a whole /64: counted per address, it would have 2^64 budgets.
  std::memset(v6.s6_addr + 8, 0, 8);
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, &v6, text, sizeof text);
  return std::string(text) + "/64";
}

grpc::Status NodeService::Refuse(const grpc::ServerContextBase& context, const char* rpc,
                                 const Error& error) {
  return Refuse(PeerAddress(context.peer()), rpc, error);
}

grpc::Status NodeService::Refuse(const std::string& peer_address, const char* rpc,
                                 const Error& error) {
  log_->warn("{} refused for {}: {}", rpc, peer_address, error.message);
  metrics_.Increment(kMetricRefused, {{"rpc", rpc}});
  return ToGrpc(error);
}

Result<crypto::CertificateRequest> ParseCsr(const std::string& csr_der) {
  if (csr_der.empty()) return InvalidArgument("missing CSR");
  if (csr_der.size() > kMaxCsrBytes) return InvalidArgument("CSR larger than 16 KiB");
  auto csr = crypto::CertificateRequest::FromDer(csr_der);
  if (!csr.ok()) return InvalidArgument("malformed CSR: " + csr.error().message);
  return csr;
}

Status CheckCsr(const std::string& csr_der) {
  auto csr = EDGEID_TRY(ParseCsr(csr_der));
  auto signed_ok = csr.VerifySignature();
  if (!signed_ok.ok()) return InvalidArgument("CSR: " + signed_ok.error().message);
  return OkStatus();
}

Result<NodeService::AgentSvid> NodeService::SignAgentSvid(const spiffe::SpiffeId& id,
                                                          const std::string& csr_der) {
  auto csr = ParseCsr(csr_der);
  if (!csr.ok()) return csr.error();
  auto chain = ca_.SignX509SvidDer(*csr, {id, {}, options_.agent_ttl, Clock::now()});
  if (!chain.ok()) {
    if (chain.error().code == ErrorCode::kInvalidArgument) return chain.error().Wrap("CSR");
    return chain.error();
  }
  // Parsed once, for the serial the agent's record keeps.
  auto leaf = EDGEID_TRY(crypto::Certificate::FromDer(chain->front()));
  AgentSvid out;
  out.serial = leaf.serial_hex();
  out.svid.set_id(id.str());
  for (auto& der : *chain) out.svid.add_cert_chain(std::move(der));
  out.svid.set_expires_at(UnixSeconds(leaf.not_after()));
  return out;
}

Result<NodeService::AttestationOutcome> NodeService::AttestJoinToken(const std::string& token) {
  if (token.empty()) return InvalidArgument("join_token: empty token");
  if (token.size() > 128 || token.find('/') != std::string::npos) {
    return InvalidArgument("join_token: malformed token");
  }
  auto id = spiffe::SpiffeId::FromPath(options_.trust_domain, "/edgeid/agent/join_token/" + token);
  if (!id.ok()) return InvalidArgument("join_token: token is not a valid path segment");
  // Taken (deleted) before anything else, so a token can never be used twice.
  auto taken = datastore_.TakeJoinToken(token);
  if (!taken.ok()) {
    if (taken.error().code == ErrorCode::kNotFound) {
      return PermissionDenied("join_token: token is unknown or already used");
    }
    return taken.error();
  }
  if (taken->expires_at <= UnixSeconds(Clock::now())) {
    return PermissionDenied("join_token: token expired");
  }
  return AttestationOutcome{*id, "join_token", {}, false};
}

Result<NodeService::AttestationOutcome> NodeService::AttestX509Pop(
    const std::string& payload,
    grpc::ServerReaderWriter<v1::AttestAgentResponse, v1::AttestAgentRequest>& stream) const {
  if (options_.x509pop_roots.empty()) {
    return PermissionDenied("x509pop attestation is not configured on this server");
  }
  v1::X509PopAttestationData data;
  if (!data.ParseFromString(payload)) return InvalidArgument("x509pop: malformed payload");
  crypto::CertificateChain chain;
  for (const auto& der : data.chain()) {
    auto cert = crypto::Certificate::FromDer(der);
    if (!cert.ok())
      return InvalidArgument("x509pop: certificate " + std::to_string(chain.size()) + ": " +
                             cert.error().message);
    chain.push_back(std::move(*cert));
  }
  auto attested = EDGEID_TRY(x509pop::VerifyChain(chain, options_.x509pop_roots, Clock::now()));

  v1::X509PopChallenge challenge;
  challenge.set_nonce(EDGEID_TRY(crypto::RandomBytes(x509pop::kNonceSize)));
  v1::AttestAgentResponse challenge_message;
  challenge_message.set_challenge(challenge.SerializeAsString());
  if (!stream.Write(challenge_message)) return Unavailable("x509pop: agent went away");
  v1::AttestAgentRequest answer;
  if (!stream.Read(&answer)) {
    return InvalidArgument(
        "x509pop: no challenge response (the agent closed the stream or took"
        " longer than the stream timeout)");
  }
  if (answer.step_case() != v1::AttestAgentRequest::kChallengeResponse) {
    return InvalidArgument("x509pop: expected a challenge response");
  }
  v1::X509PopResponse response;
  if (!response.ParseFromString(answer.challenge_response())) {
    return InvalidArgument("x509pop: malformed challenge response");
  }
  EDGEID_RETURN_IF_ERROR(x509pop::VerifyChallengeResponse(
      chain.front(), challenge.nonce(), {response.nonce(), response.signature()}));

  auto id = EDGEID_TRY(spiffe::SpiffeId::FromPath(options_.trust_domain, attested.agent_path));
  AttestationOutcome outcome{id, x509pop::kType, {}, true};
  for (auto& value : attested.selector_values) {
    outcome.selectors.push_back({x509pop::kType, std::move(value)});
  }
  std::sort(outcome.selectors.begin(), outcome.selectors.end());
  return outcome;
}

grpc::Status NodeService::AttestAgent(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::AttestAgentResponse, v1::AttestAgentRequest>* stream) {
  constexpr const char* kRpc = "AttestAgent";
  // Taken now: once a call is cancelled (its deadline passed), gRPC names its peer "unknown".
  const std::string address = PeerAddress(context->peer());
  const std::string peer_key = PeerLimitKey(address);
  ConcurrencyLimiter::Refusal full = ConcurrencyLimiter::Refusal::kNone;
  auto slot = attestation_slots_.TryAcquire(peer_key, &full);
  if (!slot) {
    return Refuse(address, kRpc,
                  ResourceExhausted(full == ConcurrencyLimiter::Refusal::kKeyFull
                                        ? "too many attestations at once from this address"
                                        : "too many attestations at once"));
  }
  if (!attestation_limiter_.Allow(peer_key)) {
    return Refuse(address, kRpc, ResourceExhausted("attestation rate limit exceeded"));
  }
  auto whole = watchdog_.Watch(
      context, std::min<std::chrono::milliseconds>(options_.stream_timeout, kAttestationTimeout));
  v1::AttestAgentRequest first;
  bool received = false;
  {
    auto first_message = watchdog_.Watch(context, kAttestationFirstMessageTimeout);
    received = stream->Read(&first);
  }
  if (!received && context->IsCancelled()) {
    return Refuse(address, kRpc,
                  Error{ErrorCode::kDeadlineExceeded,
                        "no attestation message within " +
                            std::to_string(kAttestationFirstMessageTimeout.count()) + " ms"});
  }
  if (!received || first.step_case() != v1::AttestAgentRequest::kParams) {
    return Refuse(address, kRpc, InvalidArgument("the first message must carry the params"));
  }
  const auto& params = first.params();
  // The CSR is checked before the attestor runs, so that a bad one does not use up a token.
  if (auto csr_ok = CheckCsr(params.csr()); !csr_ok.ok()) {
    return Refuse(address, kRpc, csr_ok.error());
  }
  Result<AttestationOutcome> outcome = InvalidArgument("");
  if (params.data().type() == "join_token") {
    outcome = AttestJoinToken(params.data().payload());
  } else if (params.data().type() == x509pop::kType) {
    outcome = AttestX509Pop(params.data().payload(), *stream);
  } else {
    const auto& type = params.data().type();
    outcome = InvalidArgument(type.size() <= 32 ? "unknown attestation type \"" + type + "\""
                                                : "unknown attestation type");
  }
  if (!outcome.ok()) return Refuse(address, kRpc, outcome.error());

  auto existing = datastore_.FetchAttestedNode(outcome->agent_id.str());
  if (existing.ok()) {
    if (existing->banned) {
      return Refuse(address, kRpc,
                    PermissionDenied("agent " + outcome->agent_id.str() + " is banned"));
    }
    if (!existing->can_reattest) {
      return Refuse(address, kRpc,
                    PermissionDenied("agent " + outcome->agent_id.str() +
                                     " is already attested and cannot attest again"));
    }
  } else if (existing.error().code != ErrorCode::kNotFound) {
    return Refuse(address, kRpc, existing.error());
  }

  auto issued = SignAgentSvid(outcome->agent_id, params.csr());
  if (!issued.ok()) return Refuse(address, kRpc, issued.error());
  v1::X509SVID* svid = &issued->svid;

  AttestedNode node = existing.ok() ? *existing : AttestedNode{};
  node.spiffe_id = outcome->agent_id.str();
  node.attestation_type = outcome->type;
  node.cert_serial = issued->serial;
  node.cert_not_after = svid->expires_at();
  node.new_cert_serial.clear();
  node.new_cert_not_after = 0;
  node.can_reattest = outcome->can_reattest;
  node.selectors = outcome->selectors;
  auto stored =
      existing.ok() ? datastore_.UpdateAttestedNode(node) : datastore_.CreateAttestedNode(node);
  if (!stored.ok()) {
    // Banned (or attested by a concurrent call) while this attestation ran.
    if (stored.error().code == ErrorCode::kFailedPrecondition ||
        stored.error().code == ErrorCode::kAlreadyExists) {
      return Refuse(address, kRpc, PermissionDenied(stored.error().message));
    }
    return Refuse(address, kRpc, stored.error());
  }
  log_->info("agent {} attested ({}) from {}", node.spiffe_id, node.attestation_type, address);
  metrics_.Increment(kMetricAttestations, {{"type", node.attestation_type}});

  v1::AttestAgentResponse result;
  *result.mutable_result()->mutable_svid() = std::move(*svid);
  result.mutable_result()->set_reattestable(node.can_reattest);
  if (!stream->Write(result)) {
    log_->warn("agent {} attested but went away before receiving its SVID", node.spiffe_id);
  }
  return grpc::Status::OK;
}

grpc::Status NodeService::RenewAgent(grpc::ServerContext* context,
                                     const v1::RenewAgentRequest* request,
                                     v1::RenewAgentResponse* response) {
  constexpr const char* kRpc = "RenewAgent";
  auto node = Authenticate(*context);
  if (!node.ok()) return Refuse(*context, kRpc, node.error());
  if (!signing_limiter_.Allow(node->spiffe_id)) {
    return Refuse(*context, kRpc, ResourceExhausted("signing rate limit exceeded"));
  }
  auto id = spiffe::SpiffeId::Parse(node->spiffe_id);
  if (!id.ok()) return Refuse(*context, kRpc, id.error());
  auto issued = SignAgentSvid(*id, request->csr());
  if (!issued.ok()) return Refuse(*context, kRpc, issued.error());
  v1::X509SVID* svid = &issued->svid;
  // The current SVID stays valid until the agent first presents the new one; recorded only if
  // the agent is still not banned and still on the serial it authenticated with.
  auto stored = datastore_.StageAgentSvid(node->spiffe_id, node->cert_serial, issued->serial,
                                          svid->expires_at());
  if (!stored.ok()) {
    if (stored.error().code == ErrorCode::kFailedPrecondition) {
      return Refuse(*context, kRpc, PermissionDenied(stored.error().message));
    }
    return Refuse(*context, kRpc, stored.error());
  }
  *response->mutable_svid() = std::move(*svid);
  return grpc::Status::OK;
}

}  // namespace edgeid::server
