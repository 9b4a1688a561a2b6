// The credentials of every connection a UnixGrpcEndpoint accepted, by the "fd:<n>" peer
// name gRPC gives calls on connections handed to it with AddInsecureChannelFromFd. The endpoint
// records only the connections it admits and forgets each when it closes, so the table is never
// larger than the endpoint's connection cap.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "unixrpc/peer_credentials.h"

namespace edgeid {

class PeerTracker {
 public:
  // Called when a connection is accepted, before gRPC sees it. A descriptor number reused by a
  // later connection is simply overwritten: the number is only ever looked up for live ones.
  // Returns the record's generation, which Forget needs.
  uint64_t Record(int fd, const PeerCredentials& peer);
  // Drops the record of a closed connection, unless `fd` was recorded again since (a later
  // connection got the same descriptor number): the table holds only open connections.
  void Forget(int fd, uint64_t generation);
  // The credentials behind a call's peer name; Unauthenticated for names not from this tracker.
  Result<PeerCredentials> Lookup(std::string_view peer) const;
  size_t size() const;

 private:
  struct Recorded {
    PeerCredentials peer;
    uint64_t generation = 0;
  };
  mutable std::mutex mu_;
  std::unordered_map<int, Recorded> by_fd_;
  uint64_t next_generation_ = 1;
};

}  // namespace edgeid
