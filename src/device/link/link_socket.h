// The radio of the simulated BLE link: a UNIX stream socket carrying frames of a 2-byte
// big-endian length and a payload of at most kMaxFramePayload bytes. A device "advertises" by
// listening on its socket path; a central connects to it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"

namespace edgeid::device::link {

inline constexpr std::chrono::seconds kSendTimeout{2};

class LinkSocket {
 public:
  explicit LinkSocket(UniqueFd fd) : fd_(std::move(fd)) {}

  // Unavailable at once when the device is not there or already has a queue of centrals waiting.
  static Result<LinkSocket> Connect(const std::string& path);

  // Writes one whole frame. Not safe to call from two threads at once. A peer that stops reading
  // makes it fail after kSendTimeout instead of blocking for ever.
  Status Send(std::string_view payload);
  // Reads one whole frame: DeadlineExceeded when none starts within `timeout`, Unavailable when
  // the peer closed, InvalidArgument for an empty or oversized frame (the link is then unusable).
  // A frame that has begun gets at least 5 s to arrive whole, unless `strict` holds the whole
  // read to `timeout` (during pairing, which a stranger must not stretch).
  Result<std::string> Receive(std::chrono::milliseconds timeout, bool strict = false);
  // Wakes a thread blocked in Receive or Send (it gets Unavailable) and refuses further frames.
  // Safe to call from any thread.
  void Shutdown();

  int fd() const { return fd_.get(); }

 private:
  // Reads what the socket has (at least one byte) into buffer_, waiting until `deadline`.
  Status Fill(std::chrono::steady_clock::time_point deadline, bool frame_started);
  UniqueFd fd_;
  // Bytes received and not yet returned: one read takes in many small frames under load.
  std::string buffer_;
  size_t consumed_ = 0;  // bytes of buffer_ already returned
};

class LinkListener {
 public:
  // Binds `path` (replacing a stale socket, never another kind of file), mode 0660: only the
  // device's user and group may connect, as only nearby radios hear a device.
  static Result<LinkListener> Listen(const std::string& path);
  ~LinkListener();
  LinkListener(LinkListener&&) noexcept = default;
  LinkListener& operator=(LinkListener&&) noexcept = default;

  // DeadlineExceeded when nobody connects within `timeout`.
  Result<LinkSocket> Accept(std::chrono::milliseconds timeout);
  const std::string& path() const { return path_; }

 private:
  LinkListener(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
};

}  // namespace edgeid::device::link
