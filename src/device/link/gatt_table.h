// A peripheral's attribute table, as a GATT server lays it out: per service a declaration, then
// per characteristic its declaration, its value and, for notifying ones, a Client Characteristic
// Configuration descriptor. Handles are assigned in order from 0x0001. The table answers ATT
// requests; what a value is comes from the callbacks each characteristic is given.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "device/link/att_pdu.h"

namespace edgeid::device::link {

// One paired connection, as the attribute table sees it: whom it is with, the pairing it belongs
// to (the transcript hash both sides agreed), and what that central subscribed to.
struct LinkSession {
  std::string peer_id;
  std::string transcript_hash;
  std::set<uint16_t> subscriptions{};  // value handles with notifications enabled
};

struct CharacteristicSpec {
  uint16_t service_uuid = 0;
  uint16_t uuid = 0;
  uint8_t properties = 0;  // kPropertyRead | kPropertyWrite | kPropertyNotify
  std::function<Result<std::string>(const LinkSession&)> read{};
  // InvalidArgument is answered as "value not allowed", PermissionDenied as "insufficient
  // authorization", other errors as "unlikely error".
  std::function<Status(const LinkSession&, std::string_view)> write{};
};

class GattTable {
 public:
  explicit GattTable(const std::vector<CharacteristicSpec>& characteristics);

  // The response to a request (an Error Response when refused).
  AttPdu Handle(const AttPdu& request, LinkSession& session) const;

  // The value handle of a characteristic; 0 when the table has none.
  uint16_t ValueHandle(uint16_t uuid) const;

 private:
  struct Entry {
    CharacteristicSpec spec;
    uint16_t declaration = 0, value = 0, configuration = 0;  // configuration 0: no notify
  };
  AttPdu Read(uint16_t handle, const LinkSession& session) const;
  AttPdu Write(const AttWriteRequest& request, LinkSession& session) const;
  const Entry* ByAnyHandle(uint16_t handle) const;

  std::vector<ServiceRange> services_;
  std::vector<Entry> entries_;
};

}  // namespace edgeid::device::link
