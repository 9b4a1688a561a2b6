#include "mapper/mapper.h"

#include <signal.h>

#include <chrono>

#include "common/daemon.h"

namespace edgeid::mapper {
namespace {

// How often the Device files are checked for edits.
constexpr std::chrono::seconds kTick{1};

std::map<std::string, std::filesystem::file_time_type> FileTimes(
    const std::vector<std::string>& paths) {
  std::map<std::string, std::filesystem::file_time_type> out;
  for (const auto& path : paths) {
    std::error_code ec;
    out[path] = std::filesystem::last_write_time(path, ec);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Mapper>> Mapper::Start(MapperConfig config,
                                              std::shared_ptr<spdlog::logger> log) {
  DeviceCatalog catalog = EDGEID_TRY(LoadDeviceCatalog(config.device_files, config.protocol));
  std::unique_ptr<Mapper> mapper(new Mapper());
  mapper->config_ = std::move(config);
  mapper->log_ = std::move(log);
  mapper->file_times_ = FileTimes(mapper->config_.device_files);
  std::vector<ReadingSink*> sinks;
  if (!mapper->config_.data_file.empty()) {
    mapper->file_sink_ = EDGEID_TRY(JsonLinesSink::Open(mapper->config_.data_file));
    sinks.push_back(mapper->file_sink_.get());
  }
  auto& metrics = mapper->metrics_;
  metrics.DescribeCounter("edgeid_mapper_readings_total",
                          "Readings published, by device and property");
  metrics.DescribeCounter("edgeid_mapper_device_authentications_total",
                          "Secure-element authentications attempted, by device");
  metrics.DescribeCounter("edgeid_mapper_device_refusals_total",
                          "Devices refused (counterfeit, cloned, wrong key, wrong ID), by reason");
  metrics.DescribeCounter("edgeid_mapper_pairings_total", "Devices paired and authenticated");
  metrics.DescribeCounter("edgeid_mapper_pairing_failures_total", "Pairings that failed");
  metrics.DescribeCounter("edgeid_mapper_publish_failures_total", "Readings the sink refused");
  mapper->log_->info("edgeid-mapper {} starting: protocol {}, {} device(s), agent at {}",
                     mapper->config_.name, mapper->config_.protocol, catalog.devices.size(),
                     mapper->config_.agent_address);
  mapper->identity_ = SvidSource::Start(mapper->config_.agent_address, mapper->log_, metrics);
  if (const auto& mqtt = mapper->config_.mqtt; !mqtt.host.empty()) {
    MqttSinkOptions options;
    options.client.host = mqtt.host;
    options.client.port = mqtt.port;
    options.client.broker_id = mqtt.broker_id;
    options.client.client_id = mqtt.client_id;
    options.client.max_pending = static_cast<std::size_t>(mqtt.max_pending);
    options.client.keepalive = mqtt.keepalive;
    options.client.queue_dir = mqtt.queue_dir;
    options.client.queue_sync = mqtt.queue_sync;
    options.twin_updates = mqtt.twin_updates;
    auto* m = mapper.get();
    mapper->mqtt_sink_ = MqttSink::Start(
        std::move(options), *mapper->identity_,
        [m](const TwinDelta& delta) { m->ApplyDelta(delta); }, mapper->log_, metrics);
    sinks.push_back(mapper->mqtt_sink_.get());
  }
  mapper->sink_ = std::make_unique<FanOutSink>(std::move(sinks));
  {
    std::lock_guard lock(mapper->workers_mu_);
    for (const auto& device : catalog.devices) mapper->StartWorker(device, catalog);
  }
  if (mapper->config_.health_port) {
    auto* m = mapper.get();
    mapper->health_ = EDGEID_TRY(HealthEndpoint::Start(
        mapper->config_.health_bind_address, *mapper->config_.health_port,
        [m]() -> Status {
          if (!m->identity_->Current()) return Unavailable("not attested: no SVID");
          return OkStatus();
        },
        metrics, mapper->log_));
  }
  return mapper;
}

Mapper::~Mapper() {
  StopAll();
}

// Devices first (no new readings), then the broker connection (what is queued gets a chance
// to go out), then the identity the connection uses.
void Mapper::StopAll() {
  {
    std::lock_guard lock(workers_mu_);
    for (auto& [key, worker] : workers_) worker->Stop();
  }
  if (mqtt_sink_) mqtt_sink_->Stop();
  if (identity_) identity_->Stop();
}

void Mapper::ApplyDelta(const TwinDelta& delta) {
  std::string key = delta.device_namespace + "/" + delta.device_name;
  std::lock_guard lock(workers_mu_);
  auto it = workers_.find(key);
  if (it == workers_.end()) {
    metrics_.Increment("edgeid_mapper_twin_deltas_total", {{"outcome", "unknown_device"}});
    log_->warn("mqtt: a twin delta for {}, which this mapper does not serve", key);
    return;
  }
  for (const auto& [property, value] : delta.desired) {
    auto set = it->second->SetDesired(property, value);
    if (!set.ok()) {
      metrics_.Increment("edgeid_mapper_twin_deltas_total", {{"outcome", "refused"}});
      log_->warn("mqtt: twin delta refused: {}", set.error().message);
      continue;
    }
    metrics_.Increment("edgeid_mapper_twin_deltas_total", {{"outcome", "applied"}});
    log_->info("device {}: desired {} = {} (twin delta)", key, property, value);
  }
}

// Holds workers_mu_.
void Mapper::StartWorker(const Device& device, const DeviceCatalog& catalog) {
  const DeviceModel* model = catalog.Model(device.namespace_, device.model_name);
  DeviceWorkerContext context{*identity_, config_.manufacturer_roots, *sink_, metrics_,
                              log_,       config_.refused_retry};
  auto worker = std::make_unique<DeviceWorker>(device, *model, std::move(context));
  worker->Start();
  workers_[device.key()] = std::move(worker);
  if (mqtt_sink_) mqtt_sink_->WatchNamespace(device.namespace_);
}

void Mapper::ReloadIfChanged() {
  auto times = FileTimes(config_.device_files);
  if (times == file_times_) return;
  file_times_ = times;
  auto catalog = LoadDeviceCatalog(config_.device_files, config_.protocol);
  if (!catalog.ok()) {
    log_->error("Device files changed but are not valid; keeping the devices as they were: {}",
                catalog.error().message);
    return;
  }
  std::map<std::string, const Device*> wanted;
  for (const auto& d : catalog->devices) wanted[d.key()] = &d;
  std::lock_guard lock(workers_mu_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (wanted.count(it->first) == 0) {
      log_->info("device {} removed", it->first);
      it->second->Stop();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [key, device] : wanted) {
    auto it = workers_.find(key);
    if (it == workers_.end()) {
      log_->info("device {} added", key);
      StartWorker(*device, *catalog);
    } else {
      it->second->Update(*device, *catalog->Model(device->namespace_, device->model_name));
    }
  }
}

Status Mapper::Run() {
  sigset_t signals = TerminationSignals();
  for (;;) {
    timespec wait{kTick.count(), 0};
    int received = sigtimedwait(&signals, nullptr, &wait);
    if (received == SIGTERM || received == SIGINT) {
      log_->info("received {}, stopping", received == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    ReloadIfChanged();
  }
  StopAll();
  log_->info("edgeid-mapper stopped");
  return OkStatus();
}

}  // namespace edgeid::mapper
