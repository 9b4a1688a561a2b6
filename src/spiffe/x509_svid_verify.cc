#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "spiffe/x509_svid.h"

namespace edgeid::spiffe {

Result<VerifiedX509Svid> VerifyX509Svid(const crypto::CertificateChain& chain,
                                        const X509BundleSource& bundles, TimePoint now) {
  if (chain.empty()) return InvalidArgument("X.509-SVID: empty certificate chain");
  auto id = EDGEID_TRY(CheckLeafProfile(chain.front()));

  auto bundle = bundles.GetX509Bundle(id.trust_domain());
  if (!bundle.ok()) {
    return PermissionDenied("X.509-SVID " + id.str() + ": no trust bundle for its trust domain " +
                            std::string(id.trust_domain_name()));
  }

  crypto::X509StorePtr store(X509_STORE_new());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted_owner(
      untrusted, [](STACK_OF(X509) * s) { sk_X509_free(s); });
  crypto::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return Internal("allocating X.509 verification context");
  for (const auto& ca : bundle->authorities()) X509_STORE_add_cert(store.get(), ca.get());
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i].get());

  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted) != 1) {
    return crypto::OpenSslError(ErrorCode::kInternal, "initialising X.509 verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(now));
  // Bundle authorities are trust anchors even when they are intermediates of an upstream CA.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);

  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    std::string where = depth == 0 ? "leaf" : "certificate at depth " + std::to_string(depth);
    return PermissionDenied("X.509-SVID " + id.str() + ": " + where + ": " +
                            X509_verify_cert_error_string(err));
  }
  VerifiedX509Svid out{id, {}};
  STACK_OF(X509)* verified = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; i < sk_X509_num(verified); ++i) {
    out.verified_chain.emplace_back(sk_X509_value(verified, i));
  }
  return out;
}

}  // namespace edgeid::spiffe
