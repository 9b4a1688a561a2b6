#include "common/backoff.h"

#include <algorithm>

namespace edgeid {

std::chrono::milliseconds Backoff::Next() {
  auto current = next_;
  next_ = std::min(max_, next_ * 2);
  std::uniform_int_distribution<int64_t> pick(current.count() / 2, current.count());
  return std::chrono::milliseconds(pick(rng_));
}

}  // namespace edgeid
