// The credentials of every connection a UnixGrpcEndpoint accepted, by the "fd:<n>" peer
// name gRPC gives calls on connections handed to it with AddInsecureChannelFromFd.
#pragma once

#include <mutex>
#include <string_view>
#include <unordered_map>

#include "unixrpc/peer_credentials.h"

namespace edgeid {

class PeerTracker {
 public:
  // Called when a connection is accepted, before gRPC sees it. A descriptor number reused by a
  // later connection is simply overwritten: the number is only ever looked up for live ones.
  void Record(int fd, const PeerCredentials& peer);
  // The credentials behind a call's peer name; Unauthenticated for names not from this tracker.
  Result<PeerCredentials> Lookup(std::string_view peer) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<int, PeerCredentials> by_fd_;
};

}  // namespace edgeid
