#include "mapper/identity/svid_source.h"

#include "common/backoff.h"
#include "common/timestamp.h"
#include "workloadapi/workload_client.h"

namespace edgeid::mapper {

std::unique_ptr<SvidSource> SvidSource::Start(const std::string& agent_address,
                                              std::shared_ptr<spdlog::logger> log,
                                              Metrics& metrics) {
  std::unique_ptr<SvidSource> source(new SvidSource(agent_address, std::move(log)));
  metrics.AddGauge("edgeid_mapper_attested", "1 while the mapper holds a valid X.509-SVID",
                   [s = source.get()] { return s->Current() ? 1.0 : 0.0; });
  source->thread_ = std::thread([s = source.get()] { s->Run(); });
  return source;
}

SvidSource::SvidSource(std::string agent_address, std::shared_ptr<spdlog::logger> log)
    : agent_address_(std::move(agent_address)),
      log_(std::move(log)),
      cancel_(std::make_unique<workloadapi::WatchCancellation>()) {}

SvidSource::~SvidSource() {
  Stop();
}

void SvidSource::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  cancel_->Cancel();
  if (thread_.joinable()) thread_.join();
}

std::optional<MapperIdentity> SvidSource::Current() const {
  std::lock_guard lock(mu_);
  if (!identity_ || identity_->svid.leaf().not_after() <= std::chrono::system_clock::now()) {
    return std::nullopt;
  }
  return identity_;
}

std::optional<MapperIdentity> SvidSource::WaitForNewer(uint64_t generation,
                                                       std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout,
               [&] { return stopping_ || (identity_ && identity_->generation > generation); });
  if (!identity_ || identity_->generation <= generation ||
      identity_->svid.leaf().not_after() <= std::chrono::system_clock::now()) {
    return std::nullopt;
  }
  return identity_;
}

void SvidSource::Accept(workloadapi::X509Context context) {
  if (context.svids.empty()) return Drop("the agent sent no SVID");
  spiffe::X509Svid svid = std::move(context.svids.front());
  auto bundle = context.bundles.find(svid.id.trust_domain().name());
  if (bundle == context.bundles.end()) {
    log_->error("the agent sent no bundle for trust domain {}", svid.id.trust_domain().name());
    return;
  }
  std::lock_guard lock(mu_);
  bool first = !identity_;
  bool rotated = identity_ && !(identity_->svid.leaf() == svid.leaf());
  if (first) {
    log_->info("attested as {}: SVID valid until {}; devices may now be contacted", svid.id.str(),
               FormatTimestamp(svid.leaf().not_after()));
  } else if (rotated) {
    log_->info("SVID rotated: {} valid until {}", svid.id.str(),
               FormatTimestamp(svid.leaf().not_after()));
  }
  if (first || rotated) {
    identity_ = MapperIdentity{std::move(svid), bundle->second, ++generation_};
  } else {
    identity_->bundle = bundle->second;  // a bundle change alone
  }
  cv_.notify_all();
}

void SvidSource::Drop(const std::string& why) {
  std::lock_guard lock(mu_);
  if (identity_) log_->warn("identity dropped: {}", why);
  identity_.reset();
  cv_.notify_all();
}

void SvidSource::Run() {
  workloadapi::WorkloadClient client(agent_address_);
  Backoff backoff(std::chrono::milliseconds(500), std::chrono::seconds(30));
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    bool received = false;
    Status ended = client.WatchX509Context(
        [&](workloadapi::X509Context context) {
          received = true;
          backoff.Reset();
          Accept(std::move(context));
          return true;
        },
        cancel_.get());
    if (cancel_->cancelled()) return;
    std::chrono::milliseconds wait = backoff.Next();
    if (!ended.ok() && ended.error().code == ErrorCode::kPermissionDenied) {
      Drop("the agent no longer attests this mapper");
      log_->warn(
          "not attested: the agent has no registration entry for this mapper "
          "(PermissionDenied); no device will be contacted; asking again in {} ms",
          wait.count());
    } else if (!ended.ok()) {
      log_->warn("Workload API at {} unavailable ({}){}; asking again in {} ms", agent_address_,
                 ended.error().message, received || Current() ? "; keeping the current SVID" : "",
                 wait.count());
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return stopping_; });
  }
}

}  // namespace edgeid::mapper
