#include "device/link/central_link.h"

#include "device/link/smp_messages.h"

namespace edgeid::device::link {
namespace {

Error Refused(AttOpcode request, const AttErrorResponse& error) {
  Error out{error.error == static_cast<uint8_t>(AttError::kInsufficientAuthentication)
                ? ErrorCode::kPermissionDenied
                : ErrorCode::kInvalidArgument,
            "device refused " + AttOpcodeName(static_cast<uint8_t>(request)) + " of handle " +
                UuidText(error.handle) + ": " + AttErrorName(error.error)};
  return out;
}

}  // namespace

Result<std::unique_ptr<CentralLink>> CentralLink::Pair(const std::string& socket_path,
                                                       const spiffe::X509Svid& identity,
                                                       const PeerRequirement& peer,
                                                       CentralOptions options,
                                                       NotificationHandler on_notification) {
  LinkSocket socket = EDGEID_TRY(LinkSocket::Connect(socket_path));
  CentralPairing pairing = EDGEID_TRY(CentralPairing::Start(identity));
  EDGEID_RETURN_IF_ERROR(socket.Send(pairing.request()));
  std::string response = EDGEID_TRY(socket.Receive(options.timeout));
  auto check = pairing.OnResponse(response, peer, std::chrono::system_clock::now());
  if (!check.ok()) {
    if (!IsPairingFailed(response)) {
      (void)socket.Send(EncodePairingFailed(PairingFailureFor(check.error())));
    }
    return check.error();
  }
  EDGEID_RETURN_IF_ERROR(socket.Send(*check));
  std::string ack = EDGEID_TRY(socket.Receive(options.timeout));
  PairedLink paired = EDGEID_TRY(pairing.OnAcknowledgement(ack));
  std::unique_ptr<CentralLink> link(
      new CentralLink(std::move(socket), std::move(paired), options, std::move(on_notification)));
  link->reader_ = std::thread([l = link.get()] { l->ReadLoop(); });
  return link;
}

CentralLink::CentralLink(LinkSocket socket, PairedLink paired, CentralOptions options,
                         NotificationHandler on_notification)
    : socket_(std::move(socket)),
      peer_id_(std::move(paired.peer_id)),
      transcript_hash_(std::move(paired.transcript_hash)),
      options_(options),
      on_notification_(std::move(on_notification)),
      channel_(std::move(paired.channel)) {}

CentralLink::~CentralLink() {
  Close();
}

void CentralLink::Interrupt() {
  socket_.Shutdown();
}

void CentralLink::Close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  socket_.Shutdown();
  if (reader_.joinable()) reader_.join();
}

bool CentralLink::connected() const {
  std::lock_guard lock(mu_);
  return !failure_ && !closing_;
}

void CentralLink::Fail(const Error& error) {
  std::lock_guard lock(mu_);
  if (!failure_) failure_ = error;
  cv_.notify_all();
}

void CentralLink::ReadLoop() {
  for (;;) {
    auto frame = socket_.Receive(std::chrono::hours(24));
    if (!frame.ok()) {
      if (frame.error().code == ErrorCode::kDeadlineExceeded) continue;
      return Fail(frame.error().Wrap("link to " + peer_id_.str()));
    }
    Result<std::string> inner = InvalidArgument("unopened");
    {
      std::lock_guard lock(mu_);
      inner = channel_.Open(*frame);
    }
    if (!inner.ok()) {
      socket_.Shutdown();
      return Fail(inner.error().Wrap("frame from " + peer_id_.str() + " refused"));
    }
    auto pdu = DecodeAtt(*inner);
    if (!pdu.ok()) {
      socket_.Shutdown();
      return Fail(pdu.error().Wrap("frame from " + peer_id_.str()));
    }
    if (const auto* note = std::get_if<AttNotification>(&*pdu)) {
      if (!on_notification_) continue;
      try {
        on_notification_(note->handle, note->value);
      } catch (const std::exception& e) {  // the handler's bug must not end the process
        socket_.Shutdown();
        return Fail(Internal(std::string("notification handler failed: ") + e.what()));
      }
      continue;
    }
    std::lock_guard lock(mu_);
    response_ = std::move(*pdu);
    cv_.notify_all();
  }
}

