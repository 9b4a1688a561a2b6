#include "device/link/secure_channel.h"

#include <limits>

#include "common/byte_reader.h"
#include "crypto/hkdf.h"
#include "device/link/link_codes.h"

namespace edgeid::device::link {
namespace {

constexpr std::string_view kKeyLabel = "edgeid link v1 session keys";
constexpr size_t kPrefixBytes = 4;

std::string Header(uint64_t counter) {
  std::string out;
  out.push_back(static_cast<char>(Channel::kSealed));
  AppendU64(out, counter);
  return out;
}

std::string Nonce(const std::string& prefix, uint64_t counter) {
  std::string nonce = prefix;
  AppendU64(nonce, counter);
  return nonce;
}

}  // namespace

Result<SessionKeys> DeriveSessionKeys(std::string_view shared_secret,
                                      std::string_view transcript_hash) {
  constexpr size_t kKey = crypto::kAes256GcmKeyBytes;
  std::string okm = EDGEID_TRY(
      crypto::HkdfSha256(shared_secret, transcript_hash, kKeyLabel, 2 * kKey + 2 * kPrefixBytes));
  SessionKeys keys;
  keys.central_key = okm.substr(0, kKey);
  keys.peripheral_key = okm.substr(kKey, kKey);
  keys.central_nonce_prefix = okm.substr(2 * kKey, kPrefixBytes);
  keys.peripheral_nonce_prefix = okm.substr(2 * kKey + kPrefixBytes, kPrefixBytes);
  return keys;
}

Result<SecureChannel> SecureChannel::Create(const SessionKeys& keys, LinkRole role) {
  crypto::Aes256Gcm central = EDGEID_TRY(crypto::Aes256Gcm::Create(keys.central_key));
  crypto::Aes256Gcm peripheral = EDGEID_TRY(crypto::Aes256Gcm::Create(keys.peripheral_key));
  if (keys.central_nonce_prefix.size() != kPrefixBytes ||
      keys.peripheral_nonce_prefix.size() != kPrefixBytes) {
    return InvalidArgument("session nonce prefixes must be 4 bytes");
  }
  if (role == LinkRole::kCentral) {
    return SecureChannel(std::move(central), keys.central_nonce_prefix, std::move(peripheral),
                         keys.peripheral_nonce_prefix);
  }
  return SecureChannel(std::move(peripheral), keys.peripheral_nonce_prefix, std::move(central),
                       keys.central_nonce_prefix);
}

Result<std::string> SecureChannel::Seal(std::string_view inner) {
  if (send_counter_ == std::numeric_limits<uint64_t>::max()) {
    return FailedPrecondition("link counter exhausted: pair again");
  }
  if (inner.size() + kSealedHeaderBytes + crypto::kAesGcmTagBytes > kMaxFramePayload) {
    return InvalidArgument("PDU of " + std::to_string(inner.size()) +
                           " bytes does not fit a frame");
  }
  std::string header = Header(send_counter_);
  std::string sealed = EDGEID_TRY(send_.Seal(Nonce(send_prefix_, send_counter_), header, inner));
  ++send_counter_;
  return header + sealed;
}

Result<std::string> SecureChannel::Open(std::string_view frame) {
  ByteReader reader(frame, "sealed frame");
  uint8_t channel = EDGEID_TRY(reader.U8("channel"));
  if (channel != static_cast<uint8_t>(Channel::kSealed)) {
    return PermissionDenied("unencrypted frame on a paired link");
  }
  uint64_t counter = EDGEID_TRY(reader.U64("counter"));
  if (counter != receive_counter_) {
    return PermissionDenied("frame counter " + std::to_string(counter) + " where " +
                            std::to_string(receive_counter_) +
                            " was expected (replayed, dropped or reordered frame)");
  }
  auto inner = receive_.Open(Nonce(receive_prefix_, counter), frame.substr(0, kSealedHeaderBytes),
                             reader.Rest());
  if (!inner.ok()) return PermissionDenied(inner.error().message);
  if (inner->empty()) return InvalidArgument("sealed frame carries no PDU");
  ++receive_counter_;
  return inner;
}

}  // namespace edgeid::device::link
