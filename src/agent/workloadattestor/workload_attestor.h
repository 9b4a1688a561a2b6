// Workload attestors turn a caller's kernel credentials into selectors ("unix:uid:1000"); the
// agent gives a caller the SVIDs of every entry whose selectors are a subset of them.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "unixrpc/peer_credentials.h"

namespace edgeid::agent {

class WorkloadAttestor {
 public:
  virtual ~WorkloadAttestor() = default;
  virtual const char* name() const = 0;
  // Selectors as "type:value" strings, e.g. "unix:uid:1000".
  virtual Result<std::vector<std::string>> Attest(const PeerCredentials& peer) = 0;
};

}  // namespace edgeid::agent
