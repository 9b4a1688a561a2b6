#include "server/federation/bundle_fetch.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "crypto/chain_verify.h"
#include "server/federation/relationship.h"
#include "spiffe/x509_svid.h"

namespace edgeid::server::federation {
namespace {

// What the https_spiffe check expects, and why it refused, for the error message.
struct EndpointCheck {
  std::string expected_id;
  std::string refusal;
};

// Runs for each certificate of the endpoint's chain after OpenSSL checked it against the
// endpoint's bundle; at the leaf it applies the X509-SVID rules and the configured SPIFFE ID.
int VerifyEndpointSvid(int preverified, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* check = static_cast<EndpointCheck*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (preverified == 0) {
    if (check->refusal.empty()) {
      check->refusal = std::string("its certificate does not chain to the trust bundle: ") +
                       X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
    }
    return 0;
  }
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  auto id = spiffe::CheckLeafProfile(crypto::Certificate(X509_STORE_CTX_get_current_cert(store)));
  if (!id.ok()) {
    check->refusal = "its certificate is not an X509-SVID: " + id.error().message;
  } else if (id->str() != check->expected_id) {
    check->refusal = "it presented " + id->str() + ", not " + check->expected_id;
  } else {
    return 1;
  }
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

// Cuts a fetch off at its deadline from another thread (httplib's stop() is made for that).
class FetchDeadline {
 public:
  FetchDeadline(httplib::ClientImpl& client, std::chrono::seconds after)
      : thread_([this, &client, after] {
          std::unique_lock lock(mu_);
          if (!done_cv_.wait_for(lock, after, [this] { return done_; })) {
            expired_ = true;
            client.stop();
          }
        }) {}
  ~FetchDeadline() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }
  FetchDeadline(const FetchDeadline&) = delete;
  FetchDeadline& operator=(const FetchDeadline&) = delete;
  bool expired() {
    std::lock_guard lock(mu_);
    return expired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  bool expired_ = false;
  std::thread thread_;  // last: it uses the members above
};

}  // namespace

Result<spiffe::SpiffeBundle> FetchBundle(const FederationRelationship& relationship,
                                         const spiffe::X509Bundle* endpoint_authorities,
                                         const FetchOptions& options) {
  const std::string& url_text = relationship.bundle_endpoint_url;
  auto td = spiffe::TrustDomain::Parse(relationship.trust_domain);
  if (!td.ok()) return td.error().Wrap("trust domain");
  auto url = ParseEndpointUrl(url_text);
  if (!url.ok()) return url.error().Wrap("bundle endpoint URL " + url_text);

  httplib::SSLClient client(url->host, url->port);
  client.set_connection_timeout(options.timeout);
  client.set_read_timeout(options.timeout);
  client.set_write_timeout(options.timeout);
  SSL_CTX* ctx = client.ssl_context();
  if (ctx == nullptr) return Internal("cannot create a TLS context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  EndpointCheck check;
  if (relationship.bundle_endpoint_profile == kProfileHttpsSpiffe) {
    if (endpoint_authorities == nullptr || endpoint_authorities->empty()) {
      return FailedPrecondition("no bundle of " + relationship.endpoint_spiffe_id +
                                "'s trust domain to authenticate the endpoint with");
    }
    // The SPIFFE checks replace the library's host name check, which an SVID cannot pass.
    client.enable_server_certificate_verification(false);
    auto store = crypto::NewTrustStore(endpoint_authorities->authorities());
    if (!store.ok()) return store.error();
    SSL_CTX_set_cert_store(ctx, store->release());  // takes it
    check.expected_id = relationship.endpoint_spiffe_id;
    SSL_CTX_set_app_data(ctx, &check);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, VerifyEndpointSvid);
  } else {
    client.enable_server_certificate_verification(true);
    if (!relationship.endpoint_ca_file.empty()) {
      client.set_ca_cert_path(relationship.endpoint_ca_file);
    }
    // RFC 6125 by OpenSSL as well: SAN only (no fallback to the CN), wildcards only whole
    // left-most labels, case-insensitive.
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_hostflags(
        param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    bool pinned = X509_VERIFY_PARAM_set1_ip_asc(param, url->host.c_str()) == 1 ||
                  X509_VERIFY_PARAM_set1_host(param, url->host.c_str(), 0) == 1;
    if (!pinned) return Internal("cannot set the host name to verify");
  }

  std::string body;
  bool too_large = false;
  bool expired = false;
  std::optional<httplib::Result> response;
  {
    FetchDeadline deadline(client, options.total_timeout);
    response = client.Get(url->path, [&](const char* data, size_t length) {
      if (body.size() + length > kMaxBundleBytes) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    expired = deadline.expired();
  }
  const std::string where = "bundle endpoint " + url_text;
  if (expired) {
    return Unavailable(where + " did not answer within " +
                       std::to_string(options.total_timeout.count()) + " s");
  }
  if (!check.refusal.empty()) return Unauthenticated(where + " refused: " + check.refusal);
  if (too_large) {
    return InvalidArgument(where + " sent more than " + std::to_string(kMaxBundleBytes) + " bytes");
  }
  if (!*response) {
    std::string reason = httplib::to_string(response->error());
    if (long verify = client.get_openssl_verify_result(); verify != X509_V_OK) {
      reason += std::string(": ") + X509_verify_cert_error_string(verify);
    }
    return Unavailable(where + ": " + reason);
  }
  if ((*response)->status != 200) {
    return Unavailable(where + " answered HTTP " + std::to_string((*response)->status));
  }
  auto bundle = spiffe::SpiffeBundle::Parse(*td, body);
  if (!bundle.ok()) {
    return InvalidArgument(where + " sent no valid bundle: " + bundle.error().message);
  }
  if (bundle->x509().empty()) {
    return InvalidArgument(where + " sent a bundle without X.509 authorities");
  }
  return bundle;
}

}  // namespace edgeid::server::federation
