#include "mapper/mapper.h"

#include <signal.h>

#include <chrono>

#include "common/daemon.h"
#include "common/version.h"

namespace edgeid::mapper {
namespace {

// How often the Device files are checked for edits.
constexpr std::chrono::seconds kTick{1};
// What MapperRegister tells EdgeCore.
constexpr const char* kMapperVersion = "0.1.0";

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
  DeviceCatalog catalog;
  if (!config.device_files.empty()) {
    catalog = EDGEID_TRY(LoadDeviceCatalog(config.device_files, config.protocol));
  }
  std::unique_ptr<Mapper> mapper(new Mapper());
  mapper->config_ = std::move(config);
  mapper->log_ = std::move(log);
  mapper->file_times_ = FileTimes(mapper->config_.device_files);
  std::vector<ReadingSink*> sinks{&mapper->latest_};
  if (!mapper->config_.data_file.empty()) {
    mapper->file_sink_ = EDGEID_TRY(JsonLinesSink::Open(mapper->config_.data_file));
    sinks.push_back(mapper->file_sink_.get());
  }
  auto& metrics = mapper->metrics_;
  AddBuildInfo(metrics);
  metrics.DescribeCounter("edgeid_mapper_readings_total",
                          "Readings published, by device and property");
  metrics.DescribeCounter("edgeid_mapper_device_authentications_total",
                          "Secure-element authentications attempted, by device");
  metrics.DescribeCounter("edgeid_mapper_device_refusals_total",
                          "Devices refused (counterfeit, cloned, wrong key, wrong ID), by reason");
  metrics.DescribeCounter("edgeid_mapper_pairings_total", "Devices paired and authenticated");
  metrics.DescribeCounter("edgeid_mapper_pairing_failures_total", "Pairings that failed");
  metrics.DescribeCounter("edgeid_mapper_publish_failures_total", "Readings the sink refused");
  mapper->log_->info(
      "edgeid-mapper {} starting: protocol {}, {} device(s), agent at {}, version {}",
      mapper->config_.name, mapper->config_.protocol, catalog.devices.size(),
      mapper->config_.agent_address, VersionText());
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
    auto* self = mapper.get();
    mapper->mqtt_sink_ = MqttSink::Start(
        std::move(options), *mapper->identity_,
        [self](const TwinDelta& delta) { self->ApplyDelta(delta); }, mapper->log_, metrics);
    sinks.push_back(mapper->mqtt_sink_.get());
  }
  mapper->sink_ = std::make_unique<FanOutSink>(std::move(sinks));
  auto* m = mapper.get();
  mapper->fleet_ = std::make_unique<DeviceFleet>(DeviceFleetContext{
      mapper->config_.protocol,
      DeviceWorkerContext{*mapper->identity_, mapper->config_.manufacturer_roots, *mapper->sink_,
                          metrics, mapper->log_, mapper->config_.refused_retry},
      &mapper->latest_, [m](const std::string& ns) {
        if (m->mqtt_sink_) m->mqtt_sink_->WatchNamespace(ns);
      }});
  EDGEID_RETURN_IF_ERROR(mapper->fleet_->SetFileCatalog(std::move(catalog)));
  if (const auto& dmi = mapper->config_.dmi;
      !dmi.socket_path.empty() || !dmi.edgecore_socket.empty()) {
    DmiOptions options{dmi.socket_path,      dmi.edgecore_socket,      dmi.allowed_uids,
                       mapper->config_.name, mapper->config_.protocol, kMapperVersion,
                       dmi.report_interval};
    mapper->dmi_ = EDGEID_TRY(
        Dmi::Start(std::move(options), *mapper->fleet_, mapper->latest_, mapper->log_, metrics));
  }
  if (mapper->config_.health_port) {
    mapper->health_ = EDGEID_TRY(HealthEndpoint::Start(
        mapper->config_.health_bind_address, *mapper->config_.health_port,
        [m]() -> Status {
          if (!m->identity_->Current()) return Unavailable("not attested: no SVID");
          return m->dmi_ ? m->dmi_->CheckServing() : OkStatus();
        },
        metrics, mapper->log_));
  }
  return mapper;
}

Mapper::~Mapper() {
  StopAll();
}

// DMI first (no more changes from EdgeCore), then the devices (no new readings), then the
// broker connection (what is queued gets a chance to go out), then the identity it uses.
void Mapper::StopAll() {
  dmi_.reset();
  if (fleet_) fleet_->Stop();
  if (mqtt_sink_) mqtt_sink_->Stop();
  if (identity_) identity_->Stop();
}

void Mapper::ApplyDelta(const TwinDelta& delta) {
  std::string key = delta.device_namespace + "/" + delta.device_name;
  if (!fleet_->Serves(delta.device_namespace, delta.device_name)) {
    metrics_.Increment("edgeid_mapper_twin_deltas_total", {{"outcome", "unknown_device"}});
    log_->warn("mqtt: a twin delta for {}, which this mapper does not serve", key);
    return;
  }
  for (const auto& [property, value] : delta.desired) {
    auto set = fleet_->SetDesired(delta.device_namespace, delta.device_name, property, value);
    if (!set.ok()) {
      metrics_.Increment("edgeid_mapper_twin_deltas_total", {{"outcome", "refused"}});
      log_->warn("mqtt: twin delta refused: {}", set.error().message);
      continue;
    }
    metrics_.Increment("edgeid_mapper_twin_deltas_total", {{"outcome", "applied"}});
    log_->info("device {}: desired {} = {} (twin delta)", key, property, value);
  }
}

void Mapper::ReloadIfChanged() {
  auto times = FileTimes(config_.device_files);
  if (times == file_times_) return;
  file_times_ = times;
  auto catalog = LoadDeviceCatalog(config_.device_files, config_.protocol);
  size_t devices = catalog.ok() ? catalog->devices.size() : 0;
  size_t models = catalog.ok() ? catalog->models.size() : 0;
  Status applied =
      catalog.ok() ? fleet_->SetFileCatalog(std::move(*catalog)) : Status(catalog.error());
  if (!applied.ok()) {
    log_->error("Device files changed but are not valid; keeping the devices as they were: {}",
                applied.error().message);
    return;
  }
  // Said once the devices run as the files say: an edit that changes nothing a device does
  // would otherwise leave no trace of having been seen.
  log_->info("Device files reloaded: {} device(s), {} model(s)", devices, models);
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
    if (!config_.device_files.empty()) ReloadIfChanged();
  }
  StopAll();
  log_->info("edgeid-mapper stopped");
  return OkStatus();
}

}  // namespace edgeid::mapper
