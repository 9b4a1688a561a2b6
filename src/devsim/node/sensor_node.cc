#include "devsim/node/sensor_node.h"

#include "common/atomic_file.h"
#include "devsim/factory/device_files.h"

namespace edgeid::devsim {

Result<std::unique_ptr<SensorNode>> SensorNode::Start(SensorNodeOptions options,
                                                      std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<SensorNode> node(new SensorNode());
  // A device pairs with the mappers it is told of, never with whatever the trust domain holds:
  // any workload, or another device, would otherwise read it and drive its LED.
  if (options.allowed_mapper_ids.empty()) {
    return InvalidArgument(
        "--allowed-mapper-id is required: the mapper(s) this device may pair with");
  }
  for (const auto& text : options.allowed_mapper_ids) {
    auto id = spiffe::SpiffeId::Parse(text);
    if (!id.ok()) return id.error().Wrap("allowed mapper ID \"" + text + "\"");
    node->allowed_ids_.push_back(*id);
  }
  DeviceRecord record = EDGEID_TRY(LoadDevice(options.device_dir));
  node->options_ = std::move(options);
  node->log_ = std::move(log);
  FirmwareHooks hooks;
  hooks.zones_changed = [dir = node->options_.device_dir, log = node->log_](const DeviceRecord& r) {
    auto saved = SaveDeviceZones(dir, r);
    if (!saved.ok()) log->error("saving the element's zones: {}", saved.error().message);
  };
  hooks.led_changed = [log = node->log_](bool on) {
    log->info("LED switched {}", on ? "on" : "off");
  };
  node->log_->info("device {} (ID {}, firmware {}) starting", record.name, record.device_id,
                   record.firmware_version);
  node->firmware_ =
      std::make_unique<DeviceFirmware>(std::move(record), node->options_.sensor_seed, hooks);
  auto credentials = node->LoadCredentials();
  if (!credentials.ok()) {
    node->log_->warn("no device identity yet ({}); pairing is refused until the helper installs it",
                     credentials.error().message);
  } else {
    node->log_->info("device identity {}", credentials->identity.id.str());
  }
  node->link_ = EDGEID_TRY(device::link::PeripheralLink::Start(
      {node->options_.socket_path}, node->firmware_->table(),
      [n = node.get()] { return n->LoadCredentials(); }, node->log_));
  return node;
}

Result<device::link::PeripheralCredentials> SensorNode::LoadCredentials() const {
  std::string certs = EDGEID_TRY(ReadFile(options_.svid_path));
  std::string key = EDGEID_TRY(ReadFile(options_.svid_key_path));
  spiffe::X509Svid svid = EDGEID_TRY(spiffe::X509Svid::FromPem(certs, key));
  std::string bundle_pem = EDGEID_TRY(ReadFile(options_.bundle_path));
  spiffe::X509Bundle bundle =
      EDGEID_TRY(spiffe::X509Bundle::FromPem(svid.id.trust_domain(), bundle_pem));
  return device::link::PeripheralCredentials{std::move(svid), {std::move(bundle), allowed_ids_}};
}

void SensorNode::Tick() {
  for (const auto& [handle, value] : firmware_->SampleSensors()) link_->Notify(handle, value);
}

void SensorNode::Stop() {
  if (link_) link_->Stop();
}

}  // namespace edgeid::devsim
