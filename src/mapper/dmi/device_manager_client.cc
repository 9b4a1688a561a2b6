#include "mapper/dmi/device_manager_client.h"

#include <grpcpp/create_channel_posix.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"
#include "grpctls/grpc_status.h"
#include "unixrpc/peer_credentials.h"

namespace edgeid::mapper {

DeviceManagerClient::DeviceManagerClient(std::string socket_path, std::set<uid_t> allowed_uids,
                                         std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)),
      allowed_uids_(std::move(allowed_uids)),
      timeout_(timeout) {}

Result<v1beta1::DeviceManagerService::Stub*> DeviceManagerClient::Stub() {
  // A channel made from a descriptor is one connection with no state to ask: it is kept until a
  // call fails with UNAVAILABLE.
  if (stub_) return stub_.get();
  sockaddr_un addr{};
  if (socket_path_.size() >= sizeof(addr.sun_path)) {
    return InvalidArgument("EdgeCore's DMI socket path is too long: " + socket_path_);
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Unavailable(std::string("socket: ") + std::strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Unavailable("EdgeCore's DMI socket " + socket_path_ + ": " + std::strerror(errno));
  }
  // Only the uid matters here (EdgeCore may run in another PID namespace, where its pid reads
  // as 0), and the kernel fixed it when EdgeCore created the listening socket.
  ucred peer = EDGEID_TRY(SocketPeer(fd.get()));
  if (allowed_uids_.count(peer.uid) == 0) {
    return PermissionDenied("the DMI socket " + socket_path_ + " is served by uid " +
                            std::to_string(peer.uid) + " (pid " + std::to_string(peer.pid) +
                            "), not by an allowed uid (dmi.allowed_uids): not talking to it");
  }
  // gRPC owns the descriptor from here.
  channel_ = grpc::CreateInsecureChannelFromFd("dmi", fd.release());
  stub_ = v1beta1::DeviceManagerService::NewStub(channel_);
  return stub_.get();
}

void DeviceManagerClient::Drop() {
  stub_.reset();
  channel_.reset();
}

Result<v1beta1::MapperRegisterResponse> DeviceManagerClient::Register(
    const v1beta1::MapperInfo& mapper) {
  std::lock_guard lock(mu_);
  auto* stub = EDGEID_TRY(Stub());
  v1beta1::MapperRegisterRequest request;
  request.set_withdata(true);
  *request.mutable_mapper() = mapper;
  v1beta1::MapperRegisterResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout_);
  auto status = stub->MapperRegister(&context, request, &response);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) Drop();
    return grpctls::FromGrpc(status).Wrap("MapperRegister");
  }
  return response;
}

Status DeviceManagerClient::ReportStatus(const v1beta1::ReportDeviceStatusRequest& request) {
  std::lock_guard lock(mu_);
  auto* stub = EDGEID_TRY(Stub());
  v1beta1::ReportDeviceStatusResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout_);
  auto status = stub->ReportDeviceStatus(&context, request, &response);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) Drop();
    return grpctls::FromGrpc(status).Wrap("ReportDeviceStatus");
  }
  return OkStatus();
}

}  // namespace edgeid::mapper
