// When a daemon should hand free heap pages back to the system. glibc keeps memory freed in the
// middle of its heap (a batch's scratch, closed streams, dropped SVIDs) resident until
// malloc_trim; trimming at every check would stall allocating threads for nothing, so a trim is
// due only once at least `step` more bytes lie free than after the last trim. The free byte
// count does not drop after a trim (the pages are handed back, the chunks stay free), hence the
// baseline; it follows the count down as freed memory is used again.
#pragma once

#include <cstddef>

namespace edgeid {

class HeapTrimPolicy {
 public:
  explicit HeapTrimPolicy(size_t step) : step_(step) {}
  // `free_bytes`: free bytes in the heap now (mallinfo2().fordblks). True when a trim is due.
  bool TrimDue(size_t free_bytes);

 private:
  size_t step_;
  size_t baseline_ = 0;
};

// Checks mallinfo2() against `policy` and trims when due. Returns whether it trimmed.
bool TrimHeapIfDue(HeapTrimPolicy& policy);

}  // namespace edgeid
