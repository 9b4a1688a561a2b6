#include "health/exclusive_listener.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace edgeid {

Result<int> BindExclusively(httplib::Server& http, const std::string& address, uint16_t port,
                            const std::string& what) {
  http.set_socket_options([](int sock) {
    // SO_REUSEADDR only lets a restarted daemon bind while old connections sit in TIME_WAIT;
    // on Linux it never lets two listeners share a port.
    int one = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  errno = 0;
  int bound =
      port == 0 ? http.bind_to_any_port(address) : (http.bind_to_port(address, port) ? port : -1);
  int bind_errno = errno;  // httplib reports only failure; bind's errno is the reason
  if (bound <= 0) {
    std::string reason = bind_errno == EADDRINUSE ? "address already in use"
                         : bind_errno != 0        ? std::strerror(bind_errno)
                                                  : "cannot bind";
    return Unavailable("cannot listen on " + address + ":" + std::to_string(port) + " for the " +
                       what + ": " + reason);
  }
  return bound;
}

}  // namespace edgeid
