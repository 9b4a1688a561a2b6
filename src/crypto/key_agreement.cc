#include "crypto/key_agreement.h"

#include <openssl/core_names.h>

namespace edgeid::crypto {
namespace {

Result<EvpPkeyPtr> PeerKeyFromPoint(std::string_view point) {
  if (point.size() != kP256PointBytes || static_cast<unsigned char>(point[0]) != 0x04) {
    return InvalidArgument("peer key is not an uncompressed P-256 point (65 bytes, 0x04 first)");
  }
  OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      !OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return OpenSslError(ErrorCode::kInternal, "building peer key parameters");
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return OpenSslError(ErrorCode::kInvalidArgument, "peer key is not a P-256 point");
  }
  EvpPkeyPtr key(raw);
  // fromdata accepts any encoding; the point itself is checked here. P-256 has cofactor 1, so a
  // point on the curve is in the prime-order group and the quick check (no scalar
  // multiplication) is the whole check.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check_quick(check.get()) <= 0) {
    return OpenSslError(ErrorCode::kInvalidArgument, "peer key is not a point on P-256");
  }
  return key;
}

}  // namespace

Result<EphemeralKeyAgreement> EphemeralKeyAgreement::Generate() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslError(ErrorCode::kInternal, "generating an ephemeral P-256 key");
  // Uncompressed form, whatever the provider's default.
  if (EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                     "uncompressed") <= 0) {
    return OpenSslError(ErrorCode::kInternal, "setting the point format");
  }
  std::string point(kP256PointBytes, '\0');
  size_t written = 0;
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                      reinterpret_cast<unsigned char*>(point.data()), point.size(),
                                      &written) <= 0 ||
      written != kP256PointBytes) {
    return OpenSslError(ErrorCode::kInternal, "encoding the ephemeral public point");
  }
  return EphemeralKeyAgreement(std::move(key), std::move(point));
}

Result<std::string> EphemeralKeyAgreement::SharedSecret(std::string_view peer_point) const {
  auto peer = PeerKeyFromPoint(peer_point);
  if (!peer.ok()) return peer.error();
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  size_t length = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer->get()) <= 0 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &length) <= 0) {
    return OpenSslError(ErrorCode::kInvalidArgument, "ECDH with the peer's point");
  }
  std::string secret(length, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &length) <= 0) {
    return OpenSslError(ErrorCode::kInternal, "deriving the ECDH secret");
  }
  secret.resize(length);
  return secret;
}

}  // namespace edgeid::crypto
