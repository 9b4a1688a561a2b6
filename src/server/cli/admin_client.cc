#include "server/cli/admin_client.h"

#include <iostream>

#include "cli/cli_flags.h"
#include "cli/proto_json.h"
#include "cli/socket_probe.h"
#include "common/duration.h"
#include "server/api/entry_convert.h"

namespace edgeid::server::cli {

void AddAdminOptions(CLI::App* cmd, AdminOptions& options) {
  cmd->add_option("--admin-socket", options.socket,
                  std::string("Server admin socket (default: server.socket_path of --config, else "
                              "$") +
                      kAdminSocketEnv + ", else " + kDefaultAdminSocket + ")");
  cmd->add_option("--config", options.config,
                  "The server's configuration file, to find its admin socket");
  cmd->add_option("--timeout", options.timeout,
                  "How long to wait for the server (seconds, or a duration such as 5s)")
      ->capture_default_str();
  cmd->add_option("--output", options.output, "pretty or json")
      ->check(CLI::IsMember({"pretty", "json"}))
      ->capture_default_str();
}

std::unique_ptr<grpc::ClientContext> AdminClient::Context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

std::string AdminClient::Describe(const grpc::Status& status) const {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return "cannot reach the server on " + socket + ": " + status.error_message();
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return "the server on " + socket + " did not answer within " + FormatDuration(timeout) +
           " (see --timeout)";
  }
  return status.error_message();
}

Result<AdminClient> ConnectAdmin(const AdminOptions& options) {
  AdminClient client;
  client.timeout = EDGEID_TRY(ParseDurationFlag(options.timeout, "--timeout"));
  if (client.timeout.count() <= 0) return InvalidArgument("--timeout must be positive");
  using edgeid::cli::SocketSource;
  client.socket = EDGEID_TRY(edgeid::cli::ResolveSocketPath(
      {{SocketSource::kFlag, options.socket, "", ""},
       {SocketSource::kConfigFile, options.config, "server", "socket_path"},
       {SocketSource::kEnvironment, kAdminSocketEnv, "", ""}},
      kDefaultAdminSocket));
  EDGEID_RETURN_IF_ERROR(edgeid::cli::ProbeUnixSocket(
      client.socket, {"server admin socket", "is edgeid-server running? see --admin-socket",
                      "run as the server's user or a member of its group"}));
  client.channel = grpc::CreateChannel("unix:" + client.socket, grpc::InsecureChannelCredentials());
  return client;
}

int CommandFailed(const std::string& command, const std::string& message) {
  std::cerr << "edgeid-server " << command << ": " << message << "\n";
  return 1;
}

Result<int32_t> ParseTtlFlag(const std::string& text, const std::string& flag) {
  if (text.empty()) return int32_t{0};
  auto seconds = EDGEID_TRY(ParseDurationFlag(text, flag));
  if (seconds.count() > INT32_MAX) return InvalidArgument(flag + ": too long");
  return static_cast<int32_t>(seconds.count());
}

Status AddSelectorFlags(const std::vector<std::string>& texts,
                        google::protobuf::RepeatedPtrField<v1::Selector>* out) {
  for (const auto& text : texts) {
    auto s = EDGEID_TRY(ParseSelector(text));
    auto* sel = out->Add();
    sel->set_type(s.type);
    sel->set_value(s.value);
  }
  return OkStatus();
}

std::string Json(const google::protobuf::Message& m) {
  return edgeid::cli::JsonText(edgeid::cli::ProtoToJson(m));
}

}  // namespace edgeid::server::cli
