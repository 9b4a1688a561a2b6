#include "device/se/commands.h"

#include "common/byte_reader.h"

namespace edgeid::device::se {
namespace {

constexpr uint8_t kProductMaskIdTag = 0x01;
constexpr uint8_t kProductStNumberTag = 0x02;
constexpr size_t kMaskIdBytes = 3;
constexpr size_t kStNumberBytes = 9;
constexpr uint8_t kUncompressedPoint = 0x04;
constexpr uint8_t kCounterZone = 1;

std::string Header(uint8_t option, uint8_t zone, uint16_t offset) {
  std::string out;
  out.push_back(static_cast<char>(option));
  out.push_back(static_cast<char>(zone));
  AppendU16(out, offset);
  return out;
}

}  // namespace

std::string EncodeGenerateRandom(const GenerateRandomParams& params) {
  return {static_cast<char>(params.subject), static_cast<char>(params.size)};
}

Result<GenerateRandomParams> DecodeGenerateRandom(std::string_view data) {
  ByteReader in(data, "Generate Random");
  GenerateRandomParams params;
  params.subject = EDGEID_TRY(in.U8("subject"));
  params.size = EDGEID_TRY(in.U8("size"));
  EDGEID_RETURN_IF_ERROR(in.End());
  return params;
}

std::string EncodeRead(const ReadParams& params) {
  std::string out = Header(params.option, params.zone, params.offset);
  AppendU16(out, params.length);
  return out;
}

Result<ReadParams> DecodeRead(std::string_view data) {
  ByteReader in(data, "Read");
  ReadParams params;
  params.option = EDGEID_TRY(in.U8("option"));
  params.zone = EDGEID_TRY(in.U8("zone index"));
  params.offset = EDGEID_TRY(in.U16("offset"));
  params.length = EDGEID_TRY(in.U16("length"));
  EDGEID_RETURN_IF_ERROR(in.End());
  return params;
}

std::string EncodeUpdate(const UpdateParams& params) {
  return Header(params.option, params.zone, params.offset) + params.bytes;
}

Result<UpdateParams> DecodeUpdate(std::string_view data) {
  ByteReader in(data, "Update");
  UpdateParams params;
  params.option = EDGEID_TRY(in.U8("option"));
  params.zone = EDGEID_TRY(in.U8("zone index"));
  params.offset = EDGEID_TRY(in.U16("offset"));
  params.bytes = in.Rest();
  if (params.bytes.empty()) return InvalidArgument("Update: no data to write");
  return params;
}

std::string EncodeDataPartition(const std::vector<ZoneConfig>& zones) {
  std::string out;
  out.push_back(static_cast<char>(zones.size()));
  for (const auto& zone : zones) {
    out.push_back(static_cast<char>(zone.index));
    out.push_back(static_cast<char>(zone.type));
    out.push_back(static_cast<char>((static_cast<uint8_t>(zone.read) << 4) |
                                    static_cast<uint8_t>(zone.update)));
    AppendU16(out, zone.length);
    if (zone.type == kCounterZone) {
      AppendU16(out, static_cast<uint16_t>(zone.counter >> 16));
      AppendU16(out, static_cast<uint16_t>(zone.counter & 0xFFFF));
    }
  }
  return out;
}

Result<std::vector<ZoneConfig>> DecodeDataPartition(std::string_view data) {
  ByteReader in(data, "data partition configuration");
  uint8_t count = EDGEID_TRY(in.U8("zone count"));
  std::vector<ZoneConfig> zones;
  for (uint8_t i = 0; i < count; ++i) {
    ZoneConfig zone;
    zone.index = EDGEID_TRY(in.U8("zone index"));
    zone.type = EDGEID_TRY(in.U8("zone type"));
    uint8_t access = EDGEID_TRY(in.U8("access conditions"));
    zone.read = static_cast<AccessCondition>((access >> 4) & 0x07);
    zone.update = static_cast<AccessCondition>(access & 0x07);
    zone.length = EDGEID_TRY(in.U16("data segment length"));
    if (zone.type == kCounterZone) {
      uint32_t high = EDGEID_TRY(in.U16("counter"));
      uint32_t low = EDGEID_TRY(in.U16("counter"));
      zone.counter = (high << 16) | low;
    }
    zones.push_back(zone);
  }
  EDGEID_RETURN_IF_ERROR(in.End());
  return zones;
}

std::string EncodeProductData(const ProductData& product) {
  std::string out;
  out.push_back(static_cast<char>(kProductMaskIdTag));
  out.push_back(static_cast<char>(kMaskIdBytes));
  out += product.mask_id;
  out.push_back(static_cast<char>(kProductStNumberTag));
  out.push_back(static_cast<char>(kStNumberBytes));
  out += product.st_number;
  return out;
}

Result<ProductData> DecodeProductData(std::string_view data) {
  ByteReader in(data, "product data");
  ProductData product;
  uint8_t tag = EDGEID_TRY(in.U8("mask ID tag"));
  uint8_t length = EDGEID_TRY(in.U8("mask ID length"));
  if (tag != kProductMaskIdTag || length != kMaskIdBytes) {
    return InvalidArgument("product data: no 3-byte mask ID (not an STSAFE-A)");
  }
  product.mask_id = EDGEID_TRY(in.Bytes(kMaskIdBytes, "mask ID"));
  tag = EDGEID_TRY(in.U8("ST number tag"));
  length = EDGEID_TRY(in.U8("ST number length"));
  if (tag != kProductStNumberTag || length != kStNumberBytes) {
    return InvalidArgument("product data: no 9-byte ST number (not an STSAFE-A)");
  }
  product.st_number = EDGEID_TRY(in.Bytes(kStNumberBytes, "ST number"));
  return product;  // later fields are not interpreted
}

std::string EncodeGenerateSignature(const GenerateSignatureParams& params) {
  std::string out;
  out.push_back(static_cast<char>(params.slot));
  AppendLengthPrefixed(out, params.digest);
  return out;
}

Result<GenerateSignatureParams> DecodeGenerateSignature(std::string_view data) {
  ByteReader in(data, "Generate Signature");
  GenerateSignatureParams params;
  params.slot = EDGEID_TRY(in.U8("slot"));
  params.digest = EDGEID_TRY(in.LengthPrefixed("digest"));
  EDGEID_RETURN_IF_ERROR(in.End());
  return params;
}

std::string EncodeSignature(const RawSignature& signature) {
  std::string out;
  AppendLengthPrefixed(out, signature.r);
  AppendLengthPrefixed(out, signature.s);
  return out;
}

Result<RawSignature> DecodeSignature(std::string_view data) {
  ByteReader in(data, "signature");
  RawSignature signature;
  signature.r = EDGEID_TRY(in.LengthPrefixed("R"));
  signature.s = EDGEID_TRY(in.LengthPrefixed("S"));
  EDGEID_RETURN_IF_ERROR(in.End());
  return signature;
}

std::string EncodeVerifySignature(const VerifySignatureParams& params) {
  std::string out;
  out.push_back(0x00);  // subject: a message signature
  AppendLengthPrefixed(out, params.curve_oid);
  out.push_back(static_cast<char>(kUncompressedPoint));
  AppendLengthPrefixed(out, params.x);
  AppendLengthPrefixed(out, params.y);
  out += EncodeSignature(params.signature);
  AppendLengthPrefixed(out, params.digest);
  return out;
}

Result<VerifySignatureParams> DecodeVerifySignature(std::string_view data) {
  ByteReader in(data, "Verify Signature");
  uint8_t subject = EDGEID_TRY(in.U8("subject"));
  if (subject != 0x00) {
    return InvalidArgument("Verify Signature: only message signatures (subject 0x00)");
  }
  VerifySignatureParams params;
  params.curve_oid = EDGEID_TRY(in.LengthPrefixed("curve ID"));
  uint8_t point_format = EDGEID_TRY(in.U8("point format"));
  if (point_format != kUncompressedPoint) {
    return InvalidArgument("Verify Signature: point format must be 0x04 (uncompressed)");
  }
  params.x = EDGEID_TRY(in.LengthPrefixed("X"));
  params.y = EDGEID_TRY(in.LengthPrefixed("Y"));
  params.signature.r = EDGEID_TRY(in.LengthPrefixed("R"));
  params.signature.s = EDGEID_TRY(in.LengthPrefixed("S"));
  params.digest = EDGEID_TRY(in.LengthPrefixed("digest"));
  EDGEID_RETURN_IF_ERROR(in.End());
  return params;
}

}  // namespace edgeid::device::se
