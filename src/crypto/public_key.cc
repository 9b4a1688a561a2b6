#include "crypto/public_key.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "crypto/signature.h"

namespace edgeid::crypto {
namespace {

std::string BignumBytes(const BIGNUM* bn, size_t pad_to) {
  size_t len = std::max(pad_to, static_cast<size_t>(BN_num_bytes(bn)));
  std::string out(len, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(len));
  return out;
}

Result<BignumPtr> GetBignumParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    return OpenSslError(ErrorCode::kInternal, std::string("reading key parameter ") + name);
  }
  return BignumPtr(bn);
}

Result<EvpPkeyPtr> FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpenSslError(ErrorCode::kInvalidArgument,
                        std::string("invalid ") + type + " public key");
  }
  EvpPkeyPtr pkey(raw);
  // The EC import already refuses points off the curve, and P-256 and P-384 have cofactor 1,
  // so that is the whole check; EVP_PKEY_public_check would add a scalar multiplication.
  if (std::string_view(type) == "EC") return pkey;
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return OpenSslError(ErrorCode::kInvalidArgument,
                        std::string(type) + " public key fails validation");
  }
  return pkey;
}

// A parameters-only key for the named curve, made once and never changed afterwards.
const EVP_PKEY* CurveTemplate(const char* group) {
  auto make = [](const char* name) -> EVP_PKEY* {
    OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, name, 0) != 1) {
      return nullptr;
    }
    OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_KEY_PARAMETERS, params.get()) != 1) {
      return nullptr;
    }
    return pkey;
  };
  static const EVP_PKEY* const p256 = make("prime256v1");
  static const EVP_PKEY* const p384 = make("secp384r1");
  return std::string_view(group) == "prime256v1" ? p256 : p384;
}

}  // namespace

PublicKey::PublicKey(EVP_PKEY* pkey) : pkey_(pkey) {
  EVP_PKEY_up_ref(pkey);
}
PublicKey::PublicKey(const PublicKey& other) : PublicKey(other.pkey_.get()) {}
PublicKey& PublicKey::operator=(const PublicKey& other) {
  if (this != &other) {
    EVP_PKEY_up_ref(other.pkey_.get());
    pkey_.reset(other.pkey_.get());
  }
  return *this;
}

Result<PublicKey> PublicKey::FromDer(std::string_view spki_der) {
  // The two encodings every SPIFFE CSR carries (P-256 and P-384 named curves, uncompressed
  // point) take the coordinate path: OpenSSL 3.0's d2i_PUBKEY runs its decoder search, which
  // costs more than a signature and serialises threads on its locks.
  static constexpr std::string_view kP256Prefix(
      "\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d"
      "\x03\x01\x07\x03\x42\x00\x04",
      27);
  static constexpr std::string_view kP384Prefix(
      "\x30\x76\x30\x10\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81\x04\x00\x22"
      "\x03\x62\x00\x04",
      24);
  for (auto [prefix, size, curve] : {std::tuple{kP256Prefix, size_t{32}, "P-256"},
                                     std::tuple{kP384Prefix, size_t{48}, "P-384"}}) {
    if (spki_der.size() == prefix.size() + 2 * size && spki_der.starts_with(prefix)) {
      auto xy = spki_der.substr(prefix.size());
      return FromEcCoordinates(
          {curve, std::string(xy.substr(0, size)), std::string(xy.substr(size))});
    }
  }
  const auto* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  EvpPkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!pkey) return OpenSslError(ErrorCode::kInvalidArgument, "malformed SubjectPublicKeyInfo");
  if (p != reinterpret_cast<const unsigned char*>(spki_der.data() + spki_der.size())) {
    return InvalidArgument("trailing data after SubjectPublicKeyInfo");
  }
  return PublicKey(pkey.get());
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  EvpPkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return OpenSslError(ErrorCode::kInvalidArgument, "no PUBLIC KEY block in PEM");
  return PublicKey(pkey.get());
}

Result<PublicKey> PublicKey::FromEcCoordinates(const EcPublicCoordinates& coords) {
  const EVP_PKEY* curve_template = nullptr;
  size_t size = 0;
  if (coords.curve == "P-256") {
    curve_template = CurveTemplate("prime256v1");
    size = 32;
  } else if (coords.curve == "P-384") {
    curve_template = CurveTemplate("secp384r1");
    size = 48;
  } else {
    return InvalidArgument("unsupported EC curve \"" + coords.curve + "\"");
  }
  if (coords.x.size() != size || coords.y.size() != size) {
    return InvalidArgument("EC coordinates for " + coords.curve + " must be " +
                           std::to_string(size) + " bytes");
  }
  if (curve_template == nullptr) return Internal("EC curve parameters unavailable");
  // Copying a key that already holds the curve and setting its point is a quarter of the cost
  // of importing from scratch, which builds the curve group again each time. Setting the point
  // refuses points that are not on the curve.
  EvpPkeyPtr pkey(EVP_PKEY_dup(const_cast<EVP_PKEY*>(curve_template)));
  std::string point = "\x04" + coords.x + coords.y;
  if (!pkey ||
      EVP_PKEY_set1_encoded_public_key(
          pkey.get(), reinterpret_cast<const unsigned char*>(point.data()), point.size()) != 1) {
    return OpenSslError(ErrorCode::kInvalidArgument, "EC point is not on curve " + coords.curve);
  }
  return PublicKey(pkey.get());
}

