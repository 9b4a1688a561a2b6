// The IoT chain's costs, each beside the raw OpenSSL operations it is bounded by, measured in the
// same run: device authentication (zone-0 certificate read, chain check, challenge signed by the
// element, signature check), pairing handshakes (in memory and over the link's socket), and
// sealed notifications (in memory and from device to mapper over the socket).
// bench/device_report.py prints the ratios.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <spdlog/sinks/null_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "crypto/aead.h"
#include "crypto/certificate_builder.h"
#include "crypto/digest.h"
#include "crypto/key_agreement.h"
#include "crypto/random.h"
#include "device/link/central_link.h"
#include "device/link/characteristic_values.h"
#include "device/link/pairing.h"
#include "device/link/peripheral_link.h"
#include "device/se/device_authentication.h"
#include "devsim/element/emulated_element.h"
#include "devsim/factory/manufacturer.h"
#include "devsim/firmware/device_firmware.h"
#include "support/raw_p256.h"

namespace edgeid {
namespace {

using Clock = std::chrono::system_clock;
namespace link = device::link;

template <typename T>
T Must(Result<T> r) {
  if (!r.ok()) throw std::runtime_error(r.error().ToString());
  return std::move(r).value();
}

struct Fixture {
  devsim::Manufacturer maker = Must(devsim::CreateManufacturer("bench maker", Clock::now()));
  crypto::PrivateKey ca_key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  crypto::Certificate ca = MakeCa();
  spiffe::X509Svid mapper = MakeSvid("spiffe://example.org/mapper/ble");
  spiffe::X509Svid device = MakeSvid("spiffe://example.org/device/thermo-1");
  link::PeerRequirement peer{
      spiffe::X509Bundle(Must(spiffe::TrustDomain::Parse("example.org")), {ca}), {}};

