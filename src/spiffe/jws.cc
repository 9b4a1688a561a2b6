#include "spiffe/jws.h"

#include "crypto/encoding.h"
#include "crypto/signature.h"

namespace edgeid::spiffe {
namespace {

using crypto::SignatureAlgorithm;

struct AlgInfo {
  JwsAlgorithm alg;
  std::string_view name;
  SignatureAlgorithm sig;
  std::optional<crypto::KeyType> curve;  // ECDSA algorithms are bound to one curve
};

constexpr AlgInfo kAlgorithms[] = {
    {JwsAlgorithm::kRS256, "RS256", SignatureAlgorithm::kRsaPkcs1Sha256, std::nullopt},
    {JwsAlgorithm::kRS384, "RS384", SignatureAlgorithm::kRsaPkcs1Sha384, std::nullopt},
    {JwsAlgorithm::kRS512, "RS512", SignatureAlgorithm::kRsaPkcs1Sha512, std::nullopt},
    {JwsAlgorithm::kES256, "ES256", SignatureAlgorithm::kEcdsaSha256, crypto::KeyType::kEcP256},
    {JwsAlgorithm::kES384, "ES384", SignatureAlgorithm::kEcdsaSha384, crypto::KeyType::kEcP384},
    // ES512 needs P-521, which edgeid does not issue; it is recognised so the error is precise.
    {JwsAlgorithm::kES512, "ES512", SignatureAlgorithm::kEcdsaSha512, std::nullopt},
    {JwsAlgorithm::kPS256, "PS256", SignatureAlgorithm::kRsaPssSha256, std::nullopt},
    {JwsAlgorithm::kPS384, "PS384", SignatureAlgorithm::kRsaPssSha384, std::nullopt},
    {JwsAlgorithm::kPS512, "PS512", SignatureAlgorithm::kRsaPssSha512, std::nullopt},
};

const AlgInfo& Info(JwsAlgorithm alg) {
  for (const auto& info : kAlgorithms) {
    if (info.alg == alg) return info;
  }
  return kAlgorithms[0];
}

Status CheckKeyFits(const AlgInfo& info, const crypto::PublicKey& key) {
  bool ecdsa = crypto::IsEcdsa(info.sig);
  if (ecdsa) {
    if (key.family() != crypto::KeyFamily::kEc || !info.curve || key.key_type() != info.curve) {
      return InvalidArgument(std::string(info.name) + " does not fit the key (" +
                             (info.alg == JwsAlgorithm::kES512 ? "P-521 is not supported"
                                                               : "wrong curve or key type") +
                             ")");
    }
  } else if (key.family() != crypto::KeyFamily::kRsa) {
    return InvalidArgument(std::string(info.name) + " needs an RSA key");
  }
  return OkStatus();
}

size_t CoordinateSize(const AlgInfo& info) {
  return info.curve == crypto::KeyType::kEcP384 ? 48 : 32;
}

}  // namespace

std::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  return Info(alg).name;
}

Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name) {
  for (const auto& info : kAlgorithms) {
    if (info.name == name) return info.alg;
  }
  if (name == "none") return InvalidArgument("JWT algorithm \"none\" is not allowed (JWT-SVID §2)");
  if (name.substr(0, 2) == "HS") {
    return InvalidArgument("JWT algorithm \"" + std::string(name) +
                           "\" is not allowed: HMAC algorithms are refused (JWT-SVID §2)");
  }
  return InvalidArgument("JWT algorithm \"" + std::string(name) +
                         "\" is not allowed: only RS, ES and PS 256/384/512 (JWT-SVID §2)");
}

Result<JwsAlgorithm> DefaultJwsAlgorithm(const crypto::PublicKey& key) {
  auto type = key.key_type();
  if (type == crypto::KeyType::kEcP256) return JwsAlgorithm::kES256;
  if (type == crypto::KeyType::kEcP384) return JwsAlgorithm::kES384;
  if (key.family() == crypto::KeyFamily::kRsa) return JwsAlgorithm::kRS256;
  return InvalidArgument("no JWT-SVID algorithm for this key type");
}

Result<JwsParts> SplitJwsCompact(std::string_view token) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return InvalidArgument("token is not a JWS compact serialization (expected three parts)");
  }
  JwsParts parts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                 token.substr(second + 1), token.substr(0, second)};
  // An empty signature is left for the algorithm check to refuse: that is what "none" looks like.
  if (parts.header_b64.empty() || parts.payload_b64.empty()) {
    return InvalidArgument("token has an empty header or payload");
  }
  return parts;
}

Result<std::string> SignJws(JwsAlgorithm alg, const crypto::PrivateKey& key,
                            std::string_view header_json, std::string_view payload_json) {
  const AlgInfo& info = Info(alg);
  EDGEID_RETURN_IF_ERROR(CheckKeyFits(info, key.public_key()));
  std::string token =
      crypto::Base64UrlEncode(header_json) + "." + crypto::Base64UrlEncode(payload_json);
  auto sig = EDGEID_TRY(key.Sign(info.sig, token));
  if (crypto::IsEcdsa(info.sig)) sig = EDGEID_TRY(crypto::EcdsaDerToRaw(sig, CoordinateSize(info)));
  token += '.';
  token += crypto::Base64UrlEncode(sig);
  return token;
}

Status VerifyJwsSignature(JwsAlgorithm alg, const crypto::PublicKey& key,
                          std::string_view signing_input, std::string_view signature) {
  const AlgInfo& info = Info(alg);
  EDGEID_RETURN_IF_ERROR(CheckKeyFits(info, key));
  std::string sig(signature);
  if (crypto::IsEcdsa(info.sig)) {
    if (sig.size() != 2 * CoordinateSize(info)) {
      return InvalidArgument("JWT signature has the wrong length for " + std::string(info.name));
    }
    sig = EDGEID_TRY(crypto::EcdsaRawToDer(sig));
  }
  auto status = key.Verify(info.sig, signing_input, sig);
  if (!status.ok()) return InvalidArgument("JWT signature does not verify");
  return OkStatus();
}

}  // namespace edgeid::spiffe
