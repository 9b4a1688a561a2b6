#include "mqtt/client/spiffe_tls_context.h"

#include <openssl/x509_vfy.h>

#include "crypto/certificate.h"
#include "crypto/chain_verify.h"

namespace edgeid::mqtt {
namespace {

// Runs for each certificate of the server's chain after OpenSSL's own check; at the leaf it
// applies the SPIFFE rules.
int VerifyServerLeaf(int preverified, X509_STORE_CTX* store) {
  if (preverified == 0) return 0;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* server =
      static_cast<const ServerIdentity*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  auto id = spiffe::CheckLeafProfile(crypto::Certificate(X509_STORE_CTX_get_current_cert(store)));
  if (!id.ok() || server == nullptr || id->trust_domain_name() != server->trust_domain ||
      (!server->server_id.empty() && id->str() != server->server_id)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

}  // namespace

Status LoadSpiffeIdentity(SSL_CTX* ctx, const spiffe::X509Svid& svid,
                          const spiffe::X509Bundle& bundle) {
  if (bundle.empty()) return InvalidArgument("the trust bundle has no authorities");
  if (SSL_CTX_use_certificate(ctx, svid.leaf().get()) != 1) {
    return InvalidArgument("the SVID's certificate cannot be used for TLS");
  }
  SSL_CTX_clear_chain_certs(ctx);
  for (std::size_t i = 1; i < svid.chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, svid.chain[i].get()) != 1) {
      return InvalidArgument("the SVID's intermediate certificates cannot be used for TLS");
    }
  }
  if (SSL_CTX_use_PrivateKey(ctx, svid.key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return InvalidArgument("the SVID's key does not match its certificate");
  }
  auto store = crypto::NewTrustStore(bundle.authorities());
  if (!store.ok()) return store.error();
  SSL_CTX_set_cert_store(ctx, store->release());  // takes it, frees the previous one
  return OkStatus();
}

Result<SslCtxPtr> MakeSpiffeClientContext(const spiffe::X509Svid& svid,
                                          const spiffe::X509Bundle& bundle,
                                          const ServerIdentity* server) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Internal("SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  EDGEID_RETURN_IF_ERROR(LoadSpiffeIdentity(ctx.get(), svid, bundle));
  SSL_CTX_set_app_data(ctx.get(), const_cast<ServerIdentity*>(server));
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, VerifyServerLeaf);
  return ctx;
}

}  // namespace edgeid::mqtt
