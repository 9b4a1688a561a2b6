#include "device/link/element_over_link.h"

#include "crypto/digest.h"

namespace edgeid::device::link {

Result<std::string> ElementOverLink::Exchange(std::string_view command_frame) {
  EDGEID_RETURN_IF_ERROR(link_.Write(element_handle_, command_frame));
  return link_.Read(element_handle_);
}

std::string ElementChallenge(std::string_view transcript_hash) {
  return crypto::Sha256("edgeid link v1 element challenge" + std::string(transcript_hash));
}

std::string ElementChallengeFor(const CentralLink& link) {
  return ElementChallenge(link.transcript_hash());
}

}  // namespace edgeid::device::link
