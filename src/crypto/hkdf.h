// HKDF with SHA-256 (RFC 5869): turns a Diffie-Hellman secret and the transcript it was agreed in
// into independent keys, one per purpose named by `info`.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid::crypto {

// Extract-then-expand; `length` at most 255 * 32 bytes.
Result<std::string> HkdfSha256(std::string_view secret, std::string_view salt,
                               std::string_view info, size_t length);

// HMAC-SHA-256, for key confirmation values.
Result<std::string> HmacSha256(std::string_view key, std::string_view data);

}  // namespace edgeid::crypto
