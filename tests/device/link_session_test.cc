// The link end to end over its socket: the simulated device's firmware behind a PeripheralLink,
// the mapper's CentralLink in front. Pairing, discovery, reads, writes, notifications, device
// authentication over the link, and every refusal: unpaired peers, untrusted centrals, replayed
// and tampered frames.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "crypto/digest.h"
#include "device/link/central_link.h"
#include "device/link/characteristic_values.h"
#include "device/link/element_over_link.h"
#include "device/link/peripheral_link.h"
#include "device/link/smp_messages.h"
#include "device/se/device_authentication.h"
#include "devsim/factory/manufacturer.h"
#include "devsim/firmware/device_firmware.h"
#include "link_test_identities.h"
#include "testing/temp_dir.h"

namespace edgeid::device::link {
namespace {

using std::chrono::milliseconds;
using testing::Unwrap;

std::shared_ptr<spdlog::logger> QuietLog() {
  return std::make_shared<spdlog::logger>("link", std::make_shared<spdlog::sinks::null_sink_mt>());
}

class Notifications {
 public:
  NotificationHandler Handler() {
    return [this](uint16_t handle, const std::string& value) {
      std::lock_guard lock(mu_);
      received_[handle].push_back(value);
      cv_.notify_all();
    };
  }
  bool WaitFor(uint16_t handle, size_t count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5),
                        [&] { return received_[handle].size() >= count; });
  }
  size_t Count(uint16_t handle) {
    std::lock_guard lock(mu_);
    return received_[handle].size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint16_t, std::vector<std::string>> received_;
};

class LinkSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    maker_ = new devsim::Manufacturer(
        Unwrap(devsim::CreateManufacturer("test maker", std::chrono::system_clock::now())));
  }
  static void TearDownTestSuite() {
    delete maker_;
    maker_ = nullptr;
  }

  void StartDevice(devsim::Counterfeit variant = devsim::Counterfeit::kNone,
                   std::vector<spiffe::SpiffeId> allowed = {}) {
    device_.reset();
    firmware_.reset();
    auto made =
        Unwrap(devsim::ManufactureElement(*maker_, variant, std::chrono::system_clock::now()));
    devsim::DeviceRecord record{"thermo-1", "1.2.0", variant, made.device_id,
                                std::move(made.image)};
    firmware_ = std::make_unique<devsim::DeviceFirmware>(std::move(record), 7);
    PeerRequirement peer = ids_.Trusting(std::move(allowed));
    auto identity = ids_.device;
    device_ = Unwrap(PeripheralLink::Start(
        {socket_path_, milliseconds(2000)}, firmware_->table(),
        [identity, peer]() -> Result<PeripheralCredentials> {
          return PeripheralCredentials{identity, peer};
        },
        QuietLog()));
  }

  Result<std::unique_ptr<CentralLink>> Connect(const spiffe::X509Svid& as) {
    return CentralLink::Pair(socket_path_, as, ids_.Trusting({ids_.device.id}), {},
                             notifications_.Handler());
  }

  static devsim::Manufacturer* maker_;
  LinkIdentities ids_;
  testing::TempDir dir_;
  std::string socket_path_ = dir_.File("thermo-1.sock");
  std::unique_ptr<devsim::DeviceFirmware> firmware_;
  std::unique_ptr<PeripheralLink> device_;
  Notifications notifications_;
};

devsim::Manufacturer* LinkSessionTest::maker_ = nullptr;

uint16_t HandleOf(const std::vector<CharacteristicDeclaration>& found, uint16_t uuid) {
  for (const auto& c : found) {
    if (c.uuid == uuid) return c.value_handle;
  }
  return 0;
}

TEST_F(LinkSessionTest, PairedMapperDiscoversReadsWritesAndIsNotified) {
  StartDevice();
  auto link = Connect(ids_.mapper);
  ASSERT_TRUE(link.ok()) << link.error().message;
  EXPECT_EQ((*link)->peer_id(), ids_.device.id);

  auto services = Unwrap((*link)->DiscoverServices());
  ASSERT_EQ(services.size(), 4u);
  EXPECT_EQ(services[0].uuid, kDeviceInformationService);
  EXPECT_EQ(services[1].uuid, kEnvironmentalSensingService);
  auto found = Unwrap((*link)->DiscoverCharacteristics());
  uint16_t temperature = HandleOf(found, kTemperature);
  uint16_t led = HandleOf(found, kDigital);
  uint16_t firmware = HandleOf(found, kFirmwareRevisionString);
  ASSERT_NE(temperature, 0);
  ASSERT_NE(led, 0);

  EXPECT_EQ(Unwrap((*link)->Read(firmware)), "1.2.0");
  double celsius = Unwrap(DecodeTemperature(Unwrap((*link)->Read(temperature))));
  EXPECT_GT(celsius, 15.0);
  EXPECT_LT(celsius, 30.0);

  ASSERT_TRUE((*link)->Write(led, EncodeSwitch(true)).ok());
  EXPECT_TRUE(firmware_->led_on());
  EXPECT_EQ(Unwrap((*link)->Read(led)), EncodeSwitch(true));
  auto bad = (*link)->Write(led, "\x07");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("value not allowed"), std::string::npos)
      << bad.error().message;
  auto read_only = (*link)->Write(firmware, "2.0.0");
  ASSERT_FALSE(read_only.ok());
  EXPECT_NE(read_only.error().message.find("write not permitted"), std::string::npos);

  // Nothing is notified before the central subscribes. (The subscription's answer comes after
  // any notification sent before it, on the same ordered link.)
  for (const auto& [handle, value] : firmware_->SampleSensors()) device_->Notify(handle, value);
  ASSERT_TRUE((*link)->Subscribe(temperature).ok());
  EXPECT_EQ(notifications_.Count(temperature), 0u);
  for (int i = 0; i < 3; ++i) {
    for (const auto& [handle, value] : firmware_->SampleSensors()) device_->Notify(handle, value);
  }
  ASSERT_TRUE(notifications_.WaitFor(temperature, 3));
  EXPECT_EQ(notifications_.Count(temperature), 3u);
  EXPECT_EQ(notifications_.Count(HandleOf(found, kPressure)), 0u);
  EXPECT_EQ(device_->paired_central(), ids_.mapper.id);
}

