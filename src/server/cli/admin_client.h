// A connection to a server's admin socket for the CLI, and how the CLI prints.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"
#include "edgeid/server/v1/types.pb.h"

namespace edgeid::server::cli {

inline constexpr char kDefaultAdminSocket[] = "/run/edgeid/server/private/api.sock";
// Names the admin socket when neither --admin-socket nor --config does.
inline constexpr char kAdminSocketEnv[] = "EDGEID_SERVER_ADMIN_SOCKET";

// Where the admin socket is and how long to wait for the server: every admin command's flags.
struct AdminOptions {
  std::string socket;           // --admin-socket
  std::string config;           // --config: the server's file, for server.socket_path
  std::string timeout = "30s";  // --timeout
  std::string output = "pretty";
};

// Adds --admin-socket, --config, --timeout and --output to `cmd`.
void AddAdminOptions(CLI::App* cmd, AdminOptions& options);

// A channel to the admin socket and the settings of each call on it.
struct AdminClient {
  std::shared_ptr<grpc::Channel> channel;
  std::string socket;
  std::chrono::seconds timeout{30};

  std::unique_ptr<grpc::ClientContext> Context() const;
  // "cannot reach the server on <socket>: ..." for a failed call.
  std::string Describe(const grpc::Status& status) const;
};

// Resolves the socket (--admin-socket, else server.socket_path of --config, else
// $EDGEID_SERVER_ADMIN_SOCKET, else the default) and checks that it can be connected to: a
// missing socket, one this user may not reach (permission denied) and one nobody serves are each
// reported as such. A malformed --timeout is an error naming it.
Result<AdminClient> ConnectAdmin(const AdminOptions& options);

// Prints "edgeid-server <command>: <message>" to stderr; returns the exit status 1.
int CommandFailed(const std::string& command, const std::string& message);

// A TTL flag: whole seconds ("600") or a duration ("10m"); empty gives 0 (the server's default).
Result<int32_t> ParseTtlFlag(const std::string& text, const std::string& flag);

// "type:value" flags to selectors in `out`.
Status AddSelectorFlags(const std::vector<std::string>& texts,
                        google::protobuf::RepeatedPtrField<v1::Selector>* out);

// A message as JSON for `--output json`: proto field names, every field present (false and 0
// too), 64-bit integers as numbers.
std::string Json(const google::protobuf::Message& m);

}  // namespace edgeid::server::cli
