// Several sinks as one: every reading goes to each (a file record and the broker).
#pragma once

#include <memory>
#include <vector>

#include "mapper/sink/reading_sink.h"

namespace edgeid::mapper {

class FanOutSink final : public ReadingSink {
 public:
  explicit FanOutSink(std::vector<ReadingSink*> sinks) : sinks_(std::move(sinks)) {}
  // Publishes to every sink; the first error, if any, after all were tried.
  Status Publish(const Reading& reading) override;

 private:
  std::vector<ReadingSink*> sinks_;
};

}  // namespace edgeid::mapper
