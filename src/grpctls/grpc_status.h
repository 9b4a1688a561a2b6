// Errors to and from gRPC statuses. Our codes mirror gRPC's, so the mapping is one to one.
#pragma once

#include <grpcpp/support/status.h>

#include "common/result.h"

namespace edgeid::grpctls {

grpc::Status ToGrpc(const Error& error);
// Codes without a counterpart (CANCELLED, UNKNOWN, ...) become Unavailable: the call did not
// complete and may be retried.
Error FromGrpc(const grpc::Status& status);

}  // namespace edgeid::grpctls
