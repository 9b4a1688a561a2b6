#pragma once

#include <string>
#include <string_view>

namespace edgeid::crypto {

// Raw 32-byte SHA-256 digest.
std::string Sha256(std::string_view data);
// Raw 20-byte SHA-1 digest: only for identifiers the standards define with it (SKI, x509pop
// fingerprints), never for signatures.
std::string Sha1(std::string_view data);

}  // namespace edgeid::crypto
