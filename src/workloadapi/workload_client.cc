#include "workloadapi/workload_client.h"

#include <google/protobuf/util/json_util.h>

#include "grpctls/grpc_status.h"
#include "spiffe/workload/workload.grpc.pb.h"

namespace edgeid::workloadapi {
namespace {

Result<std::map<std::string, spiffe::X509Bundle>> ParseBundleMap(
    const google::protobuf::Map<std::string, std::string>& map) {
  std::map<std::string, spiffe::X509Bundle> out;
  // Keyed by the trust domain's SPIFFE ID ("spiffe://example.org"); Parse takes that form.
  for (const auto& [key, der] : map) {
    auto td = EDGEID_TRY(spiffe::TrustDomain::Parse(key));
    auto bundle = spiffe::X509Bundle::FromDer(td, der);
    if (!bundle.ok()) return bundle.error().Wrap("bundle of " + td.name());
    out.emplace(td.name(), std::move(*bundle));
  }
  return out;
}

Result<X509Context> ParseX509Response(const X509SVIDResponse& response) {
  X509Context context;
  for (const auto& svid : response.svids()) {
    auto parsed = spiffe::X509Svid::FromDer(svid.x509_svid(), svid.x509_svid_key());
    if (!parsed.ok()) return parsed.error().Wrap("X.509-SVID " + svid.spiffe_id());
    if (parsed->id.str() != svid.spiffe_id()) {
      return InvalidArgument("X.509-SVID for " + svid.spiffe_id() + " holds " + parsed->id.str());
    }
    parsed->hint = svid.hint();
    if (!svid.bundle().empty()) {
      const auto& td = parsed->id.trust_domain();
      auto bundle = spiffe::X509Bundle::FromDer(td, svid.bundle());
      if (!bundle.ok()) return bundle.error().Wrap("bundle of " + td.name());
      context.bundles.insert_or_assign(td.name(), std::move(*bundle));
    }
    context.svids.push_back(std::move(*parsed));
  }
  auto federated = EDGEID_TRY(ParseBundleMap(response.federated_bundles()));
  context.bundles.merge(federated);
  return context;
}

// The first message of a server stream, which holds the full state: the stream is then closed.
template <typename Response>
Result<Response> FirstMessage(grpc::ClientContext& context,
                              std::unique_ptr<grpc::ClientReader<Response>> reader,
                              const std::string& what) {
  Response response;
  bool got = reader->Read(&response);
  if (got) context.TryCancel();
  auto status = reader->Finish();
  if (!got) return grpctls::FromGrpc(status).Wrap(what);
  return response;
}

}  // namespace

void WatchCancellation::Cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

bool WatchCancellation::Attach(grpc::ClientContext* context) {
  std::lock_guard lock(mu_);
  if (cancelled_) return false;
  context_ = context;
  return true;
}

bool WatchCancellation::cancelled() {
  std::lock_guard lock(mu_);
  return cancelled_;
}

void WatchCancellation::Detach() {
  std::lock_guard lock(mu_);
  context_ = nullptr;
}

std::string SocketPathOf(const std::string& address) {
  for (const char* prefix : {"unix://", "unix:"}) {
    if (address.rfind(prefix, 0) == 0) return address.substr(std::string_view(prefix).size());
  }
  return address;
}

WorkloadClient::WorkloadClient(const std::string& address, std::chrono::milliseconds timeout)
    : target_("unix:" + SocketPathOf(address)), timeout_(timeout) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  // The agent is local, so reconnecting costs little; gRPC's default backoff (up to 120 s) would
  // leave a client failing on a stale error for minutes after its agent came back.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  channel_ = grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args);
}

std::unique_ptr<grpc::ClientContext> WorkloadClient::Context(bool with_deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("workload.spiffe.io", "true");
  if (with_deadline) context->set_deadline(std::chrono::system_clock::now() + timeout_);
  return context;
}

Result<X509Context> WorkloadClient::FetchX509Context() {
  auto stub = SpiffeWorkloadAPI::NewStub(channel_);
  auto context = Context(true);
  auto response =
      EDGEID_TRY(FirstMessage(*context, stub->FetchX509SVID(context.get(), X509SVIDRequest()),
                              "FetchX509SVID from " + target_));
  return ParseX509Response(response);
}

