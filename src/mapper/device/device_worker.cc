#include "mapper/device/device_worker.h"

#include <algorithm>
#include <cctype>

#include "device/link/characteristic_values.h"
#include "device/link/element_over_link.h"
#include "device/link/link_codes.h"
#include "device/se/device_authentication.h"

namespace edgeid::mapper {
namespace link = device::link;
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kSessionTick{100};
constexpr milliseconds kDesiredRetry{1000};

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A desired value as the characteristic's bytes.
Result<std::string> EncodeDesired(uint16_t uuid, const std::string& value) {
  if (uuid == link::kDigital) {
    if (value == "true" || value == "1" || value == "on") return link::EncodeSwitch(true);
    if (value == "false" || value == "0" || value == "off") return link::EncodeSwitch(false);
    return InvalidArgument("\"" + value + "\" is not a switch value (true or false)");
  }
  return InvalidArgument("characteristic " + link::UuidText(uuid) + " takes no desired value");
}

// What a session is built on: where the device is, who it must be, and which characteristic
// carries which property of which type. When an edit changes it, the session starts over.
std::string SessionShape(const Device& d, const DeviceModel& m) {
  std::string shape = d.socket_path() + "|" + d.expected_spiffe_id().value_or("") + "|" +
                      d.expected_device_id().value_or("");
  for (const auto& p : d.properties) {
    const ModelProperty* mp = m.Property(p.name);
    shape += "|" + p.name + ":" + std::to_string(p.characteristic_uuid) + ":" +
             std::to_string(p.collect_cycle_ms) + ":" + (mp ? mp->type : "");
  }
  return shape;
}

}  // namespace

const char* DeviceStateName(DeviceState state) {
  switch (state) {
    case DeviceState::kWaitingForIdentity:
      return "waiting for the mapper's SVID";
    case DeviceState::kConnecting:
      return "connecting";
    case DeviceState::kRefused:
      return "refused";
    case DeviceState::kServing:
      return "serving";
    case DeviceState::kStopped:
      return "stopped";
  }
  return "unknown";
}

DeviceWorker::DeviceWorker(Device device, DeviceModel model, DeviceWorkerContext context)
    : key_(device.key()),
      context_(std::move(context)),
      device_(std::move(device)),
      model_(std::move(model)) {}

DeviceWorker::~DeviceWorker() {
  Stop();
}

void DeviceWorker::Start() {
  if (!device_.expected_device_id()) {
    context_.log->warn("device {}: no deviceId in its Device: any genuine element is accepted",
                       key_);
  }
  thread_ = std::thread([this] { Run(); });
}

void DeviceWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (live_ != nullptr) live_->Interrupt();  // a request in flight fails now, not in 5 s
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  state_ = DeviceState::kStopped;
}

void DeviceWorker::Update(const Device& device, const DeviceModel& model) {
  std::lock_guard lock(mu_);
  if (SessionShape(device, model) != SessionShape(device_, model_)) {
    restart_session_ = true;
  } else {
    for (const auto& p : device.properties) {
      auto old = std::find_if(device_.properties.begin(), device_.properties.end(),
                              [&](const DeviceProperty& q) { return q.name == p.name; });
      if (old == device_.properties.end() || old->desired != p.desired) desired_changed_ = true;
    }
  }
  device_ = device;
  model_ = model;
  cv_.notify_all();
}

Device DeviceWorker::device() const {
  std::lock_guard lock(mu_);
  return device_;
}

Status DeviceWorker::SetDesired(const std::string& property, const std::string& value) {
  std::lock_guard lock(mu_);
  auto p = std::find_if(device_.properties.begin(), device_.properties.end(),
                        [&](const DeviceProperty& q) { return q.name == property; });
  if (p == device_.properties.end()) {
    return NotFound("device " + key_ + " has no property " + property);
  }
  const ModelProperty* mp = model_.Property(property);
  if (mp == nullptr || mp->access_mode != "ReadWrite") {
    return InvalidArgument("property " + property + " of device " + key_ + " is not ReadWrite");
  }
  auto bytes = EncodeDesired(p->characteristic_uuid, value);
  if (!bytes.ok()) return bytes.error().Wrap("property " + property + " of device " + key_);
  if (p->desired != value) {
    p->desired = value;
    desired_changed_ = true;
    cv_.notify_all();
  }
  return OkStatus();
}

