#include "mqtt/client/message_journal.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "testing/temp_dir.h"

namespace edgeid::mqtt {
namespace {

using testing::TempDir;

std::unique_ptr<MessageJournal> OpenEmpty(const std::string& dir, bool sync = true) {
  auto opened = MessageJournal::Open(dir, sync);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_TRUE(opened->unacknowledged.empty());
  return std::move(opened->journal);
}

std::string QueueFile(const TempDir& dir) {
  return dir.File("queue") + "/queue.log";
}

TEST(MessageJournalTest, UnacknowledgedMessagesOutliveTheProcessInOrder) {
  TempDir dir;
  {
    auto journal = OpenEmpty(dir.File("queue"));
    ASSERT_TRUE(journal->Append("t/a", "one").ok());
    uint64_t second = *journal->Append("t/b", std::string("tw\0o", 4));
    ASSERT_TRUE(journal->Append("t/c", "three").ok());
    ASSERT_TRUE(journal->Acknowledge(second).ok());
    EXPECT_EQ(journal->pending(), 2u);
  }
  auto opened = MessageJournal::Open(dir.File("queue"), true);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->warning, "");
  ASSERT_EQ(opened->unacknowledged.size(), 2u);
  EXPECT_EQ(opened->unacknowledged[0].topic, "t/a");
  EXPECT_EQ(opened->unacknowledged[0].payload, "one");
  EXPECT_EQ(opened->unacknowledged[1].topic, "t/c");
  // Sequences keep growing across runs, so an old acknowledgement never hits a new message.
  uint64_t next = *opened->journal->Append("t/d", "four");
  EXPECT_GT(next, opened->unacknowledged[1].sequence);
}

TEST(MessageJournalTest, TheFileAndDirectoryAreOwnerOnly) {
  TempDir dir;
  auto journal = OpenEmpty(dir.File("queue"));
  ASSERT_TRUE(journal->Append("t", "secret reading").ok());
  struct stat st {};
  ASSERT_EQ(::stat(QueueFile(dir).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.File("queue").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(MessageJournalTest, ARecordCutShortByACrashIsDroppedAndTheRestKept) {
  TempDir dir;
  {
    auto journal = OpenEmpty(dir.File("queue"));
    ASSERT_TRUE(journal->Append("t/a", "kept").ok());
    ASSERT_TRUE(journal->Append("t/b", "torn").ok());
  }
  auto size = std::filesystem::file_size(QueueFile(dir));
  ASSERT_EQ(::truncate(QueueFile(dir).c_str(), static_cast<off_t>(size - 3)), 0);
  auto opened = MessageJournal::Open(dir.File("queue"), true);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_NE(opened->warning.find("cut short"), std::string::npos) << opened->warning;
  ASSERT_EQ(opened->unacknowledged.size(), 1u);
  EXPECT_EQ(opened->unacknowledged[0].payload, "kept");
  // The file was rewritten without the torn record: the next open is clean.
  opened->journal.reset();
  auto again = MessageJournal::Open(dir.File("queue"), true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->warning, "");
  EXPECT_EQ(again->unacknowledged.size(), 1u);
}

TEST(MessageJournalTest, ACorruptFileIsKeptAsideNotLost) {
  TempDir dir;
  {
    auto journal = OpenEmpty(dir.File("queue"));
    ASSERT_TRUE(journal->Append("t/a", "first").ok());
    ASSERT_TRUE(journal->Append("t/b", "second").ok());
  }
  std::string bytes = *ReadFile(QueueFile(dir));
  auto at = bytes.find("second");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'S';  // one flipped byte in the second record
  ASSERT_TRUE(WriteFileAtomic(QueueFile(dir), bytes, 0600).ok());
  auto opened = MessageJournal::Open(dir.File("queue"), true);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_NE(opened->warning.find("wrong checksum"), std::string::npos) << opened->warning;
  EXPECT_NE(opened->warning.find("queue.log.corrupt-"), std::string::npos) << opened->warning;
  ASSERT_EQ(opened->unacknowledged.size(), 1u);
  EXPECT_EQ(opened->unacknowledged[0].payload, "first");
  int kept_aside = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.File("queue"))) {
    if (entry.path().filename().string().rfind("queue.log.corrupt-", 0) == 0) {
      ++kept_aside;
      EXPECT_EQ(*ReadFile(entry.path().string()), bytes);
    }
  }
  EXPECT_EQ(kept_aside, 1);
}

TEST(MessageJournalTest, ReplayReadsWhatEncodeWrites) {
  std::map<uint64_t, JournalMessage> messages = {{3, {3, "t/a", "one"}},
                                                 {9, {9, "", std::string("\0x", 2)}}};
  JournalReplay replay = ReplayJournal(EncodeJournal(messages));
  EXPECT_EQ(replay.problem, "");
  EXPECT_EQ(replay.last_sequence, 9u);
  ASSERT_EQ(replay.pending.size(), 2u);
  EXPECT_EQ(replay.pending[9].payload, std::string("\0x", 2));
}

// The next sequence number is the last + 1: a checksummed record of 2^64 - 1 would wrap it to 0
// and then to the numbers of pending messages, which the next appends would overwrite.
TEST(MessageJournalTest, SequenceNumbersThatAreNeverWrittenAreCorruption) {
  for (uint64_t sequence : {uint64_t{0}, UINT64_MAX}) {
    std::string file = EncodeJournal({{1, {1, "t/a", "kept"}}}) +
                       EncodeJournal({{sequence, {sequence, "t/b", "bad"}}});
    JournalReplay replay = ReplayJournal(file);
    EXPECT_TRUE(replay.corrupt) << sequence;
    EXPECT_NE(replay.problem.find("never written"), std::string::npos) << replay.problem;
    EXPECT_EQ(replay.last_sequence, 1u);
    EXPECT_EQ(replay.pending.size(), 1u);
  }
}

TEST(MessageJournalTest, AcknowledgedRecordsAreCompactedAway) {
  TempDir dir;
  auto journal = OpenEmpty(dir.File("queue"), false);
  const std::string payload(200, 'x');
  for (int i = 0; i < 10000; ++i) {
    uint64_t sequence = *journal->Append("t", payload);
    ASSERT_TRUE(journal->Acknowledge(sequence).ok());
  }
  ASSERT_TRUE(journal->Append("t", "last").ok());
  // 10,000 messages of 200 bytes went through; far fewer records remain.
  EXPECT_LT(std::filesystem::file_size(QueueFile(dir)), 4096u * 300u);
  journal.reset();
  auto opened = MessageJournal::Open(dir.File("queue"), false);
  ASSERT_TRUE(opened.ok());
  ASSERT_EQ(opened->unacknowledged.size(), 1u);
  EXPECT_EQ(opened->unacknowledged[0].payload, "last");
}

TEST(MessageJournalTest, AFailedWriteLeavesNoTornRecordBehind) {
  TempDir dir;
  auto journal = OpenEmpty(dir.File("queue"));
  ASSERT_TRUE(journal->Append("t/a", "before").ok());
  // The file may grow by 40 more bytes only, as on a full disk (EFBIG instead of ENOSPC).
  auto size = std::filesystem::file_size(QueueFile(dir));
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = size + 40;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto failed = journal->Append("t/b", std::string(200, 'x'));
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("queue.log"), std::string::npos) << failed.error().message;
  EXPECT_EQ(std::filesystem::file_size(QueueFile(dir)), size);
  // Later messages are kept and found again.
  ASSERT_TRUE(journal->Append("t/c", "after").ok());
  journal.reset();
  auto opened = MessageJournal::Open(dir.File("queue"), true);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->warning, "");
  ASSERT_EQ(opened->unacknowledged.size(), 2u);
  EXPECT_EQ(opened->unacknowledged[0].payload, "before");
  EXPECT_EQ(opened->unacknowledged[1].payload, "after");
}

TEST(MessageJournalTest, AnUnusableDirectoryIsAClearError) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.File("file"), "x", 0600).ok());
  auto opened = MessageJournal::Open(dir.File("file") + "/queue", true);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("MQTT queue directory"), std::string::npos)
      << opened.error().message;
}

}  // namespace
}  // namespace edgeid::mqtt