  crypto::Certificate MakeCa() const {
    crypto::CertificateTemplate t;
    t.subject = {{"O", "bench"}};
    t.not_before = Clock::now() - std::chrono::hours(1);
    t.not_after = Clock::now() + std::chrono::hours(24);
    t.is_ca = true;
    t.key_usage = crypto::kKeyCertSign | crypto::kCrlSign;
    t.uri_sans = {"spiffe://example.org"};
    return Must(crypto::SignCertificate(t, ca_key.public_key(), nullptr, ca_key));
  }
  spiffe::X509Svid MakeSvid(const std::string& id) const {
    auto key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
    crypto::CertificateTemplate t;
    t.subject = {{"O", "SPIFFE"}};
    t.not_before = Clock::now() - std::chrono::minutes(5);
    t.not_after = Clock::now() + std::chrono::hours(1);
    t.key_usage = crypto::kDigitalSignature;
    t.server_and_client_auth = true;
    t.uri_sans = {id};
    auto leaf = Must(crypto::SignCertificate(t, key.public_key(), &ca, ca_key));
    return spiffe::X509Svid{Must(spiffe::SpiffeId::Parse(id)), {leaf}, key, ""};
  }
};

const Fixture& F() {
  static const Fixture fixture;
  return fixture;
}

std::shared_ptr<spdlog::logger> QuietLog() {
  return std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// --- The physical limits: raw OpenSSL operations with reused contexts. ---

void BM_RawP256Sign(benchmark::State& state) {
  bench::RawP256Sign(state, F().ca_key);
}
BENCHMARK(BM_RawP256Sign);

void BM_RawP256Verify(benchmark::State& state) {
  bench::RawP256Verify(state, F().ca_key);
}
BENCHMARK(BM_RawP256Verify);

void BM_RawP256Keygen(benchmark::State& state) {
  for (auto _ : state) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (key == nullptr) state.SkipWithError("keygen failed");
    EVP_PKEY_free(key);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawP256Keygen);

void BM_RawP256Ecdh(benchmark::State& state) {
  crypto::EvpPkeyPtr mine(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  crypto::EvpPkeyPtr peer(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(mine.get(), nullptr));
  EVP_PKEY_derive_init(ctx.get());
  EVP_PKEY_derive_set_peer(ctx.get(), peer.get());
  unsigned char secret[32];
  for (auto _ : state) {
    size_t len = sizeof secret;
    if (EVP_PKEY_derive(ctx.get(), secret, &len) != 1) state.SkipWithError("derive failed");
    benchmark::DoNotOptimize(secret);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawP256Ecdh);

// AES-256-GCM over a notification-sized PDU (7 bytes), sealed and opened, context reused.
void BM_RawAesGcmSealOpen(benchmark::State& state) {
  unsigned char key[32] = {1}, nonce[12] = {2}, tag[16], pt[7] = {0x04, 0x1b, 0x0a, 0, 0xc1, 0x08},
                ct[7], out[7], aad[9] = {0x80};
  EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(enc, EVP_aes_256_gcm(), nullptr, key, nullptr);
  EVP_DecryptInit_ex(dec, EVP_aes_256_gcm(), nullptr, key, nullptr);
  for (auto _ : state) {
    int len = 0;
    nonce[11]++;
    EVP_EncryptInit_ex(enc, nullptr, nullptr, nullptr, nonce);
    EVP_EncryptUpdate(enc, nullptr, &len, aad, sizeof aad);
    EVP_EncryptUpdate(enc, ct, &len, pt, sizeof pt);
    EVP_EncryptFinal_ex(enc, ct + len, &len);
    EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_GCM_GET_TAG, 16, tag);
    EVP_DecryptInit_ex(dec, nullptr, nullptr, nullptr, nonce);
    EVP_DecryptUpdate(dec, nullptr, &len, aad, sizeof aad);
    EVP_DecryptUpdate(dec, out, &len, ct, sizeof ct);
    EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_GCM_SET_TAG, 16, tag);
    if (EVP_DecryptFinal_ex(dec, out + len, &len) != 1) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(out);
  }
  EVP_CIPHER_CTX_free(enc);
  EVP_CIPHER_CTX_free(dec);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawAesGcmSealOpen);

// Small frames (a notification's 36 bytes) through a UNIX stream socket to a reader thread that
// reads in 16 KiB chunks: the transport's own limit, one send per frame.
void BM_RawSocketFrames(benchmark::State& state) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    state.SkipWithError("socketpair");
  constexpr size_t kFrame = 36;
  std::atomic<uint64_t> bytes{0};
  std::thread reader([&] {
    char chunk[16384];
    for (;;) {
      ssize_t r = ::recv(fds[1], chunk, sizeof chunk, 0);
      if (r <= 0) return;
      bytes += static_cast<uint64_t>(r);
    }
  });
  char frame[kFrame] = {0, kFrame - 2};
  constexpr int kBatch = 256;
  uint64_t sent = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      if (::send(fds[0], frame, kFrame, MSG_NOSIGNAL) != static_cast<ssize_t>(kFrame)) {
        state.SkipWithError("send");
      }
    }
    sent += kBatch;
    while (bytes.load() < sent * kFrame) std::this_thread::yield();
  }
  ::shutdown(fds[0], SHUT_RDWR);
  reader.join();
  ::close(fds[0]);
  ::close(fds[1]);
  state.SetItemsProcessed(static_cast<int64_t>(sent));
}
BENCHMARK(BM_RawSocketFrames)->UseRealTime();

// --- edgeid. ---

