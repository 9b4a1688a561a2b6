// KubeEdge DMI v1beta1 messages <-> the mapper's Device and DeviceModel. What EdgeCore sends is
// checked as strictly as a Device file: each mistake is named with the device or model and the
// field.
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "dmi/v1beta1/api.pb.h"
#include "mapper/crd/device_crd.h"
#include "mapper/sink/reading_sink.h"

namespace edgeid::mapper {

// DMI leaves the namespace empty for "default", as Kubernetes does.
std::string DmiNamespace(const std::string& namespace_);

Result<Device> DeviceFromDmi(const v1beta1::Device& device);
Result<DeviceModel> ModelFromDmi(const v1beta1::DeviceModel& model);

// The device as DMI's GetDevice answers: its spec, and a twin per property with the desired
// value (observedDesired) and the last reading (reported, metadata type and timestamp in ms).
v1beta1::Device DeviceToDmi(const Device& device,
                            const std::map<std::string, Reading>& latest_readings);
// One reading as a DMI twin.
v1beta1::Twin TwinFromReading(const Reading& reading, const std::optional<std::string>& desired);

}  // namespace edgeid::mapper
