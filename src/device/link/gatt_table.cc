#include "device/link/gatt_table.h"

#include <algorithm>

#include "common/byte_reader.h"

namespace edgeid::device::link {
namespace {

AttPdu Refuse(AttOpcode request, uint16_t handle, AttError error) {
  return AttErrorResponse{static_cast<uint8_t>(request), handle, static_cast<uint8_t>(error)};
}

}  // namespace

GattTable::GattTable(const std::vector<CharacteristicSpec>& characteristics) {
  // Services in the order they first appear; their characteristics grouped under them.
  std::vector<uint16_t> service_order;
  for (const auto& c : characteristics) {
    if (std::find(service_order.begin(), service_order.end(), c.service_uuid) ==
        service_order.end()) {
      service_order.push_back(c.service_uuid);
    }
  }
  uint16_t next = 1;
  for (uint16_t service : service_order) {
    ServiceRange range{next++, 0, service};
    for (const auto& c : characteristics) {
      if (c.service_uuid != service) continue;
      Entry e{c};
      e.declaration = next++;
      e.value = next++;
      if ((c.properties & kPropertyNotify) != 0) e.configuration = next++;
      entries_.push_back(std::move(e));
    }
    range.end = static_cast<uint16_t>(next - 1);
    services_.push_back(range);
  }
}

uint16_t GattTable::ValueHandle(uint16_t uuid) const {
  for (const auto& e : entries_) {
    if (e.spec.uuid == uuid) return e.value;
  }
  return 0;
}

const GattTable::Entry* GattTable::ByAnyHandle(uint16_t handle) const {
  for (const auto& e : entries_) {
    if (handle == e.declaration || handle == e.value ||
        (e.configuration != 0 && handle == e.configuration)) {
      return &e;
    }
  }
  return nullptr;
}

AttPdu GattTable::Handle(const AttPdu& request, LinkSession& session) const {
  if (const auto* find = std::get_if<AttDiscoverServices>(&request)) {
    AttServices out;
    for (const auto& s : services_) {
      if (s.start >= find->start && s.start <= find->end) out.services.push_back(s);
    }
    if (out.services.empty()) {
      return Refuse(AttOpcode::kReadByGroupTypeRequest, find->start, AttError::kAttributeNotFound);
    }
    return out;
  }
  if (const auto* find = std::get_if<AttDiscoverCharacteristics>(&request)) {
    AttCharacteristics out;
    for (const auto& e : entries_) {
      if (e.declaration >= find->start && e.declaration <= find->end) {
        out.characteristics.push_back({e.declaration, e.spec.properties, e.value, e.spec.uuid});
      }
    }
    if (out.characteristics.empty()) {
      return Refuse(AttOpcode::kReadByTypeRequest, find->start, AttError::kAttributeNotFound);
    }
    return out;
  }
  if (const auto* read = std::get_if<AttReadRequest>(&request)) {
    return Read(read->handle, session);
  }
  if (const auto* write = std::get_if<AttWriteRequest>(&request)) {
    return Write(*write, session);
  }
  return AttErrorResponse{0, 0, static_cast<uint8_t>(AttError::kRequestNotSupported)};
}

AttPdu GattTable::Read(uint16_t handle, const LinkSession& session) const {
  for (const auto& s : services_) {
    if (handle == s.start) {
      std::string value;
      AppendU16Le(value, s.uuid);
      return AttReadResponse{value};
    }
  }
  const Entry* e = ByAnyHandle(handle);
  if (e == nullptr) return Refuse(AttOpcode::kReadRequest, handle, AttError::kInvalidHandle);
  if (handle == e->declaration) {
    std::string value(1, static_cast<char>(e->spec.properties));
    AppendU16Le(value, e->value);
    AppendU16Le(value, e->spec.uuid);
    return AttReadResponse{value};
  }
  if (handle == e->configuration) {
    std::string value;
    AppendU16Le(value, session.subscriptions.count(e->value) != 0 ? kNotificationsEnabled : 0);
    return AttReadResponse{value};
  }
  if ((e->spec.properties & kPropertyRead) == 0 || !e->spec.read) {
    return Refuse(AttOpcode::kReadRequest, handle, AttError::kReadNotPermitted);
  }
  auto value = e->spec.read(session);
  if (!value.ok()) return Refuse(AttOpcode::kReadRequest, handle, AttError::kUnlikelyError);
  return AttReadResponse{*value};
}

AttPdu GattTable::Write(const AttWriteRequest& request, LinkSession& session) const {
  const Entry* e = ByAnyHandle(request.handle);
  if (e == nullptr) {
    return Refuse(AttOpcode::kWriteRequest, request.handle, AttError::kInvalidHandle);
  }
  if (request.handle == e->configuration) {
    if (request.value.size() != 2) {
      return Refuse(AttOpcode::kWriteRequest, request.handle,
                    AttError::kInvalidAttributeValueLength);
    }
    ByteReader reader(request.value, "configuration");
    uint16_t bits = reader.U16Le("bits").value();
    if (bits == kNotificationsEnabled) {
      session.subscriptions.insert(e->value);
    } else if (bits == 0) {
      session.subscriptions.erase(e->value);
    } else {
      return Refuse(AttOpcode::kWriteRequest, request.handle, AttError::kValueNotAllowed);
    }
    return AttWriteResponse{};
  }
  if (request.handle != e->value || (e->spec.properties & kPropertyWrite) == 0 || !e->spec.write) {
    return Refuse(AttOpcode::kWriteRequest, request.handle, AttError::kWriteNotPermitted);
  }
  auto status = e->spec.write(session, request.value);
  if (!status.ok()) {
    AttError error = AttError::kUnlikelyError;
    if (status.error().code == ErrorCode::kInvalidArgument) error = AttError::kValueNotAllowed;
    if (status.error().code == ErrorCode::kPermissionDenied) {
      error = AttError::kInsufficientAuthorization;
    }
    return Refuse(AttOpcode::kWriteRequest, request.handle, error);
  }
  return AttWriteResponse{};
}

}  // namespace edgeid::device::link
