#include "agent/agent.h"

#include "agent/node/agent_identity.h"
#include "agent/workloadattestor/unix/unix_attestor.h"
#include "common/daemon.h"
#include "common/heap_trim.h"
#include "common/version.h"

namespace edgeid::agent {
namespace {

using Clock = std::chrono::system_clock;

constexpr auto kTickInterval = std::chrono::milliseconds(500);
// A server that does not answer holds the sync loop (and waiting JWT-SVID requests) this long.
constexpr auto kServerCallTimeout = std::chrono::seconds(10);
constexpr uint64_t kTrimCheckTicks = 2;
constexpr size_t kTrimStepBytes = 1 << 20;
constexpr uint64_t kRetrimChecks = 60;  // about a minute

}  // namespace

Result<std::unique_ptr<Agent>> Agent::Start(const AgentConfig& config,
                                            std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<Agent> agent(new Agent(config, std::move(log)));
  Agent& a = *agent;
  EDGEID_RETURN_IF_ERROR(EnsurePrivateDirectory(a.config_.data_dir, "data_dir"));
  a.data_dir_lock_ = EDGEID_TRY(LockDataDirectory(a.config_.data_dir, "data_dir"));
  auto bundle = AgentIdentity::InitialBundle(a.config_);
  if (!bundle.ok()) return bundle.error();
  a.bundle_ = std::make_unique<TrustBundleSource>(std::move(*bundle));
  std::string target = a.config_.server_address + ":" + std::to_string(a.config_.server_port);
  // The client checks the server against the live bundle, which follows CA rotation; the agent
  // owns both and destroys the client first.
  a.client_ =
      std::make_unique<ServerClient>(target, a.config_.trust_domain,
                                     std::shared_ptr<const spiffe::X509BundleSource>(
                                         a.bundle_.get(), [](const spiffe::X509BundleSource*) {}),
                                     kServerCallTimeout);
  ManagerOptions options{a.config_.trust_domain};
  options.sync_interval = a.config_.sync_interval;
  options.rotation.availability_target = a.config_.availability_target;
  a.manager_ = std::make_unique<Manager>(options, a.config_, *a.client_, *a.bundle_, a.cache_,
                                         a.log_, a.metrics_);
  a.change_watcher_ = std::make_unique<ChangeWatcher>(
      *a.client_, [manager = a.manager_.get()] { manager->RequestSync(); }, a.log_);

  std::vector<std::unique_ptr<WorkloadAttestor>> attestors;
  attestors.push_back(std::make_unique<UnixAttestor>(UnixAttestorOptions{
      a.config_.discover_workload_path, a.config_.workload_size_limit, "/proc"}));
  a.workload_api_ = std::make_unique<WorkloadApiService>(a.cache_, *a.manager_, a.peers_,
                                                         std::move(attestors), a.log_, a.metrics_);
  a.health_service_ = std::make_unique<AgentHealthService>([&a] { return a.Ready(); });
  a.AddGauges();
  // Requests are tiny; a JWT is at most 16 KiB.
  UnixGrpcEndpointOptions endpoint_options;
  endpoint_options.socket_path = a.config_.socket_path;
  endpoint_options.name = "Workload API";
  endpoint_options.socket_mode = 0777;
  endpoint_options.max_message_bytes = 64 * 1024;
  endpoint_options.directory_mode = 0755;
  endpoint_options.limits.max_per_uid =
      static_cast<size_t>(a.config_.workload_api_max_connections_per_uid);
  endpoint_options.limits.max_total = static_cast<size_t>(a.config_.workload_api_max_connections);
  endpoint_options.limits.idle_timeout = a.config_.workload_api_idle_timeout;
  endpoint_options.metrics = &a.metrics_;
  auto endpoint = UnixGrpcEndpoint::Start(
      endpoint_options, {a.workload_api_.get(), a.health_service_.get()}, a.peers_, a.log_);
  if (!endpoint.ok()) return endpoint.error();
  a.endpoint_ = std::move(*endpoint);
  a.serving_ = a.endpoint_.get();
  if (a.config_.health_port) {
    auto health = HealthEndpoint::Start(
        a.config_.health_bind_address, *a.config_.health_port, [&a] { return a.Ready(); },
        a.metrics_, a.log_);
    if (!health.ok()) return health.error();
    a.health_endpoint_ = std::move(*health);
  }
  return agent;
}

Agent::~Agent() {
  // Open Workload API streams end now rather than at the endpoint's shutdown deadline.
  if (workload_api_) workload_api_->streams().EndAll();
  // Endpoints first: no call may reach the services while they go away.
  health_endpoint_.reset();
  serving_ = nullptr;
  endpoint_.reset();
  change_watcher_.reset();
}

Status Agent::Ready() const {
  EDGEID_RETURN_IF_ERROR(manager_->Ready(Clock::now()));
  // A Workload API nobody can reach (its socket removed or taken over) is not ready.
  const UnixGrpcEndpoint* endpoint = serving_.load();
  return endpoint != nullptr ? endpoint->CheckServing() : OkStatus();
}

void Agent::AddGauges() {
  AddBuildInfo(metrics_);
  metrics_.AddGauge("edgeid_agent_cached_x509_svids", "X.509-SVIDs held for workloads.",
                    [this] { return static_cast<double>(cache_.Current()->svids.size()); });
  metrics_.AddGauge("edgeid_agent_entries", "Registration entries the agent is authorised for.",
                    [this] { return static_cast<double>(cache_.Current()->entries.size()); });
  metrics_.AddGauge("edgeid_agent_workload_api_streams", "Open Workload API streams.",
                    [this] { return static_cast<double>(workload_api_->open_streams()); });
  metrics_.AddGauge("process_resident_memory_bytes", "Resident memory of the agent.",
                    [] { return ResidentMemoryBytes(); });
}

Status Agent::Run() {
  log_->info("edgeid-agent started: trust domain {}, server {}:{}, version {}",
             config_.trust_domain.name(), config_.server_address, config_.server_port,
             VersionText());
  sigset_t signals = TerminationSignals();
  bool announced = false;
  uint64_t ticks = 0;
  HeapTrimPolicy heap_trim(kTrimStepBytes, kRetrimChecks);
  for (;;) {
    auto ticked = manager_->Tick(Clock::now());
    if (!ticked.ok()) {
      log_->error("{}", ticked.error().message);
      return ticked.error();
    }
    // Memory freed by a batch of new SVIDs, closed streams or dropped SVIDs goes back to the
    // system (1.4 MB of the agent's own pages at idle with 100 entries, bench/agent_bench).
    // Checked every second: mallinfo2 walks the arenas.
    if (++ticks % kTrimCheckTicks == 0) TrimHeapIfDue(heap_trim);
    if (!announced && Ready().ok()) {
      announced = true;
      log_->info("edgeid-agent ready: serving the Workload API on {}", config_.socket_path);
    }
    timespec wait{0, std::chrono::nanoseconds(kTickInterval).count()};
    int received = sigtimedwait(&signals, nullptr, &wait);
    if (received == SIGTERM || received == SIGINT) {
      log_->info("received {}, shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
  }
  log_->info("edgeid-agent stopped");
  return OkStatus();
}

}  // namespace edgeid::agent
