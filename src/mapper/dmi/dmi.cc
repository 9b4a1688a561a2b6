#include "mapper/dmi/dmi.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/backoff.h"
#include "mapper/dmi/device_manager_client.h"
#include "mapper/dmi/device_mapper_service.h"
#include "mapper/dmi/dmi_convert.h"
#include "unixrpc/unix_grpc_endpoint.h"

namespace edgeid::mapper {
namespace {

constexpr std::chrono::seconds kCallTimeout{5};

}  // namespace

struct Dmi::State {
  DmiOptions options;
  DeviceRegistry* registry = nullptr;
  const LatestReadings* readings = nullptr;
  std::shared_ptr<spdlog::logger> log;
  Metrics* metrics = nullptr;

  PeerTracker peers;
  std::unique_ptr<DeviceMapperService> service;
  std::unique_ptr<UnixGrpcEndpoint> endpoint;
  std::unique_ptr<DeviceManagerClient> edgecore;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread thread;

  bool Sleep(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, wait, [&] { return stopping; });
    return !stopping;
  }

  // MapperRegister until EdgeCore answers, then its devices and models into the registry.
  bool RegisterWithEdgeCore() {
    v1beta1::MapperInfo info;
    info.set_name(options.mapper_name);
    info.set_version(options.version);
    info.set_api_version("v1beta1");
    info.set_protocol(options.protocol);
    info.set_address(options.socket_path);
    info.set_state("OK");
    Backoff backoff(std::chrono::seconds(1), std::chrono::seconds(30));
    for (;;) {
      auto registered = edgecore->Register(info);
      if (registered.ok()) {
        Take(*registered);
        return true;
      }
      auto wait = backoff.Next();
      log->warn("dmi: registering with EdgeCore at {}: {}; again in {} ms", options.edgecore_socket,
                registered.error().message, wait.count());
      if (!Sleep(wait)) return false;
    }
  }

  void Take(const v1beta1::MapperRegisterResponse& response) {
    int models = 0, devices = 0;
    for (const auto& m : response.modellist()) {
      auto model = ModelFromDmi(m);
      Status applied = model.ok() ? registry->ApplyModel(*model, ApplyMode::kCreateOrUpdate)
                                  : Status(model.error());
      if (!applied.ok()) {
        log->error("dmi: EdgeCore's model {}: {}", m.name(), applied.error().message);
      } else {
        ++models;
      }
    }
    for (const auto& d : response.devicelist()) {
      auto device = DeviceFromDmi(d);
      Status applied = device.ok() ? registry->ApplyDevice(*device, ApplyMode::kCreateOrUpdate)
                                   : Status(device.error());
      if (!applied.ok()) {
        log->error("dmi: EdgeCore's device {}: {}", d.name(), applied.error().message);
      } else {
        ++devices;
      }
    }
    log->info("dmi: registered with EdgeCore at {}: {} device(s), {} model(s) to serve",
              options.edgecore_socket, devices, models);
  }

  // One ReportDeviceStatus per device whose readings changed, with the twins of its
  // reportToCloud properties. EdgeCore unreachable ends the round (the next one sends the latest
  // values); a device EdgeCore refuses is skipped, not in the way of the others.
  void ReportChanged(uint64_t& reported_version) {
    uint64_t now = 0;
    for (const auto& key : readings->ChangedSince(reported_version, &now)) {
      auto slash = key.find('/');
      auto found = registry->GetDevice(key.substr(0, slash), key.substr(slash + 1));
      if (!found.ok()) continue;  // removed since
      const Device& device = found->first;
      v1beta1::ReportDeviceStatusRequest request;
      request.set_devicename(device.name);
      request.set_devicenamespace(device.namespace_);
      request.mutable_reporteddevice()->set_reporttocloud(true);
      for (const auto& p : device.properties) {
        auto reading = found->second.find(p.name);
        if (!p.report_to_cloud || reading == found->second.end()) continue;
        *request.mutable_reporteddevice()->add_twins() =
            TwinFromReading(reading->second, p.desired);
      }
      if (request.reporteddevice().twins_size() == 0) continue;
      auto sent = edgecore->ReportStatus(request);
      metrics->Increment("edgeid_mapper_dmi_reports_total",
                         {{"outcome", sent.ok() ? "ok" : "failed"}});
      if (sent.ok()) continue;
      log->warn("dmi: reporting {} to EdgeCore: {}", key, sent.error().message);
      if (sent.error().code == ErrorCode::kUnavailable ||
          sent.error().code == ErrorCode::kPermissionDenied) {
        return;
      }
    }
    reported_version = now;
  }

  void Run() {
    if (!RegisterWithEdgeCore()) return;
    uint64_t reported_version = 0;
    while (Sleep(options.report_interval)) ReportChanged(reported_version);
  }
};

Dmi::Dmi(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<Dmi>> Dmi::Start(DmiOptions options, DeviceRegistry& registry,
                                        const LatestReadings& readings,
                                        std::shared_ptr<spdlog::logger> log, Metrics& metrics) {
  auto state = std::make_unique<State>();
  state->options = std::move(options);
  state->registry = &registry;
  state->readings = &readings;
  state->log = std::move(log);
  state->metrics = &metrics;
  metrics.DescribeCounter("edgeid_mapper_dmi_reports_total",
                          "ReportDeviceStatus calls to EdgeCore, by outcome");
  const auto& o = state->options;
  if (!o.socket_path.empty()) {
    state->service = std::make_unique<DeviceMapperService>(registry, state->peers, o.allowed_uids,
                                                           state->log, metrics);
    // Only the allowed uids are served, but the socket must be reachable to be refused
    // explicitly: 0666, and every call is checked.
    UnixGrpcEndpointOptions endpoint{o.socket_path, "DMI DeviceMapperService", 0666, 4 << 20};
    endpoint.metrics = &metrics;
    state->endpoint = EDGEID_TRY(
        UnixGrpcEndpoint::Start(endpoint, {state->service.get()}, state->peers, state->log));
  }
  if (!o.edgecore_socket.empty()) {
    state->edgecore =
        std::make_unique<DeviceManagerClient>(o.edgecore_socket, o.allowed_uids, kCallTimeout);
    auto* s = state.get();
    state->thread = std::thread([s] { s->Run(); });
  }
  return std::unique_ptr<Dmi>(new Dmi(std::move(state)));
}

Status Dmi::CheckServing() const {
  return state_->endpoint ? state_->endpoint->CheckServing() : OkStatus();
}

Dmi::~Dmi() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  if (state_->thread.joinable()) state_->thread.join();
  state_->endpoint.reset();
}

}  // namespace edgeid::mapper
