#include "crypto/chain_verify.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "crypto/ossl.h"

namespace edgeid::crypto {
namespace {

struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

}  // namespace

Result<X509StorePtr> NewTrustStore(const CertificateChain& anchors) {
  X509StorePtr store(X509_STORE_new());
  if (!store) return Internal("X509_STORE_new failed");
  for (const auto& anchor : anchors) {
    if (X509_STORE_add_cert(store.get(), anchor.get()) != 1) {
      return InvalidArgument("a bundle authority cannot be added to the trust store");
    }
  }
  return store;
}

Result<CertificateChain> VerifyCertificateChain(const CertificateChain& chain,
                                                const CertificateChain& anchors, TimePoint now,
                                                ChainVerifyError* why) {
  if (chain.empty()) return InvalidArgument("empty certificate chain");
  X509StorePtr store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), X509StackFree> untrusted(sk_X509_new_null());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return Internal("allocating X.509 verification context");
  for (const auto& anchor : anchors) X509_STORE_add_cert(store.get(), anchor.get());
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "initialising X.509 verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(now));
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);

  if (X509_verify_cert(ctx.get()) != 1) {
    ChainVerifyError error{X509_STORE_CTX_get_error_depth(ctx.get()),
                           X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))};
    ERR_clear_error();
    std::string where =
        error.depth == 0 ? "certificate" : "certificate at depth " + std::to_string(error.depth);
    if (why != nullptr) *why = error;
    return PermissionDenied(where + ": " + error.reason);
  }
  CertificateChain verified;
  STACK_OF(X509)* path = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; i < sk_X509_num(path); ++i) verified.emplace_back(sk_X509_value(path, i));
  return verified;
}

}  // namespace edgeid::crypto