bool DeviceWorker::SleepFor(milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return stopping_; });
  return !stopping_;
}

void DeviceWorker::Run() {
  bool told_waiting = false;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto identity = context_.identity.Current();
    if (!identity) {
      state_ = DeviceState::kWaitingForIdentity;
      if (!told_waiting) {
        context_.log->info("device {}: not contacted: the mapper has no SVID yet", key_);
        told_waiting = true;
      }
      identity = context_.identity.WaitForNewer(0, milliseconds(500));
      if (!identity) continue;
    }
    told_waiting = false;
    Serve(*identity);
  }
}

void DeviceWorker::Serve(const MapperIdentity& identity) {
  state_ = DeviceState::kConnecting;
  std::string socket_path;
  std::optional<std::string> expected;
  {
    std::lock_guard lock(mu_);
    socket_path = device_.socket_path();
    expected = device_.expected_spiffe_id();
    restart_session_ = false;
  }
  link::PeerRequirement peer{identity.bundle, {}};
  if (expected) {
    auto id = spiffe::SpiffeId::Parse(*expected);
    if (!id.ok()) {  // the catalog checks it; an edit in flight may not have been
      Refuse("bad_config", "spiffeId \"" + *expected + "\": " + id.error().message);
      SleepFor(context_.refused_retry);
      return;
    }
    peer.allowed_ids.push_back(*id);
  }
  auto paired = link::CentralLink::Pair(
      socket_path, identity.svid, peer, {},
      [this](uint16_t handle, const std::string& value) { OnNotification(handle, value); });
  if (!paired.ok()) {
    auto wait = backoff_.Next();
    context_.metrics.Increment("edgeid_mapper_pairing_failures_total", {{"device", key_}});
    context_.log->warn("device {}: pairing failed: {}; trying again in {} ms", key_,
                       paired.error().message, wait.count());
    SleepFor(wait);
    return;
  }
  auto& session = **paired;
  {
    std::lock_guard lock(mu_);
    live_ = &session;
    if (stopping_) session.Interrupt();
  }
  Admission admission = Admit(session);
  if (admission == Admission::kAdmitted) RunSession(session);
  EndSession(session);
  if (admission == Admission::kRefused) SleepFor(context_.refused_retry);
  if (admission == Admission::kFailed) SleepFor(backoff_.Next());
}

DeviceWorker::Admission DeviceWorker::Admit(link::CentralLink& session) {
  auto found = session.DiscoverCharacteristics();
  if (!found.ok()) {
    context_.log->warn("device {}: discovery failed: {}", key_, found.error().message);
    return Admission::kFailed;
  }
  if (!Authenticate(session, *found)) return Admission::kRefused;
  context_.metrics.Increment("edgeid_mapper_pairings_total", {{"device", key_}});
  Map(*found);
  std::vector<std::pair<uint16_t, std::string>> to_subscribe;
  {
    std::lock_guard lock(mu_);
    for (const auto& [handle, p] : handles_) {
      if (p.notifies) to_subscribe.emplace_back(handle, p.name);
    }
  }
  for (const auto& [handle, name] : to_subscribe) {
    auto subscribed = session.Subscribe(handle);
    if (!subscribed.ok()) {
      context_.log->warn("device {}: subscribing to {}: {}", key_, name,
                         subscribed.error().message);
      return Admission::kFailed;
    }
  }
  {
    std::lock_guard lock(mu_);
    serving_ = true;
  }
  backoff_.Reset();
  state_ = DeviceState::kServing;
  return Admission::kAdmitted;
}

