#pragma once

#include <string>

#include "common/result.h"

namespace edgeid::crypto {

// Bytes from OpenSSL's CSPRNG; an error only if the generator is not seeded.
Result<std::string> RandomBytes(size_t n);
// A random (version 4) UUID in its text form: entry IDs, join tokens, event IDs.
Result<std::string> RandomUuid();

}  // namespace edgeid::crypto
