#include "unixrpc/connection_table.h"

#include <algorithm>

namespace edgeid {

ConnectionTable::Admission ConnectionTable::CanAdmit(uid_t uid) const {
  if (connections_.size() >= max_total_) return Admission::kTotalFull;
  if (count(uid) >= max_per_uid_) return Admission::kUidFull;
  return Admission::kAdmitted;
}

size_t ConnectionTable::count(uid_t uid) const {
  auto it = per_uid_.find(uid);
  return it == per_uid_.end() ? 0 : it->second;
}

void ConnectionTable::Add(UniqueFd watch, uid_t uid, int fd, uint64_t generation) {
  connections_.push_back(Connection{std::move(watch), uid, fd, generation});
  ++per_uid_[uid];
}

void ConnectionTable::AppendPollFds(std::vector<pollfd>& fds) const {
  for (const auto& c : connections_) fds.push_back({c.watch.get(), POLLRDHUP, 0});
}

void ConnectionTable::Release(const pollfd* fds, size_t count,
                              const std::function<void(int fd, uint64_t generation)>& closed) {
  // Backwards, so that moving the last connection into a released one's place keeps the
  // indexes still to visit valid.
  for (size_t i = std::min(count, connections_.size()); i-- > 0;) {
    if ((fds[i].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) == 0) continue;
    Connection& c = connections_[i];
    closed(c.fd, c.generation);
    if (--per_uid_[c.uid] == 0) per_uid_.erase(c.uid);
    if (i + 1 != connections_.size()) c = std::move(connections_.back());
    connections_.pop_back();
  }
}

}  // namespace edgeid
