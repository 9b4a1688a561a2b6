#include "helper/helper_daemon.h"

#include <signal.h>

#include "common/daemon.h"
#include "common/version.h"
#include "helper/jwt_files.h"
#include "helper/pid_file.h"
#include "helper/retry_policy.h"
#include "helper/signal_name.h"

namespace edgeid::helper {
namespace {

constexpr auto kTick = std::chrono::milliseconds(200);
// The JWT bundle has no watch in this client: it is fetched with every X.509 update (CA and
// JWT key rotation reach the agent together), with every JWT-SVID, and at least this often.
constexpr auto kJwtBundleRefresh = std::chrono::minutes(5);
constexpr auto kWorkloadStopGrace = std::chrono::seconds(5);

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

HelperDaemon::HelperDaemon(const HelperConfig& config, std::shared_ptr<spdlog::logger> log)
    : config_(config),
      log_(std::move(log)),
      client_(std::make_unique<workloadapi::WorkloadClient>(config_.agent_address)),
      writer_(config_),
      jwt_next_(config_.jwt_svids.size()),
      jwt_backoff_(config_.jwt_svids.size(), AgentBackoff()),
      bundle_backoff_(AgentBackoff()),
      jwt_errors_(config_.jwt_svids.size()) {}

Result<std::unique_ptr<HelperDaemon>> HelperDaemon::Start(const HelperConfig& config,
                                                          std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<HelperDaemon> daemon(new HelperDaemon(config, std::move(log)));
  HelperDaemon& d = *daemon;
  AddBuildInfo(d.metrics_);
  d.metrics_.DescribeCounter("edgeid_helper_x509_updates_total",
                             "X.509 context updates received from the agent.");
  d.metrics_.DescribeCounter("edgeid_helper_files_written_total",
                             "Successful writes, by kind (x509, jwt_svid, jwt_bundle).");
  d.metrics_.DescribeCounter("edgeid_helper_write_errors_total",
                             "Failed fetches or writes, by kind (x509, jwt_svid, jwt_bundle).");
  d.metrics_.DescribeCounter("edgeid_helper_watch_retries_total",
                             "Times the FetchX509SVID stream ended and was opened again.");
  d.metrics_.DescribeCounter("edgeid_helper_workload_starts_total", "Starts of cmd.");
  d.metrics_.DescribeCounter("edgeid_helper_renew_signals_total",
                             "Renewal signals sent to cmd or to pid_file_name's process.");
  d.metrics_.AddGauge("edgeid_helper_last_renewal_timestamp_seconds",
                      "When the files were last rewritten for an X.509 update (Unix time).", [&d] {
                        std::lock_guard lock(d.mu_);
                        return d.last_renewal_;
                      });
  const auto& hc = d.config_.health_checks;
  if (hc.listener_enabled) {
    d.health_ = EDGEID_TRY(HealthEndpoint::Start(
        hc.bind_address, hc.bind_port, [&d] { return d.Ready(); }, d.metrics_, d.log_,
        HealthPaths{hc.liveness_path, hc.readiness_path}));
  }
  return daemon;
}

HelperDaemon::~HelperDaemon() {
  Shutdown();
}

Status HelperDaemon::Ready() const {
  std::lock_guard lock(mu_);
  for (const auto* error : {&x509_error_, &bundle_error_}) {
    if (*error) return **error;
  }
  for (const auto& error : jwt_errors_) {
    if (error) return *error;
  }
  if (!written_) return Unavailable("no files written yet");
  return OkStatus();
}

void HelperDaemon::SetError(std::optional<Error>& slot, std::optional<Error> error) {
  std::lock_guard lock(mu_);
  slot = std::move(error);
}

Status HelperDaemon::Run() {
  log_->info("edgeid-helper started: watching the Workload API at {}, writing into {}, version {}",
             config_.agent_address, config_.cert_dir, VersionText());
  watcher_ = std::thread([this] { WatchLoop(); });
  sigset_t signals = TerminationSignals();
  for (;;) {
    if (auto context = TakePending()) OnX509Update(*context);
    // JWT-SVIDs follow their own schedule once the first X.509 update set it up.
    if (x509_seen_) RefreshJwt(Clock::now(), false);
    CheckWorkload();
    timespec wait{0, std::chrono::nanoseconds(kTick).count()};
    int received = sigtimedwait(&signals, nullptr, &wait);
    if (received == SIGTERM || received == SIGINT) {
      log_->info("received {}, shutting down", SignalName(received));
      break;
    }
  }
  Shutdown();
  log_->info("edgeid-helper stopped");
  return OkStatus();
}

void HelperDaemon::Shutdown() {
  cancel_.Cancel();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  if (workload_ && workload_->Running()) {
    log_->info("stopping {} (pid {}) with SIGTERM", config_.cmd, workload_->pid().value_or(0));
    workload_->Stop(kWorkloadStopGrace);
    log_->info("{} stopped: {}", config_.cmd, workload_->last_exit());
  }
  workload_.reset();
  health_.reset();
}

void HelperDaemon::WatchLoop() {
  Backoff backoff = AgentBackoff();
  while (!cancel_.cancelled()) {
    auto ended = client_->WatchX509Context(
        [this, &backoff](workloadapi::X509Context context) {
          backoff.Reset();
          std::lock_guard lock(mu_);
          pending_ = std::move(context);  // only the newest matters
          return true;
        },
        &cancel_);
    if (cancel_.cancelled()) break;
    auto delay = backoff.Next();
    metrics_.Increment("edgeid_helper_watch_retries_total");
    log_->warn("X.509-SVID watch ended: {}; reconnecting in {} ms",
               ended.ok() ? "the stream closed" : ended.error().ToString(), delay.count());
    std::unique_lock lock(mu_);
    if (stop_cv_.wait_for(lock, delay, [this] { return stopping_; })) break;
  }
}

std::optional<workloadapi::X509Context> HelperDaemon::TakePending() {
  std::lock_guard lock(mu_);
  std::optional<workloadapi::X509Context> out = std::move(pending_);
  pending_.reset();
  return out;
}

void HelperDaemon::OnX509Update(const workloadapi::X509Context& context) {
  metrics_.Increment("edgeid_helper_x509_updates_total");
  for (const auto& svid : context.svids) {
    log_->debug("received X.509-SVID {} (serial {})", svid.id.str(), svid.leaf().serial_hex());
  }
  auto id = writer_.WriteX509(context);
  if (!id.ok()) {
    metrics_.Increment("edgeid_helper_write_errors_total", {{"kind", "x509"}});
    log_->error("writing the X.509-SVID: {}", id.error().ToString());
    SetError(x509_error_, id.error().Wrap("writing the X.509-SVID"));
    return;
  }
  SetError(x509_error_, std::nullopt);
  x509_seen_ = true;
  if (config_.writes_x509()) {
    metrics_.Increment("edgeid_helper_files_written_total", {{"kind", "x509"}});
    log_->info("X.509-SVID of {} written to {}", *id,
               config_.PathInCertDir(config_.svid_file_name));
  }
  bool jwt_ok = RefreshJwt(Clock::now(), true);
  {
    std::lock_guard lock(mu_);
    last_renewal_ = UnixSeconds(Clock::now());
    if (jwt_ok) written_ = true;
  }
  // A workload that only reads JWT-SVIDs has nothing new to load when they could not be written.
  if (config_.writes_x509() || jwt_ok) NotifyWorkload();
}

bool HelperDaemon::RefreshJwt(Clock::time_point now, bool all) {
  bool ok = true;
  bool refreshed = false;
  for (size_t i = 0; i < config_.jwt_svids.size(); ++i) {
    if (!all && now < jwt_next_[i]) continue;
    refreshed = true;
    auto audience = writer_.AudienceOf(i);
    auto svids = client_->FetchJwtSvids(audience);
    auto expiry =
        svids.ok() ? writer_.WriteJwtSvid(i, *svids) : Result<Clock::time_point>(svids.error());
    if (!expiry.ok()) {
      ok = false;
      auto delay = jwt_backoff_[i].Next();
      jwt_next_[i] = now + delay;
      metrics_.Increment("edgeid_helper_write_errors_total", {{"kind", "jwt_svid"}});
      log_->error("JWT-SVID for audience {}: {}; retrying in {} ms", audience.front(),
                  expiry.error().ToString(), delay.count());
      SetError(jwt_errors_[i], expiry.error().Wrap("JWT-SVID for audience " + audience.front()));
      continue;
    }
    jwt_backoff_[i].Reset();
    jwt_next_[i] = JwtRefreshTime(*expiry, now);
    metrics_.Increment("edgeid_helper_files_written_total", {{"kind", "jwt_svid"}});
    log_->info("JWT-SVID for audience {} written to {}; next refresh in {} s", audience.front(),
               config_.PathInCertDir(config_.jwt_svids[i].file_name),
               std::chrono::duration_cast<std::chrono::seconds>(jwt_next_[i] - now).count());
    SetError(jwt_errors_[i], std::nullopt);
  }
  if (!config_.jwt_bundle_file_name.empty() &&
      (all || refreshed || (bundle_next_ && now >= *bundle_next_))) {
    RefreshJwtBundle(now);
    std::lock_guard lock(mu_);
    ok = ok && !bundle_error_;
  }
  return ok;
}

void HelperDaemon::RefreshJwtBundle(Clock::time_point now) {
  auto bundles = client_->FetchJwtBundles();
  Status written = bundles.ok() ? writer_.WriteJwtBundle(*bundles) : Status(bundles.error());
  if (!written.ok()) {
    auto delay = bundle_backoff_.Next();
    bundle_next_ = now + delay;
    metrics_.Increment("edgeid_helper_write_errors_total", {{"kind", "jwt_bundle"}});
    log_->error("JWT bundle: {}; retrying in {} ms", written.error().ToString(), delay.count());
    SetError(bundle_error_, written.error().Wrap("JWT bundle"));
    return;
  }
  bundle_backoff_.Reset();
  bundle_next_ = now + kJwtBundleRefresh;
  metrics_.Increment("edgeid_helper_files_written_total", {{"kind", "jwt_bundle"}});
  log_->debug("JWT bundle of {} written to {}", writer_.trust_domain(),
              config_.PathInCertDir(config_.jwt_bundle_file_name));
  SetError(bundle_error_, std::nullopt);
}

void HelperDaemon::NotifyWorkload() {
  if (!config_.cmd.empty()) {
    if (!workload_) workload_ = std::make_unique<ManagedProcess>(config_.cmd, config_.cmd_args);
    if (!workload_->Running()) {
      // First update, or the workload exited since: spiffe-helper starts it (again).
      auto started = workload_->Start();
      if (started.ok()) {
        workload_was_running_ = true;
        metrics_.Increment("edgeid_helper_workload_starts_total");
        log_->info("started {} (pid {})", config_.cmd, workload_->pid().value_or(0));
      } else {
        log_->error("{}", started.error().message);
      }
    } else if (config_.renew_signal) {
      auto sent = workload_->Signal(*config_.renew_signal);
      if (sent.ok()) {
        metrics_.Increment("edgeid_helper_renew_signals_total");
        log_->info("sent {} to {} (pid {})", SignalName(*config_.renew_signal), config_.cmd,
                   workload_->pid().value_or(0));
      } else {
        log_->error("{}", sent.error().message);
      }
    }
  }
  if (!config_.pid_file_name.empty() && config_.renew_signal) {
    auto sent = SignalPidFile(config_.pid_file_name, *config_.renew_signal);
    if (sent.ok()) {
      metrics_.Increment("edgeid_helper_renew_signals_total");
      log_->info("sent {} to the process in {}", SignalName(*config_.renew_signal),
                 config_.pid_file_name);
    } else {
      log_->error("{}", sent.error().message);
    }
  }
}

void HelperDaemon::CheckWorkload() {
  if (!workload_ || !workload_was_running_ || workload_->Running()) return;
  workload_was_running_ = false;
  log_->warn("{} exited ({}); it starts again at the next SVID update", config_.cmd,
             workload_->last_exit());
}

}  // namespace edgeid::helper