Status WorkloadClient::WatchX509Context(const std::function<bool(X509Context)>& on_update,
                                        WatchCancellation* cancel) {
  auto stub = SpiffeWorkloadAPI::NewStub(channel_);
  auto context = Context(false);
  if (cancel != nullptr && !cancel->Attach(context.get())) return OkStatus();
  auto reader = stub->FetchX509SVID(context.get(), X509SVIDRequest());
  X509SVIDResponse response;
  bool stopped = false;
  std::optional<Error> bad_message;
  while (reader->Read(&response)) {
    auto parsed = ParseX509Response(response);
    if (!parsed.ok()) {
      bad_message = parsed.error();
      break;
    }
    if (!on_update(std::move(*parsed))) {
      stopped = true;
      break;
    }
  }
  if (stopped || bad_message) context->TryCancel();
  auto status = reader->Finish();
  if (cancel != nullptr) cancel->Detach();
  if (bad_message) return *bad_message;
  if (stopped || (cancel != nullptr && cancel->cancelled())) return OkStatus();
  if (status.ok()) return Unavailable("the agent ended the FetchX509SVID stream");
  return grpctls::FromGrpc(status).Wrap("FetchX509SVID from " + target_);
}

Result<std::map<std::string, spiffe::X509Bundle>> WorkloadClient::FetchX509Bundles() {
  auto stub = SpiffeWorkloadAPI::NewStub(channel_);
  auto context = Context(true);
  auto response =
      EDGEID_TRY(FirstMessage(*context, stub->FetchX509Bundles(context.get(), X509BundlesRequest()),
                              "FetchX509Bundles from " + target_));
  return ParseBundleMap(response.bundles());
}

Result<std::vector<JwtSvidResult>> WorkloadClient::FetchJwtSvids(
    const std::vector<std::string>& audience, const std::string& spiffe_id) {
  auto stub = SpiffeWorkloadAPI::NewStub(channel_);
  JWTSVIDRequest request;
  for (const auto& a : audience) request.add_audience(a);
  request.set_spiffe_id(spiffe_id);
  JWTSVIDResponse response;
  auto context = Context(true);
  auto status = stub->FetchJWTSVID(context.get(), request, &response);
  if (!status.ok()) return grpctls::FromGrpc(status).Wrap("FetchJWTSVID from " + target_);
  std::vector<JwtSvidResult> out;
  for (const auto& svid : response.svids()) {
    out.push_back({svid.spiffe_id(), svid.svid(), svid.hint()});
  }
  return out;
}

Result<std::map<std::string, std::string>> WorkloadClient::FetchJwtBundles() {
  auto stub = SpiffeWorkloadAPI::NewStub(channel_);
  auto context = Context(true);
  auto response =
      EDGEID_TRY(FirstMessage(*context, stub->FetchJWTBundles(context.get(), JWTBundlesRequest()),
                              "FetchJWTBundles from " + target_));
  std::map<std::string, std::string> out;
  for (const auto& [key, jwks] : response.bundles()) {
    auto td = EDGEID_TRY(spiffe::TrustDomain::Parse(key));
    out.emplace(td.name(), jwks);
  }
  return out;
}

Result<ValidatedJwt> WorkloadClient::ValidateJwtSvid(const std::string& audience,
                                                     const std::string& token) {
  auto stub = SpiffeWorkloadAPI::NewStub(channel_);
  ValidateJWTSVIDRequest request;
  request.set_audience(audience);
  request.set_svid(token);
  ValidateJWTSVIDResponse response;
  auto context = Context(true);
  auto status = stub->ValidateJWTSVID(context.get(), request, &response);
  if (!status.ok()) return grpctls::FromGrpc(status).Wrap("ValidateJWTSVID");
  ValidatedJwt out;
  out.spiffe_id = response.spiffe_id();
  if (!google::protobuf::util::MessageToJsonString(response.claims(), &out.claims_json).ok()) {
    return Internal("claims are not representable as JSON");
  }
  return out;
}

}  // namespace edgeid::workloadapi
