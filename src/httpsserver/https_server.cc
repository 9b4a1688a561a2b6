#include "httpsserver/https_server.h"

#include <httplib.h>
#include <openssl/ssl.h>

#include "health/exclusive_listener.h"
#include "health/wait_listening.h"

namespace edgeid {
namespace {

// Runs in each handshake: presents the identity's current chain and key.
int UseCurrentCredentials(SSL* ssl, void* arg) {
  auto credentials = static_cast<const ServingIdentity*>(arg)->current();
  if (!credentials || SSL_use_certificate(ssl, credentials->chain[0].get()) != 1) return 0;
  SSL_clear_chain_certs(ssl);
  for (std::size_t i = 1; i < credentials->chain.size(); ++i) {
    if (SSL_add1_chain_cert(ssl, credentials->chain[i].get()) != 1) return 0;
  }
  return SSL_use_PrivateKey(ssl, credentials->key.get()) == 1 ? 1 : 0;
}

}  // namespace

Result<std::unique_ptr<HttpsServer>> HttpsServer::Start(
    const std::string& address, uint16_t port, const ServingIdentity& identity,
    const std::function<void(httplib::Server&)>& routes, const std::string& what,
    const std::shared_ptr<spdlog::logger>& log) {
  std::unique_ptr<HttpsServer> server(new HttpsServer());
  auto* arg = const_cast<ServingIdentity*>(&identity);  // read only, through current()
  server->http_ = std::make_unique<httplib::SSLServer>([arg](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_NONE, nullptr);  // the documents are public
    SSL_CTX_set_cert_cb(&ctx, UseCurrentCredentials, arg);
    return true;
  });
  auto& http = *server->http_;
  if (!http.is_valid()) return Internal(what + ": cannot create the TLS context");
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  http.set_payload_max_length(std::size_t{64} * 1024);
  routes(http);
  int bound = EDGEID_TRY(BindExclusively(http, address, port, what));
  server->port_ = bound;
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  // stop() is ignored until the listener runs: wait for it, so that destroying the server right
  // after Start (another listener failed) cannot hang in join().
  WaitUntilListening(http);
  log->info("{} listening on https://{}:{}", what, address, bound);
  return server;
}

HttpsServer::~HttpsServer() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace edgeid
