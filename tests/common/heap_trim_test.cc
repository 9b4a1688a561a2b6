#include "common/heap_trim.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace edgeid {
namespace {

constexpr size_t kMiB = 1 << 20;
constexpr uint64_t kNever = UINT64_MAX;

TEST(HeapTrimPolicyTest, TrimsOnceAStepMoreIsFree) {
  HeapTrimPolicy policy(kMiB, kNever);
  EXPECT_FALSE(policy.TrimDue(100));
  EXPECT_FALSE(policy.TrimDue(kMiB - 1));
  EXPECT_TRUE(policy.TrimDue(kMiB + 100));
  // Still free after the trim: not again until another step is freed.
  EXPECT_FALSE(policy.TrimDue(kMiB + 100));
  EXPECT_FALSE(policy.TrimDue(2 * kMiB));
  EXPECT_TRUE(policy.TrimDue(2 * kMiB + 100));
}

TEST(HeapTrimPolicyTest, BaselineFollowsReusedMemoryDown) {
  HeapTrimPolicy policy(kMiB, kNever);
  EXPECT_TRUE(policy.TrimDue(5 * kMiB));
  // Freed memory used again, then freed again: that is new garbage worth a trim.
  EXPECT_FALSE(policy.TrimDue(kMiB));
  EXPECT_FALSE(policy.TrimDue(kMiB + kMiB / 2));
  EXPECT_TRUE(policy.TrimDue(3 * kMiB));
}

TEST(HeapTrimPolicyTest, WhatLiesFreeAtTheStartIsTheBaseline) {
  HeapTrimPolicy policy(kMiB, kNever, 10 * kMiB);
  EXPECT_FALSE(policy.TrimDue(10 * kMiB + kMiB / 2));
  EXPECT_TRUE(policy.TrimDue(11 * kMiB));
}

// Memory used and freed again between two checks leaves the free count as it was; it is handed
// back at the next periodic trim, and only while a step lies free.
TEST(HeapTrimPolicyTest, TrimsAgainPeriodicallyWhileAStepLiesFree) {
  HeapTrimPolicy policy(kMiB, 3);
  EXPECT_TRUE(policy.TrimDue(2 * kMiB));
  EXPECT_FALSE(policy.TrimDue(2 * kMiB));
  EXPECT_FALSE(policy.TrimDue(2 * kMiB));
  EXPECT_TRUE(policy.TrimDue(2 * kMiB));
  EXPECT_FALSE(policy.TrimDue(kMiB / 2));
  EXPECT_FALSE(policy.TrimDue(kMiB / 2));
  EXPECT_FALSE(policy.TrimDue(kMiB / 2));
  EXPECT_FALSE(policy.TrimDue(kMiB / 2));
}

// With glibc's allocator: memory freed in the middle of the heap is trimmed once, then not again.
TEST(HeapTrimPolicyTest, TrimsAFreedBatchOnce) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizer's allocator replaces glibc's heap";
#endif
  malloc_trim(0);
  if (mallinfo2().arena == 0) GTEST_SKIP() << "another allocator replaces glibc's heap";
  HeapTrimPolicy policy(kMiB, kNever, mallinfo2().fordblks);
  constexpr size_t kBlock = size_t{64} * 1024;  // below glibc's mmap threshold: from the heap
  std::vector<char*> blocks;
  for (int i = 0; i < 64; ++i) {
    blocks.push_back(static_cast<char*>(std::malloc(kBlock)));
    std::memset(blocks.back(), 1, kBlock);
  }
  // In use, whether taken from earlier free chunks or new: nothing to trim, and the baseline
  // follows the free count down.
  EXPECT_FALSE(TrimHeapIfDue(policy));
  // Every other block freed: 2 MiB free between blocks in use, which free() cannot hand back.
  for (size_t i = 0; i < blocks.size(); i += 2) std::free(blocks[i]);
  EXPECT_TRUE(TrimHeapIfDue(policy));
  EXPECT_FALSE(TrimHeapIfDue(policy));
  for (size_t i = 1; i < blocks.size(); i += 2) std::free(blocks[i]);
}

}  // namespace
}  // namespace edgeid
