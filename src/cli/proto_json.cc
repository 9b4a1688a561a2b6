#include "cli/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

namespace edgeid::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

bool Is64Bit(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      return true;
    default:
      return false;
  }
}

// A 64-bit integer protobuf wrote as a string, back to a number; anything else as it was.
void ToNumber(const FieldDescriptor& field, nlohmann::json& value) {
  if (!value.is_string()) return;
  const std::string& text = value.get_ref<const std::string&>();
  try {
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
      value = static_cast<uint64_t>(std::stoull(text));
    } else {
      value = static_cast<int64_t>(std::stoll(text));
    }
  } catch (const std::exception&) {  // not a number protobuf would write; left as it is
  }
}

// Walks the JSON of a message of type `type` alongside its descriptor. Well-known types
// (google.protobuf.*) keep their own JSON forms.
void FixNumbers(const Descriptor& type, nlohmann::json& json) {
  if (!json.is_object() || type.file()->package() == "google.protobuf") return;
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    auto it = json.find(field.name());
    if (it == json.end()) continue;
    if (field.is_map()) {
      const FieldDescriptor& value_field = *field.message_type()->map_value();
      for (auto& [key, value] : it->items()) {
        if (Is64Bit(value_field)) ToNumber(value_field, value);
        if (value_field.message_type() != nullptr) FixNumbers(*value_field.message_type(), value);
      }
      continue;
    }
    auto fix = [&field](nlohmann::json& value) {
      if (Is64Bit(field)) ToNumber(field, value);
      if (field.message_type() != nullptr) FixNumbers(*field.message_type(), value);
    };
    if (field.is_repeated() && it->is_array()) {
      for (auto& element : *it) fix(element);
    } else {
      fix(*it);
    }
  }
}

}  // namespace

nlohmann::json ProtoToJson(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) {
    return nlohmann::json::object();  // only for invalid UTF-8 in a string field
  }
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return nlohmann::json::object();
  FixNumbers(*message.GetDescriptor(), json);
  return json;
}

std::string JsonText(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace edgeid::cli
