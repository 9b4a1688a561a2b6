#include "agent/client/server_client.h"

#include "crypto/csr.h"
#include "grpctls/grpc_status.h"
#include "grpctls/spiffe_tls.h"
#include "nodeattestor/x509pop/x509pop.h"

namespace edgeid::agent {

namespace v1 = server::v1;

Result<SignedSvid> FromProto(const v1::X509SVID& svid) {
  SignedSvid out;
  out.spiffe_id = svid.id();
  out.expires_at = svid.expires_at();
  for (const auto& der : svid.cert_chain()) {
    out.chain.push_back(EDGEID_TRY(crypto::Certificate::FromDer(der)));
  }
  if (out.chain.empty()) return InvalidArgument("server sent an SVID without certificates");
  return out;
}

namespace {

constexpr int kKeepaliveTimeMs = 60 * 1000;  // the server allows one every 20 s
constexpr int kKeepaliveTimeoutMs = 20 * 1000;

Result<spiffe::X509Svid> ToSvid(const v1::X509SVID& proto, const crypto::PrivateKey& key,
                                const spiffe::TrustDomain& td) {
  auto signed_svid = EDGEID_TRY(FromProto(proto));
  auto id = EDGEID_TRY(spiffe::CheckLeafProfile(signed_svid.chain.front()));
  if (!id.MemberOf(td)) return InvalidArgument("server issued an SVID outside " + td.name());
  if (!(signed_svid.chain.front().public_key() == key.public_key())) {
    return InvalidArgument("server issued an SVID for another key");
  }
  return spiffe::X509Svid{id, std::move(signed_svid.chain), key, ""};
}

}  // namespace

ServerClient::ServerClient(std::string target, spiffe::TrustDomain td,
                           std::shared_ptr<const spiffe::X509BundleSource> bundles,
                           std::chrono::milliseconds timeout)
    : target_(std::move(target)),
      td_(std::move(td)),
      bundles_(std::move(bundles)),
      timeout_(timeout) {}

std::unique_ptr<grpc::ClientContext> ServerClient::Context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout_);
  return context;
}

Result<std::unique_ptr<v1::NodeService::Stub>> ServerClient::Stub(bool with_identity) {
  std::lock_guard lock(mu_);
  if (with_identity && !identity_) return FailedPrecondition("the agent has no SVID yet");
  if (with_identity && channel_) return v1::NodeService::NewStub(channel_);
  auto server_id = EDGEID_TRY(spiffe::SpiffeId::FromPath(td_, "/edgeid/server"));
  grpctls::ChannelTlsOptions options;
  if (with_identity) options.identity = identity_;
  options.bundles = bundles_;
  options.authorize = grpctls::AuthorizeId(server_id);
  options.insecure_skip_server_verification = insecure_;
  options.server_trust_domain = td_;
  auto creds = EDGEID_TRY(grpctls::ChannelCredentials(options));
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  // The change watch is a long quiet stream: pings find a server that vanished without closing
  // the connection (a cut link), so the watch is opened again instead of waiting forever.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  // gRPC stops pinging after two pings without data by default; the watch is quiet by design.
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  auto channel = grpc::CreateCustomChannel(target_, creds, args);
  if (with_identity) channel_ = channel;
  return v1::NodeService::NewStub(channel);
}

Status ServerClient::UseIdentity(const spiffe::X509Svid& svid) {
  std::lock_guard lock(mu_);
  identity_ = svid;
  channel_.reset();
  return OkStatus();
}

void ServerClient::SetInsecureBootstrap(bool on) {
  std::lock_guard lock(mu_);
  insecure_ = on;
  channel_.reset();
}

Result<AttestationResult> ServerClient::Attest(
    const v1::AttestAgentRequest& params, const crypto::PrivateKey& agent_key,
    const std::function<Result<std::string>(const std::string&)>& answer) {
  auto stub = EDGEID_TRY(Stub(false));
  auto context = Context();
  auto stream = stub->AttestAgent(context.get());
  stream->Write(params);
  v1::AttestAgentResponse response;
  std::optional<AttestationResult> result;
  while (stream->Read(&response)) {
    if (response.step_case() == v1::AttestAgentResponse::kChallenge) {
      if (!answer) break;
      auto reply = answer(response.challenge());
      if (!reply.ok()) {
        stream->WritesDone();
        return reply.error();
      }
      v1::AttestAgentRequest next;
      next.set_challenge_response(std::move(*reply));
      stream->Write(next);
    } else if (response.step_case() == v1::AttestAgentResponse::kResult) {
      auto svid = ToSvid(response.result().svid(), agent_key, td_);
      if (!svid.ok()) return svid.error();
      result = AttestationResult{std::move(*svid), response.result().reattestable()};
    }
  }
  stream->WritesDone();
  auto status = stream->Finish();
  if (!status.ok()) return grpctls::FromGrpc(status).Wrap("attestation");
  if (!result) return Internal("attestation: the server sent no result");
  return std::move(*result);
}

Result<AttestationResult> ServerClient::AttestJoinToken(const std::string& token,
                                                        const crypto::PrivateKey& agent_key) {
  auto csr = EDGEID_TRY(crypto::CertificateRequest::Create(agent_key));
  v1::AttestAgentRequest request;
  auto* params = request.mutable_params();
  params->mutable_data()->set_type("join_token");
  params->mutable_data()->set_payload(token);
  params->set_csr(csr.ToDer());
  return Attest(request, agent_key, nullptr);
}

