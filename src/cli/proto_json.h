// `--output json` of the CLIs: protobuf messages as SPIRE's CLIs print them (proto field names,
// every field present), except that 64-bit integers are JSON numbers. Protobuf's JSON mapping
// writes them as strings, which scripts then compare as text ("10" < "9").
#pragma once

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <string>

namespace edgeid::cli {

// Every field, unset ones included (false, 0, "", [] and {}), bytes as base64, enums by name.
nlohmann::json ProtoToJson(const google::protobuf::Message& message);

// Indented, with a final newline, as the CLIs print it.
std::string JsonText(const nlohmann::json& value);

}  // namespace edgeid::cli
