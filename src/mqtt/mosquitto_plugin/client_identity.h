// The SPIFFE ID a TLS client proves with its certificate, as the broker sees it.
#pragma once

#include <openssl/x509.h>
#include <sys/types.h>

#include <ctime>
#include <string>

#include "common/result.h"
#include "spiffe/spiffe_id.h"
#include "spiffe/x509_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::mqtt {

// The X.509 authorities of the broker's own trust domain (plugin_opt_trust_bundle), apart from
// Mosquitto's `cafile`, which may also hold federated domains' roots (edgeid-helper writes them
// there with include_federated_domains): only these authorities may vouch for an ID of the own
// trust domain.
class TrustBundleFile {
 public:
  // Refuses, naming the file: an unreadable file, malformed PEM, a file without certificates, a
  // certificate that is not a CA, and a CA whose SPIFFE ID is of another trust domain (a
  // federated bundle given by mistake).
  static Result<TrustBundleFile> Load(const std::string& path, const spiffe::TrustDomain& td);

  // Reads the file again when it is not the file last read (another inode, size, mtime or
  // ctime: edgeid-helper replaces it by rename): true when it took new authorities, false when
  // the file is the same. When the new content is bad the authorities read before stay and the
  // error is returned once; the file is read again only after it changes again.
  Result<bool> RefreshIfChanged();
  // Reads the file again whatever its stamp (SIGHUP); keeps the authorities on error.
  Status Reload();

  const std::string& path() const { return path_; }
  const spiffe::X509Bundle& bundle() const { return bundle_; }

 private:
  struct Stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    timespec mtime{};
    timespec ctime{};
    bool operator==(const Stamp& other) const;
  };
  TrustBundleFile(std::string path, spiffe::X509Bundle bundle, Stamp stamp)
      : path_(std::move(path)), bundle_(std::move(bundle)), stamp_(stamp) {}
  static Result<Stamp> StampOf(const std::string& path);
  static Result<spiffe::X509Bundle> Read(const std::string& path, const spiffe::TrustDomain& td);

  std::string path_;
  spiffe::X509Bundle bundle_;
  Stamp stamp_;
};

// Mosquitto 2.0 gives plugins the client's leaf certificate only (mosquitto_client_certificate),
// not the intermediates it sent; its TLS layer has verified the whole chain against `cafile`.
// This applies the X509-SVID leaf rules (one URI SAN that is a SPIFFE ID with a path, not a CA),
// requires the ID to be of the own trust domain, and verifies the leaf again, at `now`, against
// the own trust domain's authorities alone: its issuer must be one of them (a root, or an
// intermediate the file holds). `leaf` null means the client sent no certificate.
Result<spiffe::SpiffeId> ClientSpiffeId(X509* leaf, const spiffe::X509Bundle& own,
                                        spiffe::TimePoint now);

}  // namespace edgeid::mqtt
