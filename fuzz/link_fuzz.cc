// Everything a device or a mapper parses from its link arrives from a radio: any bytes at all.
// Each input is offered to every parser of the link (pairing messages, ATT PDUs, sealed frames)
// and, when it decodes as a request, to the simulated device's attribute table. Nothing may
// crash; what decodes must encode back to the same bytes; a sealed frame must never open unless
// it was sealed with the session's key; the table must answer every request with a response.
#include <cstddef>
#include <cstdint>
#include <string>

#include "device/link/att_pdu.h"
#include "device/link/secure_channel.h"
#include "device/link/smp_messages.h"
#include "devsim/firmware/device_firmware.h"
#include "devsim_fixture.h"
#include "fuzz_support.h"

using edgeid::fuzz::Require;
namespace dl = edgeid::device::link;

namespace {

struct Fixture {
  edgeid::devsim::DeviceFirmware* firmware = nullptr;
  dl::SessionKeys keys;
};

const Fixture& TheFixture() {
  static const Fixture fixture = [] {
    auto made = edgeid::fuzz::MakeGenuineElement();
    Fixture f;
    edgeid::devsim::DeviceRecord record{"fuzz", "1.0.0", edgeid::devsim::Counterfeit::kNone,
                                        made.device_id, std::move(made.image)};
    f.firmware = new edgeid::devsim::DeviceFirmware(std::move(record), 1);
    auto keys = dl::DeriveSessionKeys(std::string(32, 's'), std::string(32, 't'));
    Require(keys.ok(), "session keys derive");
    f.keys = *keys;
    return f;
  }();
  return fixture;
}

bool IsResponse(const dl::AttPdu& pdu) {
  return std::holds_alternative<dl::AttErrorResponse>(pdu) ||
         std::holds_alternative<dl::AttReadResponse>(pdu) ||
         std::holds_alternative<dl::AttWriteResponse>(pdu) ||
         std::holds_alternative<dl::AttServices>(pdu) ||
         std::holds_alternative<dl::AttCharacteristics>(pdu);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = edgeid::fuzz::AsText(data, size);
  const Fixture& fixture = TheFixture();

  if (auto request = dl::DecodePairingRequest(bytes); request.ok()) {
    Require(dl::EncodePairingRequest(*request) == bytes, "a Pairing Request re-encodes exactly");
  }
  if (auto response = dl::DecodePairingResponse(bytes); response.ok()) {
    Require(dl::EncodePairingResponse(*response) == bytes, "a Pairing Response re-encodes exactly");
  }
  if (auto reason = dl::DecodePairingFailed(bytes); reason.ok()) {
    Require(dl::EncodePairingFailed(*reason) == bytes, "Pairing Failed re-encodes exactly");
  }
  if (auto signature = dl::DecodeCentralCheck(bytes); signature.ok()) {
    Require(dl::EncodeCentralCheck(*signature) == bytes, "a DHKey Check re-encodes exactly");
  }

  auto pdu = dl::DecodeAtt(bytes);
  if (pdu.ok()) {
    Require(dl::EncodeAtt(*pdu) == bytes, "an ATT PDU re-encodes exactly");
    if (dl::IsAttRequest(*pdu)) {
      dl::LinkSession session{"spiffe://example.org/mapper", std::string(32, 't')};
      dl::AttPdu answer = fixture.firmware->table().Handle(*pdu, session);
      Require(IsResponse(answer), "the attribute table answers a request with a response");
      auto again = dl::DecodeAtt(dl::EncodeAtt(answer));
      Require(again.ok(), "the table's answer decodes");
    }
  }

  // Nobody without the key can make a frame that opens: not the input, nor the input with the
  // counter the receiver expects.
  auto peripheral = dl::SecureChannel::Create(fixture.keys, dl::LinkRole::kPeripheral);
  Require(peripheral.ok(), "a channel can be made");
  Require(!peripheral->Open(bytes).ok(), "an unsealed input never opens");
  // A genuine frame opens; the input appended to it changes the tag and must not.
  auto central = dl::SecureChannel::Create(fixture.keys, dl::LinkRole::kCentral);
  auto sealed = central->Seal(std::string(bytes.substr(0, 512)) + "x");
  Require(sealed.ok(), "a PDU up to 513 bytes can be sealed");
  if (!bytes.empty())
    Require(!peripheral->Open(*sealed + std::string(bytes)).ok(), "an extended frame never opens");
  auto opened = peripheral->Open(*sealed);
  Require(opened.ok() && *opened == std::string(bytes.substr(0, 512)) + "x",
          "a genuine frame opens to what was sealed");
  return 0;
}
