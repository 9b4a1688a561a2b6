// Proves a device genuine by its secure element, as ST's host library does: read the zone-0
// certificate, check its chain to the manufacturer's root, have slot 0 sign a fresh random
// challenge, and verify that signature with the certificate's key. A copy of a genuine
// certificate without its key, a replayed signature or an element from another maker fails.
#pragma once

#include <string>

#include "common/result.h"
#include "crypto/certificate.h"
#include "device/se/secure_element.h"

namespace edgeid::device::se {

struct AuthenticatedDevice {
  crypto::Certificate certificate;
  std::string device_id;  // the certificate's serial number, hex
  std::string subject;    // the certificate's subject, for logs
};

// Why a device was refused, for logs and metrics.
enum class RefusalReason {
  kNone,
  kElementUnreachable,  // the element did not answer or answered garbage
  kNoCertificate,       // zone 0 unreadable or not a certificate
  kUntrustedChain,      // not issued by a configured manufacturer root (or expired)
  kWrongKeyType,        // not a P-256 certificate
  kSignatureRefused,    // the element would not sign
  kSignatureInvalid,    // the signature does not match the certificate's key and challenge
};
const char* RefusalReasonName(RefusalReason reason);

struct DeviceAuthenticationResult {
  Result<AuthenticatedDevice> device = InvalidArgument("not authenticated");
  RefusalReason reason = RefusalReason::kNone;
};

// `challenge` is the fresh 32 bytes to be signed (from the host's CSPRNG).
DeviceAuthenticationResult AuthenticateDevice(SecureElement& element,
                                              const crypto::CertificateChain& manufacturer_roots,
                                              crypto::TimePoint now, const std::string& challenge);

}  // namespace edgeid::device::se