void DeviceWorker::Map(const std::vector<link::CharacteristicDeclaration>& found) {
  std::lock_guard lock(mu_);
  handles_.clear();
  written_.clear();
  desired_changed_ = false;
  for (const auto& p : device_.properties) {
    auto c = std::find_if(
        found.begin(), found.end(),
        [&](const link::CharacteristicDeclaration& d) { return d.uuid == p.characteristic_uuid; });
    if (c == found.end()) {
      context_.log->warn("device {}: property {}: the device has no characteristic {}", key_,
                         p.name, link::UuidText(p.characteristic_uuid));
      continue;
    }
    const ModelProperty* mp = model_.Property(p.name);
    Property property{p.name, p.characteristic_uuid, Lower(mp ? mp->type : ""),
                      (c->properties & link::kPropertyNotify) != 0, p.collect_cycle_ms};
    // Readable properties that do not notify are read every collectCycle, as KubeEdge's
    // mappers collect; a cycle of 0 means never.
    if (!property.notifies &&
        ((c->properties & link::kPropertyRead) == 0 || property.collect_cycle_ms == 0)) {
      property.collect_cycle_ms = 0;
    }
    handles_[c->value_handle] = property;
  }
}

void DeviceWorker::RunSession(link::CentralLink& session) {
  bool desired_ok = WriteDesired(session, false);
  auto retry_desired_at = SteadyClock::now() + kDesiredRetry;
  for (;;) {
    bool write_desired = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, kSessionTick,
                   [&] { return stopping_ || desired_changed_ || restart_session_; });
      if (stopping_) return;
      if (restart_session_) {
        context_.log->info("device {}: its Device changed; pairing again", key_);
        return;
      }
      write_desired = std::exchange(desired_changed_, false);
    }
    if (!desired_ok && SteadyClock::now() >= retry_desired_at) write_desired = true;
    if (write_desired) {
      desired_ok = WriteDesired(session, true);
      retry_desired_at = SteadyClock::now() + kDesiredRetry;
    }
    Poll(session);
    if (!session.connected()) {
      context_.log->warn("device {}: link lost; pairing again", key_);
      return;
    }
    // A paired link outlives rotations of the mapper's SVID, as a bond or a TLS session does;
    // the next pairing uses the new one. It does not outlive the mapper's entitlement.
    if (!context_.identity.Current()) {
      context_.log->warn("device {}: the mapper lost its SVID; leaving the device", key_);
      return;
    }
  }
}

void DeviceWorker::EndSession(link::CentralLink& session) {
  {
    std::lock_guard lock(mu_);
    serving_ = false;
    handles_.clear();
    live_ = nullptr;
  }
  session.Close();
  if (state_ == DeviceState::kServing) state_ = DeviceState::kConnecting;
}

void DeviceWorker::Poll(link::CentralLink& session) {
  std::vector<std::pair<uint16_t, Property>> due;
  auto now = SteadyClock::now();
  {
    std::lock_guard lock(mu_);
    for (auto& [handle, p] : handles_) {
      if (p.notifies || p.collect_cycle_ms == 0 || now < p.next_poll) continue;
      p.next_poll = now + milliseconds(p.collect_cycle_ms);
      due.emplace_back(handle, p);
    }
  }
  for (const auto& [handle, p] : due) {
    auto value = session.Read(handle);
    if (!value.ok()) {
      context_.log->warn("device {}: reading {}: {}", key_, p.name, value.error().message);
      continue;
    }
    Publish(p, *value);
  }
}

