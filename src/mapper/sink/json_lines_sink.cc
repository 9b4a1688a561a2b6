#include "mapper/sink/json_lines_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "mapper/sink/kubeedge_messages.h"

namespace edgeid::mapper {

Result<std::unique_ptr<JsonLinesSink>> JsonLinesSink::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Unavailable("opening data file " + path + ": " + std::strerror(errno));
  return std::unique_ptr<JsonLinesSink>(new JsonLinesSink(fd, path));
}

JsonLinesSink::~JsonLinesSink() {
  ::close(fd_);
}

Status JsonLinesSink::Publish(const Reading& reading) {
  std::lock_guard lock(mu_);
  std::string event_id =
      reading.device_namespace + "/" + reading.device_name + "-" + std::to_string(++sequence_);
  // The payload is already JSON (values from devices that are not UTF-8 replaced): it is
  // written as it is, not parsed again.
  std::string text = "{\"topic\":" +
                     nlohmann::json(DataTopic(reading))
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                     ",\"payload\":" + DataPayload(reading, event_id) + "}\n";
  // O_APPEND and a single write: concurrent readers never see half a line.
  ssize_t n = ::write(fd_, text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) {
    return Unavailable("writing data file " + path_ + ": " + std::strerror(errno));
  }
  return OkStatus();
}

}  // namespace edgeid::mapper
