// Byte encodings used by the standards: base64 (x5c), base64url without padding (JWS, JWK), hex.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace edgeid::crypto {

std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);
std::string Base64UrlEncode(std::string_view bytes);
// Strict RFC 7515 §2: no padding, no whitespace, only the URL-safe alphabet.
Result<std::string> Base64UrlDecode(std::string_view text);
std::string HexEncode(std::string_view bytes, bool upper = false);
// Either case; InvalidArgument for odd lengths and other characters.
Result<std::string> HexDecode(std::string_view text);

}  // namespace edgeid::crypto
