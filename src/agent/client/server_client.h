// The agent's side of the agent API: node attestation, renewal, entry sync, SVID signing and
// bundles, over TLS that authenticates the server as spiffe://<td>/edgeid/server against the
// agent's trust bundle. Keys are made by the caller; only CSRs leave.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"
#include "edgeid/server/v1/node.grpc.pb.h"
#include "spiffe/spiffe_id.h"
#include "spiffe/x509_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::agent {

struct AttestationResult {
  spiffe::X509Svid svid;  // the agent SVID, with the key the caller gave
  bool reattestable = false;
};

struct SyncResult {
  std::vector<server::v1::Entry> changed;  // new, or with a revision the agent did not send
  std::vector<std::string> removed_ids;
  int64_t total = 0;  // entries the agent is authorised for
};

struct SignRequest {
  std::string entry_id;
  std::string csr_der;
};

struct SignedSvid {
  std::string spiffe_id;
  crypto::CertificateChain chain;  // leaf first
  int64_t expires_at = 0;
};

class ServerClient {
 public:
  // `target` is "host:port".
  ServerClient(std::string target, spiffe::TrustDomain td,
               std::shared_ptr<const spiffe::X509BundleSource> bundles,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

  Result<AttestationResult> AttestJoinToken(const std::string& token,
                                            const crypto::PrivateKey& agent_key);
  // `chain` (leaf first) and `pop_key` are the node's x509pop certificate and its key.
  Result<AttestationResult> AttestX509Pop(const crypto::CertificateChain& chain,
                                          const crypto::PrivateKey& pop_key,
                                          const crypto::PrivateKey& agent_key);

  // Authenticates later calls with this agent SVID.
  Status UseIdentity(const spiffe::X509Svid& svid);
  // Insecure bootstrap: until turned off, the server's certificate is not checked.
  void SetInsecureBootstrap(bool on);

  Result<spiffe::X509Svid> RenewAgent(const crypto::PrivateKey& new_key);
  Result<SyncResult> SyncEntries(const std::map<std::string, int64_t>& known);
  // One result per request, in order: an SVID, or why that one was refused.
  Result<std::vector<Result<SignedSvid>>> BatchNewX509Svid(const std::vector<SignRequest>& batch);
  Result<server::v1::NewJWTSVIDResponse> NewJwtSvid(const std::string& entry_id,
                                                    const std::vector<std::string>& audience);
  Result<std::vector<server::v1::TrustBundle>> GetBundles();
  // The same, with the tainted authorities the server reports beside the bundles.
  Result<server::v1::GetBundlesResponse> FetchBundles();
  // Holds a change watch open until the server ends it or `context` is cancelled, calling
  // `on_change` for each message. Returns why it ended.
  Status WatchChanges(grpc::ClientContext& context, const std::function<void()>& on_change);

 private:
  Result<AttestationResult> Attest(
      const server::v1::AttestAgentRequest& params, const crypto::PrivateKey& agent_key,
      const std::function<Result<std::string>(const std::string& challenge)>& answer);
  Result<std::unique_ptr<server::v1::NodeService::Stub>> Stub(bool with_identity);
  std::unique_ptr<grpc::ClientContext> Context() const;

  std::string target_;
  spiffe::TrustDomain td_;
  std::shared_ptr<const spiffe::X509BundleSource> bundles_;
  std::chrono::milliseconds timeout_;
  // Calls come from the agent's sync thread and from Workload API handlers (JWT-SVIDs) at once.
  std::mutex mu_;
  std::optional<spiffe::X509Svid> identity_;
  bool insecure_ = false;
  std::shared_ptr<grpc::Channel> channel_;  // with identity_
};

Result<SignedSvid> FromProto(const server::v1::X509SVID& svid);

}  // namespace edgeid::agent
