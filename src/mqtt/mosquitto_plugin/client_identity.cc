#include "mqtt/mosquitto_plugin/client_identity.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "common/atomic_file.h"
#include "crypto/certificate.h"
#include "spiffe/own_trust_domain_source.h"

namespace edgeid::mqtt {
namespace {

// A bundle file is a handful of CA certificates; anything near this is not one.
constexpr size_t kMaxBundleFileBytes = 1u << 20;

}  // namespace

bool TrustBundleFile::Stamp::operator==(const Stamp& other) const {
  return dev == other.dev && ino == other.ino && size == other.size &&
         mtime.tv_sec == other.mtime.tv_sec && mtime.tv_nsec == other.mtime.tv_nsec &&
         ctime.tv_sec == other.ctime.tv_sec && ctime.tv_nsec == other.ctime.tv_nsec;
}

Result<TrustBundleFile::Stamp> TrustBundleFile::StampOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Unavailable("plugin_opt_trust_bundle " + path + ": " + std::strerror(errno));
  }
  return Stamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
}

Result<spiffe::X509Bundle> TrustBundleFile::Read(const std::string& path,
                                                 const spiffe::TrustDomain& td) {
  const std::string where = "plugin_opt_trust_bundle " + path;
  auto pem = ReadFile(path, kMaxBundleFileBytes);
  if (!pem.ok()) return pem.error().Wrap("plugin_opt_trust_bundle");
  auto certs = crypto::ParseCertificatesPem(*pem);
  if (!certs.ok()) return certs.error().Wrap(where);
  if (certs->empty()) {
    return InvalidArgument(where + ": holds no PEM certificate: every client would be refused");
  }
  for (std::size_t i = 0; i < certs->size(); ++i) {
    const auto& cert = (*certs)[i];
    const std::string which =
        where + ": certificate #" + std::to_string(i + 1) + " (" + cert.subject() + ")";
    auto profile = spiffe::CheckSigningCertificateProfile(cert);
    if (!profile.ok()) return profile.error().Wrap(which);
    for (const auto& uri : cert.uri_sans()) {
      // Parsed already by the profile check.
      auto id = spiffe::SpiffeId::Parse(uri);
      if (id.ok() && !id->MemberOf(td)) {
        return InvalidArgument(which + " is a CA of trust domain " +
                               std::string(id->trust_domain_name()) + ", not " + td.name() +
                               ": the file must hold the broker's own trust domain only");
      }
    }
  }
  return spiffe::X509Bundle(td, *certs);
}

Result<TrustBundleFile> TrustBundleFile::Load(const std::string& path,
                                              const spiffe::TrustDomain& td) {
  // The stamp is taken first: a change racing the read is seen at the next check.
  auto stamp = EDGEID_TRY(StampOf(path));
  auto bundle = EDGEID_TRY(Read(path, td));
  return TrustBundleFile(path, std::move(bundle), stamp);
}

Result<bool> TrustBundleFile::RefreshIfChanged() {
  auto stamp = StampOf(path_);
  if (!stamp.ok()) {
    // A missing file is reported once, like a bad one; it counts as a change when it returns.
    if (stamp_.size == -1) return false;
    stamp_ = Stamp{};
    return stamp.error();
  }
  if (*stamp == stamp_) return false;
  stamp_ = *stamp;
  bundle_ = EDGEID_TRY(Read(path_, bundle_.trust_domain()));
  return true;
}

Status TrustBundleFile::Reload() {
  auto stamp = EDGEID_TRY(StampOf(path_));
  auto bundle = EDGEID_TRY(Read(path_, bundle_.trust_domain()));
  stamp_ = stamp;
  bundle_ = std::move(bundle);
  return OkStatus();
}

Result<spiffe::SpiffeId> ClientSpiffeId(X509* leaf, const spiffe::X509Bundle& own,
                                        spiffe::TimePoint now) {
  if (leaf == nullptr) return Unauthenticated("no client certificate");
  const crypto::Certificate cert(leaf);
  auto id = spiffe::CheckLeafProfile(cert);
  if (!id.ok()) return Unauthenticated("certificate is not an X509-SVID: " + id.error().message);
  const auto& td = own.trust_domain();
  if (!id->MemberOf(td)) {
    return Unauthenticated(id->str() + " is not in the broker's trust domain " + td.name());
  }
  // The broker's TLS layer accepted any authority of its cafile, federated roots included; an
  // ID of the own trust domain counts only when the own domain's authorities issued it.
  spiffe::OwnTrustDomainSource source(own);
  auto verified = spiffe::VerifyX509Svid({cert}, source, now);
  if (!verified.ok()) {
    return Unauthenticated(verified.error().message + " (against plugin_opt_trust_bundle)");
  }
  return verified->id;
}

}  // namespace edgeid::mqtt
