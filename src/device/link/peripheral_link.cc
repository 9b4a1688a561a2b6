#include "device/link/peripheral_link.h"

#include "device/link/att_pdu.h"
#include "device/link/smp_messages.h"

namespace edgeid::device::link {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kPollSlice{200};
// Attribute requests a central may send before pairing, each refused, before it is dropped.
constexpr int kMaxUnpairedRequests = 16;

bool IsChannel(const std::string& frame, Channel channel) {
  return !frame.empty() && static_cast<uint8_t>(frame[0]) == static_cast<uint8_t>(channel);
}

bool IsPairingRequest(const std::string& frame) {
  return frame.size() >= 2 && IsChannel(frame, Channel::kSmp) &&
         static_cast<uint8_t>(frame[1]) == static_cast<uint8_t>(SmpOpcode::kPairingRequest);
}

}  // namespace

Result<std::unique_ptr<PeripheralLink>> PeripheralLink::Start(PeripheralOptions options,
                                                              const GattTable& table,
                                                              CredentialSource credentials,
                                                              std::shared_ptr<spdlog::logger> log) {
  LinkListener listener = EDGEID_TRY(LinkListener::Listen(options.socket_path));
  std::unique_ptr<PeripheralLink> link(new PeripheralLink(
      std::move(options), table, std::move(credentials), std::move(log), std::move(listener)));
  link->thread_ = std::thread([l = link.get()] { l->AcceptLoop(); });
  return link;
}

PeripheralLink::PeripheralLink(PeripheralOptions options, const GattTable& table,
                               CredentialSource credentials, std::shared_ptr<spdlog::logger> log,
                               LinkListener listener)
    : options_(std::move(options)),
      table_(table),
      credentials_(std::move(credentials)),
      log_(std::move(log)),
      listener_(std::move(listener)) {}

PeripheralLink::~PeripheralLink() {
  Stop();
}

void PeripheralLink::Stop() {
  stopping_ = true;
  {
    std::lock_guard lock(socket_mu_);
    if (socket_ != nullptr) socket_->Shutdown();
  }
  if (thread_.joinable()) thread_.join();
}

bool PeripheralLink::paired() const {
  std::lock_guard lock(mu_);
  return paired_.has_value();
}

std::optional<spiffe::SpiffeId> PeripheralLink::paired_central() const {
  std::lock_guard lock(mu_);
  if (!paired_) return std::nullopt;
  return paired_->peer_id;
}

PeripheralCounters PeripheralLink::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void PeripheralLink::AcceptLoop() {
  log_->info("advertising on {}", listener_.path());
  while (!stopping_) {
    auto socket = listener_.Accept(kPollSlice);
    if (!socket.ok()) {
      if (socket.error().code != ErrorCode::kDeadlineExceeded) {
        log_->warn("accepting a central: {}", socket.error().message);
      }
      continue;
    }
    Serve(std::move(*socket));
  }
}

void PeripheralLink::Serve(LinkSocket socket) {
  {
    std::lock_guard lock(socket_mu_);
    socket_ = &socket;
  }
  if (stopping_) socket.Shutdown();  // Stop ran before socket_ was set
  std::optional<PairedLink> paired = Pair(socket);
  if (paired) {
    log_->info("paired with {}", paired->peer_id.str());
    {
      std::lock_guard lock(mu_);
      session_ = LinkSession{paired->peer_id.str(), paired->transcript_hash};
      paired_ = std::move(paired);
      ++counters_.pairings;
    }
    while (!stopping_) {
      auto frame = socket.Receive(kPollSlice * 5);
      if (!frame.ok()) {
        if (frame.error().code == ErrorCode::kDeadlineExceeded) continue;
        log_->info("link closed: {}", frame.error().message);
        break;
      }
      auto status = ServeRequest(socket, *frame);
      if (!status.ok()) {
        log_->warn("closing the link: {}", status.error().message);
        std::lock_guard lock(mu_);
        ++counters_.links_closed_on_bad_frame;
        break;
      }
    }
  }
  // paired_ goes first, under mu_: a Notify that still holds mu_ finishes its send on a socket
  // that is still here, and none starts afterwards.
  {
    std::lock_guard lock(mu_);
    paired_.reset();
    session_ = LinkSession{};
  }
  std::lock_guard lock(socket_mu_);
  socket_ = nullptr;
}

