#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "testing/temp_dir.h"

namespace edgeid {
namespace {

int ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return static_cast<int>(st.st_mode & 07777);
}

size_t EntriesIn(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(AtomicFileTest, WritesContentWithRequestedMode) {
  testing::TempDir dir;
  std::string path = dir.File("svid.key");
  ASSERT_TRUE(WriteFileAtomic(path, "secret", 0600).ok());
  EXPECT_EQ(testing::ReadTestFile(path), "secret");
  EXPECT_EQ(ModeOf(path), 0600);
  ASSERT_TRUE(WriteFileAtomic(dir.File("bundle.pem"), "public", 0644).ok());
  EXPECT_EQ(ModeOf(dir.File("bundle.pem")), 0644);
}

TEST(AtomicFileTest, ReplacesExistingFileAndLeavesNoTemporaryFiles) {
  testing::TempDir dir;
  std::string path = dir.File("f");
  ASSERT_TRUE(WriteFileAtomic(path, "old", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "new content", 0600).ok());
  EXPECT_EQ(testing::ReadTestFile(path), "new content");
  EXPECT_EQ(EntriesIn(dir.path()), 1u);
}

TEST(AtomicFileTest, FailureLeavesOldContentIntact) {
  testing::TempDir dir;
  std::string path = dir.File("f");
  ASSERT_TRUE(WriteFileAtomic(path, "old", 0600).ok());
  // A directory where the target is makes the rename fail after the temporary file is written.
  std::filesystem::create_directory(dir.File("blocked"));
  testing::WriteTestFile(dir.File("blocked/inner"), "x");
  auto s = WriteFileAtomic(dir.File("blocked"), "new", 0600);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(testing::ReadTestFile(path), "old");
  EXPECT_EQ(EntriesIn(dir.path()), 2u) << "temporary file left behind";
}

TEST(AtomicFileTest, MissingDirectoryIsAClearError) {
  testing::TempDir dir;
  auto s = WriteFileAtomic(dir.File("nope/f"), "x", 0600);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("nope/f"), std::string::npos);
}

TEST(AtomicFileTest, ReadFileReportsMissingAndOversizedFiles) {
  testing::TempDir dir;
  auto missing = ReadFile(dir.File("absent"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(WriteFileAtomic(dir.File("big"), std::string(100, 'x'), 0600).ok());
  EXPECT_FALSE(ReadFile(dir.File("big"), 10).ok());
  EXPECT_EQ(ReadFile(dir.File("big"), 100)->size(), 100u);
}

}  // namespace
}  // namespace edgeid
