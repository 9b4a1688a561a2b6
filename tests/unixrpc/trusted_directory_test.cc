// OpenTrustedDirectory: every directory from "/" to a daemon's socket must be root's or the
// daemon user's, closed to other writers (sticky ancestors excepted), and no symbolic link.
#include "common/trusted_directory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "testing/temp_dir.h"

namespace edgeid {
namespace {

using testing::TempDir;

constexpr uid_t kNobody = 65534;

class TrustedDirectoryTest : public ::testing::Test {
 protected:
  std::string MakeDir(const std::string& relative, mode_t mode) {
    std::string path = dir_.File(relative);
    std::filesystem::create_directories(path);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  TempDir dir_;
};

TEST_F(TrustedDirectoryTest, AcceptsAChainClosedToOthers) {
  MakeDir("a/b", 0755);
  auto fd = OpenTrustedDirectory(dir_.File("a/b"));
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  struct stat opened {
  }, named{};
  ASSERT_EQ(::fstat(fd->get(), &opened), 0);
  ASSERT_EQ(::stat(dir_.File("a/b").c_str(), &named), 0);
  EXPECT_EQ(opened.st_ino, named.st_ino);
}

TEST_F(TrustedDirectoryTest, RefusesAGroupWritableAncestor) {
  MakeDir("a/b", 0755);
  ::chmod(dir_.File("a").c_str(), 0775);
  auto fd = OpenTrustedDirectory(dir_.File("a/b"));
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(fd.error().message.find(dir_.File("a") + " (mode 0775) is writable by other users"),
            std::string::npos)
      << fd.error().message;
}

TEST_F(TrustedDirectoryTest, RefusesAnAncestorOwnedByAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  MakeDir("a/b", 0755);
  ASSERT_EQ(::chown(dir_.File("a").c_str(), kNobody, kNobody), 0);
  auto fd = OpenTrustedDirectory(dir_.File("a/b"));
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find(dir_.File("a") + " belongs to uid 65534"), std::string::npos)
      << fd.error().message;
}

TEST_F(TrustedDirectoryTest, RefusesTheDirectoryItselfOwnedByAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  MakeDir("a/b", 0755);
  ASSERT_EQ(::chown(dir_.File("a/b").c_str(), kNobody, kNobody), 0);
  auto fd = OpenTrustedDirectory(dir_.File("a/b"));
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find(dir_.File("a/b") + " belongs to uid 65534"), std::string::npos)
      << fd.error().message;
}

TEST_F(TrustedDirectoryTest, RefusesASymlinkedComponent) {
  MakeDir("real/b", 0755);
  std::filesystem::create_directory_symlink(dir_.File("real"), dir_.File("link"));
  auto fd = OpenTrustedDirectory(dir_.File("link/b"));
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find(dir_.File("link") + " is a symbolic link"), std::string::npos)
      << fd.error().message;
  // The same when the link is the last component.
  std::filesystem::create_directory_symlink(dir_.File("real/b"), dir_.File("real/c"));
  fd = OpenTrustedDirectory(dir_.File("real/c"));
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find("symbolic link"), std::string::npos) << fd.error().message;
}

TEST_F(TrustedDirectoryTest, AcceptsAStickyAncestorButNotAStickySocketDirectory) {
  MakeDir("sticky/mine", 0755);
  ::chmod(dir_.File("sticky").c_str(), 01777);
  auto fd = OpenTrustedDirectory(dir_.File("sticky/mine"));
  EXPECT_TRUE(fd.ok()) << fd.error().message;
  // Others could create the socket's own name in it before the daemon.
  fd = OpenTrustedDirectory(dir_.File("sticky"));
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find("writable by other users"), std::string::npos);
}

TEST_F(TrustedDirectoryTest, RefusesWhatAnotherUserCreatedUnderAStickyAncestor) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  MakeDir("sticky/theirs/public", 0755);
  ::chmod(dir_.File("sticky").c_str(), 01777);
  ASSERT_EQ(::chown(dir_.File("sticky/theirs").c_str(), kNobody, kNobody), 0);
  auto fd = OpenTrustedDirectory(dir_.File("sticky/theirs/public"));
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find(dir_.File("sticky/theirs") + " belongs to uid 65534"),
            std::string::npos)
      << fd.error().message;
}

TEST_F(TrustedDirectoryTest, CreatesMissingDirectoriesWithExactlyTheirModes) {
  mode_t old = ::umask(0);  // the mode must not depend on the umask
  auto fd = OpenTrustedDirectory(dir_.File("x/y/private"), {true, 0750});
  ::umask(old);
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(dir_.File("x/y/private").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  ASSERT_EQ(::stat(dir_.File("x/y").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

TEST_F(TrustedDirectoryTest, DoesNotCreateUnlessAsked) {
  auto fd = OpenTrustedDirectory(dir_.File("missing"));
  EXPECT_FALSE(fd.ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.File("missing")));
}

}  // namespace
}  // namespace edgeid
