// The physical limits every suite reports against: one ECDSA P-256 signature or verification of
// a SHA-256 digest with a reused context, nothing else.
#pragma once

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <string>

#include "crypto/digest.h"
#include "crypto/ossl.h"
#include "crypto/private_key.h"

namespace edgeid::bench {

inline void RawP256Sign(benchmark::State& state, const crypto::PrivateKey& key) {
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  EVP_PKEY_sign_init(ctx.get());
  std::string digest = crypto::Sha256("benchmark");
  unsigned char sig[128];
  for (auto _ : state) {
    size_t len = sizeof sig;
    if (EVP_PKEY_sign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(digest.data()),
                      digest.size()) != 1) {
      state.SkipWithError("sign failed");
    }
    benchmark::DoNotOptimize(sig);
  }
  state.SetItemsProcessed(state.iterations());
}

inline void RawP256Verify(benchmark::State& state, const crypto::PrivateKey& key) {
  std::string digest = crypto::Sha256("benchmark");
  auto signature = key.SignDigest(digest);
  if (!signature.ok()) return state.SkipWithError("sign failed");
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  EVP_PKEY_verify_init(ctx.get());
  for (auto _ : state) {
    if (EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                        signature->size(), reinterpret_cast<const unsigned char*>(digest.data()),
                        digest.size()) != 1) {
      state.SkipWithError("verify failed");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace edgeid::bench
