// The device factory of the simulation: a manufacturer root CA standing in for ST's ("STM
// STSAFE-A PROD CA 01"), and elements personalised as ST ships them (zone 0 the DER leaf
// certificate whose 11-byte serial is the device ID, slot 0 its P-256 key), plus the
// counterfeits the mapper must refuse.
#pragma once

#include <string>

#include "common/result.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"
#include "devsim/element/emulated_element.h"

namespace edgeid::devsim {

struct Manufacturer {
  crypto::Certificate root;
  crypto::PrivateKey key;
};

// A self-signed P-256 root valid for 30 years from `now`.
Result<Manufacturer> CreateManufacturer(const std::string& name, crypto::TimePoint now);
// root.pem and root.key (0600) in `dir`, created when absent.
Result<Manufacturer> LoadOrCreateManufacturer(const std::string& dir, crypto::TimePoint now);

enum class Counterfeit {
  kNone,           // genuine
  kSelfSigned,     // its certificate signed by its own key
  kWrongRoot,      // issued by another maker's root
  kMismatchedKey,  // a genuine certificate beside a key it does not certify
  kCloned,         // a genuine certificate and a signature once captured from the original
};
Result<Counterfeit> ParseCounterfeit(std::string_view name);
const char* CounterfeitName(Counterfeit variant);

struct ManufacturedElement {
  ElementImage image;
  std::string device_id;  // the certificate serial (11 bytes), upper-case hex
};

Result<ManufacturedElement> ManufactureElement(const Manufacturer& maker, Counterfeit variant,
                                               crypto::TimePoint now);

// Zone layout of a manufactured element: zone 0 the certificate (read always, update never),
// zones 1 and 2 free user data.
inline constexpr uint16_t kZone0Bytes = 1000;
inline constexpr uint16_t kZone1Bytes = 700;
inline constexpr uint16_t kZone2Bytes = 600;

}  // namespace edgeid::devsim
