// The MQTT client's on-disk queue is replayed at every start: a file left by a crash, a full
// disk or anyone who can write the queue directory. Input: one byte choosing the form, then
// either the file as it is (even) or bodies the target frames with valid lengths and checksums
// (odd: each a 1-byte length and that many bytes), so that record parsing is reached past the
// SHA-256 check. A replay must stop cleanly at any bad record, keep sequence numbers in range,
// and what it keeps must be written back and read again unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/digest.h"
#include "fuzz_support.h"
#include "mqtt/client/message_journal.h"

using edgeid::fuzz::Require;
namespace mqtt = edgeid::mqtt;

namespace {

// u64 big-endian body length | body | first 8 bytes of SHA-256(body), as message_journal.h
// documents the format.
std::string Framed(std::string_view bodies) {
  std::string file;
  while (!bodies.empty()) {
    size_t n = std::min<size_t>(static_cast<uint8_t>(bodies[0]), bodies.size() - 1);
    std::string body(bodies.substr(1, n));
    bodies = bodies.substr(1 + n);
    for (int shift = 56; shift >= 0; shift -= 8) {
      file += static_cast<char>((uint64_t{body.size()} >> shift) & 0xFF);
    }
    file += body;
    file += edgeid::crypto::Sha256(body).substr(0, 8);
  }
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest = edgeid::fuzz::AsText(data + 1, size - 1);
  std::string file = (data[0] & 1) ? Framed(rest) : std::string(rest);
  mqtt::JournalReplay replay = mqtt::ReplayJournal(file);
  Require(!replay.corrupt || !replay.problem.empty(), "a corrupt file is reported");
  Require(replay.last_sequence < UINT64_MAX, "the next sequence number does not wrap");
  uint64_t highest = 0;
  for (const auto& [sequence, message] : replay.pending) {
    Require(sequence == message.sequence, "a pending message is filed under its sequence");
    Require(sequence > 0 && sequence <= replay.last_sequence,
            "a pending sequence is between 1 and the last");
    Require(message.topic.size() <= 0xFFFF, "a topic fits its 2-byte length");
    highest = sequence;
  }
  // What Open keeps it writes back (compaction); reading that again gives the same messages.
  mqtt::JournalReplay again = mqtt::ReplayJournal(mqtt::EncodeJournal(replay.pending));
  Require(again.problem.empty() && !again.corrupt, "a compacted journal replays cleanly");
  Require(again.last_sequence == highest, "a compacted journal ends at its highest message");
  Require(again.pending.size() == replay.pending.size(), "compaction keeps every message");
  for (const auto& [sequence, message] : replay.pending) {
    auto it = again.pending.find(sequence);
    Require(it != again.pending.end() && it->second.topic == message.topic &&
                it->second.payload == message.payload,
            "compaction keeps each message's topic and payload");
  }
  return 0;
}
