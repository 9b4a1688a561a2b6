// Frames reach the emulated secure element (and, in the mapper, the host driver's response
// decoder) from the device link: any bytes at all. The element must answer every input with a
// well-formed response frame and never put its slot-0 key in one; the codecs must round-trip
// what they accept.
#include <cstddef>
#include <cstdint>
#include <string>

#include "device/se/commands.h"
#include "device/se/frame.h"
#include "devsim/element/emulated_element.h"
#include "devsim_fixture.h"
#include "fuzz_support.h"

using edgeid::fuzz::Require;
namespace se = edgeid::device::se;

namespace {

struct Fixture {
  edgeid::devsim::EmulatedElement* element = nullptr;
  std::string slot0_scalar;  // the private key's 32 bytes, which no answer may contain
};

// One element for the whole run: manufacturing makes keys, which would dominate every input.
// Updates from earlier inputs persist, as they would on a chip.
const Fixture& TheFixture() {
  static const Fixture fixture = [] {
    auto made = edgeid::fuzz::MakeGenuineElement();
    Fixture f;
    auto der = made.image.slot0->ToPkcs8Der();
    Require(der.ok(), "the slot-0 key encodes");
    // ECPrivateKey: version 1, then the scalar as a 32-byte OCTET STRING.
    size_t at = der->find(std::string("\x02\x01\x01\x04\x20", 5));
    Require(at != std::string::npos, "the slot-0 scalar is found in its PKCS#8 encoding");
    f.slot0_scalar = der->substr(at + 5, 32);
    f.element = new edgeid::devsim::EmulatedElement(std::move(made.image));
    return f;
  }();
  return fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = edgeid::fuzz::AsText(data, size);

  const Fixture& fixture = TheFixture();
  std::string answer = fixture.element->Process(bytes);
  auto response = se::DecodeResponse(answer);
  Require(response.ok(), "every element answer is a well-formed response frame");
  auto command = se::DecodeCommand(bytes);
  // Echo and zone reads return bytes an input chose (zone 1 keeps what earlier inputs wrote), so
  // only answers the element composes itself are checked for the key.
  bool answer_is_chosen = command.ok() && (command->code() == se::CommandCode::kEcho ||
                                           command->code() == se::CommandCode::kRead);
  Require(answer_is_chosen || answer.find(fixture.slot0_scalar) == std::string::npos,
          "no answer carries the slot-0 private key");

  if (command.ok()) {
    auto again = se::EncodeCommand(*command);
    Require(again.ok() && *again == bytes, "an accepted command frame encodes back to itself");
    if (auto read = se::DecodeRead(command->data); read.ok()) {
      Require(se::EncodeRead(*read) == command->data, "Read parameters round-trip");
    }
    if (auto sig = se::DecodeGenerateSignature(command->data); sig.ok()) {
      Require(se::EncodeGenerateSignature(*sig) == command->data,
              "Generate Signature parameters round-trip");
    }
    if (auto verify = se::DecodeVerifySignature(command->data); verify.ok()) {
      Require(se::EncodeVerifySignature(*verify) == command->data,
              "Verify Signature parameters round-trip");
    }
  } else {
    Require(response->status == se::ResponseStatus::kCommunicationError,
            "a frame that does not decode is a communication error");
  }

  auto decoded = se::DecodeResponse(bytes);
  if (decoded.ok()) {
    auto again = se::EncodeResponse(*decoded);
    // The status is read from the low five bits, so only those inputs re-encode exactly.
    if ((static_cast<uint8_t>(bytes[0]) & 0xE0) == 0) {
      Require(again.ok() && *again == bytes, "an accepted response frame encodes back to itself");
    }
  }
  (void)se::DecodeDataPartition(bytes);
  (void)se::DecodeProductData(bytes);
  (void)se::DecodeSignature(bytes);
  return 0;
}
