// How the helper retries the agent: from 200 ms, doubling up to 30 s, with jitter
// (common/backoff.h), so that the helpers of a node do not reconnect in step.
#pragma once

#include <chrono>

#include "common/backoff.h"

namespace edgeid::helper {

inline Backoff AgentBackoff() {
  return Backoff(std::chrono::milliseconds(200), std::chrono::seconds(30));
}

}  // namespace edgeid::helper
