// What a sanitizer build cannot test, said where it is skipped.
#pragma once

#include <gtest/gtest.h>

// Debian's libprotobuf is not built with ThreadSanitizer: in a TSan build, google.protobuf.Map
// (inside google.protobuf.Struct) crashes even on one thread (SEGV in protobuf/map.h
// TableEntryIsNonEmptyList), in the library's code and in the headers' inline code alike. What
// needs a Struct (ValidateJWTSVID's claims) is tested by the release and ASan builds.
#if defined(__SANITIZE_THREAD__)
#define EDGEID_SKIP_PROTOBUF_STRUCT_UNDER_TSAN() \
  GTEST_SKIP() << "google.protobuf.Struct crashes with Debian's uninstrumented libprotobuf"
#define EDGEID_UNDER_TSAN 1
#else
#define EDGEID_SKIP_PROTOBUF_STRUCT_UNDER_TSAN() static_cast<void>(0)
#define EDGEID_UNDER_TSAN 0
#endif
