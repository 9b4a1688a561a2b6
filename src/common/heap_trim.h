// When a daemon should hand free heap pages back to the system. glibc keeps memory freed in the
// middle of its heap (a batch's scratch, closed streams, dropped SVIDs) resident until
// malloc_trim; trimming at every check would stall allocating threads for nothing. A trim is due
// once at least `step` more bytes lie free than after the last trim, and again every
// `retrim_every` checks while at least `step` lie free: pages handed back inside free chunks
// stay counted as free, so memory used and freed again between two checks would otherwise never
// be handed back a second time. The baseline follows the free count down as memory is reused.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgeid {

class HeapTrimPolicy {
 public:
  // `free_bytes_now`: what lies free already and is not worth a trim on its own.
  HeapTrimPolicy(size_t step, uint64_t retrim_every, size_t free_bytes_now = 0)
      : step_(step), retrim_every_(retrim_every), baseline_(free_bytes_now) {}
  // `free_bytes`: free bytes in the heap now (mallinfo2().fordblks). True when a trim is due.
  bool TrimDue(size_t free_bytes);

 private:
  size_t step_;
  uint64_t retrim_every_;
  size_t baseline_;
  uint64_t checks_since_trim_ = 0;
};

// Checks mallinfo2() against `policy` and trims when due. Returns whether it trimmed.
bool TrimHeapIfDue(HeapTrimPolicy& policy);

}  // namespace edgeid
