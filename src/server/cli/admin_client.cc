#include "server/cli/admin_client.h"

#include <sys/stat.h>

#include <iostream>

#include "common/duration.h"
#include "server/api/entry_convert.h"

namespace edgeid::server::cli {

Result<std::shared_ptr<grpc::Channel>> ConnectAdmin(const std::string& socket_path) {
  struct stat st {};
  if (::stat(socket_path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
    return Unavailable("no server admin socket at " + socket_path +
                       " (is edgeid-server running? see --admin-socket)");
  }
  return grpc::CreateChannel("unix:" + socket_path, grpc::InsecureChannelCredentials());
}

std::unique_ptr<grpc::ClientContext> AdminContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

std::string Describe(const grpc::Status& status, const std::string& socket_path) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return "cannot reach the server on " + socket_path + ": " + status.error_message();
  }
  return status.error_message();
}

int CommandFailed(const std::string& command, const std::string& message) {
  std::cerr << "edgeid-server " << command << ": " << message << "\n";
  return 1;
}

Result<int32_t> ParseTtlFlag(const std::string& text, const std::string& flag) {
  if (text.empty()) return int32_t{0};
  bool digits = text.find_first_not_of("0123456789") == std::string::npos;
  auto seconds = digits && text.size() <= 10
                     ? Result<std::chrono::seconds>(std::chrono::seconds(std::stoll(text)))
                     : ParseDuration(text);
  if (!seconds.ok()) return InvalidArgument(flag + ": " + seconds.error().message);
  if (seconds->count() > INT32_MAX) return InvalidArgument(flag + ": too long");
  return static_cast<int32_t>(seconds->count());
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

}  // namespace edgeid::server::cli
