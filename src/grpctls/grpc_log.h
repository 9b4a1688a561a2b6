// gRPC's own log lines. gRPC reports, at error level, every TLS client that names the server
// by an address (SNI "127.0.0.1") that is not in its certificate; SPIFFE servers are named by
// URI SAN, so that line is expected on every handshake and is dropped. The rest goes to stderr.
#pragma once

namespace edgeid::grpctls {

// Process-wide (gRPC has a single log hook); call once at the start of main().
void FilterGrpcLogs();

}  // namespace edgeid::grpctls
