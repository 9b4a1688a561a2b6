// A SPIFFE Workload API client: what edgeid's own tools (the agent's `api` commands, the helper,
// the mapper) use to get their identity from an agent over its UNIX socket. Every call carries
// the `workload.spiffe.io: true` header the standard requires.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "spiffe/x509_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::workloadapi {

// The default socket: SPIRE's is /tmp/spire-agent/public/api.sock; edgeid's is under /run
// (systemd's RuntimeDirectory=edgeid), which other users cannot write.
inline constexpr const char* kDefaultSocketPath = "/run/edgeid/agent/public/api.sock";

struct X509Context {
  std::vector<spiffe::X509Svid> svids;  // the first is the default identity
  // Every trust domain's bundle the workload receives, its own and federated ones, keyed by
  // trust domain name.
  std::map<std::string, spiffe::X509Bundle> bundles;
};

struct JwtSvidResult {
  std::string spiffe_id;
  std::string token;
  std::string hint;
};

struct ValidatedJwt {
  std::string spiffe_id;
  std::string claims_json;
};

// Ends a running watch from another thread.
class WatchCancellation {
 public:
  void Cancel();
  bool cancelled();

 private:
  friend class WorkloadClient;
  bool Attach(grpc::ClientContext* context);  // false when already cancelled
  void Detach();
  std::mutex mu_;
  grpc::ClientContext* context_ = nullptr;
  bool cancelled_ = false;
};

class WorkloadClient {
 public:
  // `address` is a socket path, or "unix:///path" / "unix:/path" as in SPIFFE_ENDPOINT_SOCKET.
  explicit WorkloadClient(const std::string& address,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // The first message of FetchX509SVID.
  Result<X509Context> FetchX509Context();
  // Calls `on_update` with every message of FetchX509SVID until it returns false, the stream
  // ends, or `cancel` fires; returns how the stream ended (OK when stopped by either of us).
  Status WatchX509Context(const std::function<bool(X509Context)>& on_update,
                          WatchCancellation* cancel = nullptr);
  Result<std::map<std::string, spiffe::X509Bundle>> FetchX509Bundles();
  Result<std::vector<JwtSvidResult>> FetchJwtSvids(const std::vector<std::string>& audience,
                                                   const std::string& spiffe_id = "");
  // Trust domain name -> JWK set document.
  Result<std::map<std::string, std::string>> FetchJwtBundles();
  Result<ValidatedJwt> ValidateJwtSvid(const std::string& audience, const std::string& token);

 private:
  std::unique_ptr<grpc::ClientContext> Context(bool with_deadline) const;

  std::string target_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<grpc::Channel> channel_;
};

// "unix:///p" and "unix:/p" to "/p"; other strings are taken as a path.
std::string SocketPathOf(const std::string& address);

}  // namespace edgeid::workloadapi
