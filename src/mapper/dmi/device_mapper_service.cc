#include "mapper/dmi/device_mapper_service.h"

#include "grpctls/grpc_status.h"
#include "mapper/dmi/dmi_convert.h"

namespace edgeid::mapper {
namespace {

constexpr const char* kCalls = "edgeid_mapper_dmi_calls_total";

}  // namespace

DeviceMapperService::DeviceMapperService(DeviceRegistry& registry, PeerTracker& peers,
                                         std::set<uid_t> allowed_uids,
                                         std::shared_ptr<spdlog::logger> log, Metrics& metrics)
    : registry_(registry),
      peers_(peers),
      allowed_uids_(std::move(allowed_uids)),
      log_(std::move(log)),
      metrics_(metrics) {
  metrics_.DescribeCounter(kCalls, "DMI DeviceMapperService calls, by method and outcome");
}

grpc::Status DeviceMapperService::Authorize(grpc::ServerContext* context, const char* method) {
  auto peer = peers_.Lookup(context->peer());
  if (!peer.ok()) {
    metrics_.Increment(kCalls, {{"method", method}, {"outcome", "unauthenticated"}});
    return grpctls::ToGrpc(peer.error());
  }
  if (allowed_uids_.count(peer->uid) == 0) {
    metrics_.Increment(kCalls, {{"method", method}, {"outcome", "permission_denied"}});
    log_->warn("dmi: refused {} from pid {} uid {}: not an allowed uid", method, peer->pid,
               peer->uid);
    return grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        "uid " + std::to_string(peer->uid) + " may not call this mapper's DMI (dmi.allowed_uids)");
  }
  // A process that connected and was replaced (PID reuse) is not the one that was checked.
  auto same = CheckSameProcess(*peer);
  if (!same.ok()) {
    metrics_.Increment(kCalls, {{"method", method}, {"outcome", "permission_denied"}});
    return grpctls::ToGrpc(same.error());
  }
  return grpc::Status::OK;
}

grpc::Status DeviceMapperService::Done(const char* method, const Status& status) {
  if (!status.ok()) {
    metrics_.Increment(kCalls, {{"method", method}, {"outcome", "refused"}});
    log_->warn("dmi: {} refused: {}", method, status.error().message);
    return grpctls::ToGrpc(status.error());
  }
  metrics_.Increment(kCalls, {{"method", method}, {"outcome", "ok"}});
  return grpc::Status::OK;
}

grpc::Status DeviceMapperService::RegisterDevice(grpc::ServerContext* context,
                                                 const v1beta1::RegisterDeviceRequest* request,
                                                 v1beta1::RegisterDeviceResponse* response) {
  if (auto denied = Authorize(context, "RegisterDevice"); !denied.ok()) return denied;
  auto device = DeviceFromDmi(request->device());
  if (!device.ok()) return Done("RegisterDevice", device.error());
  response->set_devicename(device->name);
  response->set_devicenamespace(device->namespace_);
  return Done("RegisterDevice", registry_.ApplyDevice(*device, ApplyMode::kCreate));
}

grpc::Status DeviceMapperService::UpdateDevice(grpc::ServerContext* context,
                                               const v1beta1::UpdateDeviceRequest* request,
                                               v1beta1::UpdateDeviceResponse*) {
  if (auto denied = Authorize(context, "UpdateDevice"); !denied.ok()) return denied;
  auto device = DeviceFromDmi(request->device());
  if (!device.ok()) return Done("UpdateDevice", device.error());
  return Done("UpdateDevice", registry_.ApplyDevice(*device, ApplyMode::kUpdate));
}

grpc::Status DeviceMapperService::RemoveDevice(grpc::ServerContext* context,
                                               const v1beta1::RemoveDeviceRequest* request,
                                               v1beta1::RemoveDeviceResponse*) {
  if (auto denied = Authorize(context, "RemoveDevice"); !denied.ok()) return denied;
  return Done("RemoveDevice", registry_.RemoveDevice(DmiNamespace(request->devicenamespace()),
                                                     request->devicename()));
}

grpc::Status DeviceMapperService::CreateDeviceModel(
    grpc::ServerContext* context, const v1beta1::CreateDeviceModelRequest* request,
    v1beta1::CreateDeviceModelResponse* response) {
  if (auto denied = Authorize(context, "CreateDeviceModel"); !denied.ok()) return denied;
  auto model = ModelFromDmi(request->model());
  if (!model.ok()) return Done("CreateDeviceModel", model.error());
  response->set_devicemodelname(model->name);
  response->set_devicemodelnamespace(model->namespace_);
  return Done("CreateDeviceModel", registry_.ApplyModel(*model, ApplyMode::kCreate));
}

grpc::Status DeviceMapperService::UpdateDeviceModel(
    grpc::ServerContext* context, const v1beta1::UpdateDeviceModelRequest* request,
    v1beta1::UpdateDeviceModelResponse*) {
  if (auto denied = Authorize(context, "UpdateDeviceModel"); !denied.ok()) return denied;
  auto model = ModelFromDmi(request->model());
  if (!model.ok()) return Done("UpdateDeviceModel", model.error());
  return Done("UpdateDeviceModel", registry_.ApplyModel(*model, ApplyMode::kUpdate));
}

grpc::Status DeviceMapperService::RemoveDeviceModel(
    grpc::ServerContext* context, const v1beta1::RemoveDeviceModelRequest* request,
    v1beta1::RemoveDeviceModelResponse*) {
  if (auto denied = Authorize(context, "RemoveDeviceModel"); !denied.ok()) return denied;
  return Done("RemoveDeviceModel",
              registry_.RemoveModel(DmiNamespace(request->modelnamespace()), request->modelname()));
}

grpc::Status DeviceMapperService::GetDevice(grpc::ServerContext* context,
                                            const v1beta1::GetDeviceRequest* request,
                                            v1beta1::GetDeviceResponse* response) {
  if (auto denied = Authorize(context, "GetDevice"); !denied.ok()) return denied;
  auto found = registry_.GetDevice(DmiNamespace(request->devicenamespace()), request->devicename());
  if (!found.ok()) return Done("GetDevice", found.error());
  *response->mutable_device() = DeviceToDmi(found->first, found->second);
  return Done("GetDevice", OkStatus());
}

}  // namespace edgeid::mapper
