// A sink that appends each reading as one JSON line {"topic":..., "payload":{...}} to a file:
// the mapper's record of what it would publish, for inspection and tests, and the fallback
// when no broker is configured. Lines are written whole and flushed each time.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "mapper/sink/reading_sink.h"

namespace edgeid::mapper {

class JsonLinesSink final : public ReadingSink {
 public:
  static Result<std::unique_ptr<JsonLinesSink>> Open(const std::string& path);
  ~JsonLinesSink() override;
  Status Publish(const Reading& reading) override;

 private:
  JsonLinesSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  std::mutex mu_;
  int fd_;
  std::string path_;
  uint64_t sequence_ = 0;
};

}  // namespace edgeid::mapper
