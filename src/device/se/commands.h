// The data of the STSAFE-A110 commands edgeid uses, as laid out on the wire (ST's STSELib,
// services/stsafea/): what the host driver writes and the emulated element reads, and back.
// Multi-byte fields are big-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace edgeid::device::se {

// Generate Random: subject 0x00, size 1..255.
inline constexpr size_t kMaxRandomBytes = 255;
struct GenerateRandomParams {
  uint8_t subject = 0;
  uint8_t size = 0;
};
std::string EncodeGenerateRandom(const GenerateRandomParams& params);
Result<GenerateRandomParams> DecodeGenerateRandom(std::string_view data);

// Read: option, zone index, offset, length.
struct ReadParams {
  uint8_t option = 0;
  uint8_t zone = 0;
  uint16_t offset = 0;
  uint16_t length = 0;
};
std::string EncodeRead(const ReadParams& params);
Result<ReadParams> DecodeRead(std::string_view data);

// Update: option (bit 7 atomic), zone index, offset, the bytes to write.
struct UpdateParams {
  uint8_t option = 0;
  uint8_t zone = 0;
  uint16_t offset = 0;
  std::string bytes;
};
std::string EncodeUpdate(const UpdateParams& params);
Result<UpdateParams> DecodeUpdate(std::string_view data);

// Query subject tags.
enum class QueryTag : uint8_t {
  kLifeCycleState = 0x08,
  kProductData = 0x11,
  kDataPartitionConfiguration = 0x12,
  kPrivateKeyTable = 0x14,
};

enum class LifeCycleState : uint8_t {
  kBorn = 0x01,
  kOperational = 0x03,
  kTerminated = 0x04,
};

// Access conditions of a zone (core/stse_generic_typedef.h).
enum class AccessCondition : uint8_t {
  kAlways = 0,
  kHost = 1,  // needs a C-MAC from the paired host
  kNever = 7,
};

struct ZoneConfig {
  uint8_t index = 0;
  uint8_t type = 0;  // 0 a simple zone, 1 a counter zone
  AccessCondition read = AccessCondition::kAlways;
  AccessCondition update = AccessCondition::kAlways;
  uint16_t length = 0;
  uint32_t counter = 0;  // counter zones only
};
// Zone count, then per zone: index, type, access (bits 6..4 read, 2..0 update), length, and a
// 4-byte counter for counter zones.
std::string EncodeDataPartition(const std::vector<ZoneConfig>& zones);
Result<std::vector<ZoneConfig>> DecodeDataPartition(std::string_view data);

// Product data: tag 0x01 length 3 mask ID, tag 0x02 length 9 ST number.
struct ProductData {
  std::string mask_id;    // 3 bytes
  std::string st_number;  // 9 bytes
};
std::string EncodeProductData(const ProductData& product);
Result<ProductData> DecodeProductData(std::string_view data);

// Generate Signature: slot, digest (length-prefixed). Answer: R and S, each length-prefixed.
struct GenerateSignatureParams {
  uint8_t slot = 0;
  std::string digest;
};
std::string EncodeGenerateSignature(const GenerateSignatureParams& params);
Result<GenerateSignatureParams> DecodeGenerateSignature(std::string_view data);

struct RawSignature {
  std::string r, s;  // big-endian, the curve's size each
};
std::string EncodeSignature(const RawSignature& signature);
Result<RawSignature> DecodeSignature(std::string_view data);

// Verify Signature (subject 0x00, a message signature): curve OID (length-prefixed), point
// format 0x04, X, Y, R, S and the digest, each length-prefixed. Answer: one byte, 0x01 valid.
inline constexpr std::string_view kP256CurveOid = "\x2A\x86\x48\xCE\x3D\x03\x01\x07";
struct VerifySignatureParams {
  std::string curve_oid;
  std::string x, y;
  RawSignature signature;
  std::string digest;
};
std::string EncodeVerifySignature(const VerifySignatureParams& params);
Result<VerifySignatureParams> DecodeVerifySignature(std::string_view data);

}  // namespace edgeid::device::se
