// The mapper's own identity, from the agent's Workload API. Until the agent has attested the
// mapper (an entry matches it) the agent answers PermissionDenied and there is no identity: the
// mapper then touches no device, says so, and asks again with backoff. Once it has an SVID it
// follows rotations on the open stream. If the agent goes away the last SVID is kept while it
// is valid; if the agent says the mapper is no longer entitled, the identity is dropped at once.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/metrics.h"
#include "spiffe/x509_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::workloadapi {
class WatchCancellation;  // kept out of this header, which the whole mapper includes: gRPC's are
                          // heavy
struct X509Context;
}  // namespace edgeid::workloadapi

namespace edgeid::mapper {

struct MapperIdentity {
  spiffe::X509Svid svid;
  spiffe::X509Bundle bundle;  // of the mapper's own trust domain
  uint64_t generation = 0;    // grows with every new SVID
};

class SvidSource {
 public:
  static std::unique_ptr<SvidSource> Start(const std::string& agent_address,
                                           std::shared_ptr<spdlog::logger> log, Metrics& metrics);
  ~SvidSource();
  SvidSource(const SvidSource&) = delete;
  SvidSource& operator=(const SvidSource&) = delete;

  // The current identity, if the mapper is attested and its SVID still valid.
  std::optional<MapperIdentity> Current() const;
  // Waits up to `timeout` for an identity newer than `generation` (0: any).
  std::optional<MapperIdentity> WaitForNewer(uint64_t generation,
                                             std::chrono::milliseconds timeout) const;
  void Stop();

 private:
  SvidSource(std::string agent_address, std::shared_ptr<spdlog::logger> log);
  void Run();
  void Accept(workloadapi::X509Context context);
  void Drop(const std::string& why);

  std::string agent_address_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<workloadapi::WatchCancellation> cancel_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::optional<MapperIdentity> identity_;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace edgeid::mapper
