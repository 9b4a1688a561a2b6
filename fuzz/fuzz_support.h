// Helpers shared by the fuzz targets, which also build as corpus replay tests under GCC.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "test_pki.h"

namespace edgeid::fuzz {

// A broken invariant must stop the run in every build: libFuzzer then saves the input, and the
// replay test fails. The message says which invariant, since a trap alone does not.
[[noreturn]] inline void Fail(const char* invariant, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz invariant violated: %s%s%s\n", invariant, detail.empty() ? "" : ": ",
               detail.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

inline void Require(bool ok, const char* invariant) {
  if (!ok) Fail(invariant);
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Fixed, so that a saved input does the same thing whenever it is replayed.
inline std::chrono::system_clock::time_point Now() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(kNowUnix));
}

}  // namespace edgeid::fuzz
