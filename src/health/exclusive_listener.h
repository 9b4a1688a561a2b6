// Binds an httplib server to its port alone. httplib's default socket options set SO_REUSEPORT,
// with which a second daemon on a taken port starts, says it is ready, and the kernel shares the
// connections between the two (a bundle endpoint then answered for the wrong trust domain).
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace httplib {
class Server;
}

namespace edgeid {

// Binds `http` to address:port (port 0: a free one) without SO_REUSEPORT and returns the port.
// A port in use is Unavailable, naming the address, the port and `what` listens there.
Result<int> BindExclusively(httplib::Server& http, const std::string& address, uint16_t port,
                            const std::string& what);

}  // namespace edgeid
