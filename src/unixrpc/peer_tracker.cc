#include "unixrpc/peer_tracker.h"

#include <charconv>

namespace edgeid {

uint64_t PeerTracker::Record(int fd, const PeerCredentials& peer) {
  std::lock_guard lock(mu_);
  uint64_t generation = next_generation_++;
  by_fd_[fd] = Recorded{peer, generation};
  return generation;
}

void PeerTracker::Forget(int fd, uint64_t generation) {
  std::lock_guard lock(mu_);
  auto it = by_fd_.find(fd);
  if (it != by_fd_.end() && it->second.generation == generation) by_fd_.erase(it);
}

size_t PeerTracker::size() const {
  std::lock_guard lock(mu_);
  return by_fd_.size();
}

Result<PeerCredentials> PeerTracker::Lookup(std::string_view peer) const {
  constexpr std::string_view kPrefix = "fd:";
  if (peer.substr(0, kPrefix.size()) != kPrefix) {
    return Unauthenticated("caller did not connect through this server's UNIX socket");
  }
  int fd = -1;
  auto digits = peer.substr(kPrefix.size());
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), fd);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return Unauthenticated("unrecognised peer " + std::string(peer));
  }
  std::lock_guard lock(mu_);
  auto it = by_fd_.find(fd);
  if (it == by_fd_.end()) return Unauthenticated("no credentials recorded for this connection");
  return it->second.peer;
}

}  // namespace edgeid
