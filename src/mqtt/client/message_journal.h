// The on-disk queue of an MQTT client: every message is appended here before it is handed to
// the broker, and an acknowledgement record follows once the broker confirmed it, so messages
// the broker never confirmed outlive a restart (or crash) of the process and are sent again.
//
// One file, `queue.log` in the queue directory, of records
//   u64 body length | body | first 8 bytes of SHA-256(body)
// whose body is 'P' u64 sequence, topic (u16 length-prefixed), payload — or 'A' u64 sequence.
// A record cut short by a crash ends the file; a record whose checksum does not match stops the
// replay there, and the file is kept aside as `queue.log.corrupt-<unix time>` rather than lost.
// Opening rewrites the file with the unacknowledged messages only (temporary file, fsync,
// rename), and so does an append once acknowledged records dominate the file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace edgeid::mqtt {

struct JournalMessage {
  uint64_t sequence = 0;
  std::string topic;
  std::string payload;
};

// What a journal file holds, read as Open reads it.
struct JournalReplay {
  std::map<uint64_t, JournalMessage> pending;  // appended and not acknowledged
  uint64_t last_sequence = 0;                  // the highest sequence number in the file
  std::string problem;                         // why the replay stopped before the end of the file
  bool corrupt = false;  // a checksum or record did not match (a torn tail is not corruption)
};
// Replays the records of a journal file up to its end or its first bad record. Sequence numbers
// are 1 to 2^64 - 2: a record outside them is corrupt, since the next sequence number
// (last + 1) must neither wrap to 0 nor reach a pending message's.
JournalReplay ReplayJournal(std::string_view file);
// The file Open and compaction write for `messages`: one publish record each.
std::string EncodeJournal(const std::map<uint64_t, JournalMessage>& messages);

class MessageJournal {
 public:
  struct Opened;
  // Creates the directory (0700) if needed. `sync`: fdatasync after every appended message, so
  // that even a power loss keeps them (a process crash keeps them either way).
  static Result<Opened> Open(const std::string& dir, bool sync);
  ~MessageJournal() = default;
  MessageJournal(const MessageJournal&) = delete;
  MessageJournal& operator=(const MessageJournal&) = delete;

  // Thread-safe. The message's sequence number.
  Result<uint64_t> Append(const std::string& topic, const std::string& payload);
  Status Acknowledge(uint64_t sequence);
  std::size_t pending() const;

 private:
  MessageJournal(std::string dir, bool sync) : dir_(std::move(dir)), sync_(sync) {}
  std::string path() const { return dir_ + "/queue.log"; }
  // Rewrites the file with the pending messages only. Holds mu_.
  Status Compact();
  Status WriteRecord(const std::string& body, bool sync);

  const std::string dir_;
  const bool sync_;
  mutable std::mutex mu_;
  UniqueFd fd_;
  uint64_t next_sequence_ = 1;
  std::map<uint64_t, JournalMessage> pending_;
  std::size_t acknowledged_in_file_ = 0;
};

struct MessageJournal::Opened {
  std::unique_ptr<MessageJournal> journal;
  std::vector<JournalMessage> unacknowledged;  // in the order they were appended
  std::string warning;                         // a torn or corrupt tail that was dropped
};

}  // namespace edgeid::mqtt
