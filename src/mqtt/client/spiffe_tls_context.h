// A TLS client context made from an X.509-SVID held in memory: the private key is never written
// to a file for the MQTT library to read.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "common/result.h"
#include "spiffe/x509_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::mqtt {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// Which server the client accepts: an X509-SVID of `trust_domain`, and exactly `server_id`
// unless it is empty.
struct ServerIdentity {
  std::string trust_domain;
  std::string server_id;
};

// TLS 1.2 or newer; presents `svid` (leaf and intermediates); trusts only `bundle`'s authorities;
// accepts only the server `server`. `server` must outlive the context (OpenSSL keeps a pointer).
Result<SslCtxPtr> MakeSpiffeClientContext(const spiffe::X509Svid& svid,
                                          const spiffe::X509Bundle& bundle,
                                          const ServerIdentity* server);

// Replaces the SVID and the trusted authorities of a context made above: connections made from
// it afterwards use them, open ones keep theirs. Nothing may create a connection from `ctx`
// meanwhile.
Status LoadSpiffeIdentity(SSL_CTX* ctx, const spiffe::X509Svid& svid,
                          const spiffe::X509Bundle& bundle);

}  // namespace edgeid::mqtt
