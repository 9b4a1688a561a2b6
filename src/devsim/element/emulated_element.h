// An STSAFE-A110 in software, answering frames as the chip does: Echo, Generate Random, Read,
// Update, Query (life cycle, product data, data partition, private key table), Generate
// Signature with the slot-0 key and Verify Signature. Anything else is "command code not
// supported"; a damaged frame is a communication error; a zone that does not exist is "entry
// not found"; a zone whose access condition needs a paired host (not emulated) or forbids the
// access is "access condition not satisfied". The slot-0 key is never put in any answer.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/private_key.h"
#include "device/se/commands.h"
#include "device/se/frame.h"
#include "device/se/secure_element.h"

namespace edgeid::devsim {

struct ElementZone {
  device::se::ZoneConfig config;  // config.length is data.size()
  std::string data;
};

// What a factory writes into an element.
struct ElementImage {
  device::se::ProductData product;
  device::se::LifeCycleState life_cycle = device::se::LifeCycleState::kOperational;
  std::vector<ElementZone> zones;
  std::optional<crypto::PrivateKey> slot0;  // P-256
  // A cloned element has no key, only an answer captured from the original, which it replays.
  std::optional<device::se::RawSignature> recorded_signature;
};

class EmulatedElement {
 public:
  explicit EmulatedElement(ElementImage image) : image_(std::move(image)) {}

  // One command frame in, one response frame out; never fails.
  std::string Process(std::string_view command_frame);
  // Zones as updated so far (for saving the device).
  std::vector<ElementZone> zones() const;
  // How many commands were answered, for tests and metrics.
  uint64_t commands_answered() const;

 private:
  device::se::Response Handle(const device::se::Command& command);
  device::se::Response Read(std::string_view data);
  device::se::Response Update(std::string_view data);
  device::se::Response Query(std::string_view data) const;
  device::se::Response GenerateSignature(std::string_view data) const;
  device::se::Response VerifySignature(std::string_view data) const;
  ElementZone* Zone(uint8_t index);

  mutable std::mutex mu_;
  ElementImage image_;
  uint64_t answered_ = 0;
};

// The host driver's transport straight into an emulated element (same process).
class InProcessElementTransport final : public device::se::ElementTransport {
 public:
  explicit InProcessElementTransport(EmulatedElement& element) : element_(element) {}
  Result<std::string> Exchange(std::string_view command_frame) override {
    return element_.Process(command_frame);
  }

 private:
  EmulatedElement& element_;
};

}  // namespace edgeid::devsim
