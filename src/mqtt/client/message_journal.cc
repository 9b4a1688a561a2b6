#include "mqtt/client/message_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/byte_reader.h"
#include "common/timestamp.h"
#include "crypto/digest.h"

namespace edgeid::mqtt {
namespace {

constexpr char kPublish = 'P';
constexpr char kAcknowledge = 'A';
constexpr size_t kCheckBytes = 8;
constexpr size_t kMaxFileBytes = size_t{256} << 20;
// An append rewrites the file once this many acknowledged records have piled up in it and they
// outnumber the pending messages.
constexpr size_t kCompactAfter = 4096;

std::string Frame(const std::string& body) {
  std::string out;
  AppendU64(out, body.size());
  out += body;
  out += crypto::Sha256(body).substr(0, kCheckBytes);
  return out;
}

std::string PublishBody(const JournalMessage& m) {
  std::string body(1, kPublish);
  AppendU64(body, m.sequence);
  AppendLengthPrefixed(body, m.topic);
  body += m.payload;
  return body;
}

std::string AcknowledgeBody(uint64_t sequence) {
  std::string body(1, kAcknowledge);
  AppendU64(body, sequence);
  return body;
}

Status WriteAll(int fd, const std::string& bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("writing " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

Status ApplyRecord(std::string_view body, JournalReplay& replay) {
  ByteReader reader(body, "journal record");
  uint8_t type = EDGEID_TRY(reader.U8("type"));
  uint64_t sequence = EDGEID_TRY(reader.U64("sequence"));
  if (sequence == 0 || sequence == UINT64_MAX) {
    return InvalidArgument("journal record of sequence number " + std::to_string(sequence) +
                           ", which is never written");
  }
  if (type == kPublish) {
    JournalMessage m;
    m.sequence = sequence;
    m.topic = EDGEID_TRY(reader.LengthPrefixed("topic"));
    m.payload = std::string(reader.Rest());
    replay.pending[sequence] = std::move(m);
  } else if (type == kAcknowledge) {
    EDGEID_RETURN_IF_ERROR(reader.End());
    replay.pending.erase(sequence);
  } else {
    return InvalidArgument("journal record of unknown type " + std::to_string(type));
  }
  replay.last_sequence = std::max(replay.last_sequence, sequence);
  return OkStatus();
}

}  // namespace

JournalReplay ReplayJournal(std::string_view file) {
  JournalReplay replay;
  size_t offset = 0;
  while (offset < file.size()) {
    ByteReader header(file.substr(offset), "journal");
    auto length = header.U64("length");
    if (!length.ok() || *length > file.size() - offset - 8 ||
        file.size() - offset - 8 - *length < kCheckBytes) {
      replay.problem = "a record cut short at byte " + std::to_string(offset) +
                       " (the process ended while writing it) was dropped";
      break;
    }
    std::string_view body = file.substr(offset + 8, *length);
    std::string_view check = file.substr(offset + 8 + *length, kCheckBytes);
    if (crypto::Sha256(body).substr(0, kCheckBytes) != check) {
      replay.problem = "the record at byte " + std::to_string(offset) + " has a wrong checksum";
      replay.corrupt = true;
      break;
    }
    auto applied = ApplyRecord(body, replay);
    if (!applied.ok()) {
      replay.problem =
          "the record at byte " + std::to_string(offset) + ": " + applied.error().message;
      replay.corrupt = true;
      break;
    }
    offset += 8 + *length + kCheckBytes;
  }
  return replay;
}

std::string EncodeJournal(const std::map<uint64_t, JournalMessage>& messages) {
  std::string content;
  for (const auto& [sequence, message] : messages) content += Frame(PublishBody(message));
  return content;
}

Result<MessageJournal::Opened> MessageJournal::Open(const std::string& dir, bool sync) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("MQTT queue directory " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  std::unique_ptr<MessageJournal> journal(new MessageJournal(dir, sync));
  Opened opened;
  auto file = ReadFile(journal->path(), kMaxFileBytes);
  if (!file.ok() && file.error().code != ErrorCode::kNotFound) {
    return file.error().Wrap("MQTT queue");
  }
  if (file.ok()) {
    JournalReplay replay = ReplayJournal(*file);
    if (replay.corrupt) {
      std::string aside = journal->path() + ".corrupt-" + std::to_string(UnixSecondsNow());
      if (::rename(journal->path().c_str(), aside.c_str()) != 0) {
        return Internal("MQTT queue " + journal->path() + ": " + replay.problem +
                        ", and keeping it aside failed: " + std::strerror(errno));
      }
      replay.problem += "; the file is kept as " + aside;
    }
    if (!replay.problem.empty()) {
      opened.warning = "MQTT queue " + journal->path() + ": " + replay.problem;
    }
    journal->pending_ = std::move(replay.pending);
    journal->next_sequence_ = replay.last_sequence + 1;
  }
  {
    std::lock_guard lock(journal->mu_);
    EDGEID_RETURN_IF_ERROR(journal->Compact());
  }
  for (const auto& [sequence, message] : journal->pending_)
    opened.unacknowledged.push_back(message);
  opened.journal = std::move(journal);
  return opened;
}

Status MessageJournal::Compact() {
  std::string content = EncodeJournal(pending_);
  // From here appends go to the new file or fail: never to the old one, which the rename unlinks.
  fd_.reset();
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(path(), content, 0600));
  int fd = ::open(path().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return Internal("opening " + path() + ": " + std::strerror(errno));
  fd_.reset(fd);
  acknowledged_in_file_ = 0;
  return OkStatus();
}

Status MessageJournal::WriteRecord(const std::string& body, bool sync) {
  if (!fd_.valid()) return Internal(path() + " is not open (an earlier rewrite failed)");
  off_t end = ::lseek(fd_.get(), 0, SEEK_END);
  auto written = WriteAll(fd_.get(), Frame(body), path());
  if (written.ok() && sync && ::fdatasync(fd_.get()) != 0) {
    written = Internal("syncing " + path() + ": " + std::strerror(errno));
  }
  // A record cut short (disk full) must not stay in the middle of the file, where the next
  // opening would take it for the end and drop every record after it.
  if (!written.ok() && end >= 0 && ::ftruncate(fd_.get(), end) != 0) {
    fd_.reset();  // the file can no longer be trusted to end cleanly: no more appends
  }
  return written;
}

Result<uint64_t> MessageJournal::Append(const std::string& topic, const std::string& payload) {
  if (topic.size() > 0xFFFF) return InvalidArgument("MQTT topic longer than 65535 bytes");
  std::lock_guard lock(mu_);
  JournalMessage message{next_sequence_, topic, payload};
  EDGEID_RETURN_IF_ERROR(WriteRecord(PublishBody(message), sync_));
  ++next_sequence_;
  pending_[message.sequence] = std::move(message);
  return next_sequence_ - 1;
}

Status MessageJournal::Acknowledge(uint64_t sequence) {
  std::lock_guard lock(mu_);
  if (pending_.erase(sequence) == 0) return OkStatus();
  // Not synced: losing an acknowledgement only means the message is sent once more.
  EDGEID_RETURN_IF_ERROR(WriteRecord(AcknowledgeBody(sequence), false));
  if (++acknowledged_in_file_ >= kCompactAfter && acknowledged_in_file_ > pending_.size()) {
    return Compact();
  }
  return OkStatus();
}

std::size_t MessageJournal::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace edgeid::mqtt
