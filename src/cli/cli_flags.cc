#include "cli/cli_flags.h"

#include <cstdlib>

#include "common/atomic_file.h"
#include "config/toml_reader.h"

namespace edgeid::cli {
namespace {

// "unix:///run/x.sock" and "unix:/run/x.sock" (SPIFFE_ENDPOINT_SOCKET's forms) to the path.
std::string PathOfAddress(const std::string& address) {
  for (const char* prefix : {"unix://", "unix:"}) {
    if (address.rfind(prefix, 0) == 0) return address.substr(std::string_view(prefix).size());
  }
  return address;
}

Result<std::string> FromConfigFile(const SocketSource& source) {
  auto text = ReadFile(source.value);
  if (!text.ok()) return text.error().Wrap("--config");
  auto file = config::ParseToml(*text);
  if (!file.ok()) return file.error().Wrap("--config " + source.value);
  const toml::table* table = (*file)[source.table].as_table();
  if (table == nullptr) return std::string();
  auto value = EDGEID_TRY(config::Get<std::string>(*table, source.table + ".", source.key.c_str()));
  if (!value) return std::string();
  if (value->empty())
    return InvalidArgument(source.value + ": " + source.table + "." + source.key + " is empty");
  return *value;
}

}  // namespace

Result<std::string> ResolveSocketPath(const std::vector<SocketSource>& sources,
                                      const std::string& fallback) {
  for (const auto& source : sources) {
    switch (source.kind) {
      case SocketSource::kFlag:
        if (!source.value.empty()) return source.value;
        break;
      case SocketSource::kConfigFile:
        if (!source.value.empty()) {
          auto path = EDGEID_TRY(FromConfigFile(source));
          if (!path.empty()) return path;
        }
        break;
      case SocketSource::kEnvironment:
        if (const char* value = std::getenv(source.value.c_str()); value && *value) {
          return PathOfAddress(value);
        }
        break;
    }
  }
  return fallback;
}

}  // namespace edgeid::cli
