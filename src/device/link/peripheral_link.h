// The device's side of the link: advertises on its socket, pairs with one central at a time and
// then serves its attribute table and sends notifications, all sealed. Before pairing it answers
// attribute requests only with "insufficient authentication" and pairing requests from
// untrusted centrals with Pairing Failed; a frame that fails to open ends the connection.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/result.h"
#include "device/link/gatt_table.h"
#include "device/link/link_socket.h"
#include "device/link/pairing.h"

namespace edgeid::device::link {

struct PeripheralOptions {
  std::string socket_path;
  // A central must finish pairing this soon after connecting.
  std::chrono::milliseconds pairing_timeout{5000};
};

// Read again for every pairing: the helper renews the device's SVID and bundle on disk.
struct PeripheralCredentials {
  spiffe::X509Svid identity;
  PeerRequirement peer;
};
using CredentialSource = std::function<Result<PeripheralCredentials>()>;

struct PeripheralCounters {
  uint64_t pairings = 0;
  uint64_t pairings_refused = 0;
  uint64_t links_closed_on_bad_frame = 0;
  uint64_t notifications = 0;
};

class PeripheralLink {
 public:
  // `table` must outlive the link.
  static Result<std::unique_ptr<PeripheralLink>> Start(PeripheralOptions options,
                                                       const GattTable& table,
                                                       CredentialSource credentials,
                                                       std::shared_ptr<spdlog::logger> log);
  ~PeripheralLink();
  PeripheralLink(const PeripheralLink&) = delete;
  PeripheralLink& operator=(const PeripheralLink&) = delete;

  // Sends the new value of a characteristic to the paired central if it subscribed to it.
  void Notify(uint16_t value_handle, std::string_view value);
  void Stop();

  bool paired() const;
  std::optional<spiffe::SpiffeId> paired_central() const;
  PeripheralCounters counters() const;

 private:
  PeripheralLink(PeripheralOptions options, const GattTable& table, CredentialSource credentials,
                 std::shared_ptr<spdlog::logger> log, LinkListener listener);
  void AcceptLoop();
  void Serve(LinkSocket socket);
  // Pairs on `socket`; nullopt (after answering and logging) when the central is refused.
  std::optional<PairedLink> Pair(LinkSocket& socket);
  Status ServeRequest(LinkSocket& socket, const std::string& frame);

  PeripheralOptions options_;
  const GattTable& table_;
  CredentialSource credentials_;
  std::shared_ptr<spdlog::logger> log_;
  LinkListener listener_;
  std::atomic<bool> stopping_{false};

  // The connection being served, for Stop to wake; held only around that pointer, never
  // across a Send, so that Stop cannot wait behind a central that stopped reading.
  std::mutex socket_mu_;
  LinkSocket* socket_ = nullptr;

  mutable std::mutex mu_;  // guards everything below, and every Seal and Send
  std::optional<PairedLink> paired_;
  LinkSession session_;
  PeripheralCounters counters_;

  std::thread thread_;
};

}  // namespace edgeid::device::link
