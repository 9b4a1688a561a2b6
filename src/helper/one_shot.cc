#include "helper/one_shot.h"

#include <functional>
#include <thread>

#include "helper/retry_policy.h"
#include "helper/svid_file_writer.h"
#include "helper/x509_files.h"

namespace edgeid::helper {
namespace {

using Clock = std::chrono::steady_clock;
using workloadapi::WorkloadClient;
using JwtSvids = std::vector<workloadapi::JwtSvidResult>;
using JwtBundles = std::map<std::string, std::string>;

// What the agent answers while it starts, attests or waits for this workload's entry.
bool Retryable(ErrorCode code) {
  return code == ErrorCode::kUnavailable || code == ErrorCode::kPermissionDenied ||
         code == ErrorCode::kDeadlineExceeded;
}

class Retrier {
 public:
  Retrier(const HelperConfig& config, std::chrono::milliseconds timeout,
          std::shared_ptr<spdlog::logger> log)
      : config_(config),
        timeout_(timeout),
        deadline_(Clock::now() + timeout),
        log_(std::move(log)) {}

  // Calls `fetch` with a client whose calls end by the deadline, until it succeeds, fails for
  // good or time runs out.
  template <typename T>
  Result<T> Fetch(const char* what, const std::function<Result<T>(WorkloadClient&)>& fetch) {
    Backoff backoff = AgentBackoff();
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      WorkloadClient client(config_.agent_address, std::max(left, std::chrono::milliseconds(100)));
      auto result = fetch(client);
      if (result.ok()) return result;
      const Error& error = result.error();
      if (!Retryable(error.code)) return error.Wrap(what);
      left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) {
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout_).count();
        return Error{error.code, std::string(what) + ": gave up after " + std::to_string(seconds) +
                                     "s: " + error.message};
      }
      // The last attempt comes at the deadline.
      auto delay = std::min(backoff.Next(), left);
      log_->warn("{}: {}; retrying in {} ms", what, error.ToString(), delay.count());
      std::this_thread::sleep_for(delay);
    }
  }

 private:
  const HelperConfig& config_;
  std::chrono::milliseconds timeout_;
  Clock::time_point deadline_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

Status RunOnce(const HelperConfig& config, std::chrono::milliseconds timeout,
               const std::shared_ptr<spdlog::logger>& log) {
  Retrier retrier(config, timeout, log);
  SvidFileWriter writer(config);
  if (config.writes_x509()) {
    auto context = EDGEID_TRY(retrier.Fetch<workloadapi::X509Context>(
        "fetching the X.509-SVID",
        [&config](WorkloadClient& c) -> Result<workloadapi::X509Context> {
          auto fetched = c.FetchX509Context();
          if (!fetched.ok()) return fetched;
          // The entry with this hint may reach the agent after another of this workload's:
          // waited for like a missing entry, until the timeout.
          auto chosen = SelectX509Svid(*fetched, config.hint);
          if (!chosen.ok() && chosen.error().code == ErrorCode::kNotFound) {
            return PermissionDenied(chosen.error().message + " (yet)");
          }
          return fetched;
        }));
    auto id = writer.WriteX509(context);
    if (!id.ok()) return id.error().Wrap("writing the X.509-SVID");
    log->info("wrote the X.509-SVID of {} to {} (key {}, bundle {})", *id,
              config.PathInCertDir(config.svid_file_name), config.svid_key_file_name,
              config.svid_bundle_file_name);
  }
  for (size_t i = 0; i < config.jwt_svids.size(); ++i) {
    auto audience = writer.AudienceOf(i);
    auto svids = EDGEID_TRY(retrier.Fetch<JwtSvids>(
        "fetching a JWT-SVID", [&](WorkloadClient& c) { return c.FetchJwtSvids(audience); }));
    auto written = writer.WriteJwtSvid(i, svids);
    if (!written.ok()) return written.error().Wrap("writing the JWT-SVID");
    log->info("wrote the JWT-SVID for audience {} to {}", audience.front(),
              config.PathInCertDir(config.jwt_svids[i].file_name));
  }
  if (!config.jwt_bundle_file_name.empty()) {
    auto bundles = EDGEID_TRY(retrier.Fetch<JwtBundles>(
        "fetching the JWT bundles", [](WorkloadClient& c) { return c.FetchJwtBundles(); }));
    auto written = writer.WriteJwtBundle(bundles);
    if (!written.ok()) return written.error().Wrap("writing the JWT bundle");
    log->info("wrote the JWT bundle of {} to {}", writer.trust_domain(),
              config.PathInCertDir(config.jwt_bundle_file_name));
  }
  return OkStatus();
}

}  // namespace edgeid::helper
