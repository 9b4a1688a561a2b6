#include "httpsserver/serving_identity.h"

#include <openssl/evp.h>

#include "common/atomic_file.h"

namespace edgeid {

Result<std::unique_ptr<ServingIdentity>> ServingIdentity::Load(ServingFiles files) {
  std::unique_ptr<ServingIdentity> identity(new ServingIdentity(std::move(files)));
  auto stamps = identity->Stamps();
  identity->current_ = EDGEID_TRY(identity->Read());
  identity->stamps_ = stamps;
  return identity;
}

std::pair<FileStamp, FileStamp> ServingIdentity::Stamps() const {
  auto stamp = [](const std::string& path) {
    FileStamp s;
    struct stat st {};
    if (stat(path.c_str(), &st) == 0) {
      s.inode = st.st_ino;
      s.ctime = st.st_ctim;
      s.size = st.st_size;
    }
    return s;
  };
  return {stamp(files_.cert_chain_file), stamp(files_.key_file)};
}

Result<std::shared_ptr<const ServingCredentials>> ServingIdentity::Read() const {
  auto cert_pem = ReadFile(files_.cert_chain_file);
  if (!cert_pem.ok()) return cert_pem.error().Wrap("serving certificate");
  auto chain = crypto::ParseCertificatesPem(*cert_pem);
  if (!chain.ok()) return chain.error().Wrap("serving certificate " + files_.cert_chain_file);
  if (chain->empty()) {
    return InvalidArgument("serving certificate " + files_.cert_chain_file + " holds none");
  }
  auto key_pem = ReadFile(files_.key_file);
  if (!key_pem.ok()) return key_pem.error().Wrap("serving key");
  auto key = crypto::PrivateKey::FromPem(*key_pem);
  if (!key.ok()) return key.error().Wrap("serving key " + files_.key_file);
  if (!(key->public_key() == (*chain)[0].public_key())) {
    return InvalidArgument("serving key " + files_.key_file + " does not match the certificate " +
                           files_.cert_chain_file);
  }
  return std::make_shared<const ServingCredentials>(
      ServingCredentials{std::move(*chain), std::move(*key)});
}

Result<bool> ServingIdentity::ReloadIfChanged() {
  auto stamps = Stamps();
  {
    std::lock_guard lock(mu_);
    if (stamps == stamps_) return false;
  }
  auto fresh = Read();
  std::lock_guard lock(mu_);
  stamps_ = stamps;  // a broken pair is reported once, and read again at its next change
  if (!fresh.ok()) return fresh.error();
  current_ = std::move(*fresh);
  return true;
}

std::shared_ptr<const ServingCredentials> ServingIdentity::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

}  // namespace edgeid
