// The mapper's side of the link: connects to a device, pairs, and then acts as a GATT client:
// discovery, reads, writes and subscriptions, one request at a time as ATT allows, with
// notifications delivered to a callback. Any frame that does not open ends the link; the caller
// connects and pairs again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "device/link/att_pdu.h"
#include "device/link/link_socket.h"
#include "device/link/pairing.h"

namespace edgeid::device::link {

// Called on the link's reader thread: keep it short.
using NotificationHandler = std::function<void(uint16_t value_handle, const std::string& value)>;

struct CentralOptions {
  std::chrono::milliseconds timeout{5000};  // pairing, and each request
};

class CentralLink {
 public:
  // Connects to the device at `socket_path` and pairs as `identity`, accepting only a peer that
  // meets `peer`. A refusal by either side is PermissionDenied naming the reason.
  static Result<std::unique_ptr<CentralLink>> Pair(const std::string& socket_path,
                                                   const spiffe::X509Svid& identity,
                                                   const PeerRequirement& peer,
                                                   CentralOptions options,
                                                   NotificationHandler on_notification);
  ~CentralLink();
  CentralLink(const CentralLink&) = delete;
  CentralLink& operator=(const CentralLink&) = delete;

  const spiffe::SpiffeId& peer_id() const { return peer_id_; }
  // Binds work done over this link (the secure element's challenge) to this pairing.
  const std::string& transcript_hash() const { return transcript_hash_; }

  Result<std::vector<ServiceRange>> DiscoverServices();
  Result<std::vector<CharacteristicDeclaration>> DiscoverCharacteristics();
  Result<std::string> Read(uint16_t handle);
  Status Write(uint16_t handle, std::string_view value);
  // Enables notifications: writes the configuration descriptor after the value handle.
  Status Subscribe(uint16_t value_handle);

  // False once the link has failed or closed.
  bool connected() const;
  // Ends the link from any thread: requests in flight fail at once. Close() still follows.
  void Interrupt();
  void Close();

 private:
  CentralLink(LinkSocket socket, PairedLink paired, CentralOptions options,
              NotificationHandler on_notification);
  void ReadLoop();
  Result<AttPdu> Request(const AttPdu& request);
  void Fail(const Error& error);

  LinkSocket socket_;
  spiffe::SpiffeId peer_id_;
  std::string transcript_hash_;
  CentralOptions options_;
  NotificationHandler on_notification_;

  std::mutex request_mu_;  // one outstanding request
  mutable std::mutex mu_;  // guards the channel and the fields below
  std::condition_variable cv_;
  SecureChannel channel_;
  std::optional<AttPdu> response_;
  std::optional<Error> failure_;
  bool closing_ = false;
  std::thread reader_;
};

}  // namespace edgeid::device::link
