#include "keymanager/disk/disk_key_manager.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/atomic_file.h"

namespace edgeid::keymanager {
namespace {

constexpr std::string_view kSuffix = ".key.pem";

Status CheckPrivate(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Unavailable("stat " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return PermissionDenied("key file " + path + " has mode " + mode +
                            "; it must not be accessible to group or others (expected 0600)");
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<DiskKeyManager>> DiskKeyManager::Open(const std::string& directory) {
  std::error_code ec;
  if (!std::filesystem::exists(directory, ec)) {
    std::filesystem::create_directories(directory, ec);
    if (ec) return Unavailable("creating key directory " + directory + ": " + ec.message());
    ::chmod(directory.c_str(), 0700);
  }
  if (!std::filesystem::is_directory(directory, ec)) {
    return InvalidArgument("key directory " + directory + " is not a directory");
  }
  std::unique_ptr<DiskKeyManager> km(new DiskKeyManager(directory));
  for (const auto& id : km->ListKeyIds()) EDGEID_RETURN_IF_ERROR(CheckPrivate(km->PathFor(id)));
  return km;
}

std::string DiskKeyManager::PathFor(std::string_view key_id) const {
  return directory_ + "/" + std::string(key_id) + std::string(kSuffix);
}

Result<crypto::PrivateKey> DiskKeyManager::GenerateKey(std::string_view key_id,
                                                       crypto::KeyType type) {
  EDGEID_RETURN_IF_ERROR(ValidateKeyId(key_id));
  auto key = EDGEID_TRY(crypto::PrivateKey::Generate(type));
  auto pem = EDGEID_TRY(key.ToPkcs8Pem());
  std::lock_guard lock(mu_);
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(PathFor(key_id), pem, 0600));
  cache_.insert_or_assign(std::string(key_id), key);
  return key;
}

Result<crypto::PrivateKey> DiskKeyManager::GetKey(std::string_view key_id) const {
  EDGEID_RETURN_IF_ERROR(ValidateKeyId(key_id));
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(key_id); it != cache_.end()) return it->second;
  std::string path = PathFor(key_id);
  auto pem = ReadFile(path);
  if (!pem.ok()) {
    if (pem.error().code == ErrorCode::kNotFound) {
      return NotFound("no key with ID \"" + std::string(key_id) + "\" in " + directory_);
    }
    return pem.error();
  }
  EDGEID_RETURN_IF_ERROR(CheckPrivate(path));
  auto key = crypto::PrivateKey::FromPem(*pem);
  if (!key.ok()) return key.error().Wrap("key file " + path);
  cache_.insert_or_assign(std::string(key_id), *key);
  return key;
}

Status DiskKeyManager::DeleteKey(std::string_view key_id) {
  EDGEID_RETURN_IF_ERROR(ValidateKeyId(key_id));
  std::lock_guard lock(mu_);
  cache_.erase(std::string(key_id));
  if (::unlink(PathFor(key_id).c_str()) != 0) {
    if (errno == ENOENT) return NotFound("no key with ID \"" + std::string(key_id) + "\"");
    return Unavailable("deleting " + PathFor(key_id) + ": " + std::strerror(errno));
  }
  return OkStatus();
}

std::vector<std::string> DiskKeyManager::ListKeyIds() const {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() > kSuffix.size() && name.ends_with(kSuffix) && name.front() != '.') {
      ids.push_back(name.substr(0, name.size() - kSuffix.size()));
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace edgeid::keymanager
