#include "mapper/device/device_fleet.h"

#include <algorithm>

namespace edgeid::mapper {
namespace {

DeviceCatalog Merge(const DeviceCatalog& a, const DeviceCatalog& b) {
  DeviceCatalog all = a;
  all.models.insert(all.models.end(), b.models.begin(), b.models.end());
  all.devices.insert(all.devices.end(), b.devices.begin(), b.devices.end());
  return all;
}

template <typename T>
typename std::vector<T>::iterator Find(std::vector<T>& items, const std::string& namespace_,
                                       const std::string& name) {
  return std::find_if(items.begin(), items.end(), [&](const T& item) {
    return item.namespace_ == namespace_ && item.name == name;
  });
}

template <typename T>
bool Has(const std::vector<T>& items, const std::string& namespace_, const std::string& name) {
  return std::any_of(items.begin(), items.end(), [&](const T& item) {
    return item.namespace_ == namespace_ && item.name == name;
  });
}

}  // namespace

DeviceFleet::~DeviceFleet() {
  Stop();
}

void DeviceFleet::Stop() {
  std::lock_guard lock(mu_);
  for (auto& [key, worker] : workers_) worker->Stop();
  stopped_ = true;
}

bool DeviceFleet::Serves(const std::string& namespace_, const std::string& name) const {
  std::lock_guard lock(mu_);
  return workers_.count(namespace_ + "/" + name) > 0;
}

std::size_t DeviceFleet::size() const {
  std::lock_guard lock(mu_);
  return workers_.size();
}

void DeviceFleet::StartWorker(const Device& device, const DeviceModel& model) {
  auto worker = std::make_unique<DeviceWorker>(device, model, context_.worker);
  worker->Start();
  workers_[device.key()] = std::move(worker);
  if (context_.on_namespace) context_.on_namespace(device.namespace_);
}

Status DeviceFleet::Commit(DeviceCatalog files, DeviceCatalog dmi) {
  DeviceCatalog all = Merge(files, dmi);
  EDGEID_RETURN_IF_ERROR(ValidateCatalog(all, context_.protocol));
  files_ = std::move(files);
  dmi_ = std::move(dmi);
  if (stopped_) return OkStatus();
  std::map<std::string, const Device*> wanted;
  for (const auto& d : all.devices) wanted[d.key()] = &d;
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (wanted.count(it->first) == 0) {
      context_.worker.log->info("device {} removed", it->first);
      it->second->Stop();
      if (context_.latest) context_.latest->Forget(it->first);
      overrides_.erase(it->first);
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [key, device] : wanted) {
    const DeviceModel& model = *all.Model(device->namespace_, device->model_name);
    auto it = workers_.find(key);
    if (it == workers_.end()) {
      context_.worker.log->info("device {} added", key);
      StartWorker(*device, model);
    } else {
      it->second->Update(WithOverrides(*device), model);
    }
  }
  return OkStatus();
}

Device DeviceFleet::WithOverrides(const Device& device) {
  auto found = overrides_.find(device.key());
  if (found == overrides_.end()) return device;
  Device out = device;
  auto& by_property = found->second;
  for (auto it = by_property.begin(); it != by_property.end();) {
    auto p = std::find_if(out.properties.begin(), out.properties.end(),
                          [&](const DeviceProperty& q) { return q.name == it->first; });
    if (p == out.properties.end() || p->desired != it->second.base) {
      it = by_property.erase(it);  // the Device's own value changed: it wins
      continue;
    }
    p->desired = it->second.value;
    ++it;
  }
  return out;
}

Status DeviceFleet::SetFileCatalog(DeviceCatalog files) {
  std::lock_guard lock(mu_);
  return Commit(std::move(files), dmi_);
}

Status DeviceFleet::ApplyDevice(const Device& device, ApplyMode mode) {
  std::lock_guard lock(mu_);
  if (Has(files_.devices, device.namespace_, device.name)) {
    return AlreadyExists("device " + device.key() +
                         " is defined by the mapper's Device files, not managed over DMI");
  }
  DeviceCatalog dmi = dmi_;
  auto it = Find(dmi.devices, device.namespace_, device.name);
  if (it != dmi.devices.end()) {
    if (mode == ApplyMode::kCreate) return AlreadyExists("device " + device.key() + " exists");
    *it = device;
  } else {
    if (mode == ApplyMode::kUpdate) return NotFound("no device " + device.key());
    dmi.devices.push_back(device);
  }
  return Commit(files_, std::move(dmi));
}

Status DeviceFleet::RemoveDevice(const std::string& namespace_, const std::string& name) {
  std::lock_guard lock(mu_);
  if (Has(files_.devices, namespace_, name)) {
    return FailedPrecondition("device " + namespace_ + "/" + name +
                              " is defined by the mapper's Device files, not managed over DMI");
  }
  DeviceCatalog dmi = dmi_;
  auto it = Find(dmi.devices, namespace_, name);
  if (it == dmi.devices.end()) return NotFound("no device " + namespace_ + "/" + name);
  dmi.devices.erase(it);
  return Commit(files_, std::move(dmi));
}

Status DeviceFleet::ApplyModel(const DeviceModel& model, ApplyMode mode) {
  std::lock_guard lock(mu_);
  std::string key = model.namespace_ + "/" + model.name;
  if (Has(files_.models, model.namespace_, model.name)) {
    return AlreadyExists("device model " + key + " is defined by the mapper's Device files");
  }
  DeviceCatalog dmi = dmi_;
  auto it = Find(dmi.models, model.namespace_, model.name);
  if (it != dmi.models.end()) {
    if (mode == ApplyMode::kCreate) return AlreadyExists("device model " + key + " exists");
    *it = model;
  } else {
    if (mode == ApplyMode::kUpdate) return NotFound("no device model " + key);
    dmi.models.push_back(model);
  }
  return Commit(files_, std::move(dmi));
}

Status DeviceFleet::RemoveModel(const std::string& namespace_, const std::string& name) {
  std::lock_guard lock(mu_);
  std::string key = namespace_ + "/" + name;
  DeviceCatalog dmi = dmi_;
  auto it = Find(dmi.models, namespace_, name);
  if (it == dmi.models.end()) return NotFound("no device model " + key + " managed over DMI");
  for (const auto& d : Merge(files_, dmi_).devices) {
    if (d.namespace_ == namespace_ && d.model_name == name) {
      return FailedPrecondition("device model " + key + " is used by device " + d.key());
    }
  }
  dmi.models.erase(it);
  return Commit(files_, std::move(dmi));
}

Result<std::pair<Device, std::map<std::string, Reading>>> DeviceFleet::GetDevice(
    const std::string& namespace_, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = workers_.find(namespace_ + "/" + name);
  if (it == workers_.end()) return NotFound("no device " + namespace_ + "/" + name);
  std::map<std::string, Reading> latest;
  if (context_.latest) latest = context_.latest->Of(it->first);
  return std::make_pair(it->second->device(), std::move(latest));
}

Status DeviceFleet::SetDesired(const std::string& namespace_, const std::string& name,
                               const std::string& property, const std::string& value) {
  std::lock_guard lock(mu_);
  std::string key = namespace_ + "/" + name;
  auto it = workers_.find(key);
  if (it == workers_.end()) return NotFound("this mapper does not serve " + key);
  std::optional<std::string> base;
  for (const auto* catalog : {&files_, &dmi_}) {
    for (const auto& d : catalog->devices) {
      if (d.key() != key) continue;
      for (const auto& p : d.properties) {
        if (p.name == property) base = p.desired;
      }
    }
  }
  EDGEID_RETURN_IF_ERROR(it->second->SetDesired(property, value));
  overrides_[key][property] = DesiredOverride{value, base};
  return OkStatus();
}

}  // namespace edgeid::mapper
