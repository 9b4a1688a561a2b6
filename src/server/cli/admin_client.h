// A connection to a server's admin socket for the CLI, and how the CLI prints.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/result.h"
#include "edgeid/server/v1/types.pb.h"

namespace edgeid::server::cli {

inline constexpr char kDefaultAdminSocket[] = "/run/edgeid/server/private/api.sock";

// NotFound-style error naming the socket when nothing is there to talk to.
Result<std::shared_ptr<grpc::Channel>> ConnectAdmin(const std::string& socket_path);
std::unique_ptr<grpc::ClientContext> AdminContext();
// "Unavailable: cannot reach ..." for a failed call.
std::string Describe(const grpc::Status& status, const std::string& socket_path);

// Prints "edgeid-server <command>: <message>" to stderr; returns the exit status 1.
int CommandFailed(const std::string& command, const std::string& message);

// A TTL flag: whole seconds ("600") or a duration ("10m"); empty gives 0 (the server's default).
Result<int32_t> ParseTtlFlag(const std::string& text, const std::string& flag);

// "type:value" flags to selectors in `out`.
Status AddSelectorFlags(const std::vector<std::string>& texts,
                        google::protobuf::RepeatedPtrField<v1::Selector>* out);

// A message as JSON with the proto field names, for `--output json`.
template <typename Message>
std::string Json(const Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

}  // namespace edgeid::server::cli
