// The mapper calling EdgeCore's DeviceManagerService (MapperRegister, ReportDeviceStatus) on
// its UNIX socket. EdgeCore is authenticated before anything is sent: the socket's owner, as the
// kernel reports it for the connection (SO_PEERCRED), must be one of `allowed_uids`, so a
// process that took over the socket path learns nothing and feeds the mapper nothing. A broken
// connection is made again at the next call.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/result.h"
#include "dmi/v1beta1/api.grpc.pb.h"

namespace edgeid::mapper {

class DeviceManagerClient {
 public:
  DeviceManagerClient(std::string socket_path, std::set<uid_t> allowed_uids,
                      std::chrono::milliseconds timeout);

  Result<v1beta1::MapperRegisterResponse> Register(const v1beta1::MapperInfo& mapper);
  Status ReportStatus(const v1beta1::ReportDeviceStatusRequest& request);

 private:
  // The stub of a live, authenticated connection.
  Result<v1beta1::DeviceManagerService::Stub*> Stub();
  void Drop();

  const std::string socket_path_;
  const std::set<uid_t> allowed_uids_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1beta1::DeviceManagerService::Stub> stub_;
};

}  // namespace edgeid::mapper
