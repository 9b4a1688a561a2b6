// A connection to a server's admin socket for the CLI, and how the CLI prints.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace edgeid::server::cli {

inline constexpr char kDefaultAdminSocket[] = "/tmp/edgeid-server/private/api.sock";

// NotFound-style error naming the socket when nothing is there to talk to.
Result<std::shared_ptr<grpc::Channel>> ConnectAdmin(const std::string& socket_path);
std::unique_ptr<grpc::ClientContext> AdminContext();
// "Unavailable: cannot reach ..." for a failed call.
std::string Describe(const grpc::Status& status, const std::string& socket_path);

}  // namespace edgeid::server::cli
