#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"

namespace edgeid::spiffe {

// Parses untrusted JSON into an object without throwing. Refuses documents larger than
// `max_bytes` or nested deeper than `max_depth`, which bounds the recursion of later walks.
Result<nlohmann::json> ParseJsonObject(std::string_view text, std::string_view what,
                                       size_t max_bytes = 1u << 20, int max_depth = 16);

}  // namespace edgeid::spiffe
