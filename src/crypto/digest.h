#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace edgeid::crypto {

// Raw 32-byte SHA-256 digest.
std::string Sha256(std::string_view data);
// Raw 20-byte SHA-1 digest: only for identifiers the standards define with it (SKI, x509pop
// fingerprints), never for signatures.
std::string Sha1(std::string_view data);

// SHA-256 over data fed in pieces (a file read in blocks).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  std::string Finish();  // raw 32 bytes; the hasher is spent afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace edgeid::crypto
