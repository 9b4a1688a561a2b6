// The encryption of a paired link. Pairing yields one AES-256-GCM key and nonce prefix per
// direction; every later frame is
//
//   0x80 | counter (u64, big-endian) | AES-256-GCM(inner PDU) | tag[16]
//
// with nonce = prefix || counter and the header as associated data. Each side counts the frames
// it sends from 0 and accepts only the next counter it expects: a replayed, dropped, reordered or
// reflected frame, or one altered in any bit, is refused, and the link is then closed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/aead.h"

namespace edgeid::device::link {

enum class LinkRole { kCentral, kPeripheral };

struct SessionKeys {
  std::string central_key, peripheral_key;                    // 32 bytes each
  std::string central_nonce_prefix, peripheral_nonce_prefix;  // 4 bytes each
};

// HKDF-SHA256 over the ECDH secret, salted with the transcript hash.
Result<SessionKeys> DeriveSessionKeys(std::string_view shared_secret,
                                      std::string_view transcript_hash);

inline constexpr size_t kSealedHeaderBytes = 9;

class SecureChannel {
 public:
  static Result<SecureChannel> Create(const SessionKeys& keys, LinkRole role);

  // A whole frame payload carrying `inner` (an ATT or SMP PDU, channel byte first).
  Result<std::string> Seal(std::string_view inner);
  // The inner PDU of a sealed frame; refuses anything but the next expected frame.
  Result<std::string> Open(std::string_view frame);

  uint64_t frames_sent() const { return send_counter_; }
  uint64_t frames_received() const { return receive_counter_; }

 private:
  SecureChannel(crypto::Aes256Gcm send, std::string send_prefix, crypto::Aes256Gcm receive,
                std::string receive_prefix)
      : send_(std::move(send)),
        send_prefix_(std::move(send_prefix)),
        receive_(std::move(receive)),
        receive_prefix_(std::move(receive_prefix)) {}

  crypto::Aes256Gcm send_;
  std::string send_prefix_;
  crypto::Aes256Gcm receive_;
  std::string receive_prefix_;
  uint64_t send_counter_ = 0;
  uint64_t receive_counter_ = 0;
};

}  // namespace edgeid::device::link
