#include "common/heap_trim.h"

#include <malloc.h>

namespace edgeid {

bool HeapTrimPolicy::TrimDue(size_t free_bytes) {
  if (free_bytes < baseline_) baseline_ = free_bytes;
  if (free_bytes - baseline_ < step_) return false;
  baseline_ = free_bytes;
  return true;
}

bool TrimHeapIfDue(HeapTrimPolicy& policy) {
  if (!policy.TrimDue(mallinfo2().fordblks)) return false;
  malloc_trim(0);
  return true;
}

}  // namespace edgeid
