#include "devsim/factory/manufacturer.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "common/atomic_file.h"
#include "crypto/certificate_builder.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/signature.h"

namespace edgeid::devsim {
namespace {

using device::se::AccessCondition;
using std::chrono::hours;

constexpr auto kThirtyYears = hours(24 * 365 * 30);
constexpr size_t kDeviceIdBytes = 11;

Result<std::string> DeviceSerial() {
  auto serial = EDGEID_TRY(crypto::RandomBytes(kDeviceIdBytes));
  serial[0] = static_cast<char>(0x02 | (serial[0] & 0x3C));  // positive, never zero
  return serial;
}

Result<crypto::Certificate> LeafCertificate(const std::string& serial, const crypto::PublicKey& key,
                                            const crypto::Certificate* issuer,
                                            const crypto::PrivateKey& issuer_key,
                                            crypto::TimePoint now) {
  crypto::CertificateTemplate tmpl;
  tmpl.subject = {{"O", "edgeid devsim"}, {"CN", "STSAFE-A110 " + crypto::HexEncode(serial, true)}};
  tmpl.not_before = now - hours(24);
  tmpl.not_after = now + kThirtyYears;
  tmpl.key_usage = crypto::kDigitalSignature;
  tmpl.serial = serial;
  return crypto::SignCertificate(tmpl, key, issuer, issuer_key);
}

ElementZone Zone(uint8_t index, uint16_t size, AccessCondition read, AccessCondition update,
                 std::string content = {}) {
  content.resize(size, '\0');
  return ElementZone{{index, 0, read, update, size, 0}, std::move(content)};
}

}  // namespace

Result<Manufacturer> CreateManufacturer(const std::string& name, crypto::TimePoint now) {
  auto key = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  crypto::CertificateTemplate tmpl;
  tmpl.subject = {{"O", "edgeid devsim"}, {"CN", name}};
  tmpl.not_before = now - hours(24);
  tmpl.not_after = now + kThirtyYears;
  tmpl.is_ca = true;
  tmpl.key_usage = crypto::kKeyCertSign | crypto::kCrlSign;
  auto root = EDGEID_TRY(crypto::SignCertificate(tmpl, key.public_key(), nullptr, key));
  return Manufacturer{std::move(root), std::move(key)};
}

Result<Manufacturer> LoadOrCreateManufacturer(const std::string& dir, crypto::TimePoint now) {
  const std::string cert_path = dir + "/root.pem", key_path = dir + "/root.key";
  if (std::filesystem::exists(cert_path) || std::filesystem::exists(key_path)) {
    auto pem = EDGEID_TRY(ReadFile(cert_path));
    auto key_pem = EDGEID_TRY(ReadFile(key_path));
    auto root = EDGEID_TRY(crypto::Certificate::FromPem(pem));
    auto key = EDGEID_TRY(crypto::PrivateKey::FromPem(key_pem));
    if (!(root.public_key() == key.public_key())) {
      return InvalidArgument(key_path + " is not the key of " + cert_path);
    }
    return Manufacturer{std::move(root), std::move(key)};
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InvalidArgument("cannot create " + dir + ": " + ec.message());
  auto maker = EDGEID_TRY(CreateManufacturer("edgeid devsim manufacturer root CA", now));
  auto key_pem = EDGEID_TRY(maker.key.ToPkcs8Pem());
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(key_path, key_pem, 0600));
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(cert_path, maker.root.ToPem(), 0644));
  return maker;
}

Result<Counterfeit> ParseCounterfeit(std::string_view name) {
  for (auto v : {Counterfeit::kNone, Counterfeit::kSelfSigned, Counterfeit::kWrongRoot,
                 Counterfeit::kMismatchedKey, Counterfeit::kCloned}) {
    if (name == CounterfeitName(v)) return v;
  }
  return InvalidArgument("unknown device variant '" + std::string(name) +
                         "' (genuine, self-signed, wrong-root, mismatched-key, cloned)");
}

const char* CounterfeitName(Counterfeit variant) {
  switch (variant) {
    case Counterfeit::kNone:
      return "genuine";
    case Counterfeit::kSelfSigned:
      return "self-signed";
    case Counterfeit::kWrongRoot:
      return "wrong-root";
    case Counterfeit::kMismatchedKey:
      return "mismatched-key";
    case Counterfeit::kCloned:
      return "cloned";
  }
  return "unknown";
}

Result<ManufacturedElement> ManufactureElement(const Manufacturer& maker, Counterfeit variant,
                                               crypto::TimePoint now) {
  auto serial = EDGEID_TRY(DeviceSerial());
  auto key = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  crypto::Certificate leaf = maker.root;  // replaced below
  switch (variant) {
    case Counterfeit::kSelfSigned:
      leaf = EDGEID_TRY(LeafCertificate(serial, key.public_key(), nullptr, key, now));
      break;
    case Counterfeit::kWrongRoot: {
      auto rogue = EDGEID_TRY(CreateManufacturer("edgeid devsim manufacturer root CA", now));
      leaf = EDGEID_TRY(LeafCertificate(serial, key.public_key(), &rogue.root, rogue.key, now));
      break;
    }
    default:
      leaf = EDGEID_TRY(LeafCertificate(serial, key.public_key(), &maker.root, maker.key, now));
  }
  ElementImage image;
  image.product.mask_id = std::string("\x00\x0A\x01", 3);
  image.product.st_number = EDGEID_TRY(crypto::RandomBytes(9));
  image.zones.push_back(
      Zone(0, kZone0Bytes, AccessCondition::kAlways, AccessCondition::kNever, leaf.ToDer()));
  image.zones.push_back(Zone(1, kZone1Bytes, AccessCondition::kAlways, AccessCondition::kAlways));
  image.zones.push_back(Zone(2, kZone2Bytes, AccessCondition::kHost, AccessCondition::kHost));
  switch (variant) {
    case Counterfeit::kMismatchedKey:
      image.slot0 = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
      break;
    case Counterfeit::kCloned: {
      // What a cloner has: the original's certificate and one answer it once gave.
      auto challenge = EDGEID_TRY(crypto::RandomBytes(32));
      auto der = EDGEID_TRY(key.SignDigest(challenge));
      auto raw = EDGEID_TRY(crypto::EcdsaDerToRaw(der, 32));
      image.recorded_signature = device::se::RawSignature{raw.substr(0, 32), raw.substr(32)};
      break;
    }
    default:
      image.slot0 = key;
  }
  return ManufacturedElement{std::move(image), crypto::HexEncode(serial, true)};
}

}  // namespace edgeid::devsim
