// Reading validated TOML configuration: every daemon's config file refuses unknown keys and wrong
// types, and names the offending key with its full path ("agent.server_port: ...").
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace edgeid::config {

// InvalidArgument "config: <key>: <why>".
Error Bad(const std::string& key, const std::string& why);

// Refuses keys of `table` that are not in `known`, naming them with their full path.
Status CheckKeys(const toml::table& table, const std::string& prefix,
                 const std::set<std::string>& known);

// The value of `key` when present; an error when it has another type.
template <typename T>
Result<std::optional<T>> Get(const toml::table& table, const std::string& prefix, const char* key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::optional<T>();
  auto value = node->value<T>();
  if (!value) return Bad(prefix + key, "has the wrong type");
  return std::optional<T>(*value);
}

// An array of strings (empty when absent); anything else in it is an error.
Result<std::vector<std::string>> GetStrings(const toml::table& table, const std::string& prefix,
                                            const char* key);

// A positive duration written as SPIRE does ("90s", "1h30m").
Result<std::optional<std::chrono::seconds>> GetDuration(const toml::table& table,
                                                        const std::string& prefix, const char* key);

// A port number, 0 to 65535.
Result<uint16_t> Port(int64_t value, const std::string& key);

// A flag given on the command line wins over the file's value.
template <typename T>
void Override(std::optional<T>& target, const std::optional<T>& flag) {
  if (flag) target = flag;
}

// A duration flag ("90s"), parsed and checked as the file's values; `name` is the flag.
Status OverrideDuration(std::optional<std::chrono::seconds>& target,
                        const std::optional<std::string>& flag, const char* name);

// log_level must be trace, debug, info, warn or error.
Status CheckLogLevel(const std::string& key, const std::string& level);
// log_format "text" or "json": true for json.
Result<bool> IsJsonLogFormat(const std::string& key, const std::string& format);

// Parses TOML text, naming the line and column of a syntax error.
Result<toml::table> ParseToml(std::string_view text);

}  // namespace edgeid::config
