// An HTTPS listener for documents anyone may read (the SPIFFE bundle endpoint, OIDC discovery):
// TLS 1.2 or newer, no client certificates, and the credentials of a ServingIdentity chosen at
// each handshake, so that a renewed certificate takes effect on the next connection.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"
#include "httpsserver/serving_identity.h"

namespace httplib {
class Server;
}

namespace edgeid {

class HttpsServer {
 public:
  // `routes` adds the handlers; `identity` must outlive the server. Port 0 picks a free port.
  // `what` names the listener in logs and errors.
  static Result<std::unique_ptr<HttpsServer>> Start(
      const std::string& address, uint16_t port, const ServingIdentity& identity,
      const std::function<void(httplib::Server&)>& routes, const std::string& what,
      const std::shared_ptr<spdlog::logger>& log);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  int port() const { return port_; }

 private:
  HttpsServer() = default;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace edgeid