std::optional<PairedLink> PeripheralLink::Pair(LinkSocket& socket) {
  auto deadline = Clock::now() + options_.pairing_timeout;
  auto refuse = [&](const Error& error) {
    PairingFailure reason = PairingFailureFor(error);
    log_->warn("pairing refused ({}): {}", PairingFailureName(reason), error.message);
    std::lock_guard lock(mu_);
    ++counters_.pairings_refused;
    (void)socket.Send(EncodePairingFailed(reason));
    return std::nullopt;
  };
  auto remaining = [&] {
    return std::max(milliseconds(1),
                    std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
  };
  std::string request;
  for (int unpaired = 0;; ++unpaired) {
    auto frame = socket.Receive(remaining(), /*strict=*/true);
    if (!frame.ok()) return std::nullopt;  // the central left or never paired
    if (IsPairingRequest(*frame)) {
      request = std::move(*frame);
      break;
    }
    if (!IsChannel(*frame, Channel::kAtt) || unpaired >= kMaxUnpairedRequests) {
      return refuse(InvalidArgument("expected a Pairing Request"));
    }
    // As a BLE peripheral answers a client that has not paired: nothing but the refusal.
    (void)socket.Send(EncodeAtt(AttErrorResponse{
        AttOpcodeOf(*frame), 0, static_cast<uint8_t>(AttError::kInsufficientAuthentication)}));
  }
  auto credentials = credentials_();
  if (!credentials.ok()) {
    log_->error("cannot pair: no device identity: {}", credentials.error().message);
    (void)socket.Send(EncodePairingFailed(PairingFailure::kUnspecifiedReason));
    return std::nullopt;
  }
  auto pairing = PeripheralPairing::OnRequest(request, credentials->identity, credentials->peer,
                                              std::chrono::system_clock::now());
  if (!pairing.ok()) return refuse(pairing.error());
  if (!socket.Send(pairing->response()).ok()) return std::nullopt;
  auto check = socket.Receive(remaining(), /*strict=*/true);
  if (!check.ok()) return std::nullopt;
  if (IsPairingFailed(*check)) {
    auto reason = DecodePairingFailed(*check);
    log_->warn("central abandoned pairing: {}",
               reason.ok() ? PairingFailureName(*reason) : "malformed reason");
    return std::nullopt;
  }
  auto completed = pairing->OnCentralCheck(*check);
  if (!completed.ok()) return refuse(completed.error());
  if (!socket.Send(completed->acknowledgement).ok()) return std::nullopt;
  return std::move(completed->link);
}

Status PeripheralLink::ServeRequest(LinkSocket& socket, const std::string& frame) {
  std::lock_guard lock(mu_);
  auto inner = paired_->channel.Open(frame);
  if (!inner.ok()) return inner.error();
  auto request = DecodeAtt(*inner);
  AttPdu response;
  if (!request.ok()) {
    if (!IsChannel(*inner, Channel::kAtt))
      return InvalidArgument("unexpected PDU on a paired link");
    response =
        AttErrorResponse{AttOpcodeOf(*inner), 0,
                         static_cast<uint8_t>(request.error().code == ErrorCode::kUnimplemented
                                                  ? AttError::kRequestNotSupported
                                                  : AttError::kInvalidPdu)};
  } else if (!IsAttRequest(*request)) {
    return InvalidArgument("central sent a response or notification, not a request");
  } else {
    response = table_.Handle(*request, session_);
  }
  std::string sealed = EDGEID_TRY(paired_->channel.Seal(EncodeAtt(response)));
  return socket.Send(sealed);
}

void PeripheralLink::Notify(uint16_t value_handle, std::string_view value) {
  std::lock_guard lock(mu_);
  if (!paired_ || session_.subscriptions.count(value_handle) == 0) return;
  // While paired_ is set the serving thread has not yet let go of its socket (it clears
  // paired_ under mu_ first), so the pointer stays good for this send.
  LinkSocket* socket = nullptr;
  {
    std::lock_guard socket_lock(socket_mu_);
    socket = socket_;
  }
  if (socket == nullptr) return;
  auto sealed = paired_->channel.Seal(EncodeAtt(AttNotification{value_handle, std::string(value)}));
  if (!sealed.ok() || !socket->Send(*sealed).ok()) {
    socket->Shutdown();  // the serving thread sees the closed link and cleans up
    return;
  }
  ++counters_.notifications;
}

}  // namespace edgeid::device::link