bool DeviceWorker::Authenticate(link::CentralLink& session,
                                const std::vector<link::CharacteristicDeclaration>& found) {
  auto element = std::find_if(found.begin(), found.end(),
                              [](const auto& c) { return c.uuid == link::kElementCommand; });
  if (element == found.end()) {
    Refuse("no_secure_element", "the device offers no secure element characteristic");
    return false;
  }
  link::ElementOverLink transport(session, element->value_handle);
  device::se::SecureElement host(transport);
  auto result = device::se::AuthenticateDevice(host, context_.manufacturer_roots,
                                               std::chrono::system_clock::now(),
                                               link::ElementChallengeFor(session));
  context_.metrics.Increment("edgeid_mapper_device_authentications_total", {{"device", key_}});
  if (!result.device.ok()) {
    Refuse(device::se::RefusalReasonName(result.reason), result.device.error().message);
    return false;
  }
  std::optional<std::string> expected;
  {
    std::lock_guard lock(mu_);
    expected = device_.expected_device_id();
  }
  if (expected && Lower(*expected) != Lower(result.device->device_id)) {
    Refuse("wrong_device_id",
           "its secure element is " + result.device->device_id + ", the Device names " + *expected);
    return false;
  }
  context_.log->info(
      "device {}: genuine: secure element {} ({}) signed this pairing's challenge; paired with "
      "{}",
      key_, result.device->device_id, result.device->subject, session.peer_id().str());
  return true;
}

void DeviceWorker::Refuse(const std::string& reason, const std::string& message) {
  state_ = DeviceState::kRefused;
  context_.metrics.Increment("edgeid_mapper_device_refusals_total",
                             {{"device", key_}, {"reason", reason}});
  context_.log->error("device {}: REFUSED ({}): {}", key_, reason, message);
}

void DeviceWorker::OnNotification(uint16_t handle, const std::string& value) {
  Property property;
  {
    std::lock_guard lock(mu_);
    // Nothing is published before the device is admitted, nor for what was not subscribed.
    auto it = handles_.find(handle);
    if (!serving_ || it == handles_.end() || !it->second.notifies) return;
    property = it->second;
  }
  Publish(property, value);
}

void DeviceWorker::Publish(const Property& property, const std::string& value) {
  auto text = link::ValueAsText(property.uuid, value);
  if (!text.ok()) {
    context_.log->warn("device {}: {}: {}", key_, property.name, text.error().message);
    return;
  }
  Reading reading{"", "", property.name, *text, property.type, std::chrono::system_clock::now()};
  {
    std::lock_guard lock(mu_);
    reading.device_namespace = device_.namespace_;
    reading.device_name = device_.name;
    for (const auto& p : device_.properties) {
      if (p.name == property.name) reading.report_to_cloud = p.report_to_cloud;
    }
  }
  auto published = context_.sink.Publish(reading);
  if (!published.ok()) {
    context_.metrics.Increment("edgeid_mapper_publish_failures_total", {{"device", key_}});
    context_.log->warn("device {}: publishing {}: {}", key_, property.name,
                       published.error().message);
    return;
  }
  context_.metrics.Increment("edgeid_mapper_readings_total",
                             {{"device", key_}, {"property", property.name}});
}

bool DeviceWorker::WriteDesired(link::CentralLink& session, bool only_changed) {
  std::vector<std::pair<uint16_t, DeviceProperty>> wanted;
  {
    std::lock_guard lock(mu_);
    for (const auto& p : device_.properties) {
      if (!p.desired) continue;
      auto done = written_.find(p.name);
      if (only_changed && done != written_.end() && done->second == *p.desired) continue;
      for (const auto& [handle, property] : handles_) {
        if (property.name == p.name) wanted.emplace_back(handle, p);
      }
    }
  }
  bool all_written = true;
  for (const auto& [handle, p] : wanted) {
    auto bytes = EncodeDesired(p.characteristic_uuid, *p.desired);
    Status written = bytes.ok() ? session.Write(handle, *bytes) : Status(bytes.error());
    if (!written.ok()) {
      context_.log->warn("device {}: writing {} = {}: {}", key_, p.name, *p.desired,
                         written.error().message);
      // A value the device can never take is not retried; anything else is.
      if (bytes.ok()) all_written = false;
      continue;
    }
    context_.log->info("device {}: {} set to {}", key_, p.name, *p.desired);
    std::lock_guard lock(mu_);
    written_[p.name] = *p.desired;
  }
  return all_written;
}

}  // namespace edgeid::mapper
