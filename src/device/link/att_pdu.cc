#include "device/link/att_pdu.h"

#include "common/byte_reader.h"

namespace edgeid::device::link {
namespace {

constexpr uint8_t kServiceEntryBytes = 6;
constexpr uint8_t kCharacteristicEntryBytes = 7;

std::string Start(AttOpcode opcode) {
  std::string out;
  out.push_back(static_cast<char>(Channel::kAtt));
  out.push_back(static_cast<char>(opcode));
  return out;
}

struct Encoder {
  std::string operator()(const AttErrorResponse& p) const {
    std::string out = Start(AttOpcode::kErrorResponse);
    out.push_back(static_cast<char>(p.request_opcode));
    AppendU16Le(out, p.handle);
    out.push_back(static_cast<char>(p.error));
    return out;
  }
  std::string operator()(const AttReadRequest& p) const {
    std::string out = Start(AttOpcode::kReadRequest);
    AppendU16Le(out, p.handle);
    return out;
  }
  std::string operator()(const AttReadResponse& p) const {
    return Start(AttOpcode::kReadResponse) + p.value;
  }
  std::string operator()(const AttWriteRequest& p) const {
    std::string out = Start(AttOpcode::kWriteRequest);
    AppendU16Le(out, p.handle);
    return out + p.value;
  }
  std::string operator()(const AttWriteResponse&) const { return Start(AttOpcode::kWriteResponse); }
  std::string operator()(const AttNotification& p) const {
    std::string out = Start(AttOpcode::kHandleValueNotification);
    AppendU16Le(out, p.handle);
    return out + p.value;
  }
  std::string operator()(const AttDiscoverServices& p) const {
    std::string out = Start(AttOpcode::kReadByGroupTypeRequest);
    AppendU16Le(out, p.start);
    AppendU16Le(out, p.end);
    AppendU16Le(out, kPrimaryServiceUuid);
    return out;
  }
  std::string operator()(const AttServices& p) const {
    std::string out = Start(AttOpcode::kReadByGroupTypeResponse);
    out.push_back(static_cast<char>(kServiceEntryBytes));
    for (const auto& s : p.services) {
      AppendU16Le(out, s.start);
      AppendU16Le(out, s.end);
      AppendU16Le(out, s.uuid);
    }
    return out;
  }
  std::string operator()(const AttDiscoverCharacteristics& p) const {
    std::string out = Start(AttOpcode::kReadByTypeRequest);
    AppendU16Le(out, p.start);
    AppendU16Le(out, p.end);
    AppendU16Le(out, kCharacteristicUuid);
    return out;
  }
  std::string operator()(const AttCharacteristics& p) const {
    std::string out = Start(AttOpcode::kReadByTypeResponse);
    out.push_back(static_cast<char>(kCharacteristicEntryBytes));
    for (const auto& c : p.characteristics) {
      AppendU16Le(out, c.declaration_handle);
      out.push_back(static_cast<char>(c.properties));
      AppendU16Le(out, c.value_handle);
      AppendU16Le(out, c.uuid);
    }
    return out;
  }
};

Status CheckRange(uint16_t start, uint16_t end, const char* what) {
  if (start == 0 || start > end) {
    return InvalidArgument(std::string(what) + ": handle range " + std::to_string(start) + ".." +
                           std::to_string(end) + " is invalid");
  }
  return OkStatus();
}

Result<AttPdu> DecodeBody(AttOpcode opcode, ByteReader& r) {
  switch (opcode) {
    case AttOpcode::kErrorResponse: {
      AttErrorResponse p;
      p.request_opcode = EDGEID_TRY(r.U8("request opcode"));
      p.handle = EDGEID_TRY(r.U16Le("handle"));
      p.error = EDGEID_TRY(r.U8("error code"));
      EDGEID_RETURN_IF_ERROR(r.End());
      return AttPdu(p);
    }
    case AttOpcode::kReadRequest: {
      AttReadRequest p;
      p.handle = EDGEID_TRY(r.U16Le("handle"));
      EDGEID_RETURN_IF_ERROR(r.End());
      return AttPdu(p);
    }
    case AttOpcode::kReadResponse:
      return AttPdu(AttReadResponse{std::string(r.Rest())});
    case AttOpcode::kWriteRequest: {
      AttWriteRequest p;
      p.handle = EDGEID_TRY(r.U16Le("handle"));
      p.value = std::string(r.Rest());
      return AttPdu(p);
    }
    case AttOpcode::kWriteResponse:
      EDGEID_RETURN_IF_ERROR(r.End());
      return AttPdu(AttWriteResponse{});
    case AttOpcode::kHandleValueNotification: {
      AttNotification p;
      p.handle = EDGEID_TRY(r.U16Le("handle"));
      p.value = std::string(r.Rest());
      return AttPdu(p);
    }
    case AttOpcode::kReadByGroupTypeRequest: {
      AttDiscoverServices p;
      p.start = EDGEID_TRY(r.U16Le("start handle"));
      p.end = EDGEID_TRY(r.U16Le("end handle"));
      uint16_t type = EDGEID_TRY(r.U16Le("group type"));
      EDGEID_RETURN_IF_ERROR(r.End());
      EDGEID_RETURN_IF_ERROR(CheckRange(p.start, p.end, "Read By Group Type Request"));
      if (type != kPrimaryServiceUuid) {
        return InvalidArgument("Read By Group Type Request: only primary services (0x2800)");
      }
      return AttPdu(p);
    }
    case AttOpcode::kReadByGroupTypeResponse: {
      uint8_t size = EDGEID_TRY(r.U8("entry length"));
      if (size != kServiceEntryBytes || r.remaining() % kServiceEntryBytes != 0) {
        return InvalidArgument("Read By Group Type Response: entries are not 6 bytes each");
      }
      AttServices p;
      while (r.remaining() > 0) {
        ServiceRange s;
        s.start = EDGEID_TRY(r.U16Le("start handle"));
        s.end = EDGEID_TRY(r.U16Le("end handle"));
        s.uuid = EDGEID_TRY(r.U16Le("service UUID"));
        p.services.push_back(s);
      }
      return AttPdu(p);
    }
    case AttOpcode::kReadByTypeRequest: {
      AttDiscoverCharacteristics p;
      p.start = EDGEID_TRY(r.U16Le("start handle"));
      p.end = EDGEID_TRY(r.U16Le("end handle"));
      uint16_t type = EDGEID_TRY(r.U16Le("attribute type"));
      EDGEID_RETURN_IF_ERROR(r.End());
      EDGEID_RETURN_IF_ERROR(CheckRange(p.start, p.end, "Read By Type Request"));
      if (type != kCharacteristicUuid) {
        return InvalidArgument("Read By Type Request: only characteristic declarations (0x2803)");
      }
      return AttPdu(p);
    }
    case AttOpcode::kReadByTypeResponse: {
      uint8_t size = EDGEID_TRY(r.U8("entry length"));
      if (size != kCharacteristicEntryBytes || r.remaining() % kCharacteristicEntryBytes != 0) {
        return InvalidArgument("Read By Type Response: entries are not 7 bytes each");
      }
      AttCharacteristics p;
      while (r.remaining() > 0) {
        CharacteristicDeclaration c;
        c.declaration_handle = EDGEID_TRY(r.U16Le("declaration handle"));
        c.properties = EDGEID_TRY(r.U8("properties"));
        c.value_handle = EDGEID_TRY(r.U16Le("value handle"));
        c.uuid = EDGEID_TRY(r.U16Le("characteristic UUID"));
        p.characteristics.push_back(c);
      }
      return AttPdu(p);
    }
  }
  return Error{ErrorCode::kUnimplemented,
               "ATT: " + AttOpcodeName(static_cast<uint8_t>(opcode)) + " is not supported"};
}

}  // namespace

std::string EncodeAtt(const AttPdu& pdu) {
  return std::visit(Encoder{}, pdu);
}

uint8_t AttOpcodeOf(std::string_view inner) {
  return inner.size() >= 2 ? static_cast<uint8_t>(inner[1]) : 0;
}

Result<AttPdu> DecodeAtt(std::string_view inner) {
  ByteReader reader(inner, "ATT PDU");
  uint8_t channel = EDGEID_TRY(reader.U8("channel"));
  if (channel != static_cast<uint8_t>(Channel::kAtt)) {
    return InvalidArgument("ATT PDU: frame is on channel " + std::to_string(channel));
  }
  uint8_t opcode = EDGEID_TRY(reader.U8("opcode"));
  auto pdu = DecodeBody(static_cast<AttOpcode>(opcode), reader);
  if (!pdu.ok()) return pdu.error().Wrap(AttOpcodeName(opcode));
  return pdu;
}

bool IsAttRequest(const AttPdu& pdu) {
  return std::holds_alternative<AttReadRequest>(pdu) ||
         std::holds_alternative<AttWriteRequest>(pdu) ||
         std::holds_alternative<AttDiscoverServices>(pdu) ||
         std::holds_alternative<AttDiscoverCharacteristics>(pdu);
}

}  // namespace edgeid::device::link