TEST_F(LinkSessionTest, GenuineElementIsAuthenticatedOverTheLink) {
  StartDevice();
  auto link = Unwrap(Connect(ids_.mapper));
  uint16_t element = HandleOf(Unwrap(link->DiscoverCharacteristics()), kElementCommand);
  ElementOverLink transport(*link, element);
  se::SecureElement host(transport);
  auto result = se::AuthenticateDevice(host, {maker_->root}, std::chrono::system_clock::now(),
                                       ElementChallengeFor(*link));
  ASSERT_TRUE(result.device.ok()) << result.device.error().message;
  EXPECT_EQ(result.device->device_id, firmware_->record().device_id);
}

TEST_F(LinkSessionTest, ClonedElementIsRefusedOverTheLink) {
  StartDevice(devsim::Counterfeit::kCloned);
  auto link = Unwrap(Connect(ids_.mapper));
  uint16_t element = HandleOf(Unwrap(link->DiscoverCharacteristics()), kElementCommand);
  ElementOverLink transport(*link, element);
  se::SecureElement host(transport);
  auto result = se::AuthenticateDevice(host, {maker_->root}, std::chrono::system_clock::now(),
                                       ElementChallengeFor(*link));
  EXPECT_FALSE(result.device.ok());
  EXPECT_EQ(result.reason, se::RefusalReason::kSignatureInvalid);
}

TEST_F(LinkSessionTest, UnpairedPeerGetsNothing) {
  StartDevice();
  auto socket = Unwrap(LinkSocket::Connect(socket_path_));
  uint16_t temperature = firmware_->table().ValueHandle(kTemperature);
  ASSERT_TRUE(socket.Send(EncodeAtt(AttReadRequest{temperature})).ok());
  auto answer = Unwrap(DecodeAtt(Unwrap(socket.Receive(milliseconds(2000)))));
  auto* error = std::get_if<AttErrorResponse>(&answer);
  ASSERT_NE(error, nullptr) << "an unpaired read must not be answered with a value";
  EXPECT_EQ(error->error, static_cast<uint8_t>(AttError::kInsufficientAuthentication));
  ASSERT_TRUE(socket
                  .Send(EncodeAtt(AttWriteRequest{firmware_->table().ValueHandle(kDigital),
                                                  EncodeSwitch(true)}))
                  .ok());
  (void)socket.Receive(milliseconds(2000));
  EXPECT_FALSE(firmware_->led_on());
  EXPECT_EQ(firmware_->led_writes(), 0u);
}