Result<AttPdu> CentralLink::Request(const AttPdu& request) {
  std::lock_guard serial(request_mu_);
  Result<std::string> sealed = Unavailable("link closed");
  {
    std::lock_guard lock(mu_);
    if (failure_) return *failure_;
    if (closing_) return Unavailable("link closed");
    response_.reset();
    sealed = channel_.Seal(EncodeAtt(request));
  }
  if (!sealed.ok()) return sealed.error();
  // Only requests are sent from this side, one at a time, so frames leave in counter order; the
  // reader thread must stay free meanwhile to drain notifications.
  auto sent = socket_.Send(*sealed);
  if (!sent.ok()) {
    Fail(sent.error());
    socket_.Shutdown();
    return sent.error();
  }
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, options_.timeout, [&] { return response_ || failure_; })) {
    // ATT has no transaction IDs: a late answer would be taken for the next request's, so the
    // link ends here, as a BLE client ends it after an ATT transaction timeout.
    Error timeout{ErrorCode::kDeadlineExceeded, "device did not answer in time"};
    if (!failure_) failure_ = timeout;
    socket_.Shutdown();
    return timeout;
  }
  if (!response_) return *failure_;
  AttPdu out = std::move(*response_);
  response_.reset();
  return out;
}

Result<std::vector<ServiceRange>> CentralLink::DiscoverServices() {
  AttPdu response = EDGEID_TRY(Request(AttDiscoverServices{}));
  if (auto* services = std::get_if<AttServices>(&response)) return services->services;
  if (auto* error = std::get_if<AttErrorResponse>(&response)) {
    return Refused(AttOpcode::kReadByGroupTypeRequest, *error);
  }
  return InvalidArgument("device answered service discovery with another PDU");
}

Result<std::vector<CharacteristicDeclaration>> CentralLink::DiscoverCharacteristics() {
  AttPdu response = EDGEID_TRY(Request(AttDiscoverCharacteristics{}));
  if (auto* found = std::get_if<AttCharacteristics>(&response)) return found->characteristics;
  if (auto* error = std::get_if<AttErrorResponse>(&response)) {
    return Refused(AttOpcode::kReadByTypeRequest, *error);
  }
  return InvalidArgument("device answered characteristic discovery with another PDU");
}

Result<std::string> CentralLink::Read(uint16_t handle) {
  AttPdu response = EDGEID_TRY(Request(AttReadRequest{handle}));
  if (auto* value = std::get_if<AttReadResponse>(&response)) return value->value;
  if (auto* error = std::get_if<AttErrorResponse>(&response)) {
    return Refused(AttOpcode::kReadRequest, *error);
  }
  return InvalidArgument("device answered a read with another PDU");
}

Status CentralLink::Write(uint16_t handle, std::string_view value) {
  AttPdu response = EDGEID_TRY(Request(AttWriteRequest{handle, std::string(value)}));
  if (std::holds_alternative<AttWriteResponse>(response)) return OkStatus();
  if (auto* error = std::get_if<AttErrorResponse>(&response)) {
    return Refused(AttOpcode::kWriteRequest, *error);
  }
  return InvalidArgument("device answered a write with another PDU");
}

Status CentralLink::Subscribe(uint16_t value_handle) {
  std::string enable;
  enable.push_back(static_cast<char>(kNotificationsEnabled & 0xFF));
  enable.push_back(static_cast<char>(kNotificationsEnabled >> 8));
  return Write(static_cast<uint16_t>(value_handle + 1), enable);
}

}  // namespace edgeid::device::link