Result<PublicKey> PublicKey::FromRsaParameters(const RsaPublicParameters& params) {
  if (params.n.empty() || params.e.empty()) return InvalidArgument("RSA n and e are required");
  BignumPtr n(BN_bin2bn(reinterpret_cast<const unsigned char*>(params.n.data()),
                        static_cast<int>(params.n.size()), nullptr));
  BignumPtr e(BN_bin2bn(reinterpret_cast<const unsigned char*>(params.e.data()),
                        static_cast<int>(params.e.size()), nullptr));
  if (BN_num_bits(n.get()) < 2048) return InvalidArgument("RSA keys must be at least 2048 bits");
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !n || !e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "building RSA key parameters");
  }
  auto pkey = EDGEID_TRY(FromParams("RSA", bld.get()));
  return PublicKey(pkey.get());
}

std::string PublicKey::ToDer() const {
  return EncodeDer(i2d_PUBKEY, pkey_.get());
}

std::string PublicKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
  return MemoryBioContents(bio.get());
}

KeyFamily PublicKey::family() const {
  switch (EVP_PKEY_get_base_id(pkey_.get())) {
    case EVP_PKEY_EC:
      return KeyFamily::kEc;
    case EVP_PKEY_RSA:
      return KeyFamily::kRsa;
    default:
      return KeyFamily::kOther;
  }
}

int PublicKey::bits() const {
  return EVP_PKEY_get_bits(pkey_.get());
}

std::optional<KeyType> PublicKey::key_type() const {
  switch (family()) {
    case KeyFamily::kEc: {
      char name[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(pkey_.get(), OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name,
                                         &len) != 1) {
        return std::nullopt;
      }
      std::string_view group(name, len);
      if (group == "prime256v1" || group == "P-256") return KeyType::kEcP256;
      if (group == "secp384r1" || group == "P-384") return KeyType::kEcP384;
      return std::nullopt;
    }
    case KeyFamily::kRsa:
      switch (bits()) {
        case 2048:
          return KeyType::kRsa2048;
        case 3072:
          return KeyType::kRsa3072;
        case 4096:
          return KeyType::kRsa4096;
        default:
          return std::nullopt;
      }
    case KeyFamily::kOther:
      break;
  }
  return std::nullopt;
}

Result<EcPublicCoordinates> PublicKey::ec_coordinates() const {
  auto type = key_type();
  if (!type || (*type != KeyType::kEcP256 && *type != KeyType::kEcP384)) {
    return InvalidArgument("not a P-256 or P-384 key");
  }
  size_t size = *type == KeyType::kEcP256 ? 32 : 48;
  auto x = EDGEID_TRY(GetBignumParam(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X));
  auto y = EDGEID_TRY(GetBignumParam(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y));
  return EcPublicCoordinates{*type == KeyType::kEcP256 ? "P-256" : "P-384",
                             BignumBytes(x.get(), size), BignumBytes(y.get(), size)};
}

Result<RsaPublicParameters> PublicKey::rsa_parameters() const {
  if (family() != KeyFamily::kRsa) return InvalidArgument("not an RSA key");
  auto n = EDGEID_TRY(GetBignumParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_N));
  auto e = EDGEID_TRY(GetBignumParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_E));
  return RsaPublicParameters{BignumBytes(n.get(), 0), BignumBytes(e.get(), 0)};
}

SignatureAlgorithm PublicKey::DefaultSignatureAlgorithm() const {
  auto type = key_type();
  if (type == KeyType::kEcP384) return SignatureAlgorithm::kEcdsaSha384;
  if (type == KeyType::kEcP256) return SignatureAlgorithm::kEcdsaSha256;
  return SignatureAlgorithm::kRsaPkcs1Sha256;
}

Status PublicKey::Verify(SignatureAlgorithm alg, std::string_view data,
                         std::string_view signature) const {
  KeyFamily want = IsEcdsa(alg) ? KeyFamily::kEc : KeyFamily::kRsa;
  if (family() != want) return InvalidArgument("signature algorithm does not match the key type");
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, DigestFor(alg), nullptr, pkey_.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "initialising signature verification");
  }
  if (IsRsaPss(alg) && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return OpenSslError(ErrorCode::kInternal, "configuring RSA-PSS");
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  if (rc != 1) return OpenSslError(ErrorCode::kInvalidArgument, "signature does not verify");
  return OkStatus();
}

Status PublicKey::VerifyDigest(std::string_view digest, std::string_view der_signature) const {
  if (family() != KeyFamily::kEc) return InvalidArgument("digest verification needs an EC key");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "initialising digest verification");
  }
  int rc = EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(der_signature.data()),
                           der_signature.size(),
                           reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
  if (rc != 1) return OpenSslError(ErrorCode::kInvalidArgument, "signature does not verify");
  return OkStatus();
}

Status PublicKey::Validate() const {
  switch (family()) {
    case KeyFamily::kEc:
      if (!key_type()) return InvalidArgument("unsupported EC curve (expected P-256 or P-384)");
      return OkStatus();  // EC points were checked against the curve when decoded
    case KeyFamily::kRsa: {
      if (bits() < 2048) return InvalidArgument("RSA keys must be at least 2048 bits");
      EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
      if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        return OpenSslError(ErrorCode::kInvalidArgument, "RSA public key fails validation");
      }
      return OkStatus();
    }
    case KeyFamily::kOther:
      break;
  }
  return InvalidArgument("unsupported key type (expected EC P-256, P-384 or RSA)");
}

bool PublicKey::operator==(const PublicKey& other) const {
  return EVP_PKEY_eq(pkey_.get(), other.pkey_.get()) == 1;
}

}  // namespace edgeid::crypto
