// httplib ignores stop() until its listener thread runs, so a server destroyed right after it was
// started (another listener of the daemon failed) would hang in join(). Its owners wait for it.
#pragma once

namespace httplib {
class Server;
}

namespace edgeid {

// Returns once `http` accepts connections, or after 5 s (listen_after_bind failed).
void WaitUntilListening(const httplib::Server& http);

}  // namespace edgeid
