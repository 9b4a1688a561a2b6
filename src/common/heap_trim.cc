#include "common/heap_trim.h"

#include <malloc.h>

namespace edgeid {

bool HeapTrimPolicy::TrimDue(size_t free_bytes) {
  ++checks_since_trim_;
  if (free_bytes < baseline_) baseline_ = free_bytes;
  bool grown = free_bytes - baseline_ >= step_;
  bool retrim = checks_since_trim_ >= retrim_every_ && free_bytes >= step_;
  if (!grown && !retrim) return false;
  baseline_ = free_bytes;
  checks_since_trim_ = 0;
  return true;
}

bool TrimHeapIfDue(HeapTrimPolicy& policy) {
  if (!policy.TrimDue(mallinfo2().fordblks)) return false;
  malloc_trim(0);
  return true;
}

}  // namespace edgeid
