// Carries secure-element command frames over a paired link: the frame is written to the
// device's Element Command characteristic and the element's answer read back from it, so the
// mapper runs ST's device authentication against the chip inside the device.
#pragma once

#include "device/link/central_link.h"
#include "device/se/secure_element.h"

namespace edgeid::device::link {

class ElementOverLink final : public se::ElementTransport {
 public:
  ElementOverLink(CentralLink& link, uint16_t element_handle)
      : link_(link), element_handle_(element_handle) {}
  Result<std::string> Exchange(std::string_view command_frame) override;

 private:
  CentralLink& link_;
  uint16_t element_handle_;
};

// The challenge the element signs when a device is authenticated over a link: fresh for every
// pairing (both nonces are in the transcript) and bound to it. The mapper asks for the
// challenge of its own pairing; the device's firmware passes to its element only the challenge
// of the pairing it is in, so a clone cannot relay a mapper's challenge to a genuine device
// through a second pairing.
std::string ElementChallenge(std::string_view transcript_hash);
std::string ElementChallengeFor(const CentralLink& link);

}  // namespace edgeid::device::link