// The mapper's check of one device, its element in process: zone-0 certificate read in frames,
// chain verified to the manufacturer root, a fresh challenge signed by slot 0, signature verified.
void BM_DeviceAuthentication(benchmark::State& state) {
  auto made = Must(devsim::ManufactureElement(F().maker, devsim::Counterfeit::kNone, Clock::now()));
  devsim::EmulatedElement element(std::move(made.image));
  devsim::InProcessElementTransport transport(element);
  device::se::SecureElement host(transport);
  for (auto _ : state) {
    auto result = device::se::AuthenticateDevice(host, {F().maker.root}, Clock::now(),
                                                 Must(crypto::RandomBytes(32)));
    if (!result.device.ok()) state.SkipWithError("authentication failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeviceAuthentication);

// A whole pairing in memory: both ephemeral keys, both ECDH, both chains verified, both
// transcript signatures made and checked, both sealed checks.
void BM_PairingHandshake(benchmark::State& state) {
  auto now = Clock::now();
  for (auto _ : state) {
    auto central = Must(link::CentralPairing::Start(F().mapper));
    auto peripheral =
        Must(link::PeripheralPairing::OnRequest(central.request(), F().device, F().peer, now));
    auto check = Must(central.OnResponse(peripheral.response(), F().peer, now));
    auto done = Must(peripheral.OnCentralCheck(check));
    benchmark::DoNotOptimize(Must(central.OnAcknowledgement(done.acknowledgement)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PairingHandshake);

// One temperature notification sealed by the device and opened by the mapper, in memory.
void BM_SealedNotification(benchmark::State& state) {
  auto keys = Must(link::DeriveSessionKeys(std::string(32, 's'), std::string(32, 't')));
  auto device = Must(link::SecureChannel::Create(keys, link::LinkRole::kPeripheral));
  auto mapper = Must(link::SecureChannel::Create(keys, link::LinkRole::kCentral));
  std::string pdu = link::EncodeAtt(link::AttNotification{0x0a, link::EncodeTemperature(22.41)});
  for (auto _ : state) {
    auto opened = mapper.Open(Must(device.Seal(pdu)));
    if (!opened.ok()) state.SkipWithError("open failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SealedNotification);

// Over the link's socket, with the device's firmware and link threads: a full connect and pair.
class SocketLink {
 public:
  SocketLink() {
    char dir_template[] = "/tmp/edgeid-bench-XXXXXX";
    dir_ = ::mkdtemp(dir_template);
    socket_ = dir_ + "/link.sock";
    auto made =
        Must(devsim::ManufactureElement(F().maker, devsim::Counterfeit::kNone, Clock::now()));
    firmware_ = std::make_unique<devsim::DeviceFirmware>(
        devsim::DeviceRecord{"bench", "1.0.0", devsim::Counterfeit::kNone, made.device_id,
                             std::move(made.image)},
        1);
    device_ = Must(link::PeripheralLink::Start(
        {socket_}, firmware_->table(),
        [] {
          return Result<link::PeripheralCredentials>(
              link::PeripheralCredentials{F().device, F().peer});
        },
        QuietLog()));
  }
  ~SocketLink() {
    device_.reset();
    ::rmdir(dir_.c_str());
  }
  const std::string& socket() const { return socket_; }
  link::PeripheralLink& device() { return *device_; }
  uint16_t temperature() const { return firmware_->table().ValueHandle(link::kTemperature); }

 private:
  std::string dir_, socket_;
  std::unique_ptr<devsim::DeviceFirmware> firmware_;
  std::unique_ptr<link::PeripheralLink> device_;
};

void BM_PairingOverSocket(benchmark::State& state) {
  SocketLink link_under_test;
  for (auto _ : state) {
    auto central =
        link::CentralLink::Pair(link_under_test.socket(), F().mapper, F().peer, {}, nullptr);
    if (!central.ok()) state.SkipWithError(central.error().message.c_str());
    (*central)->Close();
    // The device serves one central at a time: wait until it is free again.
    while (link_under_test.device().paired()) std::this_thread::yield();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PairingOverSocket)->UseRealTime();

// Notifications from the device's link to the mapper's callback through the socket, sealed and
// opened on the way; items are notifications delivered.
void BM_NotificationsOverSocket(benchmark::State& state) {
  SocketLink link_under_test;
  std::atomic<uint64_t> received{0};
  auto central = Must(link::CentralLink::Pair(link_under_test.socket(), F().mapper, F().peer, {},
                                              [&](uint16_t, const std::string&) { ++received; }));
  uint16_t handle = link_under_test.temperature();
  if (!central->Subscribe(handle).ok()) state.SkipWithError("subscribe failed");
  std::string value = link::EncodeTemperature(22.41);
  constexpr int kBatch = 256;
  uint64_t sent = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) link_under_test.device().Notify(handle, value);
    sent += kBatch;
    while (received.load() < sent) std::this_thread::yield();
  }
  state.SetItemsProcessed(static_cast<int64_t>(sent));
}
BENCHMARK(BM_NotificationsOverSocket)->UseRealTime();

}  // namespace
}  // namespace edgeid

BENCHMARK_MAIN();
