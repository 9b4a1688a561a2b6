// The connections a UnixGrpcEndpoint handed to gRPC, counted per uid and overall, and noticed
// when they close. gRPC closes the descriptors it was given without telling anyone, and a
// closed descriptor's number is soon reused; so each connection is watched through a duplicate
// descriptor of its own, which only this table closes: the socket reports a hang-up on it when
// either side closes (the peer closes, or gRPC shuts the socket down before closing its copy),
// and its number cannot be confused with a later connection's while the table holds it.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "common/unique_fd.h"

namespace edgeid {

class ConnectionTable {
 public:
  enum class Admission { kAdmitted, kUidFull, kTotalFull };

  ConnectionTable(size_t max_per_uid, size_t max_total)
      : max_per_uid_(max_per_uid), max_total_(max_total) {}

  Admission CanAdmit(uid_t uid) const;
  // Tracks a connection: `watch` duplicates `fd`, the descriptor handed to gRPC; `generation`
  // is what the PeerTracker gave its record.
  void Add(UniqueFd watch, uid_t uid, int fd, uint64_t generation);
  // One pollfd per tracked connection, in the table's order, asking for hang-ups only.
  void AppendPollFds(std::vector<pollfd>& fds) const;
  // Releases each connection whose pollfd (`fds`, as AppendPollFds gave them, after poll)
  // reports a hang-up or an error, calling `closed(fd, generation)` for it.
  void Release(const pollfd* fds, size_t count,
               const std::function<void(int fd, uint64_t generation)>& closed);

  size_t size() const { return connections_.size(); }
  size_t count(uid_t uid) const;
  size_t max_total() const { return max_total_; }
  size_t max_per_uid() const { return max_per_uid_; }

 private:
  struct Connection {
    UniqueFd watch;
    uid_t uid;
    int fd;
    uint64_t generation;
  };
  size_t max_per_uid_;
  size_t max_total_;
  std::vector<Connection> connections_;
  std::unordered_map<uid_t, size_t> per_uid_;
};

}  // namespace edgeid
