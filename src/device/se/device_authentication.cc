#include "device/se/device_authentication.h"

#include "crypto/chain_verify.h"
#include "crypto/signature.h"

namespace edgeid::device::se {
namespace {

constexpr size_t kP256CoordinateBytes = 32;

DeviceAuthenticationResult Refuse(RefusalReason reason, const Error& error) {
  DeviceAuthenticationResult result;
  result.device = error;
  result.reason = reason;
  return result;
}

}  // namespace

const char* RefusalReasonName(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kNone:
      return "none";
    case RefusalReason::kElementUnreachable:
      return "element_unreachable";
    case RefusalReason::kNoCertificate:
      return "no_certificate";
    case RefusalReason::kUntrustedChain:
      return "untrusted_chain";
    case RefusalReason::kWrongKeyType:
      return "wrong_key_type";
    case RefusalReason::kSignatureRefused:
      return "signature_refused";
    case RefusalReason::kSignatureInvalid:
      return "signature_invalid";
  }
  return "unknown";
}

DeviceAuthenticationResult AuthenticateDevice(SecureElement& element,
                                              const crypto::CertificateChain& manufacturer_roots,
                                              crypto::TimePoint now, const std::string& challenge) {
  auto der = element.ReadCertificate(kCertificateZone);
  if (!der.ok()) {
    auto reason = der.error().code == ErrorCode::kUnavailable ? RefusalReason::kElementUnreachable
                                                              : RefusalReason::kNoCertificate;
    return Refuse(reason, der.error().Wrap("reading the element certificate"));
  }
  auto certificate = crypto::Certificate::FromDer(*der);
  if (!certificate.ok()) {
    return Refuse(RefusalReason::kNoCertificate,
                  certificate.error().Wrap("zone 0 holds no valid certificate"));
  }
  crypto::ChainVerifyError why;
  auto path = crypto::VerifyCertificateChain({*certificate}, manufacturer_roots, now, &why);
  if (!path.ok()) {
    return Refuse(RefusalReason::kUntrustedChain,
                  PermissionDenied("element certificate " + certificate->serial_hex() +
                                   " is not from a trusted manufacturer: " + why.reason));
  }
  auto key = certificate->public_key();
  if (key.key_type() != crypto::KeyType::kEcP256) {
    return Refuse(RefusalReason::kWrongKeyType,
                  PermissionDenied("element certificate key is not P-256"));
  }
  auto signature = element.GenerateSignature(kDeviceKeySlot, challenge);
  if (!signature.ok()) {
    return Refuse(signature.error().code == ErrorCode::kUnavailable
                      ? RefusalReason::kElementUnreachable
                      : RefusalReason::kSignatureRefused,
                  signature.error().Wrap("challenge signature"));
  }
  if (signature->r.size() != kP256CoordinateBytes || signature->s.size() != kP256CoordinateBytes) {
    return Refuse(RefusalReason::kSignatureInvalid,
                  PermissionDenied("challenge signature has R or S of the wrong size"));
  }
  auto der_signature = crypto::EcdsaRawToDer(signature->r + signature->s);
  if (!der_signature.ok() || !key.VerifyDigest(challenge, *der_signature).ok()) {
    return Refuse(RefusalReason::kSignatureInvalid,
                  PermissionDenied("the element's signature over the challenge does not match "
                                   "certificate " +
                                   certificate->serial_hex() +
                                   " (a cloned certificate or a replayed answer)"));
  }
  DeviceAuthenticationResult result;
  result.device =
      AuthenticatedDevice{*certificate, certificate->serial_hex(), certificate->subject()};
  return result;
}

}  // namespace edgeid::device::se
