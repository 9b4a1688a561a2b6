#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "keymanager/disk/disk_key_manager.h"
#include "keymanager/memory/memory_key_manager.h"
#include "testing/temp_dir.h"
#include "testing/test_pki.h"

namespace edgeid::keymanager {
namespace {

using edgeid::testing::TempDir;
using edgeid::testing::Unwrap;

int ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<int>(st.st_mode & 07777);
}

// Behaviour every implementation shares.
void ExerciseKeyManager(KeyManager& km) {
  auto a = Unwrap(km.GenerateKey("x509-CA-A", crypto::KeyType::kEcP256));
  auto b = Unwrap(km.GenerateKey("JWT-Signer-A", crypto::KeyType::kRsa2048));
  EXPECT_TRUE(Unwrap(km.GetKey("x509-CA-A")).public_key() == a.public_key());
  EXPECT_EQ(Unwrap(km.GetKey("JWT-Signer-A")).public_key().key_type(), crypto::KeyType::kRsa2048);
  EXPECT_EQ(km.ListKeyIds(), (std::vector<std::string>{"JWT-Signer-A", "x509-CA-A"}));

  auto replaced = Unwrap(km.GenerateKey("x509-CA-A", crypto::KeyType::kEcP384));
  EXPECT_FALSE(replaced.public_key() == a.public_key());
  EXPECT_TRUE(Unwrap(km.GetKey("x509-CA-A")).public_key() == replaced.public_key());

  EXPECT_EQ(km.GetKey("absent").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(km.DeleteKey("JWT-Signer-A").ok());
  EXPECT_EQ(km.GetKey("JWT-Signer-A").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(km.DeleteKey("JWT-Signer-A").error().code, ErrorCode::kNotFound);
  for (const char* bad : {"", "../escape", "a/b", ".hidden", "sp ace", "x\n"}) {
    EXPECT_FALSE(km.GenerateKey(bad, crypto::KeyType::kEcP256).ok()) << bad;
  }
  (void)b;
}

TEST(MemoryKeyManagerTest, SharedBehaviour) {
  MemoryKeyManager km;
  ExerciseKeyManager(km);
}

TEST(DiskKeyManagerTest, SharedBehaviour) {
  TempDir dir;
  auto km = Unwrap(DiskKeyManager::Open(dir.File("keys")));
  ExerciseKeyManager(*km);
}

TEST(DiskKeyManagerTest, KeysArePrivateFilesThatSurviveReopening) {
  TempDir dir;
  std::string keys = dir.File("keys");
  crypto::PublicKey pub = [&] {
    auto km = Unwrap(DiskKeyManager::Open(keys));
    return Unwrap(km->GenerateKey("x509-CA-A", crypto::KeyType::kEcP256)).public_key();
  }();
  EXPECT_EQ(ModeOf(keys), 0700);
  EXPECT_EQ(ModeOf(keys + "/x509-CA-A.key.pem"), 0600);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(keys)) ++files;
  EXPECT_EQ(files, 1u) << "no temporary files left behind";

  auto reopened = Unwrap(DiskKeyManager::Open(keys));
  EXPECT_TRUE(Unwrap(reopened->GetKey("x509-CA-A")).public_key() == pub);
}

TEST(DiskKeyManagerTest, RefusesKeyFilesOthersCanRead) {
  TempDir dir;
  std::string keys = dir.File("keys");
  {
    auto km = Unwrap(DiskKeyManager::Open(keys));
    ASSERT_TRUE(km->GenerateKey("k", crypto::KeyType::kEcP256).ok());
  }
  ::chmod((keys + "/k.key.pem").c_str(), 0644);
  auto opened = DiskKeyManager::Open(keys);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(opened.error().message.find("0644"), std::string::npos);
}

TEST(DiskKeyManagerTest, CorruptKeyFileIsAClearError) {
  TempDir dir;
  std::string keys = dir.File("keys");
  auto km = Unwrap(DiskKeyManager::Open(keys));
  edgeid::testing::WriteTestFile(keys + "/broken.key.pem", "-----BEGIN PRIVATE KEY-----\nxx\n");
  ::chmod((keys + "/broken.key.pem").c_str(), 0600);
  auto r = km->GetKey("broken");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("broken.key.pem"), std::string::npos);
}

TEST(DiskKeyManagerTest, RefusesAFileWhereTheDirectoryShouldBe) {
  TempDir dir;
  edgeid::testing::WriteTestFile(dir.File("file"), "x");
  EXPECT_FALSE(DiskKeyManager::Open(dir.File("file")).ok());
}

}  // namespace
}  // namespace edgeid::keymanager