Result<AttestationResult> ServerClient::AttestX509Pop(const crypto::CertificateChain& chain,
                                                      const crypto::PrivateKey& pop_key,
                                                      const crypto::PrivateKey& agent_key) {
  auto csr = EDGEID_TRY(crypto::CertificateRequest::Create(agent_key));
  v1::X509PopAttestationData data;
  for (const auto& cert : chain) data.add_chain(cert.ToDer());
  v1::AttestAgentRequest request;
  auto* params = request.mutable_params();
  params->mutable_data()->set_type(nodeattestor::x509pop::kType);
  params->mutable_data()->set_payload(data.SerializeAsString());
  params->set_csr(csr.ToDer());
  return Attest(request, agent_key, [&](const std::string& challenge) -> Result<std::string> {
    v1::X509PopChallenge parsed;
    if (!parsed.ParseFromString(challenge)) return InvalidArgument("malformed x509pop challenge");
    auto response = EDGEID_TRY(nodeattestor::x509pop::RespondToChallenge(pop_key, parsed.nonce()));
    v1::X509PopResponse out;
    out.set_nonce(response.nonce);
    out.set_signature(response.signature);
    return out.SerializeAsString();
  });
}

Result<spiffe::X509Svid> ServerClient::RenewAgent(const crypto::PrivateKey& new_key) {
  auto stub = EDGEID_TRY(Stub(true));
  auto csr = EDGEID_TRY(crypto::CertificateRequest::Create(new_key));
  v1::RenewAgentRequest request;
  request.set_csr(csr.ToDer());
  v1::RenewAgentResponse response;
  auto context = Context();
  auto status = stub->RenewAgent(context.get(), request, &response);
  if (!status.ok()) return grpctls::FromGrpc(status).Wrap("renewing the agent SVID");
  return ToSvid(response.svid(), new_key, td_);
}

Status ServerClient::WatchChanges(grpc::ClientContext& context,
                                  const std::function<void()>& on_change) {
  auto stub = EDGEID_TRY(Stub(true));
  auto reader = stub->WatchChanges(&context, v1::WatchChangesRequest());
  v1::WatchChangesResponse message;
  while (reader->Read(&message)) on_change();
  auto status = reader->Finish();
  if (!status.ok()) return grpctls::FromGrpc(status).Wrap("watching the server for changes");
  return OkStatus();
}

Result<SyncResult> ServerClient::SyncEntries(const std::map<std::string, int64_t>& known) {
  auto stub = EDGEID_TRY(Stub(true));
  auto context = Context();
  auto stream = stub->SyncAuthorizedEntries(context.get());
  constexpr size_t kPage = 10000;
  v1::SyncAuthorizedEntriesRequest page;
  for (const auto& [id, revision] : known) {
    auto* rev = page.add_known();
    rev->set_id(id);
    rev->set_revision_number(revision);
    if (static_cast<size_t>(page.known_size()) >= kPage) {
      if (!stream->Write(page)) break;
      page.Clear();
    }
  }
  if (page.known_size() > 0) stream->Write(page);
  stream->WritesDone();
  SyncResult result;
  v1::SyncAuthorizedEntriesResponse response;
  bool complete = false;
  while (stream->Read(&response)) {
    for (auto& e : *response.mutable_entries()) result.changed.push_back(std::move(e));
    for (auto& id : *response.mutable_removed_ids()) result.removed_ids.push_back(std::move(id));
    if (response.complete()) {
      complete = true;
      result.total = response.total();
    }
  }
  auto status = stream->Finish();
  if (!status.ok()) return grpctls::FromGrpc(status).Wrap("syncing entries");
  if (!complete) return Unavailable("syncing entries: the server did not finish");
  return result;
}

Result<std::vector<Result<SignedSvid>>> ServerClient::BatchNewX509Svid(
    const std::vector<SignRequest>& batch) {
  auto stub = EDGEID_TRY(Stub(true));
  v1::BatchNewX509SVIDRequest request;
  for (const auto& item : batch) {
    auto* p = request.add_params();
    p->set_entry_id(item.entry_id);
    p->set_csr(item.csr_der);
  }
  v1::BatchNewX509SVIDResponse response;
  auto context = Context();
  auto status = stub->BatchNewX509SVID(context.get(), request, &response);
  if (!status.ok()) return grpctls::FromGrpc(status).Wrap("signing SVIDs");
  std::vector<Result<SignedSvid>> results;
  results.reserve(response.results_size());
  for (const auto& r : response.results()) {
    if (r.status().code() != 0) {
      results.emplace_back(grpctls::FromGrpc(
          grpc::Status(static_cast<grpc::StatusCode>(r.status().code()), r.status().message())));
    } else {
      results.push_back(FromProto(r.svid()));
    }
  }
  return results;
}

Result<v1::NewJWTSVIDResponse> ServerClient::NewJwtSvid(const std::string& entry_id,
                                                        const std::vector<std::string>& audience) {
  auto stub = EDGEID_TRY(Stub(true));
  v1::NewJWTSVIDRequest request;
  request.set_entry_id(entry_id);
  for (const auto& a : audience) request.add_audience(a);
  v1::NewJWTSVIDResponse response;
  auto context = Context();
  auto status = stub->NewJWTSVID(context.get(), request, &response);
  if (!status.ok()) return grpctls::FromGrpc(status).Wrap("minting a JWT-SVID");
  return response;
}

Result<v1::GetBundlesResponse> ServerClient::FetchBundles() {
  auto stub = EDGEID_TRY(Stub(true));
  v1::GetBundlesResponse response;
  auto context = Context();
  auto status = stub->GetBundles(context.get(), {}, &response);
  if (!status.ok()) return grpctls::FromGrpc(status).Wrap("fetching bundles");
  return response;
}

Result<std::vector<v1::TrustBundle>> ServerClient::GetBundles() {
  auto response = EDGEID_TRY(FetchBundles());
  return std::vector<v1::TrustBundle>(response.bundles().begin(), response.bundles().end());
}

}  // namespace edgeid::agent
