// The mapper's side of DMI: KubeEdge's DeviceMapperService, through which EdgeCore registers,
// updates and removes devices and models and reads a device with its twins. Unlike KubeEdge's,
// every call is authenticated: the caller's uid, from the kernel (SO_PEERCRED, recorded when
// the UNIX socket connection was accepted), must be one of `allowed_uids`; anyone else gets
// PermissionDenied, logged and counted.
#pragma once

#include <grpcpp/grpcpp.h>
#include <spdlog/logger.h>
#include <sys/types.h>

#include <memory>
#include <set>
#include <string>

#include "common/metrics.h"
#include "dmi/v1beta1/api.grpc.pb.h"
#include "mapper/device/device_registry.h"
#include "unixrpc/peer_tracker.h"

namespace edgeid::mapper {

class DeviceMapperService final : public v1beta1::DeviceMapperService::Service {
 public:
  DeviceMapperService(DeviceRegistry& registry, PeerTracker& peers, std::set<uid_t> allowed_uids,
                      std::shared_ptr<spdlog::logger> log, Metrics& metrics);

  grpc::Status RegisterDevice(grpc::ServerContext* context,
                              const v1beta1::RegisterDeviceRequest* request,
                              v1beta1::RegisterDeviceResponse* response) override;
  grpc::Status RemoveDevice(grpc::ServerContext* context,
                            const v1beta1::RemoveDeviceRequest* request,
                            v1beta1::RemoveDeviceResponse* response) override;
  grpc::Status UpdateDevice(grpc::ServerContext* context,
                            const v1beta1::UpdateDeviceRequest* request,
                            v1beta1::UpdateDeviceResponse* response) override;
  grpc::Status CreateDeviceModel(grpc::ServerContext* context,
                                 const v1beta1::CreateDeviceModelRequest* request,
                                 v1beta1::CreateDeviceModelResponse* response) override;
  grpc::Status RemoveDeviceModel(grpc::ServerContext* context,
                                 const v1beta1::RemoveDeviceModelRequest* request,
                                 v1beta1::RemoveDeviceModelResponse* response) override;
  grpc::Status UpdateDeviceModel(grpc::ServerContext* context,
                                 const v1beta1::UpdateDeviceModelRequest* request,
                                 v1beta1::UpdateDeviceModelResponse* response) override;
  grpc::Status GetDevice(grpc::ServerContext* context, const v1beta1::GetDeviceRequest* request,
                         v1beta1::GetDeviceResponse* response) override;

 private:
  // OK for an allowed caller; the call's status otherwise. Counts every call by method and
  // outcome.
  grpc::Status Authorize(grpc::ServerContext* context, const char* method);
  grpc::Status Done(const char* method, const Status& status);

  DeviceRegistry& registry_;
  PeerTracker& peers_;
  const std::set<uid_t> allowed_uids_;
  std::shared_ptr<spdlog::logger> log_;
  Metrics& metrics_;
};

}  // namespace edgeid::mapper
