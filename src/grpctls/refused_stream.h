// A server stream refused before it began: finishes at once with the status.
#pragma once

#include <grpcpp/grpcpp.h>

namespace edgeid::grpctls {

template <typename Response>
class RefusedStream final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace edgeid::grpctls
