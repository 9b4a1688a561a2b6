#include "devsim/firmware/device_firmware.h"

#include "device/link/characteristic_values.h"
#include "device/link/element_over_link.h"
#include "device/link/link_codes.h"
#include "device/se/codes.h"
#include "device/se/commands.h"
#include "device/se/frame.h"

namespace edgeid::devsim {

using namespace device::link;  // NOLINT(google-build-using-namespace): the UUID table

DeviceFirmware::DeviceFirmware(DeviceRecord record, uint64_t sensor_seed, FirmwareHooks hooks)
    : record_(std::move(record)),
      hooks_(std::move(hooks)),
      element_(record_.element),
      sensors_(sensor_seed),
      table_(Characteristics()) {
  last_ = sensors_.Sample();
}

std::vector<CharacteristicSpec> DeviceFirmware::Characteristics() {
  auto text = [](const std::string& value) {
    return [value](const LinkSession&) { return Result<std::string>(value); };
  };
  auto reading = [this](auto encode) {
    return [this, encode](const LinkSession&) -> Result<std::string> {
      std::lock_guard lock(mu_);
      return encode(last_);
    };
  };
  return {
      {kDeviceInformationService, kModelNumberString, kPropertyRead, text(kModelNumber)},
      {kDeviceInformationService, kSerialNumberString, kPropertyRead, text(record_.device_id)},
      {kDeviceInformationService, kFirmwareRevisionString, kPropertyRead,
       text(record_.firmware_version)},
      {kEnvironmentalSensingService, kTemperature, kPropertyRead | kPropertyNotify,
       reading(
           [](const EnvironmentReading& r) { return EncodeTemperature(r.temperature_celsius); })},
      {kEnvironmentalSensingService, kPressure, kPropertyRead | kPropertyNotify,
       reading([](const EnvironmentReading& r) { return EncodePressure(r.pressure_hectopascal); })},
      {kEnvironmentalSensingService, kHumidity, kPropertyRead | kPropertyNotify,
       reading([](const EnvironmentReading& r) { return EncodeHumidity(r.humidity_percent); })},
      {kAutomationIoService, kDigital, kPropertyRead | kPropertyWrite,
       [this](const LinkSession&) { return Result<std::string>(EncodeSwitch(led_on_)); },
       [this](const LinkSession&, std::string_view value) -> Status {
         bool on = EDGEID_TRY(DecodeSwitch(value));
         led_on_ = on;
         ++led_writes_;
         if (hooks_.led_changed) hooks_.led_changed(on);
         return OkStatus();
       }},
      {kSecureElementService, kElementCommand, kPropertyRead | kPropertyWrite,
       [this](const LinkSession& session) -> Result<std::string> {
         std::lock_guard lock(mu_);
         // Only the session that asked reads the answer: another mapper's later session never
         // sees a signature made for this one.
         if (element_answer_.empty() || answer_session_ != session.transcript_hash) {
           return FailedPrecondition("no element command in this session");
         }
         return element_answer_;
       },
       [this](const LinkSession& session, std::string_view frame) {
         return ElementCommand(session, frame);
       }},
  };
}

Status DeviceFirmware::ElementCommand(const LinkSession& session, std::string_view frame) {
  namespace se = device::se;
  // The firmware relays to its element what a paired mapper needs to authenticate the device and
  // use its data zones, and nothing else. The element signs only the challenge of the pairing
  // the request came over (see ElementChallenge): a clone relaying a mapper's challenge to this
  // device through a pairing of its own gets a refusal, not a signature.
  auto command = se::DecodeCommand(frame);
  if (command.ok()) {
    switch (command->code()) {
      case se::CommandCode::kEcho:
      case se::CommandCode::kGenerateRandom:
      case se::CommandCode::kRead:
      case se::CommandCode::kUpdate:
      case se::CommandCode::kQuery:
        break;
      case se::CommandCode::kGenerateSignature: {
        auto params = se::DecodeGenerateSignature(command->data);
        if (params.ok() && params->digest != ElementChallenge(session.transcript_hash)) {
          return PermissionDenied("the element signs only the challenge of this pairing");
        }
        break;
      }
      default:
        return PermissionDenied(se::CommandName(static_cast<uint8_t>(command->code())) +
                                " is not relayed to the element");
    }
  }
  // A frame that does not decode goes on: the element answers it as the chip would.
  std::string answer = element_.Process(frame);
  bool updated = false;
  {
    std::lock_guard lock(mu_);
    element_answer_ = answer;
    answer_session_ = session.transcript_hash;
    auto response = se::DecodeResponse(answer);
    updated = command.ok() && response.ok() && command->code() == se::CommandCode::kUpdate &&
              response->status == se::ResponseStatus::kOk;
    if (updated) record_.element.zones = element_.zones();
  }
  if (updated && hooks_.zones_changed) hooks_.zones_changed(record_);
  return OkStatus();
}

std::vector<std::pair<uint16_t, std::string>> DeviceFirmware::SampleSensors() {
  std::lock_guard lock(mu_);
  last_ = sensors_.Sample();
  return {
      {table_.ValueHandle(kTemperature), EncodeTemperature(last_.temperature_celsius)},
      {table_.ValueHandle(kPressure), EncodePressure(last_.pressure_hectopascal)},
      {table_.ValueHandle(kHumidity), EncodeHumidity(last_.humidity_percent)},
  };
}

}  // namespace edgeid::devsim