TEST_F(LinkSessionTest, UntrustedMapperIsRefusedWithPairingFailed) {
  StartDevice();
  auto outsider = MakeSvid(ids_.other_domain_ca, "spiffe://other.org/mapper/ble");
  auto refused = Connect(outsider);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.error().message.find("authentication requirements"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(device_->counters().pairings_refused, 1u);
  EXPECT_EQ(device_->counters().pairings, 0u);
  // The device is still there for a trusted mapper.
  EXPECT_TRUE(Connect(ids_.mapper).ok());
}

TEST_F(LinkSessionTest, DeviceKeepsToItsAllowedMappers) {
  StartDevice(devsim::Counterfeit::kNone, {ids_.mapper.id});
  auto other = MakeSvid(ids_.ca, "spiffe://example.org/workload/curious");
  auto refused = Connect(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("authentication requirements"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(device_->counters().pairings_refused, 1u);
  EXPECT_TRUE(Connect(ids_.mapper).ok());
}

// A clone that pairs with the mapper and, as a central, with the genuine device cannot have the
// genuine element sign the mapper's challenge: the firmware signs only its own pairing's.
TEST_F(LinkSessionTest, ElementSignsOnlyTheChallengeOfItsOwnPairing) {
  StartDevice();
  auto relay = Unwrap(Connect(ids_.mapper));
  uint16_t element = HandleOf(Unwrap(relay->DiscoverCharacteristics()), kElementCommand);
  ElementOverLink transport(*relay, element);
  se::SecureElement host(transport);
  std::string someone_elses = ElementChallenge(std::string(32, 'x'));
  auto refused = host.GenerateSignature(se::kDeviceKeySlot, someone_elses);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("insufficient authorization"), std::string::npos)
      << refused.error().message;
  // Its own pairing's challenge is signed.
  EXPECT_TRUE(host.GenerateSignature(se::kDeviceKeySlot, ElementChallengeFor(*relay)).ok());
  // Commands beyond what authentication and the data zones need are not relayed.
  auto reset = host.Call(se::CommandCode::kReset, "");
  ASSERT_FALSE(reset.ok());
  EXPECT_NE(reset.error().message.find("insufficient authorization"), std::string::npos);
}

// The element's last answer belongs to the session that asked for it.
TEST_F(LinkSessionTest, ElementAnswersAreNotReadableFromAnotherSession) {
  StartDevice();
  uint16_t element = firmware_->table().ValueHandle(kElementCommand);
  {
    auto first = Unwrap(Connect(ids_.mapper));
    ElementOverLink transport(*first, element);
    se::SecureElement host(transport);
    ASSERT_TRUE(host.GenerateSignature(se::kDeviceKeySlot, ElementChallengeFor(*first)).ok());
  }
  while (device_->paired()) std::this_thread::sleep_for(milliseconds(10));
  auto second = Unwrap(Connect(ids_.mapper));
  auto stale = second->Read(element);
  ASSERT_FALSE(stale.ok()) << "the previous session's signature was readable";
}

// Pairs by hand over a raw socket, so that the test can send what a real central never would.
struct RawPairing {
  LinkSocket socket;
  PairedLink link;
};

RawPairing PairByHand(const std::string& path, const LinkIdentities& ids) {
  auto socket = Unwrap(LinkSocket::Connect(path));
  auto pairing = Unwrap(CentralPairing::Start(ids.mapper));
  EXPECT_TRUE(socket.Send(pairing.request()).ok());
  auto check = Unwrap(pairing.OnResponse(Unwrap(socket.Receive(milliseconds(2000))), ids.Trusting(),
                                         std::chrono::system_clock::now()));
  EXPECT_TRUE(socket.Send(check).ok());
  auto link = Unwrap(pairing.OnAcknowledgement(Unwrap(socket.Receive(milliseconds(2000)))));
  return RawPairing{std::move(socket), std::move(link)};
}

TEST_F(LinkSessionTest, ReplayedFrameEndsTheLink) {
  StartDevice();
  auto raw = PairByHand(socket_path_, ids_);
  auto led = firmware_->table().ValueHandle(kDigital);
  auto frame = Unwrap(raw.link.channel.Seal(EncodeAtt(AttWriteRequest{led, EncodeSwitch(true)})));
  ASSERT_TRUE(raw.socket.Send(frame).ok());
  auto answer = Unwrap(raw.link.channel.Open(Unwrap(raw.socket.Receive(milliseconds(2000)))));
  EXPECT_TRUE(std::holds_alternative<AttWriteResponse>(Unwrap(DecodeAtt(answer))));
  EXPECT_EQ(firmware_->led_writes(), 1u);

  ASSERT_TRUE(raw.socket.Send(frame).ok());  // the same write, again
  auto closed = raw.socket.Receive(milliseconds(2000));
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(firmware_->led_writes(), 1u) << "the replayed write must not reach the LED";
  EXPECT_EQ(device_->counters().links_closed_on_bad_frame, 1u);
}

TEST_F(LinkSessionTest, TamperedFrameEndsTheLink) {
  StartDevice();
  auto raw = PairByHand(socket_path_, ids_);
  auto led = firmware_->table().ValueHandle(kDigital);
  auto frame = Unwrap(raw.link.channel.Seal(EncodeAtt(AttWriteRequest{led, EncodeSwitch(true)})));
  frame[frame.size() - 20] ^= 0x01;
  ASSERT_TRUE(raw.socket.Send(frame).ok());
  EXPECT_FALSE(raw.socket.Receive(milliseconds(2000)).ok());
  EXPECT_FALSE(firmware_->led_on());
  EXPECT_EQ(device_->counters().links_closed_on_bad_frame, 1u);
}

TEST_F(LinkSessionTest, MapperPairsAgainAfterTheDeviceRestarts) {
  StartDevice();
  auto first = Unwrap(Connect(ids_.mapper));
  auto found = Unwrap(first->DiscoverCharacteristics());
  StartDevice();  // the device reboots
  auto after = first->Read(HandleOf(found, kTemperature));
  EXPECT_FALSE(after.ok());
  EXPECT_FALSE(first->connected());
  auto second = Connect(ids_.mapper);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE((*second)->Read(HandleOf(found, kTemperature)).ok());
  EXPECT_NE(first->transcript_hash(), (*second)->transcript_hash());
}

}  // namespace
}  // namespace edgeid::device::link
